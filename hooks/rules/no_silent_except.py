"""## What it does
Checks for `except: pass`, for broad handlers (`except:`, `except Exception`,
`except BaseException`) whose body neither raises nor logs, and for
`contextlib.suppress(Exception)`.

## Why is this bad?
A swallowed error is an outage nobody sees: the request fails, the handler returns as if all were
well, and the first sign is a user's report hours later. The seeds' teams lost days to handlers
that hid the error behind the error. A narrow handler (`except KeyError:`) states what is
expected; a broad silent one hides everything else too.

## Example
```python
try:
    publish(event)
except Exception:
    pass
```

## Use instead
```python
try:
    publish(event)
except Exception:
    logger.exception("publishing %s failed", event.name)
    raise
```

## Options
None. Narrow exception types are never reported; logging (any `log`/`logger`/`logging` call,
`warnings.warn`, `traceback.print_exc`) or raising makes a broad handler visible.

## Runbook
Silent error suppression: errors swallowed without a trace.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from hooks.context import NodeContext, finding, node_name
from hooks.findings import Finding

ID = "no-silent-except"
TITLE = "Silent error suppression"
MESSAGE = "broad `except` swallows the error silently, log it or re-raise"
FIX = "Catch the exception you expect, or log it with `logger.exception(...)` and re-raise."
SEVERITY = "error"
SCOPE = "node"
FILES = "python"
KEYWORDS = ("silent", "error suppression", "swallowing errors", "try/except", "except pass", "loud")
RUNBOOK = "COMMON_MISTAKES.md#errors-swallowed-in-silence"

NODES = (ast.ExceptHandler, ast.With, ast.AsyncWith)
BROAD = frozenset({"Exception", "BaseException"})
# A call makes an error visible when it goes through a logger, or is one of these functions.
LOGGERS = ("log", "logger", "logging", "_log", "_logger", "log_", "sentry_sdk", "structlog")
VISIBLE_CALLS = frozenset(
    {"warn", "print_exc", "print_exception", "exit", "_exit", "fail", "abort", "capture_exception"}
)


def _is_broad(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(node_name(t) in BROAD for t in types)


def _call_chain(call: ast.Call) -> str:
    parts = []
    node: ast.AST = call.func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts)).lower()


def _is_visible_call(chain: str) -> bool:
    parts = chain.split(".")
    if parts[-1] in VISIBLE_CALLS:
        return True
    return any(p in LOGGERS or p.endswith(("logger", "_log")) for p in parts[:-1] or parts)


def _is_visible(body: list[ast.stmt]) -> bool:
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Raise):
                return True
            if isinstance(node, ast.Call) and _is_visible_call(_call_chain(node)):
                return True
    return False


def _suppresses_broad(item: ast.withitem) -> bool:
    call = item.context_expr
    if not isinstance(call, ast.Call) or node_name(call.func) != "suppress":
        return False
    return any(node_name(arg) in BROAD for arg in call.args)


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    if isinstance(node, ast.ExceptHandler):
        if _is_broad(node) and not _is_visible(node.body):
            caught = "except" if node.type is None else f"except {ast.unparse(node.type)}"
            message = f"`{caught}` swallows the error silently, log it or re-raise"
            # the handler line and its body: an edit anywhere in it counts
            yield finding(ID, ctx.file, node, message)
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        for item in node.items:
            if _suppresses_broad(item):
                yield finding(
                    ID,
                    ctx.file,
                    item.context_expr,
                    f"`{ast.unparse(item.context_expr)}` swallows every error silently, "
                    "catch what you expect and log the rest",
                )
