"""Which files a grep command reads, and the name it prints for each, as GNU grep 3.x decides.

- Path operands are relative to the repository root (where the runbook's commands run). With
  `-r` and no operand grep searches `.` and prints names without `./`. A directory operand is
  read only with `-r`; its files are printed as the operand joined to their path below it (`.`
  gives `./a/b.py`, `pkg/` gives `pkg/a.py`).
- `--include`/`--exclude` match a file found by recursion on its base name (glibc `fnmatch`
  without flags: `*` crosses `/` and leading dots); a command-line file operand matches if the
  glob matches the whole operand or any part of it after a `/`. The last glob that matches
  decides; if none matches, a file is skipped only when the first glob given is an `--include`.
- `--exclude-dir` matches each directory below an operand on its base name, and a directory
  operand on the operand as typed (so `--exclude-dir=e2e` skips `tests/e2e` but not
  `tests/e2e/`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, partial

from runbook_guard.hooks import globs
from runbook_guard.hooks.grep import charsets
from runbook_guard.hooks.grep.errors import Unsupported
from runbook_guard.hooks.grep.options import GrepOptions

WILDCARDS = frozenset("?*[]")


def _has_wildcards(glob: str) -> bool:
    i = 0
    while i < len(glob):
        if glob[i] == "\\":
            i += 2
            continue
        if glob[i] in WILDCARDS:
            return True
        i += 1
    return False


def _bracket(glob: str, i: int) -> tuple[int, int]:
    """glibc fnmatch's `[...]` whose `[` is at glob[i-1]: its byte set, and the next index."""
    invert = i < len(glob) and glob[i] in "!^"
    i += invert
    mask, first = 0, True
    while True:
        if i >= len(glob):
            raise Unsupported("an unterminated `[` in a glob")
        c = glob[i]
        if c == "]" and not first:
            break
        first = False
        if glob.startswith(("[:", "[.", "[="), i):
            end = glob.find(glob[i + 1] + "]", i + 2)
            name = glob[i + 2 : end]
            if glob[i + 1] != ":" or end < 0 or name not in charsets.CLASSES:
                raise Unsupported("a glob bracket with collating elements or a bad class")
            mask |= charsets.CLASSES[name]
            i = end + 2
            continue
        if c == "\\":
            i += 1
            if i >= len(glob):
                raise Unsupported("a glob ending in a backslash never matches")
            c = glob[i]
        i += 1
        if glob.startswith("-", i) and i + 1 < len(glob) and glob[i + 1] != "]":
            end_char = glob[i + 1]
            i += 2
            if end_char == "\\":
                if i >= len(glob):
                    raise Unsupported("a glob ending in a backslash never matches")
                end_char, i = glob[i], i + 1
            mask |= charsets.span(c, end_char) if ord(c) <= ord(end_char) else 0
        else:
            mask |= 1 << ord(c)
    if invert:
        mask = charsets.ALL & ~mask
    return mask, i + 1


@lru_cache(maxsize=256)
def glob_tokens(glob: str) -> tuple[globs.Token, ...]:
    """glibc `fnmatch(glob, name, 0)` for the linear matcher of hooks/globs.py: `*` and `?`
    match `/` too, a bracket is a byte set (the name is Latin-1, one character a byte)."""
    out: list[globs.Token] = []
    i = 0
    while i < len(glob):
        c = glob[i]
        i += 1
        if c == "*":
            out.append(("run", globs.anything))
        elif c == "?":
            out.append(("one", globs.anything))
        elif c == "[":
            mask, i = _bracket(glob, i)
            out.append(("one", partial(_in_set, mask)))
        else:
            if c == "\\":
                if i >= len(glob):
                    raise Unsupported("a glob ending in a backslash never matches")
                c, i = glob[i], i + 1
            out.append(("lit", c))
    return tuple(out)


def _in_set(mask: int, char: str) -> bool:
    return ord(char) < 256 and bool(mask >> ord(char) & 1)


def _unescape(glob: str) -> str:
    return re.sub(r"\\(.)", r"\1", glob, flags=re.DOTALL)


def _matches(glob: str, name: str, anchored: bool) -> bool:
    """gnulib exclude's test of one glob against a name."""
    if not _has_wildcards(glob):
        literal = _unescape(glob)
        if name == literal:
            return True
        return not anchored and any(
            name[i + 1 :] == literal for i, c in enumerate(name) if c == "/"
        )
    tokens = glob_tokens(glob)
    if globs.matches(tokens, name):
        return True
    return not anchored and any(
        globs.matches(tokens, name[i + 1 :])
        for i, c in enumerate(name)
        if c == "/" and name[i + 1 : i + 2] != "/"
    )


def excluded(globs: list[tuple[str, bool]], name: str, anchored: bool) -> bool:
    """gnulib `excluded_file_name`: the last glob that matches decides (an `--include` keeps,
    an `--exclude` skips); with no match, skipped only if the first glob is an `--include`."""
    if not globs:
        return False
    for glob, include in reversed(globs):
        if _matches(glob, name, anchored):
            return not include
    return globs[0][1]


def check_globs(options: GrepOptions) -> None:
    """Refuse globs glibc fnmatch would read differently from `glob_tokens`."""
    for glob in [g for g, _ in options.filters] + options.exclude_dirs:
        if _has_wildcards(glob):
            glob_tokens(glob)


@dataclass(frozen=True)
class Operand:
    text: str  # as written
    target: str  # repo-relative, normalised ("" for the root)
    dir_only: bool  # written with a trailing `/`: only a directory can match

    @property
    def fts_root(self) -> str:
        """The name fts starts from: two or more trailing slashes trimmed to one."""
        text = self.text
        if len(text) > 2 and text.endswith("/"):
            text = text.rstrip("/") + "/"
        return text


def parse_operand(text: str) -> Operand:
    if text == "-":
        raise Unsupported("the operand `-` reads standard input")
    if not text:
        raise Unsupported("an empty path operand")
    if text.startswith("/"):
        raise Unsupported(f"the absolute path `{text}` is outside the repository")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise Unsupported(f"the path `{text}` leaves the directory the command runs in")
    dir_only = text.endswith("/") or text.endswith("/.") or text == "."
    return Operand(text, "/".join(parts), dir_only)
