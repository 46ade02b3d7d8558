"""The JSON contract of PRODUCT.md: `{"version": 1, "findings": [...], "summary": {...}}`."""

from __future__ import annotations

import json

from runbook_guard.hooks.report import Report
from runbook_guard.hooks.secrets import redact_all


def render(report: Report) -> str:
    findings = []
    for f in report.findings:
        link = report.link(f)
        findings.append(
            {
                "rule": f.rule,
                "severity": f.severity,
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "message": f.message,
                "fix": report.fix(f),
                "runbook": {"title": link.title, "url": link.url} if link else None,
            }
        )
    document = {
        "version": 1,
        "findings": findings,
        "summary": {"files": report.files, "findings": len(findings)},
    }
    # the team's text (rule ids and titles from its runbook, paths, messages) goes out redacted
    return json.dumps(redact_all(document), indent=2, ensure_ascii=False) + "\n"
