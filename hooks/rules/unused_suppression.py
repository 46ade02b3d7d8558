"""## What it does
Reports an inline suppression, on a line the change adds, that silences no finding.

## Why is this bad?
A suppression that matches nothing hides the next real finding on that line. It usually means
the code was fixed, or the rule id is misspelled, and the comment outlived its purpose.

## Example
```python
value = settings.get("PORT")  # runbook-guard: ignore[no-direct-environ] -- legacy
```

## Use instead
```python
value = settings.get("PORT")
```

## Options
Reported as a warning: it does not fail the commit on its own.

## Runbook
Prevention strategy 9: keep every exception to a rule visible and current.
"""

from __future__ import annotations

ID = "unused-suppression"
TITLE = "Unused suppression"
MESSAGE = "unused suppression, no such finding here"
FIX = "Remove the suppression comment."
SEVERITY = "warning"
SCOPE = "line"
FILES = "any"
KEYWORDS = ("suppression", "ignore", "unused")
RUNBOOK = "COMMON_MISTAKES.md#suppressions-need-a-reason"
ENGINE = True  # findings are made by hooks/suppressions.py
