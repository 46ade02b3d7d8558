"""A runbook's command line split into a pipeline of words, the way bash splits it.

Only the part of the shell language a "How to Check" line needs is accepted: words, single and
double quotes, backslash escapes, `|` pipes, `#` comments and `2>/dev/null`. What bash leaves as
it is stays: a `$` not followed by a name, `{`, `(` or a special parameter (`"[[:space:]]$"`), a
`!` (history expansion is off outside an interactive shell), braces that are no brace expansion,
and an unquoted glob that matches no file in the repository's root (`--include=*.py`: bash
keeps a word whose pattern matches nothing). Everything that makes the shell *compute* the words
(`$VAR`, `$(...)`, backquotes, a glob that matches files, `~`, `{a,b}`) or run something other
than a pipeline (`;`, `&&`, `||`, `&`, redirections, subshells) is refused with the reason,
because the result would depend on the machine the command runs on.

`shlex` is not enough on its own: it drops the quoting that decides whether the shell expands a
glob, and it treats `#` inside a word as a comment. So this scanner tracks quoting itself and
`shlex.quote` renders words back for messages.
"""

from __future__ import annotations

import glob
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from runbook_guard.hooks.grep.errors import Unsupported

OPERATORS = ("&&", "||", ";;", "|", "&", ";", "<", ">", "(", ")")
GLOB = frozenset("*?[")
# After `$`, what bash expands: a name, a positional or special parameter, `${`, `$(`, `$[`, the
# `$'...'`/`$"..."` quotings (the last two only outside double quotes).
EXPANDED_AFTER_DOLLAR = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789{([@*#?$!-"
)
# `{1..9}`, `{-2..4..2}`, `{a..e}`: the sequences bash brace-expands
SEQUENCE = re.compile(r"-?\d+\.\.-?\d+(?:\.\.-?\d+)?|[A-Za-z]\.\.[A-Za-z](?:\.\.-?\d+)?")
# `name=` (and `name=a:`): bash expands a `~` that follows in any word, as in an assignment
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=(?:[^:]*:)*")
Expands = Callable[[str], bool]  # does this glob pattern match a file where the command runs?


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]

    def __str__(self) -> str:
        return " ".join(shlex.quote(w) for w in self.words)


class _Scanner:
    def __init__(self, line: str, expands: Expands | None = None) -> None:
        self.line = line
        self.i = 0
        self.stages: list[list[str]] = [[]]
        self.word: list[str] | None = None  # None: between words
        self.quoted = False  # the current word has a quoted or escaped part
        self.expands = expands
        self.pattern: list[str] = []  # the word as a glob: quoted characters escaped
        self.globbing = False  # the word has an unquoted glob character

    def _char(self, ch: str, quoted: bool = False) -> None:
        if self.word is None:
            self.word = []
        self.word.append(ch)
        # Python's glob has no backslash escapes: a quoted glob character is a one-member set.
        self.pattern.append(f"[{ch}]" if quoted and ch in GLOB else ch)

    def _end_word(self) -> None:
        if self.word is not None:
            word = "".join(self.word)
            if self.globbing:
                self._glob(word)
            self.stages[-1].append(word)
        self.word = None
        self.quoted = False
        self.globbing = False
        self.pattern = []

    def _glob(self, word: str) -> None:
        """Bash expands a word with an unquoted glob character to the files it matches, and
        keeps it as written when it matches none (the default, no `nullglob`/`failglob`)."""
        pattern = "".join(self.pattern)
        if self.expands is None:
            raise Unsupported(f"unquoted glob `{word}` would be expanded by the shell")
        if self.expands(pattern):
            raise Unsupported(
                f"unquoted `{word}` matches files in the repository's root: the shell would "
                "replace it with their names"
            )

    def scan(self) -> list[list[str]]:
        line = self.line
        while self.i < len(line):
            ch = line[self.i]
            if ch in " \t":
                self._end_word()
                self.i += 1
            elif ch == "\\":
                self._backslash()
            elif ch == "'":
                self._single_quoted()
            elif ch == '"':
                self._double_quoted()
            elif ch == "#" and self.word is None:
                break  # a comment runs to the end of the line
            elif ch in "|&;<>()":
                self._operator()
            else:
                self._unquoted(ch)
        self._end_word()
        return self.stages

    def _backslash(self) -> None:
        if self.i + 1 >= len(self.line):
            raise Unsupported("the line ends in a backslash")
        self.quoted = True
        self._char(self.line[self.i + 1], quoted=True)
        self.i += 2

    def _single_quoted(self) -> None:
        end = self.line.find("'", self.i + 1)
        if end < 0:
            raise Unsupported("unterminated single quote")
        self.quoted = True
        if self.word is None:
            self.word = []
        for ch in self.line[self.i + 1 : end]:
            self._char(ch, quoted=True)
        self.i = end + 1

    def _dollar_expands(self, i: int, quoted: bool) -> bool:
        """Does bash expand the `$` at `i`? A `$` before anything else is a plain dollar."""
        after = self.line[i + 1 : i + 2]
        if not after:
            return False
        return after in EXPANDED_AFTER_DOLLAR or (not quoted and after in "'\"")

    def _double_quoted(self) -> None:
        self.quoted = True
        if self.word is None:
            self.word = []
        i = self.i + 1
        while i < len(self.line):
            ch = self.line[i]
            if ch == '"':
                self.i = i + 1
                return
            if ch == "`" or (ch == "$" and self._dollar_expands(i, quoted=True)):
                raise Unsupported(f"`{ch}` inside double quotes is expanded by the shell")
            if ch == "\\" and i + 1 < len(self.line) and self.line[i + 1] in '"\\$`':
                self._char(self.line[i + 1], quoted=True)
                i += 2
                continue
            self._char(ch, quoted=True)
            i += 1
        raise Unsupported("unterminated double quote")

    def _operator(self) -> None:
        op = next(o for o in OPERATORS if self.line.startswith(o, self.i))
        if op == ">" and self.word == ["2"] and not self.quoted and self._stderr_to_null():
            return
        if op != "|":
            raise Unsupported(f"`{op}` makes this more than a pipeline of commands")
        self._end_word()
        if not self.stages[-1]:
            raise Unsupported("empty command in the pipeline")
        self.stages.append([])
        self.i += 1

    def _stderr_to_null(self) -> bool:
        """`2>/dev/null` (only error messages are dropped): accepted and ignored."""
        rest = self.line[self.i + 1 :]
        stripped = rest.lstrip(" \t")
        if not stripped.startswith("/dev/null"):
            return False
        after = stripped[len("/dev/null") :]
        if after and after[0] not in " \t|":
            return False
        self.word = None
        self.i = len(self.line) - len(after)
        return True

    def _unquoted(self, ch: str) -> None:
        if ch == "`" or (ch == "$" and self._dollar_expands(self.i, quoted=False)):
            raise Unsupported(f"unquoted `{ch}` is expanded by the shell")
        if ch in GLOB:
            self.globbing = True
        if ch == "{" and self._brace_expansion():
            raise Unsupported("unquoted `{...,...}` is brace-expanded by the shell")
        if ch == "~" and (self.word is None or ASSIGNMENT.fullmatch("".join(self.word))):
            raise Unsupported("unquoted `~` is expanded to the home directory by the shell")
        self._char(ch)
        self.i += 1

    def _brace_expansion(self) -> bool:
        """Is the unquoted `{` at `i` a brace expansion? Bash expands `{a,b}` (a comma outside
        quotes, at this level) and `{1..3}`, `{a..e}`; keeps `{}`, `{x}`, `{a\\,b}`, `{a..bc}`."""
        line, j, depth = self.line, self.i + 1, 1
        comma = False
        inner: list[str] = []  # the text between the braces, a quoted or escaped part as NUL
        while j < len(line):
            ch = line[j]
            if ch in " \t|&;<>()":
                return False  # the word ends before a closing brace
            if ch == "\\":
                inner.append("\0")
                j += 2
                continue
            if ch in "'\"":
                close = line.find(ch, j + 1)
                if close < 0:
                    return False
                inner.append("\0")
                j = close + 1
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return comma or bool(SEQUENCE.fullmatch("".join(inner)))
            elif ch == "," and depth == 1:
                comma = True
            inner.append(ch)
            j += 1
        return False


def expands_in(root: Path) -> Expands:
    """Whether bash (default options: no `dotglob`, `globstar`, `nullglob`) expands a glob
    pattern in directory `root`. It keeps a pattern that matches no file as written."""
    return lambda pattern: bool(glob.glob(pattern, root_dir=root))


def split_pipeline(line: str, expands: Expands | None = None) -> list[Command]:
    """The commands of a pipeline (`a | b | c`), each as its shell words. `expands` says
    whether a glob pattern matches files where the command runs (without it, any unquoted
    glob is refused)."""
    stages = _Scanner(line, expands).scan()
    if not stages[-1]:
        if len(stages) > 1:
            raise Unsupported("the pipeline ends in `|`")
        return []
    return [Command(tuple(words)) for words in stages]
