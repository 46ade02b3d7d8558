"""`path:line:col: rule-id message` (ruff's and flake8's shape), then the fix and the runbook link
(colour on a terminal); a clean run says so in one line."""

from __future__ import annotations

from runbook_guard.hooks.report import Report, quoted

BOLD, RED, YELLOW, CYAN, DIM, RESET = (
    "\033[1m",
    "\033[31m",
    "\033[33m",
    "\033[36m",
    "\033[2m",
    "\033[0m",
)


def render(report: Report) -> str:
    def paint(text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if report.color else text

    out: list[str] = []
    for f in report.findings:
        colour = RED if f.severity == "error" else YELLOW
        where = f"{quoted(f.path)}:{f.line}:{f.column}:"
        out.append(f"{paint(where, BOLD)} {paint(f.rule, colour)} {f.message}")
        fix = report.fix(f)
        if fix:
            out.append(f"    fix: {fix}")
        link = report.link(f)
        if link is not None:
            out.append(f"    runbook: {link.title} {paint(link.url, CYAN)}")
    errors = sum(1 for f in report.findings if f.severity == "error")
    warnings = len(report.findings) - errors
    if not report.findings:
        out.append(paint("All checks passed!", DIM))  # a clean run says so, as ruff does
    if report.findings:
        out.append(
            paint(
                f"Found {errors} error{'s' * (errors != 1)} and {warnings} "
                f"warning{'s' * (warnings != 1)} in {report.files} checked "
                f"file{'s' * (report.files != 1)}.",
                DIM,
            )
        )
    return "\n".join(out) + ("\n" if out else "")
