"""## What it does
Checks that a change to a mission-critical named value comes with a change to the named-values
index: an added line that sets a recorded value (`SERVICE_ID = "..."`, `"SERVICE_ID": ...`,
`SERVICE_ID=` in an env file) to something other than the index records, or a removed line that
drops a recorded name, while the index file itself is not part of the commit.

## Why is this bad?
The index is how every service, environment and deploy script agrees on a value. Change the
value in one place and not in the index, and the next person (or service) who trusts the index
is wrong: one typo becomes a cascade of failures across services.

## Example
```python
# services.py, committed without SPEC/MISSION_CRITICAL_NAMED_VALUES_INDEX.xml
SERVICE_ID = "netra-backend-v2"
```

## Use instead
Change `<stable_value>` in the index in the same commit, together with every reference it lists.

## Options
- `named-values.index`: the index (the team's XML or TOML); default
  `SPEC/MISSION_CRITICAL_NAMED_VALUES_INDEX.xml` when it exists.
- inline `named-values` entries, guarded by the configuration file that holds them.

## Runbook
Check the mission-critical named values index before changing a critical value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from runbook_guard.hooks.context import Run, SourceFile
from runbook_guard.hooks.findings import Finding
from runbook_guard.hooks.named_values import NamedValues

ID = "named-values-guard"
TITLE = "Mission-critical named value changed"
MESSAGE = (
    "a mission-critical named value changes without the index, update the index in the same commit"
)
FIX = "Update the named-values index (and every reference it lists) in the same commit."
SEVERITY = "error"
SCOPE = "repo"
FILES = ("python", "env")
KEYWORDS = (
    "MISSION_CRITICAL_NAMED_VALUES_INDEX",
    "mission critical values",
    "named values",
    "index",
    "critical values",
)
RUNBOOK = "COMMON_MISTAKES.md#named-value-changed-without-its-index"
# what this rule's concern looks like in a runbook title or grep pattern: the runbook's
# own grep commands about it are superseded by this rule (hooks/runbook_rules.py)
COVERS = r"(?i)named values"

DEPLOYED = ("staging", "production")
QUOTED = re.compile(r"""^\s*(?:[rbuf]?(["'])(.*?)\1)""")


def _assignment(name: str) -> re.Pattern[str]:
    """`NAME = value`, `NAME: str = value`, `"NAME": value`, `NAME=value` (env files)."""
    annotation = r"(?::\s*[\w\[\], |]+)?"
    return re.compile(
        rf"""(?:^|[^\w.])["']?{re.escape(name)}["']?\s*{annotation}\s*(?:=(?!=)|:)\s*(.*)$"""
    )


def _literal(rest: str, kind: str) -> str | None:
    if kind == "env":
        value = rest.strip()
        return (
            value[1:-1] if value[:1] in "'\"" and value[-1:] == value[:1] else value.split(" #")[0]
        )
    match = QUOTED.match(rest)
    return match[2] if match else None


def _changed_value(file: SourceFile, number: int, values: NamedValues) -> str | None:
    """The name of the recorded value an added line sets differently from the index, if any."""
    text = file.lines[number - 1] if number <= len(file.lines) else ""
    if file.kind == "python" and text.lstrip().startswith("#"):
        return None
    for name, variable in values.variables.items():
        if name not in text:
            continue
        match = _assignment(name).search(text)
        if match is None:
            continue
        value = _literal(match[1], file.kind)
        if value is None:
            continue
        expected = variable.stable_value
        if expected is None and file.kind == "env" and file.environment in DEPLOYED:
            expected = variable.examples.get(file.environment or "")
        if expected is not None and value != expected:
            return name
    return None


def _dropped_names(file: SourceFile, values: NamedValues) -> Iterator[tuple[str, int]]:
    """Recorded names on removed lines that no line of the file names any more."""
    seen: set[str] = set()
    for line, raw in file.removed:
        text = raw.decode("utf-8", "replace")
        for name in values.variables:
            word = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
            if name not in seen and word.search(text) and not word.search(file.text):
                seen.add(name)
                yield name, line


def check_repo(run: Run) -> Iterator[Finding]:
    values = run.named_values
    if not values.variables or values.index_path in run.changed_paths():
        return
    index = values.index_path or "the named-values index"
    for file in run.files:
        if file.is_test or file.kind not in ("python", "env"):
            continue
        added = sorted(file.added) if file.added is not None else []
        for number in added:
            name = _changed_value(file, number, values)
            if name:
                yield Finding(
                    ID,
                    file.path,
                    number,
                    1,
                    f"`{name}` changes without `{index}`, update the index in the same commit",
                )
        for name, line in _dropped_names(file, values):
            yield Finding(
                ID,
                file.path,
                min(line, max(len(file.lines), 1)),
                1,
                f"`{name}` is removed without `{index}`, update the index in the same commit",
            )
