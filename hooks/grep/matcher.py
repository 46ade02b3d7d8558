"""Which lines one grep selects: its patterns (`-e`, newline-separated), matcher (`-G -E -F -P`)
and `-i -w -x -v`, compiled into one Python regex over Latin-1 text (one character per byte).

GNU grep's `-w` keeps a match whose start is not preceded and whose end is not followed by a
word constituent, retrying shorter and later matches on the line: for patterns decided by its DFA
that is exactly "some match is bounded by non-word characters", i.e. `(?<!\\w)(?:P)(?!\\w)`.
Patterns with back-references are decided by a loop over match lengths that never accepts an
empty match after a longer one at the same place; the two agree unless a pattern can match the
empty string, which is refused. `-x` is a full match; `-x` wins over `-w`, as in grep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from runbook_guard.hooks.grep.charsets import WORD_CLASS
from runbook_guard.hooks.grep.errors import Unsupported, rejected
from runbook_guard.hooks.grep.options import GrepOptions
from runbook_guard.hooks.grep.pcre import translate_pcre
from runbook_guard.hooks.grep.posix import Translation, translate

# Longer lines are matched by RE2, in linear time: Python's engine may take quadratic time
# on a line (`a.*b` against 50,000 `a`s: a second), and a line is whatever a commit adds.
LONG_LINE = 4096
WRAP_WORDS = f"(?:^|[^{WORD_CLASS[1:-1]}])(?P<w>{{}})(?:[^{WORD_CLASS[1:-1]}]|\\z)"


@dataclass(frozen=True)
class LineMatcher:
    regex: re.Pattern[str] | None  # Python's engine; None: it could take too long
    full: bool  # -x
    invert: bool  # -v
    re2_source: str | None = None  # the same selection for RE2, when RE2 can say it
    words: bool = False  # re2_source marks the match with the group `w` (-w)

    def select(self, line: str) -> int | None:
        """The 0-based column of the match if the line is selected (0 for -v), else None."""
        if self.regex is not None and (len(line) <= LONG_LINE or not self._re2_usable):
            found = self.regex.fullmatch(line) if self.full else self.regex.search(line)
            column = found.start() if found else None
        else:
            column = self._select_re2(line)
        if self.invert:
            return None if column is not None else 0
        return column

    def _select_re2(self, line: str) -> int | None:
        data = line.encode("latin-1")
        found = self._re2.fullmatch(data) if self.full else self._re2.search(data)
        if found is None:
            return None
        return found.start(self._re2.groupindex[b"w"]) if self.words else found.start()

    @cached_property
    def _re2_usable(self) -> bool:
        return self.re2_source is not None and _re2_available()

    @cached_property
    def _re2(self) -> Any:
        return compile_re2(self.re2_source or "")


def compile_re2(source: str) -> Any:
    """A pattern for google-re2 over Latin-1 bytes (one character a byte, as grep's C locale),
    `.` matching any byte."""
    import re2

    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    options.dot_nl = True
    options.max_mem = 64 << 20
    return re2.compile(source.encode("latin-1"), options)


@lru_cache(maxsize=1)
def _re2_available() -> bool:
    """Is google-re2 installed? Asked only for a pattern that needs it (its import costs ~4 ms,
    and most runs never match a line with it)."""
    try:
        import re2  # noqa: F401
    except ImportError:  # pragma: no cover (a dependency: installed with runbook-guard)
        return False
    return True


def _fixed(pattern: str, icase: bool) -> Translation:
    body = "".join(_byte(c) for c in pattern)
    folded = "".join(
        f"[{c.lower()}{c.upper()}]" if icase and c.isascii() and c.isalpha() else _byte(c)
        for c in pattern
    )
    return Translation(body, False, not pattern, re2=folded)


def _byte(c: str) -> str:
    return c if c.isascii() and c.isalnum() else f"\\x{ord(c):02x}"


def _translations(options: GrepOptions, patterns: list[str]) -> list[Translation]:
    kind, icase = options.kind, options.ignore_case
    if kind == "P":
        if len(patterns) > 1:
            raise rejected("the -P option only supports a single pattern")
        return [translate_pcre(patterns[0], icase=icase)]
    if kind == "F":
        return [_fixed(p, icase) for p in patterns]
    return [
        translate(p, extended=kind == "E", icase=icase, prefix=f"p{n}_")
        for n, p in enumerate(patterns)
    ]


def build_matcher(options: GrepOptions) -> LineMatcher:
    """The line selection of one grep command; `Unsupported` if it cannot be exact."""
    patterns = "\n".join(options.patterns or [""]).split("\n")
    parts = _translations(options, patterns)
    if (
        options.words
        and not options.lines
        and options.kind != "P"
        and any(t.backrefs for t in parts)
        and any(t.nullable for t in parts)
    ):
        raise Unsupported(
            "-w with a back-reference and a pattern that can match the empty string "
            "(GNU grep's regex fallback decides such lines by match length)"
        )
    if (options.words or options.lines) and any(t.stray_rparen for t in parts):
        raise Unsupported(
            "-w/-x with an unmatched `)` (GNU grep wraps the pattern in a group the `)` closes)"
        )
    body = parts[0].regex if len(parts) == 1 else "|".join(f"(?:{t.regex})" for t in parts)
    words = options.words and not options.lines
    if words:
        body = f"(?<!{WORD_CLASS})(?:{body})(?!{WORD_CLASS})"
    flags = re.ASCII | (re.IGNORECASE if options.ignore_case else 0)
    try:
        regex = re.compile(body, flags)
    except re.error as e:  # pragma: no cover - a translation bug, not a user error
        raise Unsupported(f"could not compile the translated pattern ({e})") from None
    # RE2 cannot say a back-reference, `\\<` or `\\>`; it matches case as written (the
    # translations fold ASCII letters themselves, as grep's C locale does)
    re2_source = None
    if all(t.re2 is not None for t in parts):
        re2_body = "|".join(f"(?:{t.re2})" for t in parts)
        re2_source = WRAP_WORDS.format(re2_body) if words else re2_body
    if any(t.risky for t in parts):
        if re2_source is None or not _re2_available():
            raise Unsupported(
                "a repetition of a repetition or two unbounded repetitions (`x.*y.*z`, "
                "`(a+)+`): Python's backtracking engine can take exponential time on a line, "
                "GNU grep takes linear time, and this pattern needs what RE2 cannot say "
                "(a back-reference, `\\<`, `\\>`, or it is a -P pattern)"
            )
        return LineMatcher(None, options.lines, options.invert, re2_source, words)
    return LineMatcher(regex, options.lines, options.invert, re2_source, words)
