"""## What it does
Checks for mocks in end-to-end tests: imports of `unittest.mock` or `mock`, and uses of `patch`,
`Mock`, `MagicMock`, `AsyncMock`, `create_autospec` and the `mocker` fixture, in files under the
configured `e2e-paths`.

## Why is this bad?
An end-to-end test exists to exercise the real services together. Patch one of them and the test
proves only that the mock behaves: the suite stays green while production fails, and the test
often finishes in 0.00 s, the tell-tale of a fake test.

## Example
```python
# tests/e2e/test_chat.py
from unittest.mock import AsyncMock, patch

async def test_chat_reply(client):
    with patch("app.llm.complete", AsyncMock(return_value="hi")):
        assert await client.ask("hello") == "hi"
```

## Use instead
```python
# tests/e2e/test_chat.py
async def test_chat_reply(real_client):
    reply = await real_client.ask("hello")
    assert reply.text
```

## Options
- `e2e-paths`: the globs that name end-to-end tests (default `tests/e2e/**`, `**/e2e/**`).

## Runbook
Mocked services in E2E tests.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from hooks.context import NodeContext, SourceFile, finding
from hooks.findings import Finding

ID = "no-mocks-in-e2e"
TITLE = "Mocked services in E2E tests"
MESSAGE = "mock used in an end-to-end test, exercise the real service instead"
FIX = "Use the real service in end-to-end tests; move mocked tests to the unit suite."
SEVERITY = "error"
SCOPE = "line"
FILES = "python"
KEYWORDS = ("mock", "mocked services", "patch", "e2e tests", "real services", "end-to-end")
RUNBOOK = "COMMON_MISTAKES.md#mocks-in-end-to-end-tests"

NODES = (ast.Import, ast.ImportFrom, ast.Name, ast.Attribute, ast.arg)
MOCK_MODULES = frozenset({"mock", "unittest.mock", "pytest_mock", "asynctest", "responses"})
MOCK_NAMES = frozenset(
    {
        "patch",
        "Mock",
        "MagicMock",
        "AsyncMock",
        "NonCallableMock",
        "PropertyMock",
        "create_autospec",
        "mock_open",
        "MagicNone",
        "mocker",
        "CoroutineMock",
    }
)


def _message(what: str) -> str:
    return f"`{what}` in an end-to-end test, exercise the real service instead"


def applies(file: SourceFile) -> bool:
    return file.is_e2e


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name in MOCK_MODULES or alias.name.startswith("unittest.mock"):
                yield finding(ID, ctx.file, node, _message(f"import {alias.name}"))
    elif isinstance(node, ast.ImportFrom):
        module = node.module or ""
        if (
            module in MOCK_MODULES
            or module.startswith("unittest.mock")
            or (module == "unittest" and any(a.name == "mock" for a in node.names))
        ):
            yield finding(ID, ctx.file, node, _message(f"from {module} import ..."))
    elif isinstance(node, ast.Name) and node.id in MOCK_NAMES and isinstance(node.ctx, ast.Load):
        yield finding(ID, ctx.file, node, _message(node.id))
    elif isinstance(node, ast.Attribute) and node.attr in MOCK_NAMES | {"mock"}:
        base = node.value
        if isinstance(base, ast.Name) and base.id in ("mock", "unittest", "pytest_mock"):
            yield finding(ID, ctx.file, node, _message(ast.unparse(node)))
    elif isinstance(node, ast.arg) and node.arg == "mocker":
        yield finding(ID, ctx.file, node, _message("mocker"))
