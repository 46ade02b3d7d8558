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

from hooks.grep.charsets import WORD_CLASS
from hooks.grep.errors import Unsupported, rejected
from hooks.grep.options import GrepOptions
from hooks.grep.pcre import translate_pcre
from hooks.grep.posix import Translation, translate


@dataclass(frozen=True)
class LineMatcher:
    regex: re.Pattern[str]
    full: bool  # -x
    invert: bool  # -v

    def select(self, line: str) -> int | None:
        """The 0-based column of the match if the line is selected (0 for -v), else None."""
        found = self.regex.fullmatch(line) if self.full else self.regex.search(line)
        if self.invert:
            return None if found else 0
        return found.start() if found else None


def _fixed(pattern: str) -> Translation:
    body = "".join(c if c.isascii() and c.isalnum() else f"\\x{ord(c):02x}" for c in pattern)
    return Translation(body, False, not pattern)


def _translations(options: GrepOptions, patterns: list[str]) -> list[Translation]:
    kind, icase = options.kind, options.ignore_case
    if kind == "P":
        if len(patterns) > 1:
            raise rejected("the -P option only supports a single pattern")
        return [translate_pcre(patterns[0], icase=icase)]
    if kind == "F":
        return [_fixed(p) for p in patterns]
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
    if options.words and not options.lines:
        body = f"(?<!{WORD_CLASS})(?:{body})(?!{WORD_CLASS})"
    flags = re.ASCII | (re.IGNORECASE if options.ignore_case else 0)
    try:
        regex = re.compile(body, flags)
    except re.error as e:  # pragma: no cover - a translation bug, not a user error
        raise Unsupported(f"could not compile the translated pattern ({e})") from None
    return LineMatcher(regex, options.lines, options.invert)
