"""What a check produces: findings and notes."""

from __future__ import annotations

from typing import NamedTuple

ERROR = "error"
WARNING = "warning"


class Finding(NamedTuple):
    rule: str
    path: str  # repo-relative, `/` separators
    line: int  # 1-based
    column: int  # 1-based
    message: str
    # The last line of the construct: a finding counts when any line from `line` to `end_line`
    # was added (0 means `line` alone).
    end_line: int = 0
    severity: str = ERROR
    fix: str = ""
    # First and last line of the statement holding the finding: a suppression on either (or on
    # its own line just above) applies. Filled in by the engine for AST rules.
    statement: tuple[int, int] | None = None

    @property
    def last_line(self) -> int:
        return max(self.end_line, self.line)


class Link(NamedTuple):
    title: str
    url: str


class Note(NamedTuple):
    """Something the user should know that is not a finding (an unparseable file, ...)."""

    path: str
    message: str
