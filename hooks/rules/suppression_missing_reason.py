"""## What it does
Checks that every inline suppression (`# runbook-guard: ignore[rule-id]`) gives a reason.

## Why is this bad?
A suppression turns a runbook check off for one line. Without a reason, the next reader cannot
tell a considered exception from a silenced warning, and the runbook's lesson is lost again: the
same mistake the runbook records slips back in with a comment on it.

## Example
```python
value = os.environ["PORT"]  # runbook-guard: ignore[no-direct-environ]
```

## Use instead
```python
value = os.environ["PORT"]  # runbook-guard: ignore[no-direct-environ] -- bootstrap, no accessor yet
```

## Options
None. The suppression still applies; this finding asks for the reason.

## Runbook
Prevention strategy 9: make every exception to a rule loud and visible.
"""

from __future__ import annotations

ID = "suppression-missing-reason"
TITLE = "Suppression without a reason"
MESSAGE = "suppression without a reason, add `-- why this is safe` after it"
FIX = "Write the reason after the ids: `# runbook-guard: ignore[rule-id] -- why`."
SEVERITY = "error"
SCOPE = "line"
FILES = "any"
KEYWORDS = ("suppression", "ignore", "reason", "loud", "visible", "errors")
RUNBOOK = "COMMON_MISTAKES.md#suppressions-need-a-reason"
ENGINE = True  # findings are made by hooks/suppressions.py
