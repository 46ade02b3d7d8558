"""SARIF 2.1.0, as GitHub code scanning accepts it."""

from __future__ import annotations

import json
from typing import Any

from runbook_guard.hooks import __version__
from runbook_guard.hooks.report import Report, uri
from runbook_guard.hooks.secrets import redact_all

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/runbook-guard/runbook-guard"


def _rule(rule_id: str, report: Report) -> dict[str, Any]:
    module = report.rules.get(rule_id)
    title = getattr(module, "TITLE", rule_id)
    entry: dict[str, Any] = {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": getattr(module, "MESSAGE", title)},
        "defaultConfiguration": {
            "level": "error" if getattr(module, "SEVERITY", "error") == "error" else "warning"
        },
    }
    link = report.links.get(rule_id)
    fix = getattr(module, "FIX", "")
    help_text = fix + (f"\nRunbook: {link.url}" if link else "")
    if help_text.strip():
        entry["help"] = {"text": help_text.strip()}
    if link is not None:
        entry["helpUri"] = link.url
    return entry


def render(report: Report) -> str:
    rule_ids = sorted({f.rule for f in report.findings})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    results = []
    for f in report.findings:
        message = f.message
        fix = report.fix(f)
        if fix:
            message += f" Fix: {fix}"
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": "error" if f.severity == "error" else "warning",
                "message": {"text": message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri(f.path), "uriBaseId": "%SRCROOT%"},
                            "region": {"startLine": f.line, "startColumn": f.column},
                        }
                    }
                ],
            }
        )
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "runbook-guard",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(r, report) for r in rule_ids],
                    }
                },
                "results": results,
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            {
                                "level": "note",
                                "message": {"text": n.message},
                                "locations": [
                                    {"physicalLocation": {"artifactLocation": {"uri": uri(n.path)}}}
                                ],
                            }
                            for n in report.notes
                        ],
                    }
                ],
            }
        ],
    }
    # the team's text (rule ids and titles from its runbook, paths, messages) goes out redacted
    return json.dumps(redact_all(document), indent=2, ensure_ascii=False) + "\n"
