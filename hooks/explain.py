"""`runbook-guard explain` and `runbook-guard rules`: each rule's docs and its runbook section."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import ModuleType

from hooks import config as config_module
from hooks import git
from hooks.errors import UsageError
from hooks.links import Links, Resolution
from hooks.rules import all_rules
from hooks.runbook import section_text

HEADINGS = ("What it does", "Why is this bad?", "Example", "Use instead", "Options", "Runbook")


def doc_sections(rule: ModuleType) -> dict[str, str]:
    """The rule's docstring split by its `## ` headings."""
    parts = re.split(r"^## (.+)$", rule.__doc__ or "", flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def _links(config_path: str | None) -> Links:
    try:
        root = git.repo_root()
    except UsageError:
        root = Path.cwd()  # explain works outside a repository too, with the defaults
    config = config_module.load(root, Path(config_path) if config_path else None)
    return Links(root, config)


def explain(rule_id: str, *, config_path: str | None = None) -> str:
    rules = all_rules()
    if rule_id not in rules:
        raise UsageError(f"unknown rule id {rule_id!r}; `runbook-guard rules` lists them")
    rule = rules[rule_id]
    links = _links(config_path)
    resolution = links.for_rule(rule)
    out = [f"# {rule.ID}: {rule.TITLE}", ""]
    docs = doc_sections(rule)
    for heading in HEADINGS[:-1]:
        if heading in docs:
            out += [f"## {heading}", docs[heading], ""]
    out += ["## Fix", rule.FIX, ""]
    out += ["## Runbook", *_runbook_lines(resolution, links)]
    return "\n".join(out).rstrip() + "\n"


def _runbook_lines(resolution: Resolution, links: Links) -> list[str]:
    if resolution.section is None:
        return [f"(no runbook section: {resolution.how} {resolution.target})".rstrip()]
    index = (
        links.team if resolution.how in ("matched", "explicit") and links.team else links.shipped
    )
    lines = [f"{resolution.section.title}: {resolution.url}"]
    if resolution.how == "matched":
        lines.append(f"(matched with score {resolution.score:.2f})")
    lines += ["", section_text(resolution.section, index.sections)]
    return lines


def catalogue(fmt: str, *, config_path: str | None = None) -> str:
    links = _links(config_path)
    entries = []
    for rule in all_rules().values():
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
    if fmt == "json":
        return json.dumps({"version": 1, "rules": entries}, indent=2, ensure_ascii=False) + "\n"
    width = max(len(e["id"]) for e in entries)
    lines = []
    for e in entries:
        link = e["runbook"]["url"] if e["runbook"] else "(no runbook section)"
        lines.append(f"{e['id']:<{width}}  {e['title']}\n{'':<{width}}  {link}")
    return "\n".join(lines) + "\n"
