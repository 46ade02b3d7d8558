"""`grep -P` (PCRE2 in the C locale) translated into Python `re` where the construct means the
same in both; everything else is refused with the reason.

Accepted: literals, `.`, `^`, `$` (grep sets PCRE2_DOLLAR_ENDONLY), `\\A \\z \\Z`, `\\d \\w \\s`
and their negations, `\\b \\B`, `\\n \\t \\r \\f \\a \\e \\xHH \\x{HH}`, bracket expressions
(with `[:name:]` and `[:^name:]`), groups, `(?:...)`, named groups, look-arounds, `(?i:...)`,
`(?#...)`, greedy and lazy quantifiers, alternation and back-references to closed groups.
Refused: possessive quantifiers and atomic groups (Python 3.10 has neither), `{,n}` (its meaning
changed in PCRE2 10.43), `\\Q...\\E`, `\\K`, `\\G`, `\\R`, `\\h`, `\\v`, `\\p{..}`, recursion,
conditionals, branch reset, backtracking verbs, bare inline flags `(?i)`, multi-digit and
forward references.
"""

from __future__ import annotations

import re
import string
from typing import Any

try:  # Python's own regex parser: re._parser from 3.11, sre_parse before
    from re import _parser as _sre  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover (Python 3.10)
    import sre_parse as _sre  # type: ignore[no-redef]

from runbook_guard.hooks.grep import charsets
from runbook_guard.hooks.grep.errors import Unsupported, rejected
from runbook_guard.hooks.grep.posix import Translation
from runbook_guard.hooks.grep.posix_lex import MAX_REPEAT

W = charsets.WORD_CLASS
SIMPLE = {
    "d": charsets.DIGIT,
    "w": charsets.WORD,
    "s": charsets.SPACE,
    "D": charsets.ALL & ~charsets.DIGIT,
    "W": charsets.ALL & ~charsets.WORD,
    "S": charsets.ALL & ~charsets.SPACE,
}
CHAR_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "a": "\a", "e": "\x1b"}
ZERO_WIDTH_ESCAPES = {
    "b": f"(?:(?<={W})(?!{W})|(?<!{W})(?={W}))",
    "B": f"(?:(?<={W})(?={W})|(?<!{W})(?!{W}))",
    "A": "^",
    "z": "\\Z",
    "Z": "\\Z",  # before a final newline or at the end: lines have no newline
}
QUANTIFIER = re.compile(r"\{(\d+)(,(\d*))?\}")
ANY = charsets.render(charsets.ALL & ~(1 << 10))


def _hex_escape(p: str, i: int) -> tuple[str, int]:
    """`\\x` at p[i-1:i+1]: the character and the index after the escape."""
    if p.startswith("{", i + 1):
        end = p.find("}", i + 2)
        digits = p[i + 2 : end] if end > 0 else ""
        if not digits or any(c not in string.hexdigits for c in digits) or int(digits, 16) > 255:
            raise Unsupported("a `\\x{...}` escape that is not one byte")
        return chr(int(digits, 16)), end + 1
    j = i + 1
    while j < len(p) and j < i + 3 and p[j] in string.hexdigits:
        j += 1
    return chr(int(p[i + 1 : j] or "0", 16)), j


def _class_escape(p: str, i: int) -> tuple[int, int]:
    """A backslash escape inside a bracket at p[i] (the char after `\\`): mask, next index."""
    c = p[i]
    if c in SIMPLE:
        return SIMPLE[c], i + 1
    if c == "b":
        return 1 << 8, i + 1
    if c == "x":
        ch, j = _hex_escape(p, i)
        return 1 << ord(ch), j
    if c in CHAR_ESCAPES:
        return 1 << ord(CHAR_ESCAPES[c]), i + 1
    if c.isascii() and c.isalnum():
        raise Unsupported(f"`\\{c}` in a -P bracket expression")
    return 1 << ord(c), i + 1


def posix_syntax(p: str, i: int) -> int | None:
    """PCRE2's check_posix_syntax for `[:`, `[.` or `[=` at p[i]: where its terminator is."""
    terminator = p[i + 1]
    j = i + 2
    while j < len(p):
        if p[j] == "\\" and p[j + 1 : j + 2] in ("]", "\\"):
            j += 2
            continue
        if (p[j] == "[" and p[j + 1 : j + 2] == terminator) or p[j] == "]":
            return None
        if p[j] == terminator and p[j + 1 : j + 2] == "]":
            return j
        j += 1
    return None


def _bracket_item(p: str, i: int) -> tuple[int, bool, int]:
    """(mask, is a single character, next index) of one item inside a -P bracket."""
    if i >= len(p):
        raise rejected("missing terminating ] for character class")
    end = posix_syntax(p, i) if p[i] == "[" and p[i + 1 : i + 2] in (":", ".", "=") else None
    if end is not None:
        if p[i + 1] != ":":
            raise rejected("POSIX collating elements are not supported")
        name = p[i + 2 : end]
        negate = name.startswith("^")
        mask = charsets.CLASSES.get(name[1:] if negate else name)
        if mask is None:
            raise rejected(f"unknown POSIX class name [:{name}:]")
        return (charsets.ALL & ~mask if negate else mask), False, end + 2
    if p[i] == "\\":
        if i + 1 >= len(p):
            raise rejected("\\ at end of pattern")
        mask, j = _class_escape(p, i + 1)
        return mask, p[i + 1] not in SIMPLE, j
    return 1 << ord(p[i]), True, i + 1


def _bracket(p: str, i: int, icase: bool) -> tuple[str, int]:
    """The -P bracket expression whose `[` is at p[i-1]: a Python class and the next index."""
    invert = p.startswith("^", i)
    i += invert
    mask, first = 0, True
    while True:
        if i >= len(p):
            raise rejected("missing terminating ] for character class")
        if p[i] == "]" and not first:
            break
        first = False
        item, single, i = _bracket_item(p, i)
        if p.startswith("-", i) and i + 1 < len(p) and p[i + 1] != "]":
            high, high_single, j = _bracket_item(p, i + 1)
            if not (single and high_single):
                raise Unsupported("a -P range with a class at one end")
            lo, hi = item.bit_length() - 1, high.bit_length() - 1
            if hi < lo:
                raise rejected("range out of order in character class")
            mask |= charsets.span(chr(lo), chr(hi))
            i = j
        else:
            mask |= item
    if icase:
        mask = charsets.fold(mask)
    if invert:
        mask = charsets.ALL & ~mask
    return charsets.render(mask), i + 1


class _Translator:
    def __init__(self, pattern: str, icase: bool) -> None:
        self.p = pattern
        self.icase = icase
        self.i = 0
        self.out: list[str] = []
        self.repeatable = False  # may a quantifier follow what was emitted last?
        self.groups = 0
        self.closed: set[str] = set()  # numbers and names of closed capturing groups
        self.stack: list[tuple[str, str]] = []  # (kind, number/name) of open groups

    def emit(self, text: str, repeatable: bool) -> None:
        self.out.append(text)
        self.repeatable = repeatable

    def run(self) -> str:
        while self.i < len(self.p):
            c = self.p[self.i]
            self.i += 1
            if c == "\\":
                self._escape()
            elif c == "[":
                if self.p[self.i : self.i + 1] in (":", ".", "=") and posix_syntax(
                    self.p, self.i - 1
                ):
                    raise rejected("POSIX named classes are supported only within a class")
                cls, self.i = _bracket(self.p, self.i, self.icase)
                self.emit(cls, True)
            elif c == "(":
                self._open()
            elif c == ")":
                self._close()
            elif c in "*+?{":
                self._quantifier(c)
            elif c == "|":
                self.emit("|", False)
            else:
                self.emit(
                    _literal(c) if c not in ".^$" else {".": ANY, "^": "^", "$": "\\Z"}[c], c == "."
                )
        if self.stack:
            raise rejected("missing closing parenthesis")
        return "".join(self.out)

    def _escape(self) -> None:
        if self.i >= len(self.p):
            raise rejected("\\ at end of pattern")
        c = self.p[self.i]
        self.i += 1
        if c in SIMPLE:
            self.emit(charsets.render(SIMPLE[c]), True)
        elif c in ZERO_WIDTH_ESCAPES:
            self.emit(ZERO_WIDTH_ESCAPES[c], False)
        elif c in CHAR_ESCAPES:
            self.emit(_literal(CHAR_ESCAPES[c]), True)
        elif c == "x":
            ch, self.i = _hex_escape(self.p, self.i - 1)
            self.emit(_literal(ch), True)
        elif c in "123456789":
            if self.i < len(self.p) and self.p[self.i].isdigit():
                raise Unsupported("a multi-digit -P back-reference or octal escape")
            if c not in self.closed or self._in_lookbehind():
                raise Unsupported(f"`\\{c}`: a -P back-reference to a group not closed before it")
            self.emit(f"(?:\\{c})", True)
        elif c.isascii() and c.isalnum():
            raise Unsupported(f"`\\{c}` in a -P pattern (no exact Python equivalent)")
        else:
            self.emit(_literal(c), True)

    def _in_lookbehind(self) -> bool:
        return any(kind == "lookbehind" for kind, _ in self.stack)

    def _open(self) -> None:
        rest = self.p[self.i :]
        if not rest.startswith("?"):
            if rest.startswith("*"):
                raise Unsupported("PCRE backtracking verbs `(*...)`")
            self.groups += 1
            self.stack.append(("group", str(self.groups)))
            self.emit("(", False)
            return
        for prefix, kind in (("?:", "plain"), ("?=", "look"), ("?!", "look")):
            if rest.startswith(prefix):
                return self._push(prefix, kind, "(" + prefix)
        for prefix in ("?<=", "?<!"):
            if rest.startswith(prefix):
                return self._push(prefix, "lookbehind", "(" + prefix)
        named = re.match(r"\?(?:P?<|')([A-Za-z_]\w*)[>']", rest)
        if named and not rest.startswith(("?<=", "?<!")):
            self.groups += 1
            self.stack.append(("group", f"{self.groups}|{named[1]}"))
            self.i += named.end()
            return self.emit(f"(?P<{named[1]}>", False)
        ref = re.match(r"\?P=([A-Za-z_]\w*)\)", rest)
        if ref:
            if ref[1] not in self.closed or self._in_lookbehind():
                raise Unsupported(
                    f"`(?P={ref[1]})`: a back-reference to a group not closed before it"
                )
            self.i += ref.end()
            return self.emit(f"(?P={ref[1]})", True)
        return self._special_group(rest)

    def _special_group(self, rest: str) -> None:
        if rest.startswith("?#"):
            end = self.p.find(")", self.i)
            if end < 0:
                raise rejected("missing ) after (?# comment")
            self.i = end + 1
            return
        flags = re.match(r"\?(-?i):", rest)
        if flags:
            return self._push(flags[0], "plain", f"(?{flags[1]}:")
        raise Unsupported(f"the -P group `({rest[:3]}...` (no exact Python equivalent)")

    def _push(self, prefix: str, kind: str, text: str) -> None:
        self.i += len(prefix)
        self.stack.append((kind, ""))
        self.emit(text, False)

    def _close(self) -> None:
        if not self.stack:
            raise rejected("unmatched closing parenthesis")
        kind, ident = self.stack.pop()
        if kind == "group":
            self.closed.update(ident.split("|"))
        self.emit(")", kind in ("group", "plain"))

    def _quantifier(self, c: str) -> None:
        text = c
        if c == "{":
            match = QUANTIFIER.match(self.p, self.i - 1)
            if match is None:
                nxt = self.p[self.i : self.i + 1]
                if nxt.isdigit() or nxt in (",", " "):
                    raise Unsupported("a -P `{` that is neither a quantifier nor clearly literal")
                return self.emit("\\{", True)
            lo, hi = int(match[1]), match[3]
            if hi and int(hi) < lo:
                raise rejected("numbers out of order in {} quantifier")
            if max(lo, int(hi or 0)) > MAX_REPEAT:
                raise Unsupported(f"repetition counts above {MAX_REPEAT}")
            text = match[0]
            self.i = match.end()
        if not self.repeatable:
            raise Unsupported(f"`{text}` does not follow a repeatable item")
        if self.p.startswith("+", self.i):
            raise Unsupported("possessive quantifiers (`*+`, `++`, ...) need Python 3.11")
        if self.p.startswith("?", self.i):
            text += "?"
            self.i += 1
        self.emit(text, False)


def _literal(c: str) -> str:
    return c if c.isascii() and c.isalnum() else f"\\x{ord(c):02x}"


def translate_pcre(pattern: str, *, icase: bool) -> Translation:
    """One `grep -P` pattern as a Python regex (compiled with re.ASCII); `Unsupported` if the
    meaning would differ."""
    regex = _Translator(pattern, icase).run()
    try:
        re.compile(regex, re.ASCII)
        risky = _risky(_sre.parse(regex, re.ASCII))
    except re.error as e:
        raise Unsupported(f"the -P pattern has no exact Python equivalent ({e})") from None
    return Translation(regex, "\\" in pattern, True, risky=risky)


def _risky(parsed: Any) -> bool:
    """Two unbounded repetitions, or one around a repetition or an alternation, in Python's
    own parse of the regex (posix.py's test, for a pattern PCRE wrote)."""
    unbounded, nested = 0, False

    def walk(items: Any) -> bool:
        """Walk the items; is there a repetition or an alternation among them?"""
        nonlocal unbounded, nested
        found = False
        for op, arg in items:
            name = str(op)
            if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                below = walk(arg[2])
                if arg[1] == _sre.MAXREPEAT:
                    unbounded += 1
                    nested = nested or below
                found = True
            elif name == "BRANCH":
                for branch in arg[1]:
                    walk(branch)
                found = True
            elif name == "SUBPATTERN":
                found = walk(arg[-1]) or found
            elif name in ("ASSERT", "ASSERT_NOT"):
                found = walk(arg[1]) or found
        return found

    walk(parsed)
    return unbounded >= 2 or nested
