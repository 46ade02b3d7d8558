"""## What it does
Checks that every critical event (from `critical-events.names` or the named-values index's
`<websocket_events>`) is still emitted somewhere in the repository's code after the change. It
fires when the change removes the last line of non-test Python code that names an event.

## Why is this bad?
The product's users see progress only through these events. Drop the last `agent_thinking` or
`tool_completed` emit in a refactor and nothing fails: the work still happens, the user interface
just looks frozen, and the first report comes from a customer.

## Example
```python
# the refactor removed the last emit of "tool_completed"
await notifier.send("tool_executing", payload)
result = await tool.run()
return result
```

## Use instead
```python
await notifier.send("tool_executing", payload)
result = await tool.run()
await notifier.send("tool_completed", {"result": result})
return result
```

## Options
- `critical-events.names`, or the critical `<event>`s of the named-values index.

## Runbook
Missing WebSocket events: one of the critical events is no longer sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from runbook_guard.hooks.context import PYTHON_SUFFIXES, Run, path_matches
from runbook_guard.hooks.findings import Finding

ID = "critical-events-complete"
TITLE = "Missing WebSocket events"
MESSAGE = "a critical event is no longer emitted anywhere, keep every critical event on its path"
FIX = "Emit the event again where the removed code sent it (move the emit, never drop it)."
SEVERITY = "error"
SCOPE = "repo"
FILES = "python"
KEYWORDS = (
    "WebSocket events",
    "critical events",
    "agent_started",
    "agent_completed",
    "frozen",
    "not sent",
)
RUNBOOK = "COMMON_MISTAKES.md#critical-event-no-longer-emitted"
# what this rule's concern looks like in a runbook title or grep pattern: the runbook's
# own grep commands about it are superseded by this rule (hooks/runbook_rules.py)
COVERS = r"(?i)missing (websocket )?events"


def _is_code(path: str, run: Run) -> bool:
    return path.endswith(PYTHON_SUFFIXES) and not path_matches(path, run.config.test_paths)


def _emitted(events: tuple[str, ...], run: Run) -> set[str]:
    """Events some non-comment line of non-test Python code still names."""
    found = set()
    for event, hits in run.repo.mentions(events, ("**/*.py", "**/*.pyi")).items():
        if any(_is_code(path, run) and not text.lstrip().startswith("#") for path, _, text in hits):
            found.add(event)
    return found


def _removals(events: tuple[str, ...], run: Run) -> Iterator[tuple[str, str, int]]:
    """(event, path, line) for each removed code line that named an event."""
    words = {e: re.compile(rf"(?<!\w){re.escape(e)}(?!\w)") for e in events}
    for change in run.changes:
        path = change.path if change.status != "D" else change.old_path or change.path
        if not _is_code(path, run):
            continue
        for line, raw in change.removed:
            text = raw.decode("utf-8", "replace")
            if text.lstrip().startswith("#"):
                continue
            for event, word in words.items():
                if word.search(text):
                    yield event, path, 1 if change.status == "D" else line


def check_repo(run: Run) -> Iterator[Finding]:
    events = run.named_values.critical_events
    if not events:
        return
    if run.all_files:
        missing = [e for e in events if e not in _emitted(events, run)]
        where = run.named_values.index_path or "pyproject.toml"
        for event in missing:
            yield Finding(
                ID, where, 1, 1, f"critical event `{event}` is emitted nowhere in the code"
            )
        return
    removed = list(_removals(events, run))
    if not removed:
        return
    emitted = _emitted(tuple({e for e, _, _ in removed}), run)
    reported: set[str] = set()
    for event, path, line in removed:
        if event in emitted or event in reported:
            continue
        reported.add(event)
        yield Finding(
            ID,
            path,
            line,
            1,
            f"critical event `{event}` is no longer emitted anywhere, keep it on its path",
        )
