"""Glob matching in time linear in the name, whatever the pattern.

A glob translated to a Python regex backtracks: `*a*a*a*a*a*a*a*a*a*a*ab` against a long name
tries every way to split it, and a `per-file-ignores` key like that blocks every commit for
minutes. A glob is a regular language with no back-references, so it is matched here the way a
DFA would: the set of pattern positions reachable so far, advanced one character at a time
(Thompson's construction; at most pattern-length states, each step constant work per state).

A pattern is a list of tokens: ("lit", c) one character; ("one", test) one character that
passes `test`; ("run", test) any number of characters that pass `test` (`*`); ("dirs", None)
`**/`: nothing, or anything ending in `/`. A state is a token's index, or `~i` for "inside the
directories of `**/` at i" (from there only a `/` leads on).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

Token = tuple[str, object]


def _closure(tokens: Sequence[Token], states: set[int]) -> set[int]:
    """The states plus those reachable without a character (a `*` or a `**/` may match
    nothing)."""
    todo = [i for i in states if i >= 0]
    while todo:
        i = todo.pop()
        if i < len(tokens) and tokens[i][0] in ("run", "dirs") and i + 1 not in states:
            states.add(i + 1)
            todo.append(i + 1)
    return states


def matches(tokens: Sequence[Token], text: str) -> bool:
    """Does the whole of `text` match the pattern? Each (state set, character) step is worked
    out once and remembered (a DFA built lazily): an --all-files run matches every path of
    the repository against the same few patterns, mostly over the same characters."""
    steps = _STEPS.get(tokens)
    if steps is None or len(steps) > MAX_STEPS:
        if len(_STEPS) > MAX_PATTERNS:
            _STEPS.clear()
        steps = _STEPS[tokens] = {}
    end = len(tokens)
    states = _start(tokens)
    for char in text:
        try:
            following = steps[states, char]
        except KeyError:
            following = steps[states, char] = _step(tokens, states, char)
        if following is None:
            return False
        states = following
    return end in states


# (state set, character) -> the next state set (None: no match can follow), per pattern
_STEPS: dict[Sequence[Token], dict[tuple[frozenset[int], str], frozenset[int] | None]] = {}
# a table this big starts afresh, and so do all when there are this many: memory stays bounded
MAX_STEPS, MAX_PATTERNS = 1 << 16, 1 << 10


@functools.lru_cache(maxsize=256)
def _start(tokens: Sequence[Token]) -> frozenset[int]:
    return frozenset(_closure(tokens, {0}))


def _step(tokens: Sequence[Token], states: frozenset[int], char: str) -> frozenset[int] | None:
    """The states after one more character, or None when no state can go on."""
    end = len(tokens)
    following: set[int] = set()
    for i in states:
        if i < 0:  # inside `**/`: any character stays, a `/` may also leave
            following.add(i)
            if char == "/":
                following.add(~i + 1)
            continue
        if i == end:
            continue
        kind, arg = tokens[i]
        if kind == "lit":
            if char == arg:
                following.add(i + 1)
        elif kind == "one":
            if _test(arg)(char):
                following.add(i + 1)
        elif kind == "run":
            if _test(arg)(char):
                following.add(i)
        else:  # dirs: enter the directories, or leave at once after a `/`
            following.add(~i)
            if char == "/":
                following.add(i + 1)
    return frozenset(_closure(tokens, following)) if following else None


def _test(arg: object) -> Callable[[str], bool]:
    return arg  # type: ignore[return-value]


def not_slash(char: str) -> bool:
    return char != "/"


def anything(char: str) -> bool:
    return True


def path_glob(pattern: str) -> tuple[Token, ...]:
    """A path glob where `**` spans directories and `*`, `?` and `[...]` stay within one
    (gitignore-like), as tokens."""
    out: list[Token] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append(("dirs", None))
            i += 3
        elif pattern.startswith("**", i):
            out.append(("run", anything))
            i += 2
        elif pattern[i] == "*":
            out.append(("run", not_slash))
            i += 1
        elif pattern[i] == "?":
            out.append(("one", not_slash))
            i += 1
        elif pattern[i] == "[" and pattern.find("]", i + 2) != -1:
            members, i = _bracket(pattern, i + 1)
            out.append(("one", members))
        else:
            out.append(("lit", pattern[i]))
            i += 1
    return tuple(out)


def _bracket(pattern: str, i: int) -> tuple[Callable[[str], bool], int]:
    """fnmatch's `[...]` whose `[` is at pattern[i-1] (`!` negates; `]` first is literal;
    ranges): a test of one character, and the index after the `]`."""
    negate = pattern[i] == "!"
    i += negate
    start = i
    ranges: list[tuple[str, str]] = []
    while i < len(pattern) and (pattern[i] != "]" or i == start):
        if pattern[i + 1 : i + 2] == "-" and pattern[i + 2 : i + 3] not in ("", "]"):
            ranges.append((pattern[i], pattern[i + 2]))
            i += 3
        else:
            ranges.append((pattern[i], pattern[i]))
            i += 1
    if i >= len(pattern):  # no closing `]`: the `[` was a literal
        return (lambda char: char == "["), start - negate

    def member(char: str) -> bool:
        inside = any(low <= char <= high for low, high in ranges)
        return char != "/" and inside != negate

    return member, i + 1


def files(root: str, pattern: str) -> list[str]:
    """The files under `root` a path glob names (repo-relative, `/`-separated, sorted), found
    without following a symlinked directory (two symlink loops made a recursive glob run
    forever) and without leaving `root`: a symlinked file counts only if it stays inside, and a
    pattern that is absolute or climbs out with `..` names nothing."""
    import os

    parts = pattern.replace("\\", "/").split("/")
    if pattern.startswith("/") or ".." in parts:
        return []
    # walk only below the pattern's fixed leading folders
    fixed: list[str] = []
    for part in parts[:-1]:
        if any(c in part for c in "*?["):
            break
        fixed.append(part)
    tokens = path_glob("/".join(p for p in parts if p not in ("", ".")))
    top = os.path.join(root, *fixed)
    real_root = os.path.realpath(root)
    found: list[str] = []
    for folder, subfolders, names in os.walk(top):  # followlinks=False: no loops
        subfolders[:] = [d for d in subfolders if d != ".git"]
        rel_folder = os.path.relpath(folder, root).replace(os.sep, "/")
        for name in names:
            rel = name if rel_folder == "." else f"{rel_folder}/{name}"
            if not matches(tokens, rel):
                continue
            full = os.path.join(folder, name)
            real = os.path.realpath(full)
            if os.path.commonpath([real_root, real]) != real_root or not os.path.isfile(real):
                continue
            found.append(rel)
    return sorted(found)
