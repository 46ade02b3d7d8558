"""The one matcher that links rules, checklist items and failures to runbook sections.

It scores a text against every section: words of the section's title count most, then its
symptom / root cause / fix lines, then the rest of its body, each word weighted by how rare it is
across the runbooks (so "the" and "test" decide nothing, "os.environ" decides a lot). Below the
threshold a text is linked to nothing rather than linked wrongly.
"""

from __future__ import annotations

import builtins
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from runbook_guard.hooks.labels import CAUSE_LABELS, FIX_LABELS, SYMPTOM_LABELS
from runbook_guard.hooks.runbook import Section

WORD = re.compile(r"[a-z0-9]+(?:[._][a-z0-9]+)*")
STOPWORDS = frozenset(
    """a an and are as at be been but by can do does for from has have how if in into is it its
    not of on or so than that the their then there these this to was were what when where which
    who will with without you your all any each every must should never always only use used
    using check checks run one two no yes via per also more most""".split()
)
TITLE_WEIGHT, FIELD_WEIGHT, BODY_WEIGHT = 3.0, 2.0, 1.0
FIELDS = (
    "symptom",
    "root cause",
    "cause",
    "fix",
    "issue",
    "problem",
    "quick fix",
    "diagnosis",
    "keywords",
    "repetition prevention keywords",
    "error",
    "signature",
)
DEFAULT_THRESHOLD = 0.34
CLEAR_WINNER = 1.8  # below the threshold, the best section must score this many times the next
BOLD = re.compile(r"\*\*([^*]+)\*\*")


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


TIMED_OUT = re.compile(r"\btim(?:ed|es|ing) out\b", re.I)
# The tail of every exception name: it says nothing about which one.
GENERIC_PARTS = frozenset({"error", "exception", "warning", "exit", "interrupt"})
CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
BUILTIN_NAMES = frozenset(dir(builtins))


def tokens(text: str) -> list[str]:
    """Lower-cased, stemmed words; `os.environ` also yields `os`, `environ` and `osenviron`,
    `ModuleNotFoundError` also `module`, `found`, `error`. Bare numbers are dropped: in titles
    they are list numbering, in failures they are run-specific."""
    out: list[str] = []
    text = TIMED_OUT.sub("timeout", text)  # "Read timed out" is a read timeout
    for raw in re.finditer(r"[A-Za-z0-9]+(?:[._][A-Za-z0-9]+)*", text):
        word = raw[0].lower()
        parts = [p for p in re.split(r"[._]", word) if p]
        if len(parts) > 1:
            out.append("".join(parts))
        for part in parts:
            if part not in STOPWORDS and len(part) > 1 and not part.isdigit():
                out.append(_stem(part))
        camel = CAMEL.findall(raw[0])
        if len(camel) > 1:
            parts = [c.lower() for c in camel if len(c) > 2]
            out.extend(_stem(c) for c in parts if c not in STOPWORDS and c not in GENERIC_PARTS)
    return out


def plain_words(text: str, leave_out: frozenset[str] = frozenset()) -> set[str]:
    """A text's words as a reader sees them, stemmed: `WebSocket` is one word, "won't" one;
    numbers, stop words and `leave_out` are left out."""
    return set(plain_sequence(text, leave_out))


def plain_sequence(text: str, leave_out: frozenset[str] = frozenset()) -> list[str]:
    """`plain_words` in the order the text says them."""
    words = re.findall(r"[a-z]+(?:'[a-z]+)?", text.lower())
    return [_stem(word) for word in words if word not in STOPWORDS and word not in leave_out]


def name_words(name: str) -> set[str]:
    """An exception's name as a runbook writes it in words, its generic tail ("error") left
    out: `OutOfMemoryError` is "out of memory", `UnpicklingError` "unpickling". Empty for a
    built-in exception of one word (`ValueError`): "value" in a runbook says nothing."""
    short = name.rsplit(".", 1)[-1]
    if not re.fullmatch(r"[A-Za-z0-9]+", short):
        return set()
    parts = [c.lower() for c in CAMEL.findall(short) if len(c) > 1]
    specific = [p for p in parts if p not in GENERIC_PARTS and p not in STOPWORDS]
    if len(parts) < 2 or not specific or (len(specific) == 1 and short in BUILTIN_NAMES):
        return set()
    return {_stem(p) for p in specific}


@dataclass(frozen=True)
class Phrase:
    """An exception's name (or a rule's keyword) as the tokens a section's line must hold."""

    words: frozenset[str]
    symptom_only: bool = False  # found only in what a section says a failure looks like
    builtin: str = ""  # a built-in exception's bare name, lower case

    def on(self, lines: Sequence[set[str]], symptom_lines: Sequence[set[str]]) -> bool:
        return any(
            self.words <= line and not self._qualified_on(line)
            for line in (symptom_lines if self.symptom_only else lines)
        )

    def _qualified_on(self, line: set[str]) -> bool:
        """A runbook's `cache.ConnectionError` is the cache's, not any `ConnectionError`."""
        return bool(self.builtin) and any(
            word != self.builtin and word.endswith(self.builtin) for word in line
        )


def _phrase_tokens(phrases: Sequence[str]) -> list[Phrase]:
    """A phrase of two or more words, or one long distinctive word (an exception name); an
    exception name also as its words, those of a one-word name (`UnpicklingError`,
    `ConfigurationError`) only where a section describes its symptom: "configuration" in a
    link to another file says nothing."""
    kept = [
        Phrase(words, builtin=p.lower() if p in BUILTIN_NAMES else "")
        for p in phrases
        if len(words := frozenset(tokens(p))) >= 2 or len(next(iter(words), "")) >= 10
    ]
    named = [frozenset(words) for p in phrases if (words := name_words(p))]
    return kept + [Phrase(words, symptom_only=len(words) == 1) for words in named]


SETTING_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")


def words(text: str) -> list[frozenset[str]]:
    """The tokens of each word of `text`, one set per word: `os.environ` and `CommandError` are
    one word each, however many tokens they give; a setting's name is its words
    (`GOOGLE_OAUTH_CLIENT_ID` says "google", "oauth", "client"), a function's is not."""
    found = []
    for raw in re.finditer(r"[A-Za-z0-9]+(?:[._][A-Za-z0-9]+)*", text):
        parts = raw[0].split("_") if SETTING_NAME.fullmatch(raw[0]) else [raw[0]]
        found += [frozenset(tokens(part)) for part in parts]
    return [word for word in found if word]


# A word of prose: no part of a dotted, underscored or CamelCase name of code, nor a call.
PROSE_WORD = re.compile(r"(?<![\w.])[A-Za-z][a-z]+(?![\w.(])")
QUOTED_WORD = re.compile(r"(['\"`])[\w.-]+\1")


def prose_tokens(text: str) -> set[str]:
    """The tokens of what a text says rather than the code it names: its words of prose and
    the settings it names (`DATABASE_URL` is "database", "url"), not `AgentRegistry.__init__`
    or `llm_manager`."""
    # a word quoted alone is a value or a name (`unexpected keyword argument 'timeout'`)
    said = PROSE_WORD.findall(QUOTED_WORD.sub(" ", text))
    said += [part for name in SETTING_NAME.findall(text) for part in name.split("_")]
    return set(tokens(" ".join(said)))


@dataclass(frozen=True)
class Match:
    section: Section
    score: float


class Matcher:
    """Scores texts against a fixed set of runbook sections."""

    def __init__(self, sections: Sequence[Section], threshold: float = DEFAULT_THRESHOLD) -> None:
        self.sections = list(sections)
        self.threshold = threshold

    @cached_property
    def _lines(self) -> list[list[set[str]]]:
        """Each section's title and body lines as token sets, for phrase matches."""
        return [
            [set(tokens(section.title))]
            + [set(tokens(line)) for line in section.body.splitlines() if line.strip()]
            for section in self.sections
        ]

    @cached_property
    def _symptom_lines(self) -> list[list[set[str]]]:
        return [[set(tokens(text)) for text in symptoms(section)] for section in self.sections]

    @cached_property
    def _weights(self) -> list[dict[str, float]]:
        weighted = []
        for section in self.sections:
            weights: dict[str, float] = {}
            for word in tokens(section.body):
                weights[word] = BODY_WEIGHT
            for phrase in BOLD.findall(section.body):
                for word in tokens(phrase):
                    weights[word] = max(weights.get(word, 0), FIELD_WEIGHT)
            for key, value in section.fields.items():
                if any(key.startswith(f) for f in FIELDS):
                    for word in tokens(value):
                        weights[word] = max(weights.get(word, 0), FIELD_WEIGHT)
            for word in tokens(section.title):
                weights[word] = TITLE_WEIGHT
            weighted.append(weights)
        return weighted

    @cached_property
    def _idf(self) -> dict[str, float]:
        df: Counter[str] = Counter()
        for weights in self._weights:
            df.update(weights.keys())
        n = max(len(self.sections), 1)
        return {w: math.log(1 + n / c) for w, c in df.items()}

    def scores(self, text: str, phrases: Sequence[str] = ()) -> list[Match]:
        """Every section with a score in [0, 1], best first.

        A phrase whose words all stand on one line of a section counts as if it were in the
        title: "never add fallbacks without explicit design" in a list of strategies is as
        telling as a heading."""
        query = set(tokens(text))
        phrase_tokens = _phrase_tokens(phrases)
        query.update(*(phrase.words for phrase in phrase_tokens))
        idf = self._idf
        default_idf = math.log(1 + max(len(self.sections), 1))
        # unknown words cannot match anything; they still dilute the score a little
        total = sum(idf.get(w, default_idf * 0.25) for w in query) * TITLE_WEIGHT
        if not total:
            return []
        ranked = []
        for section, weights, lines, symptom_lines in zip(
            self.sections, self._weights, self._lines, self._symptom_lines, strict=True
        ):
            boosted = dict(weights)
            for phrase in phrase_tokens:
                if phrase.on(lines, symptom_lines):
                    boosted.update(dict.fromkeys(phrase.words, TITLE_WEIGHT))
            score = sum(idf[w] * boosted[w] for w in query if w in boosted) / total
            ranked.append(Match(section, min(score, 1.0)))
        ranked.sort(key=lambda m: (-m.score, m.section.level, m.section.line))
        return ranked

    def best(
        self,
        text: str,
        phrases: Sequence[str] = (),
        *,
        min_words: int = 1,
        ignore: frozenset[str] = frozenset(),
        threshold: float | None = None,
    ) -> Match | None:
        """The best section if its score reaches the threshold (the matcher's unless given) and
        the section shares at least `min_words` words with the text (words made only of `ignore`
        tokens not counted), else None."""
        return self.pick(
            self.scores(text, phrases),
            text,
            phrases,
            min_words=min_words,
            ignore=ignore,
            threshold=threshold,
        )

    def pick(
        self,
        ranked: Sequence[Match],
        text: str,
        phrases: Sequence[str] = (),
        *,
        min_words: int = 1,
        ignore: frozenset[str] = frozenset(),
        threshold: float | None = None,
    ) -> Match | None:
        """`best` on the scores of `text` already computed (`ranked`, as `scores` gave them):
        a caller that also weighs the runner-up scores the text once."""
        if not ranked:
            return None
        bar = self.threshold if threshold is None else threshold
        if ranked[0].score < bar / 2:
            return None
        evidence = self.evidence(text, ranked[0], phrases, ignore) if min_words > 1 else 0
        if ranked[0].score < bar:
            # a long failure (hosts, ports, paths) dilutes the score: a clear winner with more
            # evidence than asked for is still its section
            runner_up = ranked[1].score if len(ranked) > 1 else 0.0
            clear = ranked[0].score >= CLEAR_WINNER * runner_up
            if min_words <= 1 or evidence < min_words + 1 or not clear:
                return None
        if min_words > 1 and evidence < min_words:
            return None
        return ranked[0]

    def evidence(
        self,
        text: str,
        match: Match,
        phrases: Sequence[str] = (),
        ignore: frozenset[str] = frozenset(),
    ) -> int:
        """How many distinct words of `text` the matched section contains, plus two when a
        phrase (an exception's name) stands whole on one of its lines. One shared word is chance
        ("order", "value"); three, or the exception a section's symptom line names, are a
        signature."""
        weights = self._weights[self._position[id(match.section)]]
        shared = {word - ignore for word in words(text) if (word - ignore) & weights.keys()}
        return len(shared) + (2 if self.names(match, phrases) else 0)

    def names(self, match: Match, phrases: Sequence[str]) -> bool:
        """Does one of the matched section's lines hold a phrase (an exception's name) whole? A
        built-in exception (`RuntimeError`) is raised for every kind of problem: its name on a
        section's line is no signature."""
        i = self._position[id(match.section)]
        return any(
            phrase.on(self._lines[i], self._symptom_lines[i])
            for phrase in _phrase_tokens(phrases)
            if not phrase.builtin
        )

    def holds_any(self, match: Match, said: set[str]) -> bool:
        """Does the matched section hold one of the tokens `said` (`prose_tokens` of a failure:
        what it says, not the names of code it mentions)?"""
        weights = self._weights[self._position[id(match.section)]]
        return not said.isdisjoint(weights)

    @cached_property
    def _position(self) -> dict[int, int]:
        """Each section's place in `sections`, by identity (a Section compares by its fields)."""
        return {id(section): i for i, section in enumerate(self.sections)}


# -- failures: what a section says of a failure -------------------------------------------------

# Fields that explain a failure (a symptom, a cause, a fix), in the runbook formats seen.
EXPLAINING = (
    "symptom",
    "root cause",
    "cause",
    "fix",
    "error",
    "problem",
    "issue",
    "diagnosis",
    "resolution",
    "remedy",
    "explanation",
    "solution",
    "signature",
    "keywords",
    "quick fix",
)
# A field in plain words at the start of a line: `Cause: ...`, `Root cause - ...`
PLAIN_LABEL = re.compile(r"^\s*(?:[-*]\s+)?([A-Z][a-z]+(?: [a-z]+)?)\s*[:\u2014-]\s+\S")
NUMBERED_STEP = re.compile(r"\s*\d+[.)]\s")
LIST_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,}).*?^\1\2[ \t]*$", re.M | re.S)
# a quote may wrap onto the paragraph's next lines (two at most), never across a blank one; a
# code span opened with two backticks holds single ones (``version `GLIBC_2.29' not found``)
QUOTED = re.compile(
    r"``\s?([^\n]{1,200}?(?:\n[^\n]{1,200}?){0,2})\s?``(?!`)"
    r'|"([^"\n]{1,200}(?:\n[^"\n]{1,200}){0,2})"'
    r"|\u201c([^\u201d\n]{1,200}(?:\n[^\u201d\n]{1,200}){0,2})\u201d"
    r"|`([^`\n]{1,200}(?:\n[^`\n]{1,200}){0,2})`"
)
# A class's name: qualified (`shop.errors.TokenRejected`) or an exception's (`PoolTimeoutError`)
EXCEPTION_NAME = re.compile(r"(?:[a-z_]\w*\.)+[A-Z]\w*|[\w.]*(?:Error|Exception|Warning)")
# A line that is an exception and its message: `jsonschema.exceptions.RefResolutionError: ...`
EXCEPTION_LINE = re.compile(r"\s*(?:[a-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Warning):\s+\S")
# A kind of error in words, not a message: dbt's `Database Error` heads every database failure.
ERROR_KIND = re.compile(r"(?i)[a-z]+[ _-](?:error|exception|warning|failure)")
# Code, not an error's text: a path, an assignment (`HTTP_TIMEOUT=30`, not an error's
# `[type=int_parsing, input_value='']`), a call, braces, a Python file
CODE_QUOTE = re.compile(r"[\w.~]/|/[\w.]|[{}\\]|^[\w.\[\]'\"]+\s*=|==|\w\(|\.py\b")
# A command or a statement to type, not what a failure prints: `pip install httpx[http2]`,
# `import mlflow`, `docker compose up -d`
COMMAND_QUOTE = re.compile(
    r"^(?:\$ )?(?:pip3?|python3?|import|from [\w.]+ import|git|docker|make|npm|npx|yarn|kubectl"
    r"|gcloud|aws|az|curl|sudo|apt(?:-get)?|brew|poetry|uv|conda|helm|terraform) [\w.-]"
)
# A compiler's or loader's message, a path before it (`c/_backend.c:15:10: fatal error:
# ffi.h: No such file or directory`): a message, though it holds a path
DIAGNOSTIC = re.compile(r"(?:^|:\d+: |: )(?:fatal )?error: [a-z]")
FILE_NAME = re.compile(
    r"[\w.-]+\.(?:txt|py|pyi|toml|ya?ml|json|cfg|ini|md|rst|lock|sh|env|conf|xml|csv|log|sql|in)"
)
# What stands for the part that differs from one failure to the next: `...`, `<user>`, and a
# name in single quotes (`cannot import name 'X' from ... module 'pkg.y'`)
PLACEHOLDER = re.compile(
    r"<[^<>\n]{1,40}>|\.\.\.|\u2026|'[^'\s]{1,60}'"
    # a quoted URL is the run's own, as a quoted name is (`at URL "http://.../<name>.gz"`)
    r"|\"[a-z][a-z0-9+.-]*://[^\"\s]{1,200}\"|'[a-z][a-z0-9+.-]*://[^'\s]{1,200}'"
)
ERROR_TEXT = re.compile(r"(?:Error|Exception|Failure)\b|\b(?:ERROR|CRITICAL|FATAL|Traceback)\b")
# An error's name in a heading: an exception class (`TimeoutError`) or an error code spelled in
# three or more capitalised words (`BucketAlreadyOwnedByYou`, `NoSuchKey`)
ERROR_NAME_HEADING = re.compile(r"\b\w+(?:Error|Exception)\b|\b[A-Z][a-z]+(?:[A-Z][a-z]+){2,}\b")
# A heading that names a failing state ("When Docker Won't Start", "If the build hangs"): the
# commands under it are what to do about that failure
FAILURE_HEADING = re.compile(
    r"^(?:when|if)\b.*\b(?:won'?t|doesn'?t|don'?t|can'?t|cannot|fails?|hangs?|crash(?:es)?"
    r"|is down|not|stuck|times? out)\b",
    re.I,
)
# A heading that is the failure as a reader meets it: "If you see ...", "When you get ..."
SEEN_HEADING = re.compile(r"(?:if|when) you (?:see|get|hit|meet)\b", re.I)
VARIABLE = re.compile(
    r"0x[0-9a-f]+|[0-9a-f]{8}-[0-9a-f-]{27}"
    # a number after "code", "data" ... is the error's own code, not a value of this run
    r"|(?<![\d.])(?<!data )(?<!code )(?<!errno )(?<!error )(?<!status )"
    r"(?<!code: )(?<!errno: )(?<!status: )\d+(?:\.\d+)*"
)
NAME_TEMPLATE = re.compile(
    r"(?:module |(?:type )?object )?has no attribute|cannot import name(?: from)?|no module named"
    r"|got an unexpected keyword argument|object is not (?:subscriptable|callable|iterable)"
    r"|(?:name )?is not defined"
)
EXCEPTION_PREFIX = re.compile(r"^\s*[\w.]*(?:Error|Exception|Warning):\s*")
LITERAL_NAMES_PLACEHOLDER = re.compile(r"<[^<>\n]{1,40}>|\.\.\.|\u2026")
DIGITS_STAND_IN = re.compile(r"\b(\d)([xX]{1,2})\b")
# A runbook's stand-in for a number in a quoted error: "Recursion limit of N reached", "(Ns)",
# "IR version: X, max supported IR version: Y", "timed out after N.NN seconds"
NUMBER_STAND_IN = re.compile(r"\b(?:N+\.N+|[NXY])(?=(?:s|ms|MB|GB|KB)?(?![\w-]))")


# A form's blank to fill in (`Root Cause: _______________`): a field that explains nothing
FORM_BLANK = re.compile(r"_{3,}")
TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
TABLE_RULE = re.compile(r"^[\s|:-]+$")
# What a quick-reference row points to: section numbers ("3", "18, 19", "§4", "Issue 2") or
# links to anchors (`[Timeouts](#6-timeouts)`)
ROW_TARGETS = re.compile(
    r"^(?:(?:§|#|issue|section|see)?\s*\d+(?:\.\d+)*[,;/& ]*(?:and\s*)?)+$", re.I
)
ANCHOR_LINK = re.compile(r"\]\(#([^)\s]+)\)")
# A link to a runbook's section: `[X.md](./X.md#5-shared-state)`, `[above](#5-shared-state)`
SECTION_LINK = re.compile(r"\]\((?:\./)?([^)\s#]*)#([^)\s]+)\)")
# or the name another section goes by (`| NoRegionError | ClientWithoutRegion |` for the section
# `## ALERT: ClientWithoutRegion`): one name in capitalised words run together
ROW_NAME = re.compile(r"`?([A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+)`?")


def index_rows(section: Section) -> list[tuple[str, list[str]]]:
    """A quick-reference table's rows, each as what it says a failure looks like and the
    sections it points to (numbers, or `#anchors`): empty unless most of the section's rows
    point elsewhere. Such a table explains nothing itself; each row belongs to its target."""
    rows = []
    for line in FENCE.sub("", section.body).splitlines():
        match = TABLE_ROW.match(line)
        if not match or TABLE_RULE.match(line):
            continue
        cells = [cell.strip() for cell in match[1].split("|")]
        # a link to a section, in this file or another (`[Issue 2](./CONFIG.md#issue-2-...)`),
        # in any column after the first: what the row says before it is the failure's look
        linked = next((i for i, cell in enumerate(cells) if i and SECTION_LINK.search(cell)), None)
        if linked is not None:
            targets = [f"{path}#{anchor}" for path, anchor in SECTION_LINK.findall(cells[linked])]
            rows.append((" | ".join(cells[:linked]), targets))
            continue
        last = cells[-1].strip("* ")
        targets = [f"#{anchor}" for anchor in ANCHOR_LINK.findall(last)] or (
            re.findall(r"\d+(?:\.\d+)*", last) if ROW_TARGETS.match(last) else []
        )
        if not targets and len(cells) >= 2 and (name := ROW_NAME.fullmatch(last)):
            targets = [f"name:{name[1]}"]
        rows.append((" | ".join(cells[:-1]), targets))
    pointing = [row for row in rows if row[1]]
    return pointing if len(pointing) >= 2 and len(pointing) >= 0.6 * len(rows) else []


def explains(section: Section) -> bool:
    """Does the section describe a symptom, a cause or a fix (a field saying so, or prose)?
    A list of classes or files to verify explains no failure, however many names a failure
    shares with it; nor does a heading that only groups the sections under it (`## Modbus`),
    a quick-reference table pointing to the sections that do, a command to run, a form to fill
    in or a table of values."""
    if index_rows(section):
        return False
    if any(
        key.startswith(EXPLAINING) and not FORM_BLANK.fullmatch(value.strip())
        for key, value in section.fields.items()
    ):
        return True
    if not section.body.strip():
        return False
    # "If you see locale.Error: ...": what follows, steps or not, is what to do about it
    if SEEN_HEADING.match(section.title):
        return True
    lines = [line for line in FENCE.sub("", section.body).splitlines() if line.strip()]
    # a plain label says so as a bold one does (`Cause: we name sheets after data ...`)
    if any(
        (label := PLAIN_LABEL.match(line)) and label[1].lower().startswith(EXPLAINING)
        for line in lines
    ):
        return True
    if not lines:
        # only code: an error it shows (a log excerpt) explains; a command to run does not,
        # unless the heading above it names the error (`## BucketAlreadyOwnedByYou in CI`) or
        # a failing state (`### When Docker Won't Start`)
        return bool(
            ERROR_TEXT.search(section.body)
            or ERROR_NAME_HEADING.search(section.title)
            or FAILURE_HEADING.search(section.title)
        )
    # a list, a checklist or a table of values explains nothing; a table whose columns say
    # what you see and what to do ("Symptom | Cause | Fix") does, as does one whose rows do
    # (`| **Symptom** | ... |` then `| **Root cause** | ... |`, under an empty header)
    tables = [line for line in lines if TABLE_ROW.match(line)]
    explaining_table = any(any(word in EXPLAINING for word in tokens(row)) for row in tables[:1])
    explaining_table = explaining_table or any(
        any(word in EXPLAINING for word in tokens(_label(row.strip().strip("|").split("|")[0])))
        for row in tables
    )
    # so does a table of fields in the team's own labels, prose beside each (`| What you get |
    # a connection-closed error carrying close code 1009 ... |`): not a table of values
    explaining_table = explaining_table or _fields_table(tables)
    # a list of the team's own fields (`- Usually means: the partner saved ...`, `- Do: ...`)
    # says what went wrong and what to do, as a table of fields does
    if _fields_list(lines):
        return True
    if not tables and _only_a_list(lines):
        return False
    # a form's blanks (`Root Cause: ______`) are to fill in, not prose
    listed = sum(1 for line in lines if LIST_LINE.match(line) or FORM_BLANK.search(line))
    listed += 0 if explaining_table else len(tables)
    return listed < 0.6 * len(lines)


def _label(cell: str) -> str:
    """A first-column cell's words as a label, without the code or setting names in it: a row
    of `TORCH_NCCL_ASYNC_ERROR_HANDLING` is a setting's value, not an error's description."""
    return SETTING_NAME.sub(" ", INLINE_CODE.sub(" ", cell))


# A list item's label that says what a failure means or what to do about it, in a team's words
MEANING_LABELS = frozenset(
    {"means", "it means", "usually means", "because", *CAUSE_LABELS, *FIX_LABELS}
)
LIST_FIELD = re.compile(r"^\s*[-*+]\s+\**([A-Z][a-z]+(?: [a-z]+){0,3})\**\s*:\**\s*(.*)$")


def _fields_list(lines: list[str]) -> bool:
    """Is a section's list one of fields in the team's own labels (`- Message: ...`, `- Usually
    means: ...`, `- Do: ...`): two labels or more, one saying what the failure means or what to
    do, a sentence in one of them (its wrapped lines too)? An inventory's labelled facts
    (`- Proxy: ...`, `- Allowlist: ...`) are no such fields."""
    labels: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        if field := LIST_FIELD.match(line):
            current = labels.setdefault(field[1].lower(), [])
            current.append(field[2])
        elif current is not None and line[:1].isspace() and not LIST_LINE.match(line):
            current.append(line)  # the item wrapped onto an indented line
        else:
            current = None
    return (
        len(labels) >= 2
        and any(label in MEANING_LABELS or label.startswith(EXPLAINING) for label in labels)
        and any(_a_sentence(" ".join(text)) for text in labels.values())
    )


def _only_a_list(lines: list[str]) -> bool:
    """Is a section's text one list and nothing else, its items wrapped onto indented lines
    (an inventory's facts, ground rules), no item a field (`- **Symptom.** ...`)?"""
    if not lines or not LIST_LINE.match(lines[0]):
        return False
    for line in lines:
        if LIST_LINE.match(line):
            if LIST_LINE.sub("", line).startswith("**"):
                return False
        elif not line[:1].isspace():
            return False
    return True


# A table of fields: labels of a few words down its first column, a sentence beside one of them
FIELD_LABEL_WORDS, FIELD_PROSE_WORDS = 4, 8
INLINE_CODE = re.compile(r"`[^`\n]*`")


def _fields_table(rows: list[str]) -> bool:
    """Is a table a section's fields in the team's own labels, a label and its text on each
    row (`| Meaning | if the error says we sent the 1009 ... |`), one of them a sentence? Not a
    table of values: names, settings or code down its first column, or no prose beside them."""
    cells = [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]
    cells = [row for row in cells if not TABLE_RULE.match("|".join(row)) and any(row)]
    return (
        bool(cells)
        and all(
            len(row) == 2 and len(row[0].split()) <= FIELD_LABEL_WORDS and "`" not in row[0]
            for row in cells
        )
        and any(
            _a_sentence(row[1])
            # or the error itself, quoted beside its label (`| Text | `... fatal error: ...` |`)
            or any(_quoted_error(code) for code in INLINE_CODE.findall(row[1]))
            for row in cells
        )
    )


def _a_sentence(text: str) -> bool:
    """Does a field's text say a sentence (its code spans aside), not a name or a value?"""
    return len(PROSE_WORD.findall(INLINE_CODE.sub(" ", text))) >= FIELD_PROSE_WORDS


def _quoted_error(code: str) -> bool:
    """Is an inline code span an error's text: three words or more, one of them an error's?"""
    words = re.findall(r"[A-Za-z]{2,}", code)
    return len(words) >= 3 and bool(re.search(r"(?i)\berror\b|exception\b|\bfailed\b", code))


SYMPTOM_LABEL = re.compile(
    r"^\s*(?:[-*]\s+)?\**(?:symptoms?|errors?|signs?|failures?|what you see)\**:\**\s*(.*)$", re.I
)
ANY_LABEL = re.compile(r"^\s*(?:[-*]\s+)?\**[A-Z][\w ]{0,30}\**:(?:\s|\*|$)")


def symptoms(section: Section) -> list[str]:
    """What the section says a failure looks like: each paragraph labelled as a symptom (or
    error, signs, failure, "what you see"), bold or plain (`**Symptom:**`, `Signs:`), whole."""
    found: list[list[str]] = []
    current: list[str] | None = None
    for line in section.body.splitlines():
        if match := SYMPTOM_LABEL.match(line):
            current = [match[1]]
            found.append(current)
        elif current is not None and line.strip() and not ANY_LABEL.match(line):
            current.append(line.strip())
        else:
            current = None
    return [" ".join(lines).strip() for lines in found if any(lines)]


def signature_text(text: str) -> str:
    """Text as a quoted signature is compared: lower case, numbers, ids and addresses masked,
    blanks collapsed (a failure's own values never match a runbook's example values), typed
    quotes made plain (a runbook's editor curls the apostrophe the program printed straight)."""
    text = EXCEPTION_REPR.sub(r"\1: \3", text.translate(PLAIN_QUOTES))
    text = EXCEPTION_MODULE.sub("", text)
    return " ".join(VARIABLE.sub("0", text.lower()).split())


# An exception as its repr prints it, `ReadOnlyError("You can't write ...")` (a log line, a
# chord's or a pool's report): the same error as `ReadOnlyError: You can't write ...`
EXCEPTION_REPR = re.compile(r"\b([A-Z]\w*(?:Error|Exception|Warning))\((['\"])(.{3,300}?)\2,?\)")
# The module path before an exception's class: a runbook quotes
# `openpyxl.utils.exceptions.IllegalCharacterError: ...`, Celery logs `IllegalCharacterError('...')`
EXCEPTION_MODULE = re.compile(
    r"(?<![\w.])(?:[a-z_]\w*\.)+(?=[A-Z]\w*(?:Error|Exception|Warning)\b)"
)
PLAIN_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


# Words any failure prints: a quote made of nothing else ("unknown error") names no problem
GENERIC_FAILURE_WORDS = frozenset(
    tokens("error errors exception failed failure fatal unknown warning occurred problem issue")
)


# What a library or Python prints around every failure of its kind, the cause after it: a
# runbook quoting it ("it arrives wrapped in a `Max retries exceeded`") names no problem
WRAPPER_TEXT = re.compile(
    r"max retries exceeded(?: with url)?|traceback \(most recent call last\)"
    r"|the above exception was the direct cause(?: of the following exception)?"
    r"|during handling of the above exception,? another exception occurred"
    # uvicorn's and Starlette's line over every exception an app raises
    r"|exception in asgi application"
    # asyncio's line over every exception a task or future raised that nobody awaited
    r"|(?:task|future) exception was never retrieved"
)


def quoted_signatures(section: Section) -> list[tuple[str, ...]]:
    """The error text a section quotes (`"Token validation failed"`, `` `Not connected to
    ClickHouse` ``): the strongest signature a runbook gives. Prose of two words or more; not
    code (a path, a call, an assignment). An ellipsis or `<name>` stands for the variable part
    (`"QueuePool limit ... reached"`): each signature is its parts, to be found in order. A
    quote of words any failure prints ("unknown error") is no signature. A code block under
    a symptom shows the error itself: each line of three words or more is a signature."""
    # a numbered step says what to do: what it quotes is a command or a value to set
    # ("2. call `ensure_builder()` before `buildx build`"), not what the failure prints
    prose = "\n".join(
        line for line in FENCE.sub("", section.body).splitlines() if not NUMBERED_STEP.match(line)
    )
    # a title may quote the error it is about (`### Q5. Why does ... fail with `can't subtract
    # offset-naive and offset-aware datetimes`?`)
    found = quoted_in(section.heading or section.title) + quoted_in(prose)
    for block in section.code_blocks:
        lines = [line for line in block.code.splitlines() if len(line.strip()) <= 200]
        if not block.label:
            # under no label, a line that starts with an exception's name is the error shown
            lines = [line for line in lines if EXCEPTION_LINE.match(line)]
        elif not block.label.startswith(SYMPTOM_LABELS):
            continue  # a labelled block shows the error under a symptom's label only

        # the error as the section shows it, a line at a time
        found += [parts for line in lines if (parts := _signature(line, 3))]
    return found


def quoted_in(prose: str) -> list[tuple[str, ...]]:
    """The signatures quoted in a runbook's prose (see `quoted_signatures`)."""
    found = []
    for match in QUOTED.finditer(prose):
        quote = " ".join(next(g for g in match.groups() if g).split())
        if not 6 <= len(quote) <= 200:
            continue
        if (
            FILE_NAME.fullmatch(quote)
            or COMMAND_QUOTE.match(quote)
            or (CODE_QUOTE.search(PLACEHOLDER.sub(" ", quote)) and not DIAGNOSTIC.search(quote))
        ):
            # code: a path, an assignment, a call, a command, a file's name; a message in it
            # is the error's text (`raise TokenError("token validation failed")`,
            # `{"errorMessage": "... Task timed out after N.NN seconds"}`)
            if match.group(4) or match.group(1):
                found += [
                    parts
                    for text in CODE_STRING.findall(quote)
                    if not CODE_QUOTE.search(PLACEHOLDER.sub(" ", text))
                    and (parts := _signature(text, 3))
                ]
            continue
        if EXCEPTION_NAME.fullmatch(quote) or ERROR_KIND.fullmatch(quote):
            continue  # one class is raised for many problems: its name is no message
        if parts := _signature(quote, 2):
            found.append(parts)
    return found


# A string in code, double-quoted (a single quote is as often an apostrophe)
CODE_STRING = re.compile(r'"([^"\n]{6,200})"')
HOST_PORT = re.compile(r"(?<![\w./-])[A-Za-z][\w.-]*:\d{2,5}(?!\w|\.\w)")
DOTTED_NAME = re.compile(r"\b\w+(?:\.\w+)+\.?")
CLASS_AND_NUMBER = re.compile(r"[\w.]*[A-Z][a-z]\w*:\s*\(?\d+\)?")


def _signature(quote: str, min_words: int) -> tuple[str, ...]:
    """A quoted error's parts, split where a placeholder stands for what varies; none for a
    quote of fewer words than `min_words` besides its placeholders (`file <path>`), or of
    words every failure prints."""
    # a digit and x's stand for a number of as many digits (`cpython-3XX`, `HTTP 5xx`): a
    # number, masked as the failure's is
    quote = DIGITS_STAND_IN.sub(lambda found: found[1] + "0" * len(found[2]), quote)
    fixed = PLACEHOLDER.sub(" ", quote)
    if len(re.findall(r"[A-Za-z]{2,}", fixed)) < min_words:
        return ()
    # module paths with a class to fill in (`sqlalchemy.exc.<Class>: (psycopg2.errors.<Class>)
    # <message>`), or a class and a number (`influxdb_client.rest.ApiException: (401)`, the
    # number masked as every number is), quote no message: every failure of the family has it
    if CLASS_AND_NUMBER.fullmatch(fixed.strip()) or (
        ".<" in quote and not re.search("[A-Za-z]", DOTTED_NAME.sub(" ", fixed))
    ):
        return ()
    if set(tokens(fixed)) <= GENERIC_FAILURE_WORDS:
        return ()
    if WRAPPER_TEXT.fullmatch(signature_text(fixed).strip(" .:")):
        return ()
    # `N` stands for any number, as `...` for any text: an error's own code after "code N" is
    # kept in the failure's text (`signature_text`), so the quote's N cannot be a plain 0
    placeholder = PLACEHOLDER
    if python_message_names(quote):
        # Python's own message around names (`'Adapter' object has no attribute
        # 'update_policy'`) says nothing but its names: they are the quote's, not any name
        placeholder = LITERAL_NAMES_PLACEHOLDER
    pieces = [piece for part in placeholder.split(quote) for piece in NUMBER_STAND_IN.split(part)]
    if re.search(r"[A-Za-z]{2,}", HOST_PORT.sub(" ", fixed)):
        # the example's host and port in a message (`Connection refused (localhost:9000)`) are
        # where, as a failure's own are; a host quoted alone is the one the runbook means
        pieces = [piece for part in pieces for piece in HOST_PORT.split(part)]
    parts = [signature_text(piece) for piece in pieces]
    # a quote's closing full stop or "!" is the runbook's sentence, not the program's
    parts[-1] = parts[-1].rstrip(".!:;,")
    return tuple(part for part in parts if re.search(r"[a-z]", part))


def python_message_names(quote: str) -> list[str]:
    """The names in a quote of one of Python's own messages about names (`AttributeError:
    'Adapter' object has no attribute 'update_policy'`: "Adapter", "update_policy"), or none
    when the quote says more than that."""
    names = re.findall(r"'([^'\s]{1,60})'", quote)
    rest = re.sub(r"'[^'\s]{1,60}'", " ", EXCEPTION_PREFIX.sub("", quote))
    words = " ".join(re.findall(r"[a-z]+", rest.lower()))
    return names if names and NAME_TEMPLATE.fullmatch(words) else []


def contains_signature(text: str, parts: tuple[str, ...]) -> bool:
    """Are the signature's parts in `text` (as `signature_text` made it), in order?"""
    at = 0
    for part in parts:
        at = text.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return True


def rule_query(rule: object) -> tuple[str, tuple[str, ...]]:
    """What a rule is matched by: its title and keywords, and the keywords as phrases.

    The message is left out: it says how to fix, and its words would match every section."""
    keywords: tuple[str, ...] = tuple(getattr(rule, "KEYWORDS", ()))
    return " ".join([getattr(rule, "TITLE", ""), *keywords]), keywords
