"""Which runbook section each rule links to: explicit links win, then the matcher, then the
section of the runbook shipped in the package."""

from __future__ import annotations

import os
import posixpath
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from http import HTTPStatus
from pathlib import Path
from types import ModuleType

from runbook_guard.hooks import __version__, git
from runbook_guard.hooks.config import Config
from runbook_guard.hooks.findings import Link
from runbook_guard.hooks.matching import (
    CLEAR_WINNER,
    FENCE,
    QUOTED,
    SECTION_LINK,
    SETTING_NAME,
    WRAPPER_TEXT,
    Match,
    Matcher,
    contains_signature,
    explains,
    index_rows,
    plain_sequence,
    plain_words,
    prose_tokens,
    python_message_names,
    quoted_in,
    quoted_signatures,
    rule_query,
    signature_text,
    symptoms,
    tokens,
)
from runbook_guard.hooks.runbook import RunbookIndex, Section, read_runbooks

SHIPPED_DIR = Path(__file__).parent / "runbooks"
# Words sending the reader to another numbered entry ("... and is Issue 10", "see section 4",
# "is #10"), not comparing with one ("same pod status as entry 7")
POINTER = re.compile(
    r"\b(?:is|see|read|use|go to|belongs (?:to|in))\s+"
    r"(?:(?:issue|section|entry|problem)\s+#?|#)(\d+)\b",
    re.I,
)
PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n(?=\s*(?:\*\*|[-*+]\s))")
QUICK_REFERENCE_LINES = 3  # a quick-reference entry: a link and a line or two beside it
# Words an exception's name and a section's title share without saying which problem it is
GENERIC_TITLE_WORDS = frozenset(
    {"error", "errors", "exception", "exceptions", "failure", "failures", "issue"}
)
# HTTP error statuses and WebSocket close codes, as a status, not inside a longer number nor a
# count of things ("Failed to submit 500 logs", "404 rows"; "401/403 errors" are statuses)
STATUS_CODE = re.compile(
    r"(?<![\w.])(30[0-8]|4\d\d|5\d\d|10\d\d)(?![\w.])"
    r"(?!\s+(?!errors\b|responses\b|codes\b)[a-z]{2,}s\b)"
)
# A status written with its reason phrase ("answers 403 Forbidden", "came back 409 Conflict")
# anywhere in a section's prose names it as surely as a symptom line does
_NAMED = "|".join(
    rf"{status.value}(?= {re.escape(status.phrase)}\b)" for status in HTTPStatus if status >= 400
)
QUOTED_HTTP_STATUS = re.compile(r"(?i)\bHTTP(?: error)?[ /:(]*(?:\d\.\d\s+)?(\d{3})\b")
NAMED_STATUS = re.compile(rf"(?<![\w.])({_NAMED})\b", re.I)
# Error codes: an identifier of two or more capitalised words (`ExpiredToken`) or words joined
# by underscores (`channel_not_found`, `invalid_grant`), as a runbook quotes them (as code) and
# as a failure shows them: in brackets (`An error occurred (NoSuchKey)`), as the value of an
# error field (`{'ok': False, 'error': 'not_in_channel'}`), or as the whole message.
_CODE = r"[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+|[A-Za-z][a-z0-9]*(?:_[A-Za-z0-9]+)+"
QUOTED_NAME = re.compile(rf"`({_CODE})`")
ERROR_CODE = re.compile(
    rf"\(({_CODE})\)|[\"']?\b(?:error|code|reason)[\"']?\s*[:=]\s*[\"']({_CODE})[\"']|^({_CODE})$",
    re.I | re.M,
)
# A vendor's numbered error in a runbook's prose ("error 21608", "(code 1045)")
# (four digits or more: `Errno 111` and HTTP statuses are everyone's, not one vendor's)
NUMBERED_ERROR = re.compile(r"\b(?:error|code)\s*:?\s*#?(\d{4,6})\b", re.I)
# An error number a section's title names ("A deep path fails with WinError 206"), any length:
# a title is about it. Keyed with its kind, so `[WinError 206]` is not `exit code 206`.
TITLED_NUMBER = re.compile(r"\b(winerror|errno|error|exit code|code)\s*:?\s*#?(\d{1,6})\b", re.I)
# not a port (":8123", "port 8123"), a path's, a date's or a size's ("90000ms")
BARE_ERROR_NUMBER = re.compile(r"(?<![\w.:/-])(?<!port )(\d{4,6})(?![\w.:/-])", re.I)
# a name this many sections write, and this share of them, is the team's, not an error's
VOCABULARY_SECTIONS, VOCABULARY_SHARE = 3, 0.25
SHORT_TEXT_MARGIN = 1.6  # how far a message's gist must put its section ahead of the next
# for a failure, above the threshold too, its section must score this many times the next
# one's on another problem: a near tie between two sections is a coin flip
NEAR_TIE = 1.2
SHIPPED_LINK_BASE = (
    f"https://github.com/runbook-guard/runbook-guard/blob/v{__version__}/hooks/runbooks/"
)


# The fixed words of the interpreter's own messages about a call's arguments: in
# `AgentRegistry.__init__() missing 1 required positional argument: 'llm_manager'` only the
# names say what failed; "missing" and "argument" would tie it to any section about something
# missing. Left out of the words a failure is matched by (never of the text a quote is found in).
PYTHON_TEMPLATE = re.compile(
    r"missing \d+ required (?:positional|keyword-only) arguments?"
    r"|got (?:an unexpected keyword argument|multiple values for (?:keyword )?argument)"
    r"|takes (?:from \d+ to )?\d+ positional arguments? but \d+ (?:was|were) given"
)
# A quoted value with a number in it (`"b'reminder-4471'"`, `'job-17'`): the run's own id, not
# what the message says
QUOTED_ID = re.compile(r"([\"'])(?=[^\"'\n]*\d)[^\"'\n\s]{1,80}\1")
# The operating system's own error messages ("Resource temporarily unavailable", "Too many open
# files"), as a quoted signature is compared: a runbook quoting one names its problem less
# surely than other text
OS_MESSAGES = frozenset(signature_text(os.strerror(n)) for n in range(1, 200) if os.strerror(n))
ERRNO_PREFIX = re.compile(r"^\[?errno \d+\]:? ?|^error \d+:? ?")


# An exception's class name as a traceback ends with it: CamelCase, or any name ending so
CLASS_NAME = re.compile(r"[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+|[A-Z]\w*(?:Error|Exception|Failure)")
MESSAGE_WORD = re.compile(r"[a-z]{2,}")
SAME_MESSAGE_SHARE = (2, 3)  # of a quoted message's words, in a failure printing that message
# an identifier, a call, a path or a quoted value in a message: not the message's own words
CODE_OR_QUOTED = re.compile(r"\S*[_./()]\S*|'[^'\s]*'|\"[^\"\s]*\"")
ASSERTION = re.compile(r"(?:assertionerror: )?assert ")
CHECK_LABEL = re.compile(r"^\s*([a-z]+(?:_[a-z]+)+):\s")


def _names(text: str, identifier: str) -> bool:
    """Does `text` name `identifier` whole? Not as the head of a longer dotted name: a package
    (`slack_sdk`) in `slack_sdk.errors.SlackApiError` says which library, not which error; nor
    as a folder of a path (`/builds/platform-docs/docs/...`), which says where, not what (a
    path's last part, a file or an API method, still names it)."""
    if identifier not in text:  # most quotes, and no pattern to compile for them
        return False
    pattern = rf"(?<!\w){re.escape(identifier)}(?!\w|\.\w|/)"
    return re.search(pattern, text) is not None


def _beside(source: str, path: str) -> str:
    """The runbook a relative link in `source` names (`./CONFIG.md`), or `source` itself for a
    link to one of its own anchors."""
    if not path:
        return source
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), path))


def _prose(parts: tuple[str, ...]) -> bool:
    """Is a quoted signature words (`Token validation failed`), not one identifier?"""
    return len(" ".join(parts).split()) > 1


def _quoted_statuses(section: Section) -> set[str]:
    """The HTTP statuses the errors a section quotes show as such (`... (HTTP 403)`,
    `HTTP Error 404`); not any three digits in a quote: SMTP's 550 is no HTTP status."""
    prose = FENCE.sub("", section.body)
    return {
        status
        for quote in QUOTED.finditer(prose)
        if quoted_in(quote[0])
        for status in QUOTED_HTTP_STATUS.findall(quote[0])
    }


def _numbered(kind: str, number: str) -> str:
    return f"{' '.join(kind.lower().split())} {int(number)}"


def _error_numbers(text: str) -> set[str]:
    """The error numbers a line shows: after their kind ("error code: 50013", "WinError 206")
    or alone, four to six digits (MySQL's `(1071, 'Specified key was too long')`)."""
    found = {str(int(n)) for _, n in TITLED_NUMBER.findall(text)}
    return found | {str(int(n)) for n in BARE_ERROR_NUMBER.findall(text)}


# A code of letters and digits, the digits at least as many (`52e`, `0000052D`, `E11000`): not a
# name (`utf8`, `ipv6`, `oauth2`) nor a number alone (a status, a port, a count)
CODE_TOKEN = re.compile(r"(?<![\w.-])(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]{3,10}(?![\w-])", re.I)


def _codes(text: str) -> list[str]:
    return [
        code.lower()
        for code in CODE_TOKEN.findall(text)
        if sum(c.isdigit() for c in code) >= max(2, sum(c.isalpha() for c in code))
    ]


def _without_errno(text: str) -> str:
    return ERRNO_PREFIX.sub("", text).strip(" .")


def same_problem(a: Section, b: Section) -> bool:
    """Do two sections describe one problem: one links to the other, one's title is the
    other's symptom ("Issue: Chat Appears Frozen" and "Symptom: Chat appears frozen, ..."), or
    their titles say the same ("Issue 1: Missing OAuth Credentials", "9. Missing OAuth
    Credentials")?"""
    if f"#{b.anchor})" in a.body or f"#{a.anchor})" in b.body:
        return True
    for one, other in ((a, b), (b, a)):
        title = signature_text(re.sub(r"^(?:issue\s*\d*|\d+)[.:)]?\s*", "", one.title, flags=re.I))
        if len(title.split()) >= 2 and any(title in signature_text(s) for s in symptoms(other)):
            return True
    words = [{t for t in tokens(s.title) if not t.isdigit()} - GENERIC_TITLE_WORDS for s in (a, b)]
    return bool(words[0] and words[1]) and (words[0] <= words[1] or words[1] <= words[0])


QUOTED_EXCEPTION = re.compile(r"^[\w.]*(?:error|exception|warning): ")
MESSAGE_ALONE_WORDS = 3  # a message quoted with its exception, without it, says as much
LOGGED_LEVEL = re.compile(r"^(?:error|critical|fatal): ")  # a log line that names no exception


def _message_alone(parts: tuple[str, ...]) -> tuple[str, ...]:
    """A quote of an exception and its message (`ValueError: Token used too early, <now> <
    <iat>`) as the message alone, when that says three words or more; else nothing."""
    if not QUOTED_EXCEPTION.match(parts[0]):
        return ()
    message = (QUOTED_EXCEPTION.sub("", parts[0]).strip(), *parts[1:])
    message = tuple(part for part in message if part)
    # what a library prints around every failure of its kind is no message of one
    said = WRAPPER_TEXT.sub(" ", " ".join(message))
    words = re.findall(r"[a-z]{2,}", said)
    return message if len(words) >= MESSAGE_ALONE_WORDS else ()


def _quote_rank(head: str, parts: tuple[str, ...]) -> tuple[bool, int, int]:
    """How a quote a failure shows ranks: one in the failure's own message (`head`) before
    one only its traceback or log tail shows, then the longer, then of two as long the later
    in the message (`API error: Connection error.`: a wrapper names itself first, the cause
    comes last)."""
    return contains_signature(head, parts), sum(map(len, parts)), head.rfind(parts[-1])


def link_base(root: Path, config: Config) -> str | None:
    """How runbook paths become links: the configured `link-base`, else the repository's page
    on the web at its default branch (`blob/HEAD/`): in Actions from `GITHUB_SERVER_URL` and
    `GITHUB_REPOSITORY`, elsewhere from the `origin` remote. None: links stay relative paths."""
    if config.link_base:
        return config.link_base
    server, repository = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    web = f"{server.rstrip('/')}/{repository}" if server and repository else None
    web = web or git.origin_web_url(root)
    if web is None:
        return None
    host = web.split("/")[2]
    if host == "gitlab.com" or host.startswith("gitlab."):
        return f"{web}/-/blob/HEAD/"
    if host == "bitbucket.org":
        return f"{web}/src/HEAD/"
    return f"{web}/blob/HEAD/"


@dataclass(frozen=True)
class Resolution:
    """How one id (a rule, a ruff code, a pattern) was linked."""

    key: str
    section: Section | None
    url: str | None
    how: str  # explicit, matched, shipped, broken, none
    score: float = 1.0
    target: str = ""  # what an explicit link said

    @property
    def link(self) -> Link | None:
        if self.url is None:
            return None
        return Link(self.section.title if self.section else self.target, self.url)


class Links:
    def __init__(self, root: Path, config: Config) -> None:
        self.root = root
        self.config = config

    @cached_property
    def shipped(self) -> RunbookIndex:
        files = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(SHIPPED_DIR.glob("*.md"))]
        return RunbookIndex.load(files, SHIPPED_LINK_BASE)

    @cached_property
    def team(self) -> RunbookIndex | None:
        if not self.config.runbooks:
            return None
        return RunbookIndex.load(
            read_runbooks(self.root, self.config.runbooks), link_base(self.root, self.config)
        )

    @cached_property
    def matcher(self) -> Matcher | None:
        return Matcher(self.team.sections) if self.team else None

    @cached_property
    def _explaining(self) -> list[Section]:
        """The sections a failure can be linked to: those that explain one (a symptom, a
        cause, a fix), when the runbooks have such sections; else every section."""
        sections = (self.team or self.shipped).sections
        # a document's title and its introduction describe the whole page, not one problem
        titled = {s.path for s in sections if s.level > 1}
        explaining = [
            s for s in sections if explains(s) and not (s.level == 1 and s.path in titled)
        ]
        return explaining or list(sections)

    @cached_property
    def _settings(self) -> dict[tuple[str, ...], tuple[str, int]]:
        """The settings the explaining sections name (`GOOGLE_CLIENT_ID`), by their words: the
        name and how many sections name it."""
        found: dict[tuple[str, ...], tuple[str, int]] = {}
        for section in self._explaining:
            for name in set(SETTING_NAME.findall(f"{section.title}\n{section.body}")):
                parts = tuple(part.lower() for part in name.split("_") if part)
                if len(parts) >= 2:
                    first, count = found.get(parts, (name, 0))
                    found[parts] = (first, count + 1)
        return found

    def settings_named(self, text: str) -> dict[str, int]:
        """The settings a runbook names that `text` names too, as written or spelled out in
        words ("No Google Client ID found" names `GOOGLE_CLIENT_ID`), each with how many
        sections name it: a setting several name tells none of them apart."""
        settings = self._settings
        if not settings:
            return {}
        longest = max(map(len, settings))
        said = re.findall(r"[a-z0-9]+", text[:5000].lower())
        named: dict[str, int] = {}
        for start in range(len(said)):
            for size in range(2, longest + 1):
                found = settings.get(tuple(said[start : start + size]))
                if found is not None:
                    named.setdefault(*found)
        return named

    @cached_property
    def _failure_matcher(self) -> Matcher:
        sections = (self.team or self.shipped).sections
        if len(self._explaining) == len(sections):
            return self._text_matcher
        return Matcher(self._explaining)

    # What each explaining section offers a failure, read once per run (a report matches many
    # failures against the same sections).
    @cached_property
    def _quotes(self) -> dict[tuple[str, ...], list[Section]]:
        """Each quoted signature and the sections that quote it."""
        quotes: dict[tuple[str, ...], list[Section]] = {}
        for section in self._explaining:
            elsewhere = self._pointed_quotes(section)
            for parts in quoted_signatures(section):
                quotes.setdefault(parts, []).append(elsewhere.get(parts, section))
        # a name a quarter of the sections write (`helio-staging`, the project) is the team's
        # vocabulary, not what one failure prints; a setting's or an error code's
        # (`DJANGO_SETTINGS_MODULE`, `channel_not_found`) still is, and so is a name only the
        # few sections on its problem write (`netra-backend`, the one right SERVICE_ID)
        bodies = [f"{s.title}\n{s.body}".lower() for s in self._explaining]
        vocabulary = max(VOCABULARY_SECTIONS, VOCABULARY_SHARE * len(bodies))
        quotes = {
            parts: sections
            for parts, sections in quotes.items()
            if _prose(parts)
            or "_" in parts[0]
            or sum(_names(body, parts[0]) for body in bodies) < vocabulary
        }
        # a quick-reference row's quote belongs to the one section the row points to
        for section in (self.team or self.shipped).sections:
            for text, targets in index_rows(section):
                found = {id(t): t for t in map(partial(self._row_target, section), targets) if t}
                if len(found) == 1:
                    for parts in quoted_in(text):
                        quotes.setdefault(parts, []).extend(found.values())
        return quotes

    @cached_property
    def _logged_quotes(self) -> dict[tuple[str, ...], list[Section]]:
        """What a logged error that names no exception is matched by: the quotes, and those of
        an exception and its message as the message alone (see `_message_alone`): `id token
        rejected: Token used too early, ...` prints `ValueError: Token used too early`'s
        message. A failure naming its exception is matched by the quotes as written: without
        the name, a wrapper's message (`Max retries exceeded with url`) is every failure's."""
        alone: dict[tuple[str, ...], list[Section]] = {}
        for parts, sections in self._quotes.items():
            if (message := _message_alone(parts)) and message not in self._quotes:
                alone.setdefault(message, []).extend(sections)
        return {**alone, **self._quotes}

    def _pointed_quotes(self, section: Section) -> dict[tuple[str, ...], Section]:
        """Quotes a section makes in a paragraph that sends the reader to another entry ("Not
        the same as a refresh token "expired or revoked": that ... is Issue 10"), each with the
        entry it belongs to. A bold field (`**Symptom**:`, `**Root Cause**:`) or a list item
        is a paragraph of its own: a cause's "(see entry 1)" does not send away the symptom's
        quotes above it."""
        pointed = {}
        for paragraph in PARAGRAPH_BREAK.split(FENCE.sub("", section.body)):
            targets = {
                id(t): t
                for t in (self._row_target(section, n) for n in POINTER.findall(paragraph))
                if t is not None and t is not section
            }
            if len(targets) == 1:
                [target] = targets.values()
                pointed.update(dict.fromkeys(quoted_in(paragraph), target))
        return pointed

    def _row_target(self, index: Section, target: str) -> Section | None:
        """The explaining section a quick-reference row or a pointing paragraph names:
        `#anchor`, or a number its title starts with ("3. Two branches ...", "Issue 3: ..."), in
        the same file; or `./OTHER.md#anchor`, in the file beside it."""
        same_file = [s for s in self._explaining if s.path == index.path]
        if target.startswith("#"):
            return next((s for s in same_file if s.anchor == target[1:]), None)
        if target.startswith("name:"):
            named = re.compile(rf"(?<![\w.]){re.escape(target[5:])}(?![\w.])")
            found = [s for s in same_file if s is not index and named.search(s.title)]
            return found[0] if len(found) == 1 else None
        if "#" in target:  # `./CONFIG.md#issue-2-...`, beside the index
            path, anchor = target.split("#", 1)
            where = _beside(index.path, path)
            linked = (s for s in self._explaining if s.path == where and s.anchor == anchor)
            return next(linked, None)
        numbered = re.compile(rf"^(?:issue|problem|section|#)?\s*{re.escape(target)}[.:)\s]", re.I)
        found = [s for s in same_file if numbered.match(s.title)]
        return found[0] if len(found) == 1 else None

    @cached_property
    def _quoted_names(self) -> dict[str, list[Section]]:
        sections: dict[str, list[Section]] = {}
        for section in self._explaining:
            prose = FENCE.sub("", section.body)
            codes = QUOTED_NAME.findall(prose) + NUMBERED_ERROR.findall(prose)
            codes += [_numbered(kind, n) for kind, n in TITLED_NUMBER.findall(section.title)]
            # an error number quoted as code (`Code: 241`) or named in what the section says a
            # failure looks like ("Symptom: Code 60"): the section's own, any length
            codes += [
                _numbered(kind, n)
                for text in [*re.findall(r"`([^`\n]{1,40})`", prose), *symptoms(section)]
                for kind, n in TITLED_NUMBER.findall(text)
            ]
            for code in dict.fromkeys(codes):
                sections.setdefault(code, []).append(section)
        return sections

    def _coded(self, texts: Sequence[str], messages: Sequence[str]) -> Section | None:
        """The one section that quotes, as code, an error code the failure shows (botocore's
        `An error occurred (ExpiredToken)` against a runbook's `ExpiredToken`; Slack's
        `'error': 'channel_not_found'`; a message that is a code, `BadDeviceToken`), or names a
        vendor's numbered error it shows ("error 21608"), or an error number a section's title
        names (`[WinError 206]`, "... fails with WinError 206"). Not the exception's name: one class
        (`GitCommandError`) carries every failure of a tool."""
        shown = [
            code
            for text in [*texts[:1], *messages]
            for groups in ERROR_CODE.findall(text)
            for code in groups
            if code
        ]
        shown += [n for text in texts[:1] for n in re.findall(r"(?<![\w.])\d{4,6}(?![\w.])", text)]
        shown += [
            _numbered(kind, n) for text in texts[:1] for kind, n in TITLED_NUMBER.findall(text)
        ]
        for code in dict.fromkeys(shown):
            found = self._quoted_names.get(code, [])
            if len(found) == 1:
                return found[0]
        return None

    @cached_property
    def _title_codes(self) -> dict[str, list[Section]]:
        """The codes each explaining section's title names ("Bind rejected: data 52e")."""
        found: dict[str, list[Section]] = {}
        for section in self._explaining:
            for code in dict.fromkeys(_codes(section.title)):
                found.setdefault(code, []).append(section)
        return found

    def _title_coded(self, text: str) -> Section | None:
        """The one section whose title names a code the failure's first line shows: AD's
        `AcceptSecurityContext error, data 52e` for "Bind rejected: data 52e, bad password",
        MongoDB's `E11000` for "E11000 on the orders index"."""
        for code in dict.fromkeys(_codes(text.split("\n", 1)[0])):
            found = self._title_codes.get(code, [])
            if len(found) == 1:
                return found[0]
        return None

    @cached_property
    def _title_words(self) -> list[tuple[set[str], Section]]:
        return [
            ({t for t in tokens(s.title) if not t.isdigit()} - GENERIC_TITLE_WORDS, s)
            for s in self._explaining
        ]

    @cached_property
    def _status_codes(self) -> list[tuple[set[str], set[str], Section]]:
        """Per section: the statuses its title, its symptom or an error it quotes is about
        ("Symptom: 401/403 errors", `Failed to download extension ... (HTTP 403)`), and those
        its prose names with their reason phrase ("came back 409 Conflict")."""
        return [
            (
                set(STATUS_CODE.findall(" ".join([s.title, *symptoms(s)]))) | _quoted_statuses(s),
                set(NAMED_STATUS.findall(FENCE.sub("", s.body))),
                s,
            )
            for s in self._explaining
        ]

    def _quoted(self, texts: Sequence[str]) -> tuple[Section, bool] | None:
        """The section whose quoted error text a failure contains (the first by `_quote_rank`;
        ids, numbers and timestamps aside), and whether that quote is only one of the operating
        system's own messages ("Resource temporarily unavailable": every kind of failure prints
        those), or None. A quote that sections on different problems share
        (`decimal.InvalidOperation` in "will not convert" and in "rounding fails") decides only
        when the failure's words put one of them clearly first; else the next quote decides."""
        seen = [signature_text(text) for text in texts]
        # an identifier (`Image.open`) in a traceback is a line of code, not the error; nor is
        # one in a bare assertion (`assert <State.SETUP_ERROR> is <State.LOADED>`): the names
        # there are what the test expected, the cause is in what it captured
        named = [] if ASSERTION.match(seen[0]) else seen[:1]
        quotes = self._logged_quotes if LOGGED_LEVEL.match(seen[0]) else self._quotes
        matching = [
            (_quote_rank(seen[0], parts), parts, sections)
            for parts, sections in quotes.items()
            if (
                any(contains_signature(t, parts) for t in seen)
                if _prose(parts)
                else any(_names(t, parts[0]) for t in named)
            )
        ]
        # in rank order: a quote several sections share that the words cannot settle gives way
        # to the next quote the failure shows (`error: command 'gcc' failed` is in the missing
        # compiler's section and the missing headers' one; `unable to execute gcc` only in one)
        # of two quotes as long, the one whose section the failure shows more quotes of
        # ("certificate verify failed" and "certificate has expired" against "Can't contact
        # LDAP server")
        shown = Counter(id(s) for _, _, sections in matching for s in sections)

        def rank(item: tuple[tuple[bool, int, int], object, list[Section]]) -> tuple[int, ...]:
            (in_head, size, at), _, sections = item
            return in_head, size, max(shown[id(s)] for s in sections), at

        for _, parts, sections in sorted(matching, key=rank, reverse=True):
            if len(set(map(id, sections))) == 1:
                chosen: Section | None = sections[0]
            else:
                chosen = self._among(texts, sections)
            if chosen is not None:
                return chosen, _without_errno(" ".join(parts)) in OS_MESSAGES
        return None

    def _among(self, texts: Sequence[str], sections: Sequence[Section]) -> Section | None:
        """The one of `sections` the failure's words put clearly first, if any."""
        ranked = [m for m in self._failure_matcher.scores(texts[0]) if m.section in sections]
        if len(ranked) < 2:
            return ranked[0].section if ranked else None
        first, second = ranked[0], ranked[1]
        if first.score >= NEAR_TIE * second.score or same_problem(first.section, second.section):
            return first.section
        return None

    @cached_property
    def _symptom_texts(self) -> list[tuple[str, Section]]:
        return [(signature_text(" ".join(symptoms(s))), s) for s in self._explaining]

    def _described(self, messages: Sequence[str]) -> Section | None:
        """The one section whose symptom says, word for word, what a failure's message says
        ("WORKER TIMEOUT" against "Signs: the app server logs a critical worker timeout"):
        the other direction of a quoted signature. Messages of two words or more only."""
        for message in messages:
            wanted = signature_text(message)
            if len(re.findall(r"[a-z]{2,}", wanted)) < 2:
                continue
            pattern = re.compile(rf"(?<![a-z0-9]){re.escape(wanted)}(?![a-z0-9])")
            found = [section for text, section in self._symptom_texts if pattern.search(text)]
            if len(found) == 1:
                return found[0]
        return None

    def _titled(self, names: Sequence[str]) -> Section | None:
        """The one section whose title is an exception's name in words ("6. Import Errors" for
        `ImportError`), if exactly one is."""
        found = []
        for name in names:
            wanted = {t for t in tokens(name) if t != name.lower()} - GENERIC_TITLE_WORDS
            if wanted:
                found += [section for title, section in self._title_words if title == wanted]
        return found[0] if len(found) == 1 else None

    @cached_property
    def _plain_titles(self) -> list[tuple[set[str], Section]]:
        """Each explaining section's title as a reader's words, "errors" and the like aside."""
        return [(plain_words(s.title, GENERIC_TITLE_WORDS), s) for s in self._explaining]

    def _meaning_titled(self, meanings: Sequence[str]) -> Section | None:
        """The one section whose title says what a well-known message means, all its words
        among the meaning's ("3. WebSocket Connection Failures" for a close code's "websocket
        connection failure"; "When Docker Won't Start" for a daemon that does not answer)."""
        found = {
            id(section): section
            for said in map(plain_words, meanings)
            for title, section in self._plain_titles
            if title and title <= said
        }
        return next(iter(found.values())) if len(found) == 1 else None

    def _message_titled(
        self, messages: Sequence[str], texts: Sequence[str], phrases: Sequence[str]
    ) -> Section | None:
        """The one section whose title the failure's message says in its own words ("WebSocket
        connection failed" for "3. WebSocket Connection Failures"), two words or more besides
        "error" and the like; names of code and quoted values are not its words
        (`from_request() got an unexpected keyword argument 'websocket_connection_id'`). Not
        one that quotes the failure's exception with another message. The title's words stand
        together in the message, one other word among them at most: "reached the maximum
        number of WebSocket managers ... close existing connections" says no "WebSocket
        connection" failure."""
        found = {}
        for message in messages:
            # a check's name before the message (`websocket_validation: Connection failed`)
            # says what was checked, in words
            message = CHECK_LABEL.sub(lambda m: m[1].replace("_", " ") + ": ", message)
            said = plain_sequence(CODE_OR_QUOTED.sub(" ", message))
            for title, section in self._plain_titles:
                size = len(title) + 1
                if len(title) >= 2 and any(
                    title <= set(said[i : i + size]) for i in range(max(1, len(said) - size + 1))
                ):
                    found[id(section)] = section
        if len(found) != 1:
            return None
        [section] = found.values()
        if self._quotes_another_message(section, texts, phrases):
            return None
        return section

    def _by_status(self, text: str, unless: Section | None = None) -> Section | None:
        """The one section whose title or symptom names an HTTP or WebSocket status code the
        failure's message shows (`assert 403 == 302` against "Symptom: 401/403 errors"), or
        its prose with the status's reason phrase ("came back 409 Conflict"), when nothing
        else linked it.

        With `unless` (the section the words chose), only when that section names none of the
        statuses shown: if it names others ("401 Unauthorized" chosen for `HTTP Error 403:
        Forbidden`), the one section naming the 403 anywhere wins; if it names none
        ("WebSocket Connection Failures" for a handshake refused with 403), only a section
        whose title or symptom is about the 403 ("Authentication Failures: 401/403 errors"),
        not one that mentions it in passing."""
        shown = set(STATUS_CODE.findall(text))
        if not shown:
            return None
        about_only = False
        if unless is not None:
            about, named = next(
                ((about, named) for about, named, s in self._status_codes if s is unless),
                (set(), set()),
            )
            if (about | named) & shown:
                return None
            about_only = not (about | named)
        numbers = _error_numbers(text.split("\n", 1)[0])
        found = [
            (len(shown & (about if about_only else about | named)), section)
            for about, named, section in self._status_codes
            if shown & (about if about_only else about | named)
            and not self._titles_another_number(section, numbers)
        ]
        # of several, the one about every status shown ("403 instead of 401" for `assert 403 ==
        # 401`), when only one is; a quick-reference entry is the section it sends the reader to
        most = max((count for count, _ in found), default=0)
        about_most = [
            self._points_to(section) or section for count, section in found if count == most
        ]
        distinct = list({id(section): section for section in about_most}.values())
        return distinct[0] if len(distinct) == 1 else None

    @cached_property
    def _text_matcher(self) -> Matcher:
        return self.matcher or Matcher(self.shipped.sections)

    def explicit(self, key: str) -> Resolution | None:
        target = self.config.links.get(key)
        if target is None:
            return None
        if "://" in target:
            return Resolution(key, None, target, "explicit", target=target)
        index = self.team or self.shipped
        section = index.find(target)
        if section is None:
            return Resolution(key, None, None, "broken", 0.0, target)
        return Resolution(key, section, index.url(section), "explicit", target=target)

    def for_rule(self, rule: ModuleType) -> Resolution:
        found = self.explicit(rule.ID)
        if found is not None:
            return found
        # a rule compiled from a runbook's own "How to check" links to the section it came from
        own = getattr(rule, "SECTION", "")
        if own and self.team is not None:
            section = self.team.find(own)
            if section is not None:
                return Resolution(rule.ID, section, self.team.url(section), "compiled")
        # The engine's own rules (suppressions) are about runbook-guard, not the team's runbook.
        if self.matcher is not None and self.team is not None and not getattr(rule, "ENGINE", 0):
            match = self.matcher.best(*rule_query(rule))
            if match is not None:
                return Resolution(
                    rule.ID, match.section, self.team.url(match.section), "matched", match.score
                )
        return self.shipped_section(rule)

    def shipped_section(self, rule: ModuleType) -> Resolution:
        ref = getattr(rule, "RUNBOOK", "")
        section = self.shipped.find(ref) if ref else None
        if section is None:
            return Resolution(rule.ID, None, None, "none" if not ref else "broken", 0.0, ref)
        return Resolution(rule.ID, section, self.shipped.url(section), "shipped")

    def for_text(
        self,
        texts: Sequence[str],
        phrases: tuple[str, ...] = (),
        *,
        messages: Sequence[str] = (),
        meanings: Sequence[str] = (),
        min_words: int = 1,
        ignore: frozenset[str] = frozenset(),
        threshold: float | None = None,
    ) -> Resolution | None:
        """The section that one of `texts` (views of one failure) matches best in the team's
        runbooks (or the shipped one); an explicit link whose pattern any of them contains wins,
        then a section quoting the failure's text or its error code, naming its exception in its
        title, or describing one of `messages` (the failure's own words) in its symptom; then
        the matcher, on `texts`, and on `messages` and `meanings` (what a well-known message
        means, in a runbook's words: "event loop") held to a margin; then a status code. A
        section that names other statuses than the failure shows gives way to the one section
        naming the status it shows."""
        for pattern, _target in self.config.links.items():
            if any(pattern.lower() in text.lower() for text in texts):
                return self.explicit(pattern)
        index = self.team or self.shipped
        key = texts[0][:60]
        quote = self._quoted(texts)
        quoted = (
            (quote[0] if quote else None)
            or self._coded(texts, messages)
            or self._title_coded(texts[0])
            or self._titled(phrases)
            or self._meaning_titled(meanings)
            or self._message_titled([*messages, texts[0].split("\n", 1)[0]], texts, phrases)
            # a meaning as specific as "coroutine never awaited" is described; "event loop" is not
            or self._described([*messages, *(m for m in meanings if len(m.split()) >= 3)])
        )
        # a section whose title names another code of the family gives way to the one whose
        # title names the failure's: "E050" quoted for `[E941] Can't find model 'en'`
        shown_codes = set(_codes(texts[0].split("\n", 1)[0]))
        titled = set(_codes(quoted.title)) if quoted is not None else set()
        if titled and shown_codes and not titled & shown_codes:
            quoted = self._title_coded(texts[0]) or quoted
        match = None
        worded = [*messages, *meanings]
        if quote is not None and quote[1]:
            # an operating system's message names no problem by itself: the failure's own
            # words, when they link elsewhere, say more (`OpenBLAS ... pthread_create failed
            # ...: Resource temporarily unavailable` against a quote of the last three words)
            match = self._matched(texts, phrases, worded, min_words, ignore, threshold)
            if match is not None and match.section is not quoted:
                quoted = None
        if quoted is not None:
            chosen = Resolution(key, quoted, index.url(quoted), "quoted", 1.0)
        else:
            match = match or self._matched(texts, phrases, worded, min_words, ignore, threshold)
            if match is not None:
                chosen = Resolution(
                    key, match.section, index.url(match.section), "matched", match.score
                )
            else:
                coded = self._by_status(texts[0])
                if coded is None:
                    return None
                return Resolution(key, coded, index.url(coded), "status", 0.5)
        assert chosen.section is not None
        if ruled_out(chosen.section, texts[0]):
            return None
        if chosen.how == "matched" and _about_other_settings(chosen.section, texts[0]):
            return None
        contradicted = self._by_status(texts[0], unless=chosen.section)
        if contradicted is not None:
            return Resolution(key, contradicted, index.url(contradicted), "status", 0.5)
        pointed = self._points_to(chosen.section)
        if pointed is not None:
            return Resolution(key, pointed, index.url(pointed), chosen.how, chosen.score)
        return chosen

    def _points_to(self, section: Section) -> Section | None:
        """The one explaining section a quick-reference entry sends the reader to
        (`### Issue: User A Sees User B's Data` then `**File**: [X.md](./X.md#5-shared-state)`
        and a quick fix): the failure belongs to the entry the reference points to, one click
        nearer the whole story. None for a section that says more than a line or two itself."""
        prose = FENCE.sub("", section.body)
        if len([line for line in prose.splitlines() if line.strip()]) > QUICK_REFERENCE_LINES:
            return None
        found = {}
        for path, anchor in SECTION_LINK.findall(prose):
            where = _beside(section.path, path)
            for target in self._explaining:
                if target.anchor == anchor and target.path == where and target is not section:
                    found[id(target)] = target
        return next(iter(found.values())) if len(found) == 1 else None

    @staticmethod
    def _coin_flip(ranked: Sequence[Match], match: Match) -> bool:
        """Does another section score within `NEAR_TIE` of the match, on another problem?
        A near tie with a section on the same problem (the same title in other words, or one
        that links to the other: a quick-reference entry and its runbook section) is no tie."""
        others = [m for m in ranked[1:] if m.section is not match.section]
        return bool(others) and (
            match.score < NEAR_TIE * others[0].score
            and not same_problem(match.section, others[0].section)
        )

    def _matched(
        self,
        texts: Sequence[str],
        phrases: tuple[str, ...],
        messages: Sequence[str],
        min_words: int,
        ignore: frozenset[str],
        threshold: float | None,
    ) -> Match | None:
        """The matcher's best section over the views and the messages, or None. Each text is
        scored once; its runner-up decides the ties and margins."""
        matcher = self._failure_matcher
        texts = [QUOTED_ID.sub(" ", PYTHON_TEMPLATE.sub(" ", text)) for text in texts]
        messages = [QUOTED_ID.sub(" ", PYTHON_TEMPLATE.sub(" ", m)) for m in messages]
        found = []
        for text in texts:
            ranked = matcher.scores(text, phrases)
            match = matcher.pick(
                ranked, text, phrases, min_words=min_words, ignore=ignore, threshold=threshold
            )
            if match is not None and not self._coin_flip(ranked, match):
                found.append(match)
        for message in messages:
            if any(text.endswith(message) for text in texts):
                continue  # the whole message, already matched as it is
            # a short text reaches the threshold on two chance words: its section must also
            # stand clear of the next; far clear, one shared word fewer will do
            ranked = matcher.scores(message, phrases)
            runner_up = ranked[1].score if len(ranked) > 1 else 0.0
            if not ranked or ranked[0].score < SHORT_TEXT_MARGIN * runner_up:
                continue
            clear = ranked[0].score >= CLEAR_WINNER * runner_up
            match = matcher.pick(
                ranked,
                message,
                phrases,
                min_words=min_words - 1 if clear and min_words > 2 else min_words,
                ignore=ignore,
                threshold=threshold,
            )
            if match is not None:
                found.append(match)
        # a section that shares only the names of code with the failure explains nothing of
        # it: `AgentRegistry.__init__() missing 1 required positional argument` is no symptom of
        # the section whose fix says "verify AgentRegistry.set_websocket_manager() is called"
        said = set().union(*(prose_tokens(text) for text in [*texts, *messages])) - ignore
        found = [
            match
            for match in found
            if matcher.names(match, phrases) or matcher.holds_any(match, said)
        ]
        # nor does one whose title names another error of the same family: "1366 Incorrect
        # string value" for `(1071, 'Specified key was too long')`
        shown = _error_numbers(texts[0].split("\n", 1)[0])
        found = [match for match in found if not self._titles_another_number(match.section, shown)]
        # nor one that quotes the failure's exception with another message
        found = [m for m in found if not self._quotes_another_message(m.section, texts, phrases)]
        return max(found, key=lambda match: match.score) if found else None

    @cached_property
    def _section_quotes(self) -> dict[int, list[tuple[str, ...]]]:
        """Each explaining section's quoted signatures, by the section's identity."""
        quotes: dict[int, list[tuple[str, ...]]] = {}
        for parts, sections in self._quotes.items():
            for section in sections:
                quotes.setdefault(id(section), []).append(parts)
        return quotes

    def _quotes_another_message(
        self, section: Section, texts: Sequence[str], phrases: Sequence[str]
    ) -> bool:
        """Does the section quote the failure's exception with another message? One class
        carries many problems: a section quoting `AuthenticationException: Authentication
        failed.` is about that message, not `Authentication timeout.`; the quote's words,
        most of them, are in the failure when it is the same message printed another way
        (other values, a wrapper's prefix, a library's newer wording)."""
        quotes = self._section_quotes.get(id(section), [])
        names = [
            short.lower() for p in phrases if CLASS_NAME.fullmatch(short := p.rsplit(".", 1)[-1])
        ]
        if not quotes or not names:
            return False
        # what each quote says after the exception's name: its message, as words
        messages = []
        for parts in quotes:
            name = next((name for name in names if name in parts[0]), None)
            if name is not None:
                message = " ".join([parts[0].partition(name)[2], *parts[1:]])
                # Python's own words around names (`'Adapter' object has no attribute 'x'`)
                # are every such failure's: the names are the message
                if quoted_names := python_message_names(message):
                    message = " ".join(quoted_names)
                words = set(MESSAGE_WORD.findall(message))
                if words:
                    messages.append(words)
        said = set(MESSAGE_WORD.findall(" ".join(signature_text(text) for text in texts)))
        return bool(messages) and all(
            len(words & said) * SAME_MESSAGE_SHARE[1] < len(words) * SAME_MESSAGE_SHARE[0]
            for words in messages
        )

    @cached_property
    def _title_numbers(self) -> dict[int, set[str]]:
        return {id(section): _error_numbers(section.title) for section in self._explaining}

    def _titles_another_number(self, section: Section, shown: set[str]) -> bool:
        """Does the section's title name error numbers ("Missing Permissions (403, error code
        50013)") and the failure show others, none of them (`error code: 50001`)? The title
        says which error of a family the section is about."""
        numbers = self._title_numbers.get(id(section), set())
        return bool(numbers and shown and not numbers & shown)


# A sentence in which a section says what it is not: "If requests complains about the *type* of a
# header value (int, None) it is a different bug.", "Note: if the var is `starlette_context`, you
# are in #2, not here.", "`Cannot operate on a closed database` is not this entry."
RULING_OUT = re.compile(
    r"(?i)\b(?:(?:is|are|that's|it's)\s+(?:a\s+)?(?:different|another|separate|other)\s+"
    r"(?:bug|problem|issue|cause|failure|entry|story|thing)"
    r"|not\s+(?:this|here|covered|this\s+(?:entry|one|bug|problem|section))\b"
    r"|(?:isn't|is\s+not|are\s+not|aren't)\s+(?:this|it|covered|the\s+same)\b"
    r"|(?:has|have)\s+no\s+entry|does(?:n't|\s+not)\s+(?:apply|belong)|out\s+of\s+scope)"
)
# "Other `ValueError`s are not this entry", "`CUDA error` other than out of memory is not
# covered", "exit 12 without the `command not found` line is a different failure": a sentence
# that turns away all but the section's own case names that case's words too.
ALL_BUT = re.compile(
    r"(?i)\b(?:other\s+than|without|except|unless|other|others|any\s+other"
    r"|(?:anything|everything)\s+else)\b|\bdifferent\s+`"
)
# The words a ruling-out sentence is made of, whatever it rules out.
RULING_WORDS = frozenset(
    tokens("entry entries section problem bug issue cause failure different still fails see note")
)
URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.I)
EMPHASIS = re.compile(r"(?<![*\w])\*{1,2}([^*\n]+?)\*{1,2}(?![*\w])|(?<!\w)_([^_\n]+?)_(?!\w)")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*`_(\"'])|\n\s*\n|\n(?=\s*(?:[-*+|]|\*\*))")


# A message about a setting that is not set or not valid: `SERVICE_SECRET must be set in
# production`, `DATABASE_HOST validation failed`, `Expected variable for test: GOOGLE_...`
_SETTING = SETTING_NAME.pattern
SETTING_AMISS = re.compile(
    rf"({_SETTING})\W{{0,2}} (?:must be set|is not set|not set|(?:is )?required|(?:is )?missing"
    rf"|is empty|(?:validation )?failed|(?:is )?not configured|(?:is )?not defined)"
    rf"|(?i:missing|required|expected|undefined|unset) (?i:env(?:ironment)? )?"
    rf"(?i:variable|setting|var|key)s?\b[^A-Z\n]{{0,20}}({_SETTING})"
)


def _setting_parts(names: Iterable[str]) -> set[frozenset[str]]:
    return {frozenset(name.lower().split("_")) for name in names if name}


def _about_other_settings(section: Section, text: str) -> bool:
    """Does the failure's message say a setting is not set or not valid (`SERVICE_SECRET must
    be set`) of another family than every setting the section names (`GOOGLE_CLIENT_ID`,
    `GOOGLE_CLIENT_SECRET`)? Words shared around the names ("must be set", "staging") do not
    make it the section's problem. A setting of the family (`GOOGLE_OAUTH_CLIENT_ID_TEST`)
    shares two parts or all of the shorter name."""
    shown = _setting_parts(
        n for m in SETTING_AMISS.finditer(text.split("\n", 1)[0]) for n in m.groups()
    )
    named = _setting_parts(SETTING_NAME.findall(f"{section.title}\n{section.body}"))
    if not shown or not named:
        return False
    return not any(len(a & b) >= min(2, len(a), len(b)) for a in shown for b in named)


def ruled_out(section: Section, text: str) -> bool:
    """Does the section say, in a sentence of its own, that a failure like this one is another
    problem? The sentence's own words (those the rest of the section never uses: "type",
    "int" above), two of them in the failure (its only one, "An *expired* token is not this
    entry"), or a quote of it found whole there, rule the section out: a look-alike the runbook
    took care to turn away is not its entry."""
    prose = FENCE.sub("", section.body)
    sentences = [s for s in SENTENCE_END.split(prose) if s.strip()]
    ruling = [s for s in sentences if RULING_OUT.search(s) and not ALL_BUT.search(s)]
    if not ruling:
        return False
    rest = set(tokens(section.title))
    for sentence in sentences:
        if sentence not in ruling:
            rest.update(tokens(sentence))
    # an address (`https://platform.openai.com/account/billing`) says where, not what failed
    said = set(tokens(URL.sub(" ", text)))
    lowered = text.lower()
    for sentence in ruling:
        quotes = [q for q in re.findall(r"`([^`\n]{6,})`", sentence) if q.lower() in lowered]
        own = set(tokens(RULING_OUT.sub(" ", sentence))) - rest - RULING_WORDS
        # the detail a writer stresses ("the database is *readonly*") is the one that differs
        spans = [m[1] or m[2] for m in EMPHASIS.finditer(sentence)]
        stressed = {word for span in spans for word in tokens(span)} & own
        if quotes or (own and len(own & said) >= min(2, len(own))) or stressed & said:
            return True
    return False
