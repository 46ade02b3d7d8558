"""Inline suppressions: `# runbook-guard: ignore[rule-id, other-id] -- reason`.

A suppression silences the named rules on its own line, on a statement whose first or last line
carries it, or, written alone on a line, on the line below. It must give a reason: one without is
itself a finding. One that silences nothing, on a line the change adds, is reported too.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable
from types import ModuleType

from runbook_guard.hooks.context import SourceFile
from runbook_guard.hooks.findings import ERROR, WARNING, Finding

MARKER = "runbook-guard:"
SUPPRESSION = re.compile(
    r"#\s*runbook-guard:\s*ignore\[(?P<ids>[^\]]*)\](?:\s*--\s*(?P<reason>\S.*?))?\s*$"
)
MISSING_REASON = "suppression-missing-reason"
UNUSED = "unused-suppression"


class Suppression:
    __slots__ = ("column", "ids", "line", "own_line", "reason", "used")

    def __init__(
        self,
        line: int,
        column: int,
        ids: tuple[str, ...],
        reason: str | None,
        own_line: bool,  # the comment stands alone on its line
        used: bool = False,
    ) -> None:
        self.line, self.column, self.ids = line, column, ids
        self.reason, self.own_line, self.used = reason, own_line, used

    def covers(self, rule: str) -> bool:
        return "ALL" in self.ids or rule in self.ids


def _python_comments(text: str) -> dict[int, int] | None:
    """line -> column of each real comment (not text inside strings), or None if untokenizable."""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        return {t.start[0]: t.start[1] for t in tokens if t.type == tokenize.COMMENT}
    except (tokenize.TokenError, SyntaxError):
        return None


def find_suppressions(
    lines: list[str], comments: dict[int, int] | None = None
) -> dict[int, Suppression]:
    """Suppressions by line. With `comments` (Python), only real comments count: a docstring
    that shows the syntax suppresses nothing."""
    found: dict[int, Suppression] = {}
    for number, text in enumerate(lines, start=1):
        if MARKER not in text:
            continue
        if comments is not None:
            if number not in comments:
                continue
            match = SUPPRESSION.search(text, comments[number])
        else:
            match = SUPPRESSION.search(text)
        if match is None:
            continue
        ids = tuple(i.strip() for i in match["ids"].split(",") if i.strip())
        found[number] = Suppression(
            number,
            match.start() + 1,
            ids,
            match["reason"],
            own_line=not text[: match.start()].strip(),
        )
    return found


def apply_suppressions(
    file: SourceFile, findings: Iterable[Finding], enabled: dict[str, ModuleType]
) -> list[Finding]:
    """The findings no suppression silences, plus findings about the suppressions themselves."""
    findings = list(findings)
    if not file.has_text(MARKER):
        return findings
    comments = _python_comments(file.text) if file.kind == "python" else None
    suppressions = find_suppressions(file.lines, comments)
    kept: list[Finding] = []
    for f in findings:
        first, last = f.statement or (f.line, f.last_line)
        lines = {f.line, f.last_line, first, last}
        candidates = [suppressions.get(n) for n in lines]
        for above in {f.line - 1, first - 1}:
            before = suppressions.get(above)
            if before is not None and before.own_line:
                candidates.append(before)
        matched = [s for s in candidates if s is not None and s.covers(f.rule)]
        for s in matched:
            s.used = True
        if not matched:
            kept.append(f)
    for s in suppressions.values():
        if not file.touched(s.line):
            continue  # only what the change adds is the change's business
        if not s.reason and MISSING_REASON in enabled:
            kept.append(
                Finding(
                    MISSING_REASON,
                    file.path,
                    s.line,
                    s.column,
                    "suppression without a reason, add `-- why this is safe` after it",
                    severity=ERROR,
                    fix="Write why after the ids: `# runbook-guard: ignore[rule-id] -- why`.",
                )
            )
        if not s.used and UNUSED in enabled and any(i == "ALL" or i in enabled for i in s.ids):
            kept.append(
                Finding(
                    UNUSED,
                    file.path,
                    s.line,
                    s.column,
                    f"unused suppression `ignore[{', '.join(s.ids)}]`, no such finding here",
                    severity=WARNING,
                    fix="Remove the suppression comment.",
                )
            )
    return kept
