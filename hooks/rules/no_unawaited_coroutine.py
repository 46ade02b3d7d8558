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
None. The callee is resolved, never guessed from its name: a function of the same module or
imported from a module of the repository, `self.method()` and `cls.method()` through the class
and its bases, `Class.method()`, `module.function()`, and methods of a local variable or
attribute whose class is known (`validator = Validator(...)`, a parameter annotated
`validator: Validator`, `self.redis = RedisManager(...)`). A call on a receiver whose class is
not known, a name the repository defines both as `async def` and `def`, a function wrapped by a
decorator that may change what it returns, and an async generator (iterated with `async for`,
never awaited) are not reported. Nor are awaited calls, returned or yielded coroutines, and
calls whose result is awaited, scheduled or passed on later in the same function.

Only a call by a name some `async def` of the repository has (a function, a method, a nested
function), or a name an import gives something (`from db import fetch_row as load`), can call a
coroutine: the repository index keeps those names, and other calls (`logger.info`,
`items.append`) are never resolved, which is most of what a large repository asks.

## Runbook
Missing await: tests that run in 0.00 s.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Iterator

from runbook_guard.hooks.context import NodeContext, finding
from runbook_guard.hooks.findings import Finding
from runbook_guard.hooks.summary import (
    ASYNC,
    Summary,
    annotated_class,
    children,
    dotted,
    find_method,
    function_kind,
    merge_kind,
    resolve,
    resolve_dotted,
    walk,
)

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
# what this rule's concern looks like in a runbook title or grep pattern: the runbook's
# own grep commands about it are superseded by this rule (hooks/runbook_rules.py)
COVERS = r"(?i)missing await|never awaited|0\.00 ?s"

NODES = (ast.Module,)
# Coroutine functions of the standard library that code calls by their qualified name.
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
STDLIB_NAMES = frozenset(name.rpartition(".")[2] for name in STDLIB_COROUTINES)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# The fields that hold statements: a call used as a statement is never inside an expression,
# so the scan never descends into one (expressions are most of a tree's nodes).
STATEMENT_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")
MAX_HOPS = 3  # containers followed from a coroutine to where it is awaited


class Scope:
    """What one function binds: the names it assigns, its nested functions, the class of each
    local variable made by one constructor, and the attributes it overwrites. Read from the
    function's statements (a binding is a statement's target; expressions are not walked),
    when a call in the function first needs it."""

    def __init__(self, func: ast.FunctionDef | ast.AsyncFunctionDef, source: list[str]) -> None:
        self.func = func
        self.source = source  # the module's lines
        self.bound: set[str] = set()
        self.nested: dict[str, str] = {}
        self.made: dict[str, str | None] = {}  # variable -> the class it holds, if one
        self.overwritten: set[tuple[str, str]] = set()  # (variable, attribute) assigned
        arguments = func.args
        for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            self.bound.add(arg.arg)
            made = annotated_class(arg.annotation)
            if made:
                self.made[arg.arg] = made
        for arg in (arguments.vararg, arguments.kwarg):
            if arg:
                self.bound.add(arg.arg)
        yields = any("yield" in line for line in self._lines())
        todo: list[ast.stmt] = list(func.body)
        while todo:
            stmt = todo.pop()
            if isinstance(stmt, FUNCTIONS):
                self.bound.add(stmt.name)
                merge_kind(self.nested, stmt.name, function_kind(stmt, yields))
                continue
            if isinstance(stmt, ast.ClassDef):
                self.bound.add(stmt.name)
                continue
            self._note(stmt)
            for name in STATEMENT_FIELDS:
                todo.extend(getattr(stmt, name, None) or ())

    def _lines(self) -> list[str]:
        return self.source[self.func.lineno - 1 : self.func.end_lineno or self.func.lineno]

    def names_in_strings(self, name: str) -> bool:
        """Does the function name `name` in a string (`patch.object(x, "name")` replaces it)?"""
        return any(f'"{name}"' in line or f"'{name}'" in line for line in self._lines())

    def _bind(self, target: ast.AST) -> None:
        for node in walk(target):
            if isinstance(node, ast.Name):
                self.bound.add(node.id)

    def _note(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                self.bound.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self._bind(stmt.target)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                if item.optional_vars is not None:
                    self._bind(item.optional_vars)
        elif isinstance(stmt, ast.Try):
            for handler in stmt.handlers:
                if handler.name:
                    self.bound.add(handler.name)
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                self._bind(target)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            value = stmt.value
            for target in targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                    self.overwritten.add((target.value.id, target.attr))
                if isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
                    self._bind(target)
                if not isinstance(target, ast.Name):
                    continue
                self.bound.add(target.id)
                if isinstance(stmt, ast.AugAssign):
                    continue
                made = dotted(value.func) if isinstance(value, ast.Call) else None
                if made is None and isinstance(stmt, ast.AnnAssign):
                    made = annotated_class(stmt.annotation)
                known = self.made.get(target.id, made)
                self.made[target.id] = made if known == made else None


Functions = tuple[ast.FunctionDef | ast.AsyncFunctionDef, ...]


def _statement_calls(
    tree: ast.Module, touched: Callable[[int, int], bool]
) -> Iterator[tuple[Functions, str | None, ast.Call, str | None]]:
    """(enclosing functions, innermost first; the class when the outermost function is a
    method; the call; the name its result is assigned to) for each call used as a statement
    or assigned, in the touched statements of every function."""
    todo: list[tuple[ast.AST, Functions, str | None]] = [(tree, (), None)]
    while todo:
        node, scopes, cls = todo.pop()
        for name in STATEMENT_FIELDS:
            for child in getattr(node, name, None) or ():
                if isinstance(child, ast.stmt) and not touched(child.lineno, child.end_lineno or 0):
                    continue
                if isinstance(child, FUNCTIONS):
                    todo.append((child, (child, *scopes), cls))
                    continue
                if isinstance(child, ast.ClassDef):
                    # only a module-level class is in the summary that resolves `self`
                    todo.append((child, scopes, child.name if node is tree else None))
                    continue
                if scopes and isinstance(child, (ast.Expr, ast.Assign, ast.AnnAssign)):
                    value = child.value
                    if isinstance(value, ast.Call):
                        yield scopes, cls, value, _assigned_name(child)
                todo.append((child, scopes, cls))


def _assigned_name(stmt: ast.stmt) -> str | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
    elif isinstance(stmt, ast.AnnAssign):
        target = stmt.target
    else:
        return None
    return target.id if isinstance(target, ast.Name) else None


def _names_in(node: ast.AST | None) -> Iterator[str]:
    if node is not None:
        for child in walk(node):
            if isinstance(child, ast.Name):
                yield child.id


def _collected(node: ast.AST, name: str) -> bool:
    """Is the variable an element of a collection built here (a list, tuple or set of tasks
    for someone to gather)? A value in a dict is a record's field: `{"manager": coro}` hands
    on no coroutine that anyone awaits."""
    todo = [node]
    while todo:
        current = todo.pop()
        if isinstance(current, (ast.Dict, ast.DictComp)):
            continue
        if isinstance(current, ast.Name) and current.id == name:
            return True
        todo.extend(children(current))
    return False


# Methods that put a value into a container (which something may await later).
ADDERS = frozenset({"append", "extend", "add", "insert", "put", "put_nowait", "appendleft"})
DISPLAYS = (ast.List, ast.Tuple, ast.Set, ast.ListComp, ast.SetComp, ast.GeneratorExp)


def _awaited_later(func: ast.AST, name: str, depth: int = 0) -> bool:
    """Is the variable awaited, returned or yielded, or passed on as an argument for
    something else to await, anywhere in the function? A coroutine put into a list, tuple or
    set counts when that collection is in turn awaited or passed on (`tasks.append((task,
    ctx))` then `gather(*[t for t, _ in tasks])`); one kept as a value of a dict (a record
    that is returned or printed) does not."""
    for node in walk(func):
        if isinstance(node, (ast.Await, ast.Return, ast.Yield, ast.YieldFrom)):
            if name in _names_in(node.value):
                return True
        elif isinstance(node, ast.Call):
            arguments = [*node.args, *(k.value for k in node.keywords)]
            for arg in arguments:
                passed = arg.value if isinstance(arg, ast.Starred) else arg
                if isinstance(passed, ast.Name) and passed.id == name:
                    return True
            callee = node.func
            if (
                depth < MAX_HOPS
                and isinstance(callee, ast.Attribute)
                and callee.attr in ADDERS
                and isinstance(callee.value, ast.Name)
                and any(_collected(arg, name) for arg in arguments)
                and _awaited_later(func, callee.value.id, depth + 1)
            ):
                return True
        elif (
            isinstance(node, ast.Assign)
            and depth < MAX_HOPS
            and isinstance(node.value, DISPLAYS)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and _collected(node.value, name)
            and _awaited_later(func, node.targets[0].id, depth + 1)
        ):
            return True
    return False


Callee = tuple[str, str]  # (kind, the module that defines it)


class Resolver:
    """Resolves what a call calls, through the module's own summary and the repository's."""

    def __init__(self, ctx: NodeContext) -> None:
        self.ctx = ctx
        self.lookup = ctx.run.repo.module

    @functools.cached_property
    def summary(self) -> Summary:
        # made when a call first needs it: most calls on a local of unknown class never do
        return self.ctx.module_summary()

    def _method(self, class_name: str | None, method: str) -> Callee | None:
        if not class_name:
            return None
        found = resolve_dotted(self.lookup, self.summary, class_name)
        if found is None or found[0] != "class":
            return None
        return find_method(self.lookup, found[1], found[2], method)

    def callee(self, call: ast.Call, scopes: list[Scope], cls: str | None) -> Callee | None:
        """(kind, defining module) of what the call calls (hooks/summary.py), or None when it
        cannot be known."""
        func = call.func
        if isinstance(func, ast.Name):
            for scope in scopes:
                if func.id in scope.nested:
                    return scope.nested[func.id], self.summary["module"]
                if func.id in scope.bound:
                    return None
            found = resolve(self.lookup, self.summary, func.id)
            return (found[1], found[2]) if found and found[0] == "function" else None
        if not isinstance(func, ast.Attribute):
            return None
        receiver, method = func.value, func.attr
        chain = dotted(receiver)
        if chain is None:
            return None
        first, *rest = chain.split(".")
        if first in ("self", "cls") and cls is not None and _is_method_receiver(scopes, first):
            if any((first, method) in s.overwritten for s in scopes) and not rest:
                return None
            if not rest:
                return self._method(cls, method)
            if len(rest) == 1:  # self.redis.connect(): the class of the attribute
                attribute = self.summary["classes"].get(cls, {}).get("attributes", {})
                return self._method(attribute.get(rest[0]), method)
            return None
        for scope in scopes:
            if first in scope.bound:
                if rest or (first, method) in scope.overwritten or scope.names_in_strings(method):
                    return None
                return self._method(scope.made.get(first), method)
        qualified = self.summary["imports"].get(first)
        if qualified and ".".join([qualified, *rest, method]) in STDLIB_COROUTINES:
            return ASYNC, qualified
        found = resolve_dotted(self.lookup, self.summary, f"{chain}.{method}")
        return (found[1], found[2]) if found and found[0] == "function" else None


def _is_method_receiver(scopes: list[Scope], name: str) -> bool:
    """Is `self`/`cls` the first parameter of the method that encloses the call (and not
    rebound on the way)?"""
    method = scopes[-1].func
    params = [*method.args.posonlyargs, *method.args.args]
    if not params or params[0].arg != name:
        return False
    return all(name not in scope.bound for scope in scopes[:-1])


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    assert isinstance(node, ast.Module)
    calls = [(_called_name(found[2]), found) for found in _statement_calls(node, ctx.file.touched)]
    if not calls:
        return
    # Only a call by a name some `async def` of the repository has (or an import renames
    # something to) can call a coroutine function: one lookup spares resolving the rest,
    # which is most calls (`logger.info`, `items.append`).
    possible = set(ctx.run.repo.coroutine_names({n for n, _ in calls if n})) | STDLIB_NAMES
    resolver: Resolver | None = None
    built: dict[int, Scope] = {}
    for called, (functions, cls, call, target) in calls:
        if called not in possible:
            continue
        if resolver is None:
            resolver = Resolver(ctx)
        scopes = []
        for func in functions:
            if id(func) not in built:
                built[id(func)] = Scope(func, ctx.file.lines)
            scopes.append(built[id(func)])
        callee = resolver.callee(call, scopes, cls)
        if callee is None or callee[0] != ASYNC:
            continue
        # awaited later is asked last: it walks the whole function
        if target and _awaited_later(scopes[0].func, target):
            continue
        name = dotted(call.func) or "call"
        where = "" if callee[1] == resolver.summary["module"] else f" (`async def` in {callee[1]})"
        yield finding(
            ID,
            ctx.file,
            call,
            f"coroutine `{name}()`{where} is never awaited, so it never runs, add `await`",
        )
