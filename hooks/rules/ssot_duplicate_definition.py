"""## What it does
Checks for a new top-level class or function whose name another module of the repository
already defines at top level: a second implementation of one concept.

## Why is this bad?
Two `WebSocketManager` classes or two `get_db_session` functions drift apart: a fix lands in one
copy, callers import the other, and the bug comes back. One implementation per concept (a single
source of truth) keeps a fix a fix.

## Example
```python
# netra_backend/app/ws/manager_v2.py
class WebSocketManager:  # netra_backend/app/websocket_core/manager.py has one already
    ...
```

## Use instead
```python
# netra_backend/app/ws/manager_v2.py
from netra_backend.app.websocket_core.manager import WebSocketManager
```

## Options
None. Not reported: tests, `.pyi` stubs, `__init__.py` files, private `_names`, dunders,
generic entry-point names (`main`, `setup`, `run`, `create_app`, ...), and names that three or
more other modules define (a convention such as a plugin interface, not a second concept).

## Runbook
SSOT: one implementation per concept.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from hooks.context import NodeContext, finding, path_matches
from hooks.findings import Finding

ID = "ssot-duplicate-definition"
TITLE = "Duplicate definition (SSOT)"
MESSAGE = "a top-level definition repeats a name another module defines, reuse the existing one"
FIX = "Import and extend the existing definition instead of writing a second one."
SEVERITY = "error"
SCOPE = "line"
FILES = "python"
KEYWORDS = (
    "SSOT",
    "maintain ssot",
    "one implementation per concept",
    "duplicate",
    "single source of truth",
)
RUNBOOK = "COMMON_MISTAKES.md#a-second-definition-of-one-concept"

NODES = (ast.Module,)
# Names that many modules define on purpose: entry points, hooks, conventional helpers.
GENERIC_NAMES = frozenset(
    {
        "main",
        "setup",
        "teardown",
        "run",
        "cli",
        "app",
        "create_app",
        "get_app",
        "configure",
        "handler",
        "handle",
        "lambda_handler",
        "register",
        "init",
        "initialize",
        "upgrade",
        "downgrade",
        "Config",
        "Meta",
        "Settings",
        "Base",
        "Error",
        "Command",
        "Migration",
        "application",
        "router",
        "get_router",
        "include_me",
        "load",
        "dump",
        "parse",
        "validate",
    }
)
DEFINITIONS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
CONVENTION = 3  # defined in this many other modules: an interface, not a duplicate


def _candidates(tree: ast.Module, ctx: NodeContext) -> list[ast.AST]:
    found = []
    for stmt in tree.body:
        if not isinstance(stmt, DEFINITIONS) or stmt.name.startswith("_"):
            continue
        if stmt.name in GENERIC_NAMES or not ctx.file.touched(stmt.lineno):
            continue
        found.append(stmt)
    return found


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    assert isinstance(node, ast.Module)
    path = ctx.file.path
    if (
        ctx.file.is_test
        or path.endswith((".pyi", "__init__.py"))
        or path.rsplit("/", 1)[-1].startswith("test")
    ):
        return
    candidates = _candidates(node, ctx)
    if not candidates:
        return
    elsewhere = ctx.run.repo.definitions(c.name for c in candidates)  # type: ignore[attr-defined]
    for stmt in candidates:
        others = sorted(
            {p for p, _ in elsewhere.get(stmt.name, []) if p != path and not _ignored(p, ctx)}
        )
        # A name that many modules define is a convention (a plugin's `visit`, a view's
        # `render`), an interface rather than a second copy of one concept.
        if others and len(others) < CONVENTION:
            kind = "class" if isinstance(stmt, ast.ClassDef) else "function"
            where = ", ".join(f"`{p}`" for p in others[:3]) + (
                " and more" if len(others) > 3 else ""
            )
            yield finding(
                ID,
                ctx.file,
                stmt,
                f"{kind} `{stmt.name}` is already defined in {where}, reuse that definition",
                end_line=stmt.lineno,
            )


def _ignored(path: str, ctx: NodeContext) -> bool:
    return path.endswith((".pyi", "__init__.py")) or path_matches(path, ctx.config.test_paths)
