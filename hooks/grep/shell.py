"""A runbook's command line split into a pipeline of words, the way bash splits it.

Only the part of the shell language a "How to Check" line needs is accepted: words, single and
double quotes, backslash escapes, `|` pipes, `#` comments and `2>/dev/null`. Everything that makes
the shell *compute* the words (`$VAR`, `$(...)`, backquotes, unquoted globs, `~`, braces) or run
something other than a pipeline (`;`, `&&`, `||`, `&`, redirections, subshells) is refused with
the reason, because the result would depend on the machine the command runs on.

`shlex` is not enough on its own: it drops the quoting that decides whether the shell expands a
glob, and it treats `#` inside a word as a comment. So this scanner tracks quoting itself and
`shlex.quote` renders words back for messages.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from hooks.grep.errors import Unsupported

OPERATORS = ("&&", "||", ";;", "|", "&", ";", "<", ">", "(", ")")
GLOB = frozenset("*?[")


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]

    def __str__(self) -> str:
        return " ".join(shlex.quote(w) for w in self.words)


class _Scanner:
    def __init__(self, line: str) -> None:
        self.line = line
        self.i = 0
        self.stages: list[list[str]] = [[]]
        self.word: list[str] | None = None  # None: between words
        self.quoted = False  # the current word has a quoted or escaped part

    def _char(self, ch: str) -> None:
        if self.word is None:
            self.word = []
        self.word.append(ch)

    def _end_word(self) -> None:
        if self.word is not None:
            self.stages[-1].append("".join(self.word))
            self.word = None
            self.quoted = False

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
        self._char(self.line[self.i + 1])
        self.i += 2

    def _single_quoted(self) -> None:
        end = self.line.find("'", self.i + 1)
        if end < 0:
            raise Unsupported("unterminated single quote")
        self.quoted = True
        if self.word is None:
            self.word = []
        self.word.extend(self.line[self.i + 1 : end])
        self.i = end + 1

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
            if ch in "$`":
                raise Unsupported(f"`{ch}` inside double quotes is expanded by the shell")
            if ch == "\\" and i + 1 < len(self.line) and self.line[i + 1] in '"\\$`':
                self.word.append(self.line[i + 1])
                i += 2
                continue
            self.word.append(ch)
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
        if ch in "$`":
            raise Unsupported(f"unquoted `{ch}` is expanded by the shell")
        if ch in GLOB:
            raise Unsupported(f"unquoted `{ch}` would be expanded by the shell as a file glob")
        if ch in "{}":
            raise Unsupported(f"unquoted `{ch}` may be brace-expanded by the shell")
        if ch == "~" and self.word is None:
            raise Unsupported("unquoted `~` is expanded to the home directory by the shell")
        self._char(ch)
        self.i += 1


def split_pipeline(line: str) -> list[Command]:
    """The commands of a pipeline (`a | b | c`), each as its shell words."""
    stages = _Scanner(line).scan()
    if not stages[-1]:
        if len(stages) > 1:
            raise Unsupported("the pipeline ends in `|`")
        return []
    return [Command(tuple(words)) for words in stages]
