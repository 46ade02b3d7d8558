"""The JSON contract of PRODUCT.md: `{"version": 1, "findings": [...], "summary": {...}}`."""

from __future__ import annotations

import json

from hooks.report import Report


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
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
