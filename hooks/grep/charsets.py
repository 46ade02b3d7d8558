"""Byte sets of the C locale (what `[[:alpha:]]`, `\\w`, `\\s` mean to GNU grep under LC_ALL=C),
as 256-bit masks, and their rendering as Python character classes.

Text is matched as bytes: each line is decoded as Latin-1, so every character is one byte.
"""

from __future__ import annotations


def span(first: str, last: str) -> int:
    return sum(1 << c for c in range(ord(first), ord(last) + 1))


def chars(text: str) -> int:
    return sum(1 << ord(c) for c in set(text))


ALL = (1 << 256) - 1
UPPER = span("A", "Z")
LOWER = span("a", "z")
ALPHA = UPPER | LOWER
DIGIT = span("0", "9")
ALNUM = ALPHA | DIGIT
SPACE = span("\t", "\r") | chars(" ")
PRINT = span(" ", "~")
GRAPH = span("!", "~")
PUNCT = GRAPH & ~ALNUM
CLASSES = {
    "alpha": ALPHA,
    "upper": UPPER,
    "lower": LOWER,
    "digit": DIGIT,
    "xdigit": DIGIT | span("a", "f") | span("A", "F"),
    "alnum": ALNUM,
    "space": SPACE,
    "blank": chars(" \t"),
    "print": PRINT,
    "graph": GRAPH,
    "punct": PUNCT,
    "cntrl": span("\0", "\x1f") | chars("\x7f"),
}
WORD = ALNUM | chars("_")
WORD_CLASS = "[0-9A-Za-z_]"


def fold(mask: int) -> int:
    """The set closed under ASCII case (GNU grep -i in the C locale)."""
    upper = (mask >> ord("a")) & ((1 << 26) - 1)
    lower = (mask >> ord("A")) & ((1 << 26) - 1)
    return mask | (upper << ord("A")) | (lower << ord("a"))


def render(mask: int) -> str:
    """A Python character class matching exactly the bytes in `mask`."""
    if mask == 0:
        return "(?!)"
    if mask == ALL:
        return "[\\x00-\\xff]"
    parts: list[str] = []
    c = 0
    while c < 256:
        if not mask >> c & 1:
            c += 1
            continue
        end = c
        while end + 1 < 256 and mask >> (end + 1) & 1:
            end += 1
        parts.append(f"\\x{c:02x}" if end == c else f"\\x{c:02x}-\\x{end:02x}")
        c = end + 1
    return "[" + "".join(parts) + "]"
