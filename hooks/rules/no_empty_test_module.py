"""## What it does
Checks that a test module (`test_*.py` or `*_test.py` under the configured `test-paths`) defines
at least one test: a `test*` function, a `Test*` class with `test*` methods, or a
`unittest.TestCase` subclass with test methods.

## Why is this bad?
A test module with no tests is green and proves nothing. It appears when tests are renamed,
commented out during a refactor, or never written behind a promising file name, and it hides the
gap from everyone who reads "tests pass".

## Example
```python
# tests/test_billing.py
from app.billing import charge

# def test_charge():  # TODO: re-enable
#     assert charge(10) == 10
```

## Use instead
```python
# tests/test_billing.py
from app.billing import charge


def test_charge():
    assert charge(10) == 10
```

## Options
- `test-paths`: the globs that name test code (default `tests/**`, `**/tests/**`,
  `**/test_*.py`, `**/*_test.py`, `**/conftest.py`). `conftest.py` and `__init__.py` are never
  test modules.

Not reported: a script named for what it tests (`scripts/test_staging.py` with an
`if __name__ == "__main__":` block or a `sys.exit(...)` at module level), a module of pytest
fixtures only (`test_fixtures.py`), a helper library named `test_*.py` (it defines public
helpers that other modules import, or an `__all__` of what it re-exports), and archived copies
(`backup/`, `archive/` folders). A module whose tests are all commented out, or that only
imports, is reported: that is the mistake.

## Runbook
Zero-test modules: files that collect no tests.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from runbook_guard.hooks.context import NodeContext, finding, in_archive
from runbook_guard.hooks.findings import Finding
from runbook_guard.hooks.summary import node_name

ID = "no-empty-test-module"
TITLE = "Test module with no tests"
MESSAGE = "test module defines no test, write the tests or remove the module"
FIX = "Add the `test_*` functions the module is named for, or delete it."
SEVERITY = "error"
SCOPE = "file"
FILES = "python"
KEYWORDS = ("test module", "no tests", "zero tests", "collected", "skipped", "empty test")
RUNBOOK = "COMMON_MISTAKES.md#test-module-with-no-tests"
# what this rule's concern looks like in a runbook title or grep pattern: the runbook's
# own grep commands about it are superseded by this rule (hooks/runbook_rules.py)
COVERS = r"(?i)(zero|no|empty)[- ]tests?\b"

NODES = (ast.Module,)


def _is_test_module(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def _has_test_methods(cls: ast.ClassDef) -> bool:
    return any(
        (isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"))
        or (
            isinstance(item, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id.startswith("test") for t in item.targets)
        )
        for item in cls.body
    )


def _defines_tests(tree: ast.Module) -> bool:
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
            stmt.name.startswith("test") or stmt.name == "pytest_generate_tests"
        ):
            return True
        if isinstance(stmt, ast.ClassDef) and _has_test_methods(stmt):
            return True
        # `test_x = make_test(...)` and `from .shared import test_x` are collected too
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id.startswith("test") for t in stmt.targets
        ):
            return True
        if isinstance(stmt, ast.ImportFrom) and any(
            (a.asname or a.name).startswith(("test", "Test")) for a in stmt.names
        ):
            return True
        # a class inheriting test methods from a base class defined elsewhere
        if isinstance(stmt, ast.ClassDef) and stmt.name.startswith("Test") and stmt.bases:
            return True
    return False


def _is_script(tree: ast.Module) -> bool:
    """`if __name__ == "__main__":`: a script that is run, named test_*.py for what it tests."""
    for stmt in tree.body:
        if isinstance(stmt, ast.If) and isinstance(stmt.test, ast.Compare):
            names = [stmt.test.left, *stmt.test.comparators]
            if any(isinstance(n, ast.Name) and n.id == "__name__" for n in names):
                return True
    return False


def _exits(tree: ast.Module) -> bool:
    """A script run directly: `sys.exit(...)` at module level, outside any function."""
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call) and node_name(node.func) == "exit":
            return True
        todo.extend(ast.iter_child_nodes(node))
    return False


def _reexports(tree: ast.Module) -> bool:
    """An explicit `__all__`: the module re-exports helpers, it holds no tests."""
    for stmt in tree.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                return True
    return False


def _is_library(tree: ast.Module, ctx: NodeContext) -> bool:
    """A helper library that happens to be named test_*: it defines public helpers and other
    modules import it (`from test_framework.test_config import configure_environment`)."""
    helpers = [
        s.name
        for s in tree.body
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and not s.name.startswith(("_", "test", "Test"))
    ]
    if not helpers:
        return False
    module = ctx.module_summary()["module"]
    return any(path != ctx.file.path for path in ctx.run.repo.importers(module))


def _is_fixture_module(tree: ast.Module) -> bool:
    """Every function a pytest fixture (`test_fixtures.py` imported by a conftest)."""
    functions = [s for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return bool(functions) and all(
        any(node_name(d) == "fixture" for d in f.decorator_list) for f in functions
    )


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    assert isinstance(node, ast.Module)
    if not ctx.file.is_test or not _is_test_module(ctx.file.path) or in_archive(ctx.file.path):
        return
    if _defines_tests(node) or _is_script(node) or _exits(node):
        return
    if _is_fixture_module(node) or _reexports(node) or _is_library(node, ctx):
        return
    yield finding(ID, ctx.file, None, MESSAGE, line=1, end_line=1, column=1)
