"""## What it does
Checks for broad handlers (`except:`, `except Exception`, `except BaseException`) that make the
error disappear: a body of only `pass`, `continue`, `break`, `...`, a bare `return` or a returned
constant (`return None`, `return False`, a made-up success such as
`return {"rate_limited": True}`), with no use of the exception; and for
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
None. Not reported: narrow exception types (`except KeyError`, `except pytest.skip.Exception`),
and any handler that does something with the failure: raises, logs, prints, asserts, uses the
exception (`status["error"] = str(e)`, `return Result(error=str(e))`), assigns a value (a flag
or a fallback a later line checks) or calls anything other than a sleep. A handler after a `try`
that ends in `assert False`, `pytest.fail(...)` or `self.fail(...)` expects the exception (a
hand-written `pytest.raises`), and one whose `try` raises an exception itself catches what it
raised on purpose: neither is reported. Ruff's `S110`/`S112` report
`try`-`except`-`pass`/`continue` for any exception type; this rule judges broad handlers of every
silent shape, bare `except:` included.

## Runbook
Silent error suppression: errors swallowed without a trace.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from runbook_guard.hooks.context import NodeContext, finding
from runbook_guard.hooks.findings import Finding
from runbook_guard.hooks.summary import children, dotted, node_name, walk

ID = "no-silent-except"
TITLE = "Silent error suppression"
MESSAGE = "broad `except` swallows the error silently, log it or re-raise"
FIX = "Catch the exception you expect, or log it with `logger.exception(...)` and re-raise."
SEVERITY = "error"
SCOPE = "node"
FILES = "python"
KEYWORDS = ("silent", "error suppression", "swallowing errors", "try/except", "except pass", "loud")
RUNBOOK = "COMMON_MISTAKES.md#errors-swallowed-in-silence"
# what this rule's concern looks like in a runbook title or grep pattern: the runbook's
# own grep commands about it are superseded by this rule (hooks/runbook_rules.py)
COVERS = r"(?i)\bexcept\b|error suppression|swallow"

TRY = (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)
NODES = (*TRY, ast.With, ast.AsyncWith)
BROAD = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})
# Calls that may stand in a silent handler: waiting before the next try changes nothing.
SLEEPS = frozenset({"sleep", "asyncio.sleep", "time.sleep"})
# A `try` body ending in one of these expects the exception the handler then catches.
FAILS = frozenset({"fail", "pytest.fail", "self.fail"})


def _is_broad(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    # `pytest.skip.Exception` is a narrow type that happens to be called Exception
    return any(dotted(t) in BROAD for t in types)


def _is_constant(node: ast.AST | None) -> bool:
    """None, a literal, or a container of literals: a value made up in place of the result."""
    if node is None or isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_is_constant(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(_is_constant(k) for k in node.keys) and all(_is_constant(v) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        return _is_constant(node.operand)
    return False


def _is_silent_statement(stmt: ast.stmt) -> bool:
    if isinstance(stmt, (ast.Pass, ast.Continue, ast.Break)):
        return True
    if isinstance(stmt, ast.Return):
        return _is_constant(stmt.value)
    if isinstance(stmt, ast.Expr):
        value = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
        if isinstance(value, ast.Constant):  # `...` or a string standing as a comment
            return True
        return isinstance(value, ast.Call) and dotted(value.func) in SLEEPS
    return False


def _is_silent(handler: ast.ExceptHandler) -> bool:
    if handler.name and any(
        isinstance(n, ast.Name) and n.id == handler.name
        for stmt in handler.body
        for n in walk(stmt)
    ):
        return False
    return all(_is_silent_statement(stmt) for stmt in handler.body)


def _raises_itself(body: list[ast.stmt]) -> bool:
    """Does the `try` body raise on purpose (a simulated failure), for the handler to catch?"""
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Raise) and node.exc is not None:
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, *TRY)):
            todo.extend(children(node))
    return False


def _expects_failure(body: list[ast.stmt]) -> bool:
    """Does the `try` body end by failing the test (`assert False`, `pytest.fail(...)`), or
    raise an exception itself, for the handler to catch?"""
    if _raises_itself(body):
        return True
    last = body[-1] if body else None
    if isinstance(last, ast.Assert):
        return isinstance(last.test, ast.Constant) and not last.test.value
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        return dotted(last.value.func) in FAILS
    if isinstance(last, ast.Raise) and last.exc is not None:
        return node_name(last.exc) == "AssertionError"
    return False


def _suppresses_broad(item: ast.withitem) -> bool:
    call = item.context_expr
    if not isinstance(call, ast.Call) or node_name(call.func) != "suppress":
        return False
    return any(dotted(arg) in BROAD for arg in call.args)


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    if isinstance(node, TRY):
        if _expects_failure(node.body):
            return
        for handler in node.handlers:
            if _is_broad(handler) and _is_silent(handler):
                caught = "except" if handler.type is None else f"except {dotted(handler.type)}"
                if handler.type is not None and dotted(handler.type) is None:
                    caught = "except (...)"
                message = f"`{caught}` swallows the error silently, log it or re-raise"
                # the handler line and its body: an edit anywhere in it counts
                yield finding(ID, ctx.file, handler, message)
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        for item in node.items:
            if _suppresses_broad(item):
                yield finding(
                    ID,
                    ctx.file,
                    item.context_expr,
                    "`suppress(Exception)` swallows every error silently, "
                    "catch what you expect and log the rest",
                )
