"""runbook-guard: pre-commit hooks that enforce a team's runbooks on the staged diff."""

from __future__ import annotations

__version__ = "0.1.0"
