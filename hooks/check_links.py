"""`runbook-guard check-links`: every link into the runbooks resolves to a heading.

It prints, for the configured runbooks (or the shipped one):
- each rule's section: an explicit link, a match (with its score), the shipped runbook, or (for
  `runbook:*` rules) the section the rule was compiled from;
- each `[tool.runbook-guard.links]` entry (rule ids, ruff codes, failure signatures);
- the Definition-of-Done checklist's links into the runbooks, and the runbooks' own cross-links
  (`[..](./COMMON_MISTAKES_RUNBOOK.md#1-service_id-with-timestamps)`);
- the runbook grep commands that were not compiled into rules, with the reason.

Exit 1 when a link does not resolve, each named as `path:line: broken link target#anchor`.
"""

from __future__ import annotations

import inspect
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from runbook_guard.hooks import config as config_module
from runbook_guard.hooks import git, runbook_rules
from runbook_guard.hooks.errors import UsageError
from runbook_guard.hooks.links import Links, Resolution
from runbook_guard.hooks.rules import all_rules
from runbook_guard.hooks.runbook import FENCE, RunbookIndex

# Each scan stops where the next link could start (`[`, `(`) and a title is at most 300
# characters, so a line of 100,000 `[a](` costs one pass (it took minutes).
LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^()\s<>]+)>?(?:\s+[\"'(][^)]{0,300})?\)"
)
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)

    def say(self, text: str = "") -> None:
        self.lines.append(text)

    def fail(self, where: str, target: str) -> None:
        self.broken.append(f"{where}: broken link {target}")


def markdown_links(text: str) -> Iterator[tuple[int, str]]:
    """(1-based line, target) of each inline or reference link outside code."""
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line)
        if fence is not None:
            if match and match[1][0] == fence[0] and len(match[1]) >= len(fence):
                fence = None
            continue
        if match:
            fence = match[1]
            continue
        plain = CODE_SPAN.sub("", line)
        for link in LINK.finditer(plain):
            yield number, link[1]
        reference = REFERENCE.match(plain)
        if reference:
            yield number, reference[1]


def _resolve(doc: str, target: str) -> tuple[str, str] | None:
    """(repo-relative path, anchor) a relative link in `doc` points at; None for URLs."""
    if SCHEME.match(target) or target.startswith("//"):
        return None
    path, _, anchor = target.partition("#")
    path = unquote(path.split("?", 1)[0])
    if not path:
        return doc, unquote(anchor)
    base = "" if path.startswith("/") else posixpath.dirname(doc)
    joined = posixpath.normpath(posixpath.join(base, path.lstrip("/")))
    return joined, unquote(anchor)


def check_doc(report: Report, doc: str, text: str, index: RunbookIndex) -> int:
    """Check `doc`'s links into the runbooks of `index`; the number of links checked."""
    runbooks = set(index.paths())
    checked = 0
    for line, target in markdown_links(text):
        resolved = _resolve(doc, target)
        if resolved is None or resolved[0] not in runbooks:
            continue
        path, anchor = resolved
        checked += 1
        ok = not anchor or index.find(f"{path}#{anchor}") is not None
        report.say(f"  {doc}:{line}: {target}  {'ok' if ok else 'BROKEN'}")
        if not ok:
            report.fail(f"{doc}:{line}", target)
    return checked


def _rule_location(rule: object) -> str:
    try:
        source = inspect.getsourcefile(rule)  # type: ignore[arg-type]
        lines, _ = inspect.getsourcelines(rule)  # type: ignore[arg-type]
    except (TypeError, OSError):
        return str(getattr(rule, "ID", "rule"))
    where = Path(source or "")
    package_parent = Path(__file__).resolve().parent.parent
    if where.is_relative_to(package_parent):
        where = where.relative_to(package_parent)
    for number, text in enumerate(lines, start=1):
        if text.startswith("RUNBOOK"):
            return f"{where.as_posix()}:{number}"
    return where.as_posix()


def _describe(resolution: Resolution) -> str:
    how = f"matched {resolution.score:.2f}" if resolution.how == "matched" else resolution.how
    target = resolution.section.ref if resolution.section else resolution.target or "-"
    return f"{how:<13} {target}"


def check_rules(report: Report, links: Links, compiled: runbook_rules.Compiled) -> None:
    report.say("Rules")
    rules = all_rules()
    width = max([len(r) for r in [*rules, *compiled.rules]] or [0])
    for rule in rules.values():
        resolution = links.for_rule(rule)
        report.say(f"  {rule.ID:<{width}}  {_describe(resolution)}")
        if resolution.how == "broken" and not links.explicit(rule.ID):
            report.fail(_rule_location(rule), resolution.target)
    for rule_id, rule in compiled.rules.items():
        where = f"{rule.SECTION.split('#')[0]}:{rule.LINE}"
        report.say(f"  {rule_id:<{width}}  {'source':<13} {rule.SECTION} ({where})")
        report.say(f"  {'':<{width}}  {_status(rule.STATUS)}")


def _status(status: str) -> str:
    """What a compiled runbook command does on a commit (hooks/runbook_rules.py)."""
    if status == runbook_rules.CHECK:
        return "runs on every commit"
    if status == runbook_rules.DIAGNOSTIC:
        return "diagnostic: a step for a person to run, not run unless selected by its id"
    rule_id = status.partition(":")[2]
    return f"superseded by {rule_id}, which reads the code: not run unless selected by its id"


def check_explicit(report: Report, links: Links, config: config_module.Config) -> None:
    report.say("Explicit links ([tool.runbook-guard.links])")
    if not config.links:
        report.say("  (none)")
    source = config.source
    text = source.read_text(encoding="utf-8") if source and source.is_file() else ""
    where_name = source.name if source else "config"
    for key, target in config.links.items():
        resolution = links.explicit(key)
        ok = resolution is not None and resolution.how != "broken"
        shown = "external, not checked" if "://" in target else ("ok" if ok else "BROKEN")
        report.say(f"  {key} -> {target}  {shown}")
        if not ok:
            report.fail(f"{where_name}:{_key_line(text, key)}", target)


def _key_line(text: str, key: str) -> int:
    pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return 1


def check_documents(
    report: Report, root: Path, config: config_module.Config, index: RunbookIndex
) -> None:
    checklist = config.bot.definition_of_done
    report.say(f"Checklist links ({checklist or 'no definition-of-done configured'})")
    if checklist:
        path = root / checklist
        if not path.is_file():
            report.say(f"  {checklist}: no such file")
        elif not check_doc(report, checklist, path.read_text(encoding="utf-8"), index):
            report.say("  (no links into the runbooks)")
    report.say()
    report.say("Runbook cross-links")
    checked = 0
    for section_path in index.paths():
        file = root / section_path
        if file.is_file():
            checked += check_doc(report, section_path, file.read_text(encoding="utf-8"), index)
    if not checked:
        report.say("  (none)")


def check_uncompiled(report: Report, compiled: runbook_rules.Compiled) -> None:
    report.say("Runbook commands not compiled into rules")
    if not compiled.refused:
        report.say("  (none)")
    for command, reason in compiled.refused:
        path = command.section.path
        report.say(f"  {path}:{command.line}: `{command.text}`: {reason}")


def check_links(config_path: str | None = None) -> int:
    """Print every link into the runbooks; 1 if one does not resolve."""
    try:
        root = git.repo_root()
    except UsageError:
        root = Path.cwd()
    config = config_module.load(root, Path(config_path) if config_path else None)
    links = Links(root, config)
    index = links.team or links.shipped
    compiled = runbook_rules.load(root, config)
    report = Report()
    names = ", ".join(config.runbooks) or "the shipped runbook"
    report.say(f"runbooks: {names} ({len(index.paths())} files, {len(index.sections)} sections)")
    for step in (
        lambda: check_rules(report, links, compiled),
        lambda: check_explicit(report, links, config),
        lambda: check_documents(report, root, config, index),
        lambda: check_uncompiled(report, compiled),
    ):
        report.say()
        step()
    print("\n".join(report.lines))
    if report.broken:
        print()
        print("\n".join(report.broken))
        print(f"{len(report.broken)} broken link{'s' if len(report.broken) > 1 else ''}")
        return 1
    print("\nevery link resolves")
    return 0
