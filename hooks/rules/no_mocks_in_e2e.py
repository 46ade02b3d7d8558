"""## What it does
Checks for test doubles in end-to-end tests (files under the configured `e2e-paths`): imports of
`unittest.mock`, `mock` or `pytest_mock`; uses of `patch`, `Mock`, `MagicMock`, `AsyncMock`,
`create_autospec` and the `mocker` fixture; and hand-written doubles, classes named like
`MockWebSocketConnection`, `FakeRedis`, `StubAuthService` or `RealisticWebSocketMock`, where they
are defined or made.

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

Not reported: `patch.dict(os.environ, ...)`, `patch("shared.isolated_environment.get_env")`
and `monkeypatch.setenv` (they set the test's environment, no service is replaced), checks that
an object is *not* a mock (`isinstance(client, Mock)` in a test that guards against mocks), and
undefined names that only look like mock names (`MagicNone` is ruff's F821). An import of a mock
library is reported unless every use of it is one of these.

## Runbook
Mocked services in E2E tests.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from runbook_guard.hooks.context import NodeContext, SourceFile, finding
from runbook_guard.hooks.findings import Finding
from runbook_guard.hooks.summary import children, dotted

ID = "no-mocks-in-e2e"
TITLE = "Mocked services in E2E tests"
MESSAGE = "mock used in an end-to-end test, exercise the real service instead"
FIX = "Use the real service in end-to-end tests; move mocked tests to the unit suite."
SEVERITY = "error"
SCOPE = "line"
FILES = "python"
KEYWORDS = ("mock", "mocked services", "patch", "e2e tests", "real services", "end-to-end")
RUNBOOK = "COMMON_MISTAKES.md#mocks-in-end-to-end-tests"
# what this rule's concern looks like in a runbook title or grep pattern: the runbook's
# own grep commands about it are superseded by this rule (hooks/runbook_rules.py)
COVERS = r"(?i)\bmock|\bpatch\b|mocker"

NODES = (ast.Module,)
MOCK_MODULES = frozenset({"mock", "unittest.mock", "pytest_mock", "asynctest"})
MOCK_NAMES = frozenset(
    {
        "patch",
        "Mock",
        "MagicMock",
        "AsyncMock",
        "NonCallableMock",
        "NonCallableMagicMock",
        "PropertyMock",
        "create_autospec",
        "mock_open",
        "CoroutineMock",
    }
)
# A hand-written double: MockX, FakeX, StubX, DummyX, or XMock, XFake, XStub.
DOUBLE = re.compile(r"^_?(Mock|Fake|Stub|Dummy)[A-Z0-9_]|^_?[A-Z]\w*[a-z0-9](Mock|Fake|Stub)$")
# ...unless the name says what else it is: the error a mock detector raises, the detector itself
NOT_DOUBLE = re.compile(r"(Error|Exception|Warning|Detector|Detection|Checker|Validator|Guard)$")
INSPECTIONS = frozenset({"isinstance", "issubclass"})
# What a patch replaces when it only sets the test's environment.
ENVIRONMENT_TARGET = re.compile(r"(^|\.)(environ|getenv|get_env|isolated_environment)(\.|$)")


def _is_double(name: str) -> bool:
    return bool(DOUBLE.search(name)) and not NOT_DOUBLE.search(name)


def _message(what: str) -> str:
    return f"`{what}` in an end-to-end test, exercise the real service instead"


def applies(file: SourceFile) -> bool:
    return file.is_e2e


def _mock_imports(
    imports: list[ast.Import | ast.ImportFrom],
) -> tuple[dict[str, ast.stmt], list[ast.stmt]]:
    """Names bound to mock modules or mock objects (name -> its import), and the imports."""
    bound: dict[str, ast.stmt] = {}
    found: list[ast.stmt] = []
    for node in imports:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MOCK_MODULES or alias.name.startswith("unittest.mock"):
                    bound[alias.asname or alias.name.split(".")[0]] = node
                    found.append(node)
            continue
        module = node.module or ""
        if module in MOCK_MODULES or module.startswith("unittest.mock"):
            for alias in node.names:
                bound[alias.asname or alias.name] = node
            found.append(node)
        elif module == "unittest" and any(a.name == "mock" for a in node.names):
            for alias in node.names:
                if alias.name == "mock":
                    bound[alias.asname or "mock"] = node
            found.append(node)
    return bound, found


def _index(tree: ast.Module) -> tuple[dict[ast.AST, ast.AST], list[ast.AST]]:
    """One pass over the tree: each node's parent, and every node in order."""
    parents: dict[ast.AST, ast.AST] = {}
    order: list[ast.AST] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        order.append(node)
        for child in children(node):
            parents[child] = node
            todo.append(child)
    return parents, order


def _is_environment(node: ast.AST) -> bool:
    name = dotted(node) or ""
    return "environ" in name or name.split(".")[-1] in ("env", "environment")


def _harmless(use: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Is this use of a mock name setting the environment, or checking for mocks?"""
    node = use
    while isinstance(parents.get(node), ast.Attribute):
        node = parents[node]
    # patch.dict(os.environ, {...}) / mock.patch.dict("os.environ", ...)
    if isinstance(node, ast.Attribute) and node.attr == "dict":
        call = parents.get(node)
        if isinstance(call, ast.Call) and call.func is node and call.args:
            target = call.args[0]
            if _is_environment(target) or (
                isinstance(target, ast.Constant) and "environ" in str(target.value)
            ):
                return True
    # patch("shared.isolated_environment.get_env"): the test's environment, no service
    call = parents.get(node)
    if (
        isinstance(call, ast.Call)
        and call.func is node
        and call.args
        and isinstance(call.args[0], ast.Constant)
        and ENVIRONMENT_TARGET.search(str(call.args[0].value))
    ):
        return True
    # isinstance(x, (Mock, MagicMock)): a guard against mocks, not a mock
    parent = parents.get(use)
    while isinstance(parent, ast.Tuple):
        parent = parents.get(parent)
    return (
        isinstance(parent, ast.Call)
        and isinstance(parent.func, ast.Name)
        and parent.func.id in INSPECTIONS
    )


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    assert isinstance(node, ast.Module)
    parents, nodes = _index(node)
    import_nodes = [n for n in nodes if isinstance(n, (ast.Import, ast.ImportFrom))]
    bound, imports = _mock_imports(import_nodes)
    # `Mock` re-exported by a helper module is a mock too; an undefined `MagicNone` is not
    imported = {alias.asname or alias.name for n in import_nodes for alias in n.names}
    used_for_real = False
    used = False
    for child in nodes:
        if isinstance(child, ast.ClassDef) and _is_double(child.name):
            yield finding(
                ID, ctx.file, child, _message(f"class {child.name}"), end_line=child.lineno
            )
            continue
        if isinstance(child, ast.arg) and child.arg == "mocker":
            yield finding(ID, ctx.file, child, _message("mocker"))
            continue
        if not isinstance(child, ast.Name) or not isinstance(child.ctx, ast.Load):
            continue
        name = child.id
        if name in bound or name == "mocker" or (name in MOCK_NAMES and name in imported):
            used = True
            if _harmless(child, parents):
                continue
            used_for_real = True
            yield finding(ID, ctx.file, child, _message(_shown(child, parents)))
        elif _is_double(name) and _is_called(child, parents):
            yield finding(ID, ctx.file, child, _message(f"{name}(...)"))
    if used_for_real or not used:
        for statement in imports:
            what = (
                f"from {statement.module} import ..."
                if isinstance(statement, ast.ImportFrom)
                else f"import {statement.names[0].name}"
            )
            yield finding(ID, ctx.file, statement, _message(what))


def _is_called(name: ast.Name, parents: dict[ast.AST, ast.AST]) -> bool:
    call = parents.get(name)
    return isinstance(call, ast.Call) and call.func is name


def _shown(use: ast.Name, parents: dict[ast.AST, ast.AST]) -> str:
    """The mock as written: `patch`, `mock.patch.object`, `mocker.patch`."""
    node: ast.AST = use
    while isinstance(parents.get(node), ast.Attribute) and len(dotted(parents[node]) or "") < 40:
        node = parents[node]
    return dotted(node) or use.id
