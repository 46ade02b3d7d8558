"""## What it does
Checks for check-then-set of an "initialized" flag without a lock held:
`if not self._initialized: ...; self._initialized = True`, and the early-return form
`if self._initialized: return` followed by setting the flag.

## Why is this bad?
Between the check and the set, a second caller (another request, another task at an `await`)
passes the same check and initialises again: duplicate registrations, two background loops,
start-up failures that only happen under load. Initialisation must be idempotent and atomic.

## Example
```python
async def ensure_integration(self):
    if not self._initialized:
        await self._connect()
        self._initialized = True
```

## Use instead
```python
async def ensure_integration(self):
    async with self._init_lock:
        if not self._initialized:
            await self._connect()
            self._initialized = True
```

## Options
None. A flag is a name containing `initialized`, `initialised`, `ready`, `started`,
`integrated` or `setup_done`; a lock is any `with`/`async with` whose expression names a lock,
mutex, semaphore or condition.

## Runbook
Non-idempotent initialization; race pattern "non-atomic check then set".
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from hooks.context import NodeContext, finding
from hooks.findings import Finding

ID = "idempotent-init"
TITLE = "Non-idempotent initialization"
MESSAGE = "check-then-set of an init flag without a lock, hold a lock around the check and the set"
FIX = "Hold a lock around the check and the set: `async with self._init_lock:` (or `with`)."
SEVERITY = "error"
SCOPE = "node"
FILES = "python"
KEYWORDS = (
    "idempotent",
    "initialization",
    "init",
    "race condition",
    "duplicate registrations",
    "twice",
    "atomic",
)
RUNBOOK = "COMMON_MISTAKES.md#initialisation-that-is-not-idempotent"

NODES = (ast.If,)
FLAG = re.compile(
    r"initiali[sz]ed|(^|_)ready$|(^|_)started$|integrated|setup_done|(^|_)inited$", re.I
)
LOCK = re.compile(r"lock|mutex|semaphore|condition", re.I)


def _flag(test: ast.expr) -> tuple[str, bool] | None:
    """(flag expression, negated) when `test` checks an init flag."""
    negated = False
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, negated = test.operand, True
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.comparators[0], ast.Constant)
    ):
        value = test.comparators[0].value
        if value in (True, False) and isinstance(
            test.ops[0], (ast.Is, ast.Eq, ast.IsNot, ast.NotEq)
        ):
            positive = (value is True) == isinstance(test.ops[0], (ast.Is, ast.Eq))
            test, negated = test.left, not positive
    if isinstance(test, ast.Attribute) and FLAG.search(test.attr):
        return ast.unparse(test), negated
    if isinstance(test, ast.Name) and FLAG.search(test.id):
        return test.id, negated
    return None


def _sets_flag(stmts: list[ast.stmt], flag: str) -> ast.stmt | None:
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(ast.unparse(t) == flag for t in targets):
                    return node
    return None


def _under_lock(ctx: NodeContext) -> bool:
    for node in reversed(ctx.stack):
        if isinstance(node, (ast.With, ast.AsyncWith)) and any(
            LOCK.search(ast.unparse(item.context_expr)) for item in node.items
        ):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return False
    return False


def _following(ctx: NodeContext, node: ast.If) -> list[ast.stmt]:
    parent = ctx.stack[-1] if ctx.stack else None
    for field in ("body", "orelse", "finalbody"):
        block = getattr(parent, field, None)
        if isinstance(block, list) and node in block:
            return block[block.index(node) + 1 :]
    return []


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    assert isinstance(node, ast.If)
    found = _flag(node.test)
    if found is None or _under_lock(ctx):
        return
    flag, negated = found
    if negated:
        setter = _sets_flag(node.body, flag)  # if not flag: ...; flag = True
    elif node.body and isinstance(node.body[-1], ast.Return):
        setter = _sets_flag(_following(ctx, node), flag)  # if flag: return; ...; flag = True
    else:
        setter = None
    if setter is None:
        return
    yield finding(
        ID,
        ctx.file,
        node,
        f"check-then-set of `{flag}` without a lock, hold a lock around the check and the set",
        end_line=max(node.test.end_lineno or node.lineno, getattr(setter, "end_lineno", 0) or 0),
    )
