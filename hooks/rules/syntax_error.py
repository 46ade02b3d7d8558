"""## What it does
Reports a Python file that the change leaves unparseable: a new file that does not parse, or
a file that parsed before the change and does not after it. A module whose bytes are not valid
in its encoding (UTF-8, or the one its `# -*- coding: ... -*-` line declares) is unparseable
too: Python refuses to import it.

## Why is this bad?
Nothing else can check a file Python cannot parse, and nothing can import it: every rule would
skip it, and the first sign would be an `ImportError` at start-up, in CI or in production. Ruff
reports syntax errors for the same reason.

## Example
```python
def load(path):
    with open(path) as handle
        return handle.read()
```

## Use instead
```python
def load(path):
    with open(path) as handle:
        return handle.read()
```

## Options
None. A file that was already unparseable before the change (and every file of an
`--all-files` run) is a one-line note instead: the change did not break it. The file is parsed
by the Python that runs the hook, whose version the message names: code that needs a newer
Python's syntax (PEP 701 f-strings need 3.12) fails on an older one.

## Runbook
A commit that leaves a file unparseable.
"""

from __future__ import annotations

ID = "syntax-error"
TITLE = "Unparseable Python file"
MESSAGE = "the change leaves the file unparseable, fix the syntax"
FIX = "Fix the syntax error at the line named (or run the hook with the Python the code needs)."
SEVERITY = "error"
SCOPE = "file"
FILES = "python"
KEYWORDS = ("syntax error", "cannot be parsed", "SyntaxError", "import error")
RUNBOOK = "COMMON_MISTAKES.md#a-commit-that-leaves-a-file-unparseable"
ENGINE = True  # findings are made by the engine (hooks/engine.py) when it parses the file
