"""`runbook-guard explain` and `runbook-guard rules`: each rule's docs and its runbook section."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import ModuleType

from runbook_guard.hooks import config as config_module
from runbook_guard.hooks import git
from runbook_guard.hooks.errors import UsageError
from runbook_guard.hooks.links import Links, Resolution
from runbook_guard.hooks.rules import all_rules
from runbook_guard.hooks.runbook import section_text
from runbook_guard.hooks.secrets import redact, redact_all

HEADINGS = ("What it does", "Why is this bad?", "Example", "Use instead", "Options", "Runbook")


def doc_sections(rule: ModuleType) -> dict[str, str]:
    """The rule's docstring split by its `## ` headings."""
    parts = re.split(r"^## (.+)$", rule.__doc__ or "", flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def _load(config_path: str | None) -> tuple[Links, dict[str, ModuleType]]:
    """The links, and every rule: the built-in ones and those compiled from the runbooks."""
    try:
        root = git.repo_root()
    except UsageError:
        root = Path.cwd()  # explain works outside a repository too, with the defaults
    config = config_module.load(root, Path(config_path) if config_path else None)
    rules: dict[str, ModuleType] = dict(all_rules())
    if config.runbooks:
        from runbook_guard.hooks.runbook_rules import compile_rules

        rules.update(compile_rules(root, config))  # type: ignore[arg-type]
    return Links(root, config), rules


def status(rule: ModuleType) -> str:
    """When a rule runs: every commit, or only when selected by its id (and why)."""
    state = getattr(rule, "STATUS", "check")
    if state == "check":
        return "runs on every commit"
    if state.startswith("superseded:"):
        return f"superseded by {state.partition(':')[2]}: runs only when selected by its id"
    return "a diagnostic: runs only when selected by its id"


def explain(rule_id: str, *, config_path: str | None = None) -> str:
    links, rules = _load(config_path)
    if rule_id not in rules:
        raise UsageError(f"unknown rule id {rule_id!r}; `runbook-guard rules` lists them")
    rule = rules[rule_id]
    resolution = links.for_rule(rule)
    out = [f"# {rule.ID}: {rule.TITLE}", ""]
    docs = doc_sections(rule)
    for heading in HEADINGS[:-1]:
        if heading in docs:
            out += [f"## {heading}", docs[heading], ""]
    if hasattr(rule, "COMMAND"):
        out += ["## When it runs", status(rule), ""]
    out += ["## Fix", rule.FIX, ""]
    out += ["## Runbook", *_runbook_lines(resolution, links)]
    return redact("\n".join(out).rstrip() + "\n")  # a runbook may quote a credential


def _runbook_lines(resolution: Resolution, links: Links) -> list[str]:
    if resolution.section is None:
        return [f"(no runbook section: {resolution.how} {resolution.target})".rstrip()]
    index = (
        links.team
        if resolution.how in ("matched", "explicit", "compiled") and links.team
        else links.shipped
    )
    lines = [f"{resolution.section.title}: {resolution.url}"]
    if resolution.how == "matched":
        lines.append(f"(matched with score {resolution.score:.2f})")
    lines += ["", section_text(resolution.section, index.sections)]
    return lines


def catalogue(fmt: str, *, config_path: str | None = None) -> str:
    links, rules = _load(config_path)
    entries = []
    for rule in rules.values():
        resolution = links.for_rule(rule)
        entries.append(
            {
                "id": rule.ID,
                "title": rule.TITLE,
                "severity": rule.SEVERITY,
                "scope": rule.SCOPE,
                "message": rule.MESSAGE,
                "fix": rule.FIX,
                "runbook": {"title": resolution.section.title, "url": resolution.url}
                if resolution.section is not None and resolution.url
                else None,
            }
        )
        if hasattr(rule, "COMMAND"):  # compiled from a runbook's command
            entries[-1]["command"] = rule.COMMAND
            entries[-1]["default"] = bool(rule.DEFAULT)
    if fmt == "json":  # the team's runbook text, redacted value by value
        document = redact_all({"version": 1, "rules": entries})
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    width = max(len(e["id"]) for e in entries)
    lines = []
    for e in entries:
        link = e["runbook"]["url"] if e["runbook"] else "(no runbook section)"
        lines.append(f"{e['id']:<{width}}  {e['title']}\n{'':<{width}}  {link}")
        if "command" in e:
            lines.append(f"{'':<{width}}  `{e['command']}` ({status(rules[e['id']])})")
    return redact("\n".join(lines) + "\n")
