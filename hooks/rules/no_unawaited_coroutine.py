"""## What it does
Checks for calls to coroutine functions whose result is never awaited: functions defined with
`async def` in the same module (including `self.method()` of the same class), names the
repository defines only as `async def`, and well-known standard-library coroutines such as
`asyncio.sleep`.

## Why is this bad?
Calling a coroutine function only creates the coroutine: its body never runs. In a test the
assertion after it passes on nothing, and the test reports success in 0.00 s; in code the side
effect silently never happens, and Python's only trace is a "coroutine was never awaited"
warning.

## Example
```python
def test_send_message(client):
    result = client_send(client, "hi")  # `async def client_send`: never runs
    assert result
```

## Use instead
```python
async def test_send_message(client):
    result = await client_send(client, "hi")
    assert result
```

## Options
None. Method calls on other objects (`bridge.ensure_integration()`) are reported when the
repository defines that method name only as `async def` and it is not a name common to sync
APIs (`close`, `send`, `run`, ...). Not reported: awaited calls, calls handed to
`asyncio.create_task`, `gather`, `ensure_future`, `run`, `wait_for` and the like, returned or
yielded coroutines, and calls whose result is awaited later in the same function.

## Runbook
Missing await: tests that run in 0.00 s.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from hooks.context import NodeContext, finding
from hooks.findings import Finding

ID = "no-unawaited-coroutine"
TITLE = "Coroutine never awaited"
MESSAGE = "coroutine is called but never awaited, so its body never runs, add `await`"
FIX = "Add `await` (making the caller `async`), or schedule it with `asyncio.create_task(...)`."
SEVERITY = "error"
SCOPE = "node"
FILES = "python"
KEYWORDS = (
    "async",
    "await",
    "missing await",
    "coroutine never awaited",
    "async test issues",
    "0.00s",
)
RUNBOOK = "COMMON_MISTAKES.md#coroutine-called-without-await"

NODES = (ast.Module,)
STDLIB_COROUTINES = frozenset(
    {
        "asyncio.sleep",
        "asyncio.wait_for",
        "asyncio.open_connection",
        "asyncio.start_server",
        "asyncio.to_thread",
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
    }
)
# Calls that take a coroutine and run or schedule it.
SCHEDULERS = frozenset(
    {
        "create_task",
        "ensure_future",
        "gather",
        "wait",
        "wait_for",
        "run",
        "shield",
        "as_completed",
        "run_coroutine_threadsafe",
        "run_until_complete",
        "start_soon",
        "spawn",
        "timeout",
        "submit",
        "call_soon",
        "add_task",
        "Task",
        "run_sync",
    }
)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Method names that sync objects of other libraries have too: `obj.close()` proves nothing.
COMMON_METHODS = frozenset(
    {
        "close",
        "send",
        "get",
        "set",
        "put",
        "post",
        "run",
        "start",
        "stop",
        "connect",
        "read",
        "write",
        "wait",
        "fetch",
        "execute",
        "commit",
        "flush",
        "open",
        "acquire",
        "release",
        "call",
        "update",
        "delete",
        "create",
        "save",
        "load",
        "process",
        "handle",
        "dispatch",
        "emit",
        "publish",
        "subscribe",
        "receive",
        "recv",
        "join",
        "cancel",
        "shutdown",
        "cleanup",
        "reset",
        "refresh",
        "sleep",
        "__aenter__",
        "__aexit__",
        "setup",
        "teardown",
        "init",
        "initialize",
    }
)


def _callee(call: ast.Call) -> tuple[str, str | None]:
    """(name, qualifier) of a call: `f()` -> (f, None), `self.f()` -> (f, self)."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id, None
    if isinstance(func, ast.Attribute):
        # unparse only what is not a plain `a.b.c` chain: it is slow, and most calls are chains
        return func.attr, _dotted(func.value) or ast.unparse(func.value)
    return "", None


def _dotted(node: ast.AST) -> str | None:
    """`a.b.c` as a string, or None when the expression is not a chain of names."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _local_async(tree: ast.Module) -> tuple[set[str], set[str], dict[str, set[str]]]:
    """Module-level async and sync function names, and each class's async methods."""
    async_funcs, sync_funcs, methods = set(), set(), {}
    for stmt in tree.body:
        if isinstance(stmt, ast.AsyncFunctionDef):
            async_funcs.add(stmt.name)
        elif isinstance(stmt, ast.FunctionDef):
            sync_funcs.add(stmt.name)
        elif isinstance(stmt, ast.ClassDef):
            methods[stmt.name] = {s.name for s in stmt.body if isinstance(s, ast.AsyncFunctionDef)}
    return async_funcs, sync_funcs, methods


Scan = tuple[ast.AST, "str | None", ast.Call, "str | None"]


# The fields that hold statements: a call used as a statement is never inside an expression,
# so the scan never descends into one (expressions are most of a tree's nodes).
STATEMENT_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def _statement_calls(tree: ast.Module, touched: Callable[[int, int], bool]) -> list[Scan]:
    """(function, its class, call, assigned name) for each call used as a statement or assigned,
    in the function that owns it (not a nested one), in one pass over the touched statements."""
    found: list[Scan] = []
    # (node, the function that owns its statements, the class when that function is a method)
    todo: list[tuple[ast.AST, ast.AST | None, str | None]] = [(tree, None, None)]
    while todo:
        node, func, cls = todo.pop()
        for name in STATEMENT_FIELDS:
            for child in getattr(node, name, None) or ():
                if isinstance(child, ast.stmt) and not touched(child.lineno, child.end_lineno or 0):
                    continue
                if isinstance(child, FUNCTIONS):
                    method_of = node.name if isinstance(node, ast.ClassDef) else None
                    todo.append((child, child, method_of))
                    continue
                if isinstance(child, ast.ClassDef):
                    todo.append((child, None, None))
                    continue
                if func is not None and isinstance(child, (ast.Expr, ast.Assign, ast.AnnAssign)):
                    value = child.value
                    if isinstance(value, ast.Call):
                        found.append((func, cls, value, _assigned_name(child)))
                todo.append((child, func, cls))
    return found


def _assigned_name(stmt: ast.stmt) -> str | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
    elif isinstance(stmt, ast.AnnAssign):
        target = stmt.target
    else:
        return None
    return target.id if isinstance(target, ast.Name) else None


def _awaited_later(func: ast.AST, name: str) -> bool:
    """Is the variable awaited, returned, scheduled or passed on anywhere in the function?"""
    for node in ast.walk(func):
        if (
            isinstance(node, (ast.Await, ast.Return, ast.Yield, ast.YieldFrom))
            and node.value is not None
        ) and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.value)):
            return True
        if isinstance(node, ast.Call):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Name) and arg.id == name:
                    return True
    return False


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    assert isinstance(node, ast.Module)
    async_funcs, sync_funcs, methods = _local_async(node)
    candidates = []
    for func, cls, call, target in _statement_calls(node, ctx.file.touched):
        name, qualifier = _callee(call)
        if name:
            candidates.append((func, cls, call, target, name, qualifier))
    repo_names = {
        c[4] for c in candidates if c[5] not in ("self", "cls") and c[4] not in sync_funcs
    } - COMMON_METHODS
    repo = ctx.run.repo.async_functions(repo_names - async_funcs) if repo_names else {}
    for func, cls, call, target, name, qualifier in candidates:
        dotted = f"{qualifier}.{name}" if qualifier else name
        if qualifier in ("self", "cls"):
            is_coroutine = cls is not None and name in methods.get(cls, set())
        elif dotted in STDLIB_COROUTINES or (qualifier is None and name in async_funcs):
            is_coroutine = True
        else:
            # `bridge.ensure_integration()`: a method name the repo defines only as `async def`
            # (and that is not a name every library uses, like `close` or `send`)
            counts = repo.get(name, (0, 0))
            is_coroutine = counts[0] > 0 and counts[1] == 0 and name not in COMMON_METHODS
        # awaited later is asked last: it walks the whole function
        if is_coroutine and not (target and _awaited_later(func, target)):
            yield finding(
                ID,
                ctx.file,
                call,
                f"coroutine `{dotted}()` is never awaited, so it never runs, add `await`",
            )
