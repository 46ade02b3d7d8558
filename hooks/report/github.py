"""GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=…::message`."""

from __future__ import annotations

from runbook_guard.hooks.report import Report


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    out = []
    for f in report.findings:
        level = "error" if f.severity == "error" else "warning"
        body = f.message
        fix = report.fix(f)
        if fix:
            body += f"\nfix: {fix}"
        link = report.link(f)
        if link is not None:
            body += f"\nrunbook: {link.url}"
        out.append(
            f"::{level} file={_property(f.path)},line={f.line},col={f.column},"
            f"title={_property(f.rule)}::{_data(body)}"
        )
    for note in report.notes:
        out.append(f"::notice file={_property(note.path)}::{_data(note.message)}")
    return "\n".join(out) + ("\n" if out else "")
