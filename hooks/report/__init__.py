"""Reporters: one module per output format, each a pure `render(report) -> str`."""

from __future__ import annotations

from types import ModuleType

from hooks.findings import Finding, Link, Note

FORMATS = ("text", "json", "sarif", "github")


class Report:
    """What a run found, for a reporter. (A plain class: hooks/config.py says why.)"""

    def __init__(
        self,
        findings: list[Finding],
        notes: list[Note] | None = None,
        files: int = 0,
        links: dict[str, Link | None] | None = None,  # rule id -> runbook section
        rules: dict[str, ModuleType] | None = None,
        color: bool = False,
    ) -> None:
        self.findings, self.notes, self.files = findings, notes or [], files
        self.links, self.rules, self.color = links or {}, rules or {}, color

    def fix(self, finding: Finding) -> str:
        if finding.fix:
            return finding.fix
        rule = self.rules.get(finding.rule)
        return getattr(rule, "FIX", "") if rule else ""

    def link(self, finding: Finding) -> Link | None:
        return self.links.get(finding.rule)


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        from hooks.report import json_format as module
    elif fmt == "sarif":
        from hooks.report import sarif as module
    elif fmt == "github":
        from hooks.report import github as module
    else:
        from hooks.report import text as module
    text = module.render(report)
    if fmt in ("text", "github") and (report.findings or report.notes):
        from hooks.secrets import redact

        text = redact(text)  # rule ids and section titles come from the team's runbook too
    return text
