"""Runbook as code: the `grep` commands of the configured runbooks, compiled into rules.

Every `grep` command in a fenced `bash`/`sh`/`shell` block of a configured runbook becomes a rule
`runbook:<section-anchor>` (a second command in the same section gets `-2`, ...). The rule
reports an added line when the compiled command would print it: the same patterns, flags, path
operands (relative to the repository root) and `| grep` filters, with GNU grep's meaning (see
`hooks.grep`). Its title, fix and link are the section's. A command that cannot be compiled
exactly (`cat`, `docker`, a shell loop, an unsupported flag) becomes no rule; `uncompiled()`
lists it with the reason, and `runbook-guard check-links` prints that list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from hooks.config import Config
from hooks.context import Run, SourceFile, finding
from hooks.findings import Finding
from hooks.grep import Pipeline, Unsupported, compile_command
from hooks.runbook import RunbookIndex, Section, read_runbooks

SHELLS = frozenset({"bash", "sh", "shell"})
MENTIONS_GREP = re.compile(r"(?<![\w.-])[ef]?grep(?![\w.-])")
LOOP_START = re.compile(r"^\s*(?:for|while|until|select)\s")
LOOP_END = re.compile(r"^\s*done\b")


@dataclass(frozen=True)
class Command:
    """One grep command found in a runbook."""

    section: Section
    line: int  # 1-based line of the command in the runbook
    text: str
    in_loop: bool = False


class Uncompiled(NamedTuple):
    ref: str  # the section, `path#anchor`
    command: str
    reason: str


class RunbookRule:
    """A rule compiled from one runbook command; module-like for the engine and reporters."""

    SEVERITY = "error"
    SCOPE = "line"
    FILES = ("python", "env")

    def __init__(self, rule_id: str, command: Command, pipeline: Pipeline) -> None:
        section = command.section
        self.ID = rule_id
        self.TITLE = section.title
        self.MESSAGE = f"line matches the runbook check `{command.text}`"
        self.FIX = section.fields.get("fix") or f'Follow the runbook section "{section.title}".'
        self.KEYWORDS = (section.title, *section.fields.values())
        self.RUNBOOK = ""  # no section of the shipped runbook: the rule is the team's own
        self.SECTION = section.ref  # the section the rule was compiled from (its link)
        self.COMMAND = command.text
        self.LINE = command.line
        self.pipeline = pipeline
        self.__doc__ = (
            f"## What it does\nReports an added line that the runbook command\n"
            f"`{command.text}` prints (GNU grep's meaning).\n\n"
            f'## Why is this bad?\nThe runbook section "{section.title}" '
            f"({section.path}, line {command.line}) says to check for it.\n\n"
            f"## Runbook\n{section.title}\n"
        )

    def check_file(self, file: SourceFile, run: Run) -> Iterator[Finding]:
        data = file.text.encode("utf-8", "surrogateescape")
        for hit in self.pipeline.search(file.path, data, file.added):
            yield finding(self.ID, file, None, self.MESSAGE, line=hit.line, column=hit.column)

    def __repr__(self) -> str:
        return f"<RunbookRule {self.ID}: {self.COMMAND}>"


def _logical_lines(code: str, first: int) -> Iterator[tuple[int, str, bool]]:
    """(runbook line, command line with continuations joined, inside a shell loop?)."""
    depth = 0
    pending: list[str] = []
    start = first
    for offset, raw in enumerate(code.split("\n")):
        if not pending:
            start = first + offset
        if raw.endswith("\\") and not raw.endswith("\\\\"):
            pending.append(raw[:-1])
            continue
        line = " ".join([*pending, raw]).strip()
        pending = []
        if LOOP_END.match(line):
            depth = max(depth - 1, 0)
        yield start, line, depth > 0
        if LOOP_START.match(line) and not re.search(r"\bdone\b", line):
            depth += 1


def find_commands(sections: list[Section]) -> Iterator[Command]:
    """Every line of a shell block that mentions grep (outside a comment line), in runbook
    order: a line that only mentions it (`xargs grep`, `git grep`) is listed as not compiled."""
    for section in sections:
        for block in section.code_blocks:
            if block.lang not in SHELLS:
                continue
            for line, text, in_loop in _logical_lines(block.code, block.line + 1):
                if MENTIONS_GREP.search(text) and not text.startswith("#"):
                    yield Command(section, line, text, in_loop)


@dataclass
class Compiled:
    rules: dict[str, RunbookRule]
    refused: list[tuple[Command, str]]  # each command that became no rule, and why
    commands: list[Command]

    @property
    def uncompiled(self) -> list[Uncompiled]:
        return [Uncompiled(c.section.ref, c.text, reason) for c, reason in self.refused]


def _rule_id(section: Section, taken: set[str]) -> str:
    """`runbook:<anchor>` for a section's first rule, then `-2`, `-3`, ... (also when two
    runbooks have a section with the same anchor)."""
    base = f"runbook:{section.anchor}"
    rule_id, n = base, 1
    while rule_id in taken:
        n += 1
        rule_id = f"{base}-{n}"
    taken.add(rule_id)
    return rule_id


def compile_sections(sections: list[Section]) -> Compiled:
    """Compile every grep command of these runbook sections."""
    result = Compiled({}, [], [])
    by_text: dict[str, str] = {}
    taken: set[str] = set()
    for command in find_commands(sections):
        result.commands.append(command)
        key = " ".join(command.text.split())
        try:
            if command.in_loop:
                raise Unsupported("inside a shell loop: it runs once per iteration, with variables")
            pipeline = compile_command(command.text)
        except Unsupported as e:
            result.refused.append((command, e.reason))
            continue
        if key in by_text:
            reason = f"the same command as {by_text[key]}, which checks it"
            result.refused.append((command, reason))
            continue
        rule_id = _rule_id(command.section, taken)
        by_text[key] = rule_id
        result.rules[rule_id] = RunbookRule(rule_id, command, pipeline)
    return result


def load(root: Path, config: Config) -> Compiled:
    if not config.runbooks:
        return Compiled({}, [], [])
    index = RunbookIndex.load(read_runbooks(root, config.runbooks), config.link_base)
    return compile_sections(index.sections)


def compile_rules(root: Path, config: Config) -> dict[str, RunbookRule]:
    """The `runbook:*` rules of the configured runbooks (none without `runbooks`)."""
    return load(root, config).rules


def uncompiled(root: Path, config: Config) -> list[Uncompiled]:
    """Each grep command that became no rule: (section ref, command, reason)."""
    return load(root, config).uncompiled
