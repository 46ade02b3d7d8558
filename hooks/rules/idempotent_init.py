"""## What it does
Checks for check-then-set of an "initialized" flag with an `await` between the check and the
set and no lock held: `if not self._initialized: await ...; self._initialized = True`, and the
early-return form `if self._initialized: return` followed by awaiting and setting the flag.

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
mutex, semaphore or condition. Not reported: a check and set with nothing between them that
lets another task run (no `await`, `async with` or `async for`) or another thread (no sleep,
join or executor hand-off): under asyncio such code runs to the set before any other coroutine
can pass the check. Tests, test infrastructure (`test_framework/`) and archived copies are not
checked: a test's set-up runs once per test, not under concurrent requests.

## Runbook
Non-idempotent initialization; race pattern "non-atomic check then set".
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from runbook_guard.hooks.context import NodeContext, SourceFile, finding, in_archive, in_test_folder
from runbook_guard.hooks.findings import Finding
from runbook_guard.hooks.summary import children, node_name, walk

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
# what this rule's concern looks like in a runbook title or grep pattern: the runbook's
# own grep commands about it are superseded by this rule (hooks/runbook_rules.py)
COVERS = r"(?i)idempotent"

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
        for node in walk(stmt):
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


# Calls that hand the thread over while a sync check-then-set is between its check and its set.
HANDOFFS = frozenset({"sleep", "join", "run_in_executor", "to_thread", "result", "wait"})


def _yields_control(stmts: list[ast.stmt]) -> bool:
    """Can another task or thread run here? An `await` (`async with`, `async for`) lets the
    event loop switch tasks; a sleep, join or executor hand-off lets other threads run. Plain
    code between a check and its set cannot interleave with another coroutine."""
    todo: list[ast.AST] = list(stmts)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Await, ast.AsyncWith, ast.AsyncFor)):
            return True
        if isinstance(node, ast.Call) and node_name(node.func) in HANDOFFS:
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            todo.extend(children(node))
    return False


def _between(stmts: list[ast.stmt], setter: ast.stmt) -> list[ast.stmt]:
    """The statements from the first up to the one holding the set (that one included)."""
    out = []
    for stmt in stmts:
        out.append(stmt)
        if any(node is setter for node in walk(stmt)):
            break
    return out


def applies(file: SourceFile) -> bool:
    # a test's set-up runs once per test, not under concurrent requests; archives never run
    return not (file.is_test or in_test_folder(file.path) or in_archive(file.path))


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    assert isinstance(node, ast.If)
    found = _flag(node.test)
    if found is None or _under_lock(ctx):
        return
    flag, negated = found
    if negated:
        block = node.body  # if not flag: ...; flag = True
    elif node.body and isinstance(node.body[-1], ast.Return):
        block = _following(ctx, node)  # if flag: return; ...; flag = True
    else:
        return
    setter = _sets_flag(block, flag)
    if setter is None or not _yields_control(_between(block, setter)):
        return
    yield finding(
        ID,
        ctx.file,
        node,
        f"check-then-set of `{flag}` awaits in between without a lock, hold a lock around the "
        "check and the set",
        end_line=max(node.test.end_lineno or node.lineno, getattr(setter, "end_lineno", 0) or 0),
    )
