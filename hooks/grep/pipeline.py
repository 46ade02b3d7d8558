"""A runbook grep command compiled: the files it reads, the lines it prints, and the `| grep`
filters those printed lines go through.

The first grep prints `name:line:text` (`name:` when grep shows names, `line:` with `-n`); each
filter reads those printed lines on standard input and keeps or drops them, so a filter can
match the file name too (`| grep -v isolated_environment` drops the accessor module's lines).
A line is reported when its printed form survives every filter.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from dataclasses import dataclass

from runbook_guard.hooks.grep.errors import Unsupported
from runbook_guard.hooks.grep.matcher import LineMatcher, build_matcher
from runbook_guard.hooks.grep.options import GrepOptions, parse_options
from runbook_guard.hooks.grep.paths import Operand, check_globs, excluded, parse_operand
from runbook_guard.hooks.grep.shell import Command, Expands, split_pipeline

GREPS = {"grep": "", "egrep": "E", "fgrep": "F"}


@dataclass(frozen=True)
class Hit:
    line: int  # 1-based
    column: int  # 1-based, in characters
    output: str  # what grep prints for the line (Latin-1: one character per byte)


def latin1(text: str) -> str:
    """Text as grep sees it in the C locale: its UTF-8 bytes, one character each."""
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def _grep_options(command: Command) -> GrepOptions:
    name, *args = command.words
    if name not in GREPS:
        raise Unsupported(f"`{name}` is not grep")
    return parse_options([latin1(a) for a in args], GREPS[name])


def _filter(command: Command) -> LineMatcher:
    options = _grep_options(command)
    if options.operands not in ([], ["-"]):
        raise Unsupported(f"`{command}` reads files, not the output piped into it")
    if options.recursive:
        raise Unsupported(f"`{command}` searches the directory, not the output piped into it")
    if options.with_filename == 1:
        raise Unsupported(f"`{command}` prefixes `(standard input):` to the lines")
    if options.line_number:
        raise Unsupported(f"`{command}` numbers the piped lines")
    return build_matcher(options)


@dataclass(frozen=True)
class Pipeline:
    source: str
    options: GrepOptions
    matcher: LineMatcher
    operands: tuple[Operand, ...]
    filters: tuple[LineMatcher, ...]

    @property
    def implicit_dot(self) -> bool:
        return not self.operands

    def names(self, path: str) -> list[tuple[str, bool]]:
        """(printed name, name printed?) for each way the command reaches repo path `path`
        (all three in Latin-1, like the command's words)."""
        options = self.options
        shown = options.with_filename == 1 or (
            options.with_filename == 0 and len(self.operands) > 1
        )
        out: list[tuple[str, bool]] = []
        if self.implicit_dot:
            if self._recursed(path, options):
                out.append((path, options.with_filename >= 0))
            return out
        for operand in self.operands:
            if path == operand.target and not operand.dir_only:
                if not excluded(options.filters, operand.text, anchored=False):
                    out.append((operand.text, shown))
            elif options.recursive and (
                not operand.target or path.startswith(operand.target + "/")
            ):
                if excluded(options.dir_globs, operand.text, anchored=False):
                    continue
                rel = path[len(operand.target) + 1 :] if operand.target else path
                if self._recursed(rel, options):
                    root = operand.fts_root
                    name = root + rel if root.endswith("/") else f"{root}/{rel}"
                    out.append((name, options.with_filename >= 0))
        return out

    @staticmethod
    def _recursed(rel: str, options: GrepOptions) -> bool:
        *dirs, base = rel.split("/")
        if any(excluded(options.dir_globs, d, anchored=True) for d in dirs):
            return False
        return not excluded(options.filters, base, anchored=True)

    def search(self, path: str, data: bytes, only: Container[int] | None = None) -> list[Hit]:
        """The lines of file `path` (its bytes) the whole pipeline prints; `only` restricts the
        line numbers looked at. One hit per printed line (a file reached twice prints twice)."""
        names = self.names(latin1(path))
        if not names or (b"\0" in data and not self.options.text):
            return []
        return list(self._hits(names, data, only))

    def _hits(
        self, names: list[tuple[str, bool]], data: bytes, only: Container[int] | None
    ) -> Iterator[Hit]:
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for number, raw in enumerate(lines, start=1):
            if only is not None and number not in only:
                continue
            text = raw.decode("latin-1")
            column = self.matcher.select(text)
            if column is None:
                continue
            for name, shown in names:
                output = self._printed(name, shown, number, text)
                if all(f.select(output) is not None for f in self.filters):
                    width = len(raw[:column].decode("utf-8", "replace"))
                    yield Hit(number, width + 1, output)

    def _printed(self, name: str, shown: bool, number: int, text: str) -> str:
        prefix = name + ":" if shown else ""
        if self.options.line_number:
            prefix += f"{number}:"
        return prefix + text


def compile_command(line: str, expands: Expands | None = None) -> Pipeline:
    """A `grep ... [| grep ...]` command line compiled; `Unsupported` names why it cannot be.
    `expands` says whether an unquoted glob matches files where the command runs."""
    stages = split_pipeline(line, expands)
    if not stages:
        raise Unsupported("no command")
    first, *rest = stages
    options = _grep_options(first)
    if not options.operands and not options.recursive:
        raise Unsupported("grep without a file operand reads standard input")
    operands = tuple(parse_operand(text) for text in options.operands)
    check_globs(options)
    matcher = build_matcher(options)
    filters = tuple(_filter(stage) for stage in rest)
    return Pipeline(line, options, matcher, operands, filters)
