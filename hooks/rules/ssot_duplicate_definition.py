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
None. Not reported: tests, `.pyi` stubs, `__init__.py` files, standalone scripts (an
`if __name__ == "__main__":` block outside any package), archived copies (`backup/`,
`archive/`, `deprecated/` folders), private `_names`, dunders, generic entry-point names
(`main`, `setup`, `run`, `create_app`, ...), one-word functions (`render`, `visit`: verbs many
modules implement, not concepts), pytest hooks (`pytest_configure`), functions a decorator
registers under their name with a framework (`@router.get(...)` route handlers,
`@pytest.fixture`, `@app.task`), a function that three or more modules of one folder define (an
interface those modules implement, such as each rule's `check_file`), for a module of a service
a definition in another service (services may not import each other, so the name there is that
service's own), and for production code a definition in test infrastructure (`test_framework/`:
code does not reuse a test helper; test helpers that repeat each other or the code are
reported). Its own service, the shared packages and tools outside the services count.
A name that many modules already define is reported with where they are: a twelfth copy is the
same mistake as the second.

## Runbook
SSOT: one implementation per concept.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from runbook_guard.hooks.context import (
    NodeContext,
    finding,
    in_archive,
    in_test_folder,
    path_matches,
)
from runbook_guard.hooks.findings import Finding
from runbook_guard.hooks.summary import node_name

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
# what this rule's concern looks like in a runbook title or grep pattern: the runbook's
# own grep commands about it are superseded by this rule (hooks/runbook_rules.py)
COVERS = r"(?i)\bssot\b|duplicate (class|definition)"

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
SHOWN = 3  # other definitions named in the message


def _registers(stmt: ast.AST) -> bool:
    """Does a decorator register the function under its name (`@router.get("/")`)?"""
    for decorator in getattr(stmt, "decorator_list", []):
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(decorator, ast.Call) and isinstance(call, ast.Attribute):
            return True
        if node_name(call) in ("fixture", "command", "task"):
            return True
    return False


def _is_script(tree: ast.Module, ctx: NodeContext) -> bool:
    """A standalone script: an `if __name__ == "__main__":` block, outside any package (a
    package's module with such a block is imported too, and its definitions count)."""
    guarded = any(
        isinstance(s, ast.If)
        and isinstance(s.test, ast.Compare)
        and isinstance(s.test.left, ast.Name)
        and s.test.left.id == "__name__"
        for s in tree.body
    )
    return guarded and not ctx.run.repo.in_package(ctx.file.path)


def _candidates(tree: ast.Module, ctx: NodeContext) -> list[ast.AST]:
    found = []
    for stmt in tree.body:
        if not isinstance(stmt, DEFINITIONS) or stmt.name.startswith("_"):
            continue
        if stmt.name in GENERIC_NAMES or not ctx.file.touched(stmt.lineno):
            continue
        if stmt.name.startswith("pytest_"):
            continue  # a pytest hook: every plugin implements it
        if not isinstance(stmt, ast.ClassDef) and "_" not in stmt.name.strip("_"):
            continue  # a one-word function (`render`, `visit`) is a verb, not a concept
        if not isinstance(stmt, ast.ClassDef) and _registers(stmt):
            continue
        found.append(stmt)
    return found


def _out_of_scope(path: str, ctx: NodeContext) -> bool:
    return (
        path.endswith((".pyi", "__init__.py"))
        or path.rsplit("/", 1)[-1].startswith("test")
        or path_matches(path, ctx.config.test_paths)
        or in_archive(path)
    )


INTERFACE = 3  # modules of one folder defining one function name: they implement an interface


def _folder_counts(path: str, others: list[str]) -> dict[str, int]:
    folders: dict[str, int] = {}
    for where in [path, *others]:
        folder = where.rpartition("/")[0]
        folders[folder] = folders.get(folder, 0) + 1
    return folders


def _implements_interface(path: str, others: list[str]) -> bool:
    """Three or more modules of one folder define the function: each reporter's `render`,
    each rule's `check_file`. They implement an interface; they do not repeat a concept."""
    return _folder_counts(path, others)[path.rpartition("/")[0]] >= INTERFACE


def _without_interfaces(path: str, others: list[str]) -> list[str]:
    """The other definitions that are not one folder's implementations of an interface."""
    folders = _folder_counts(path, others)
    return [o for o in others if folders[o.rpartition("/")[0]] < INTERFACE]


def _reusable(ctx: NodeContext, service: str | None, other: str) -> bool:
    """Is the other definition one this module could have reused? Not when it belongs to
    another service: services may not import each other (the cross-service rule), so the same
    name there is that service's own. Shared packages and tools outside the services count."""
    owner = ctx.run.service_of(other)
    return service is None or owner is None or owner == service


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    assert isinstance(node, ast.Module)
    path = ctx.file.path
    if ctx.file.is_test or _out_of_scope(path, ctx) or _is_script(node, ctx):
        return
    candidates = _candidates(node, ctx)
    if not candidates:
        return
    elsewhere = ctx.run.repo.definitions(c.name for c in candidates)  # type: ignore[attr-defined]
    service = ctx.run.service_of(path)
    for stmt in candidates:
        others = sorted(
            {
                other
                for other, _line, registered, script in elsewhere.get(stmt.name, [])
                if other != path
                and not registered
                and not script
                and not _out_of_scope(other, ctx)
                and _reusable(ctx, service, other)
                and (in_test_folder(other) <= in_test_folder(path))
            }
        )
        if not isinstance(stmt, ast.ClassDef):
            if _implements_interface(path, others):
                continue  # this module is one of its folder's implementations of the name
            others = _without_interfaces(path, others)
        if not others:
            continue
        kind = "class" if isinstance(stmt, ast.ClassDef) else "function"
        where = ", ".join(f"`{p}`" for p in others[:SHOWN])
        if len(others) > SHOWN:
            where += f" and {len(others) - SHOWN} more"
        yield finding(
            ID,
            ctx.file,
            stmt,
            f"{kind} `{stmt.name}` is already defined in {where}, reuse that definition",
            end_line=stmt.lineno,
        )
