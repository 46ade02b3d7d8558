"""POSIX bracket expressions (`[a-z]`, `[^]x]`, `[[:space:]]`) as GNU grep reads them in the C
locale: a backslash is an ordinary character, `]` first is literal, `-` first or last is literal,
ranges are byte ranges, and an empty range (`[z-a]`) is an error."""

from __future__ import annotations

from runbook_guard.hooks.grep import charsets
from runbook_guard.hooks.grep.errors import Unsupported, rejected


def _c_upper(ch: str) -> int:
    """toupper() in the C locale: ASCII letters only."""
    return ord(ch) - 32 if "a" <= ch <= "z" else ord(ch)


def _class(p: str, i: int, icase: bool) -> tuple[int, int]:
    """`[:name:]` starting at p[i] == '[' (p[i+1] == ':'): its mask and the index after it."""
    end = p.find(":]", i + 2)
    if end < 0:
        raise rejected("unmatched [")
    name = p[i + 2 : end]
    if icase and name in ("upper", "lower"):
        name = "alpha"
    if name not in charsets.CLASSES:
        raise rejected(f"invalid character class [:{name}:]")
    return charsets.CLASSES[name], end + 2


def _element(p: str, i: int, icase: bool) -> tuple[str | int, int]:
    """One element at p[i]: a character, or a class mask. Refuses [. .] and [= =]."""
    if i >= len(p):
        raise rejected("unmatched [")
    if p[i] == "[" and i + 1 < len(p):
        if p[i + 1] == ":":
            return _class(p, i, icase)
        if p[i + 1] in ".=":
            kind = "collating symbols" if p[i + 1] == "." else "equivalence classes"
            raise Unsupported(f"bracket {kind} ([{p[i + 1]}...{p[i + 1]}])")
    return p[i], i + 1


def parse_bracket(p: str, i: int, icase: bool) -> tuple[int, int]:
    """The byte set of the bracket expression whose `[` is just before p[i], and the index after
    its `]`."""
    invert = i < len(p) and p[i] == "^"
    if invert:
        i += 1
    mask = 0
    first = True
    # dfa.c's check for `[:space:]` written without the outer brackets: bit 1 the first
    # character is `:`, bit 2 the last one is, bit 4 another character, bit 8 a class or range
    colons = int(p.startswith(":", i))
    while True:
        if i >= len(p):
            raise rejected("unmatched [")
        if p[i] == "]" and not first:
            i += 1
            break
        first = False
        colons &= ~2
        element, i = _element(p, i, icase)
        if isinstance(element, str):
            colons |= 2 if element == ":" else 4
        if i + 1 < len(p) and p[i] == "-" and p[i + 1] != "]":
            colons |= 8
            if isinstance(element, int):
                raise rejected("invalid range end (a range starting at a class)")
            high, i = _element(p, i + 1, icase)
            if isinstance(high, int):
                raise rejected("invalid range end (a range ending at a class)")
            if ord(high) < ord(element) and not icase:
                raise rejected("invalid range end")
            if icase and _c_upper(high) < _c_upper(element):
                # glibc checks a range under -i on its upper-cased ends (`[Z-a]` is `[Z-A]`)
                raise rejected("invalid range end")
            if ord(high) < ord(element):
                # valid upper-cased (`[a-_]` is `[A-_]`) but empty as written: grep's two
                # regex engines disagree on what it matches
                raise Unsupported(f"the range `{element}-{high}` is reversed but for case")
            if i + 1 < len(p) and p[i] == "-" and p[i + 1] != "]":
                raise Unsupported("a `-` right after a range (undefined in POSIX)")
            mask |= charsets.span(element, high)
        elif isinstance(element, int):
            colons |= 8
            mask |= element
        else:
            mask |= 1 << ord(element)
    if colons == 7:
        raise rejected("character class syntax is [[:space:]], not [:space:]")
    if icase:
        mask = charsets.fold(mask)
    if invert:
        mask = charsets.ALL & ~mask
    return mask, i
