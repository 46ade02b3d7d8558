"""Runbook as code: the `grep` commands of the configured runbooks, compiled into rules.

Every `grep` command in a fenced `bash`/`sh`/`shell` block of a configured runbook becomes a rule
`runbook:<section-anchor>` (a second command in the same section gets `-2`, ...). The rule
reports an added line when the compiled command would print it: the same patterns, flags, path
operands (relative to the repository root) and `| grep` filters, with GNU grep's meaning (see
`hooks.grep`). Its title, fix and link are the section's. A command that cannot be compiled
exactly (`cat`, `docker`, a shell loop, an unsupported flag) becomes no rule; `uncompiled()`
lists it with the reason, and `runbook-guard check-links` prints that list.

A runbook's grep command is a person's search; only some of them are patterns to prevent.
A compiled command runs on every commit (a *check*) unless it is:
- *superseded*: a built-in rule covers its concern (its section is about that concern, or its
  pattern searches for what the rule finds, such as `os.environ`). The built-in rule reads the
  code instead of its text, so it reports the same mistakes without comments, strings and
  lookalike words (`patch` in `dispatcher`), and one line gets one finding;
- a *diagnostic*: a step that investigates a failure that already happened (its block is
  labelled "Diagnosis", "Debug", "Investigate"), a step of a procedure (no "How to Check" or
  "Check" label, in a section with no symptom or cause and no check in its title, such as "When
  Authentication Breaks" or "Unit Test Failures"), or a command that reads log files. It lists
  candidates for a person to inspect, after the fact.
Superseded and diagnostic commands are still compiled and listed (`check-links`, `rules`); an
explicit `--select runbook:<id>` runs one, with GNU grep's meaning.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from runbook_guard.hooks.config import Config
from runbook_guard.hooks.context import Run, SourceFile, finding
from runbook_guard.hooks.findings import Finding
from runbook_guard.hooks.grep import Pipeline, Unsupported, compile_command
from runbook_guard.hooks.grep.pipeline import latin1
from runbook_guard.hooks.grep.shell import Expands, expands_in
from runbook_guard.hooks.runbook import RunbookIndex, Section, read_runbooks

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
    label: str = ""  # the field label before its block ("how to check", "diagnosis", ...)


class Uncompiled(NamedTuple):
    ref: str  # the section, `path#anchor`
    command: str
    reason: str


CHECK, DIAGNOSTIC, SUPERSEDED = "check", "diagnostic", "superseded"
# The label before a command's block says what it is for: finding a mistake in the code...
CHECK_LABELS = frozenset({"how to check", "check", "detect", "detection", "prevention"})
# ...or investigating a failure that already happened.
DIAGNOSTIC_LABELS = frozenset({"diagnosis", "debug", "debugging", "investigate", "verify"})
# Without a label, a section that describes a mistake, or whose title names a check.
MISTAKE_FIELDS = frozenset({"symptom", "symptoms", "root cause", "cause"})
CHECK_TITLE = re.compile(
    r"\b(checks?|audit|validation|verification|verify|isolation|prevent\w*|detect\w*)\b", re.I
)


def classify(command: Command, pipeline: Pipeline, covers: dict[str, re.Pattern[str]]) -> str:
    """CHECK, DIAGNOSTIC or SUPERSEDED by `by:<rule id>` (see the module's docstring)."""
    section = command.section
    operands = pipeline.options.operands
    if operands and all(o.endswith(".log") or o.startswith("logs/") for o in operands):
        return DIAGNOSTIC
    if command.label in DIAGNOSTIC_LABELS:
        return DIAGNOSTIC
    if command.label not in CHECK_LABELS and not (
        MISTAKE_FIELDS & set(section.fields) or CHECK_TITLE.search(section.title)
    ):
        return DIAGNOSTIC
    searched = " ".join(pipeline.options.patterns or [])
    for rule_id, pattern in covers.items():
        if pattern.search(section.title) or pattern.search(searched):
            return f"{SUPERSEDED}:{rule_id}"
    return CHECK


class RunbookRule:
    """A rule compiled from one runbook command; module-like for the engine and reporters."""

    SEVERITY = "error"
    SCOPE = "line"
    FILES = ("python", "env", "other")  # every file its command searches, of any type

    def __init__(
        self, rule_id: str, command: Command, pipeline: Pipeline, status: str = CHECK
    ) -> None:
        section = command.section
        self.ID = rule_id
        self.STATUS = status  # CHECK, DIAGNOSTIC or "superseded:<rule id>"
        self.DEFAULT = status == CHECK  # run without being selected by its id
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
                    yield Command(section, line, text, in_loop, block.label)


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


def built_in_coverage() -> dict[str, re.Pattern[str]]:
    """rule id -> what its concern looks like in a runbook title or a grep pattern."""
    from runbook_guard.hooks.rules import all_rules

    return {
        rule_id: re.compile(rule.COVERS)
        for rule_id, rule in all_rules().items()
        if getattr(rule, "COVERS", "")
    }


def compile_sections(sections: list[Section], expands: Expands | None = None) -> Compiled:
    """Compile every grep command of these runbook sections. `expands` says whether an
    unquoted glob matches files where the commands run (without it, every one is refused)."""
    result = Compiled({}, [], [])
    covers = built_in_coverage()
    by_text: dict[str, str] = {}
    taken: set[str] = set()
    for command in find_commands(sections):
        result.commands.append(command)
        key = " ".join(command.text.split())
        try:
            if command.in_loop:
                raise Unsupported("inside a shell loop: it runs once per iteration, with variables")
            pipeline = compile_command(command.text, expands)
        except Unsupported as e:
            result.refused.append((command, e.reason))
            continue
        if key in by_text:
            reason = f"the same command as {by_text[key]}, which checks it"
            result.refused.append((command, reason))
            continue
        rule_id = _rule_id(command.section, taken)
        by_text[key] = rule_id
        status = classify(command, pipeline, covers)
        result.rules[rule_id] = RunbookRule(rule_id, command, pipeline, status)
    return result


def load(root: Path, config: Config) -> Compiled:
    if not config.runbooks:
        return Compiled({}, [], [])
    index = RunbookIndex.load(read_runbooks(root, config.runbooks), config.link_base)
    return compile_sections(index.sections, expands_in(root))


def searcher(rules: Iterable[object]) -> Callable[[str], bool] | None:
    """Does a compiled command among `rules` search the file at this path? None: no command
    does (the run checks Python and env files only)."""
    pipelines = [rule.pipeline for rule in rules if isinstance(rule, RunbookRule)]
    if not pipelines:
        return None
    return lambda path: any(p.names(latin1(path)) for p in pipelines)


def compile_rules(root: Path, config: Config) -> dict[str, RunbookRule]:
    """The `runbook:*` rules of the configured runbooks (none without `runbooks`)."""
    return load(root, config).rules


def uncompiled(root: Path, config: Config) -> list[Uncompiled]:
    """Each grep command that became no rule: (section ref, command, reason)."""
    return load(root, config).uncompiled
