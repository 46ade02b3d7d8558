"""## What it does
Checks for mutable state on a class body (a `dict`, `list` or `set`: a literal, a comprehension,
or a `dict()`/`list()`/`set()`/`defaultdict()`/`OrderedDict()`/`deque()`/`Counter()` call) that
the class's code shares between users: changed in place through `self.x` (written as if each
instance had its own), an empty container only ever filled from outside, or a registry of what
users own (`_active_dispatchers`, `_user_sessions`) changed through `cls.x` without a lock.

## Why is this bad?
A class attribute is created once per process and shared by every instance. On a singleton or a
manager that serves many requests it becomes state shared between users: one user's results land
in the dict another user reads. The incident it prevents is "user A sees user B's data".

## Example
```python
class AgentManager:
    _instance = None
    results = {}  # shared by every user
```

## Use instead
```python
class AgentManager:
    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.results: dict[str, object] = {}  # one per user
```

## Options
None. Not reported: dataclass, attrs, pydantic, Enum, NamedTuple and TypedDict classes and
classes whose bases (followed through the repository) are one of them, a model's inner
`class Config`/`Meta`, dunder names such as `__slots__`, non-empty tables the class never
changes (constants), attributes every instance assigns for itself (`self.x = {}`), registries
changed under a lock (the runbook's prescription), process-wide caches whose name says nothing
of users (`_loggers`), and classes in tests and scripts.

## Runbook
Shared state between users: mutable class-level state on singletons and managers.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from runbook_guard.hooks.context import NodeContext, SourceFile, finding
from runbook_guard.hooks.findings import Finding
from runbook_guard.hooks.summary import ancestry, children, dotted, node_name

ID = "no-shared-user-state"
TITLE = "Shared state between users"
MESSAGE = "mutable class attribute is shared by every instance and user, create it in `__init__`"
FIX = "Create the container per instance in `__init__` (or per request with a factory)."
SEVERITY = "error"
SCOPE = "node"
FILES = "python"
KEYWORDS = (
    "shared state",
    "users",
    "user data",
    "singleton",
    "factory pattern",
    "mutable",
    "class",
)
RUNBOOK = "COMMON_MISTAKES.md#state-shared-between-users"
# what this rule's concern looks like in a runbook title or grep pattern: the runbook's
# own grep commands about it are superseded by this rule (hooks/runbook_rules.py)
COVERS = r"(?i)shared state"

NODES = (ast.ClassDef,)
MUTABLE_CALLS = frozenset({"dict", "list", "set", "defaultdict", "OrderedDict", "deque", "Counter"})
# Classes whose class-level values are per-instance defaults, members or schema, not state.
VALUE_CLASS_BASES = frozenset(
    {
        "BaseModel",
        "BaseSettings",
        "Enum",
        "IntEnum",
        "StrEnum",
        "Flag",
        "IntFlag",
        "NamedTuple",
        "TypedDict",
        "Struct",
        "Schema",
        "Model",
        "SQLModel",
        "Protocol",
    }
)
VALUE_CLASS_DECORATORS = frozenset({"dataclass", "define", "frozen", "attrs", "s", "dataclasses"})


def _is_value_class(cls: ast.ClassDef) -> bool:
    if any(node_name(b) in VALUE_CLASS_BASES for b in cls.bases):
        return True
    if any(node_name(d) in VALUE_CLASS_DECORATORS for d in cls.decorator_list):
        return True
    return any(
        isinstance(k.value, ast.AST) and node_name(k.value) == "EnumMeta" for k in cls.keywords
    )


def _is_singleton(cls: ast.ClassDef) -> bool:
    for stmt in cls.body:
        targets = _targets(stmt)
        if "_instance" in targets or "__instance" in targets:
            return True
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name in (
            "get_instance",
            "instance",
            "getInstance",
        ):
            return True
    return any("singleton" in node_name(k.value).lower() for k in cls.keywords) or any(
        "singleton" in node_name(b).lower() for b in cls.bases
    )


def _targets(stmt: ast.stmt) -> list[str]:
    if isinstance(stmt, ast.Assign):
        return [t.id for t in stmt.targets if isinstance(t, ast.Name)]
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return [stmt.target.id]
    return []


def _mutable(value: ast.AST | None) -> tuple[bool, bool]:
    """(is it a mutable container, is it empty)."""
    if isinstance(value, (ast.Dict, ast.List, ast.Set)):
        items = value.keys if isinstance(value, ast.Dict) else value.elts
        return True, not items
    if isinstance(value, ast.DictComp):
        # `{user: [] for user in users}`: empty containers to be filled, one per key
        return True, _mutable(value.value)[1]
    if isinstance(value, (ast.ListComp, ast.SetComp)):
        return True, False
    if isinstance(value, ast.Call) and node_name(value.func) in MUTABLE_CALLS:
        return True, (not value.args and not value.keywords) or node_name(
            value.func
        ) == "defaultdict"
    return False, False


def _is_final(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.AnnAssign) and "Final" in ast.unparse(stmt.annotation)


# Methods that change a container in place.
MUTATORS = frozenset(
    {
        "append",
        "add",
        "update",
        "setdefault",
        "pop",
        "popitem",
        "extend",
        "insert",
        "remove",
        "discard",
        "clear",
        "appendleft",
        "popleft",
    }
)
LOCK = re.compile(r"lock|mutex|semaphore|condition", re.I)
# Names of containers that hold what one user, request or connection owns.
PER_USER = re.compile(
    r"user|session|request|connection|client|context|execution|run|thread|dispatcher|"
    r"websocket|agent|result|emitter|subscriber|listener|job|task",
    re.I,
)


class Uses:
    """How a class's methods use its class attributes: where each is changed in place
    (through `self.x` or `cls.x`/`Class.x`, with a lock held or not), and which are assigned
    per instance (`self.x = ...`, which makes the class value a mere default)."""

    def __init__(self, cls: ast.ClassDef) -> None:
        self.mutated: dict[str, list[tuple[str, bool]]] = {}  # name -> [(via, locked)]
        self.per_instance: set[str] = set()
        self.name = cls.name
        for stmt in cls.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._scan(stmt.body, locked=False)

    def _owner(self, node: ast.AST) -> tuple[str, str] | None:
        """(attribute, via) of `self.x`, `cls.x` or `Class.x`."""
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            via = node.value.id
            if via == "self":
                return node.attr, "self"
            if via in ("cls", self.name):
                return node.attr, "cls"
        return None

    def _scan(self, body: list[ast.stmt], locked: bool) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.With, ast.AsyncWith)):
                holds = any(LOCK.search(ast.unparse(i.context_expr)) for i in stmt.items)
                self._scan(stmt.body, locked or holds)
                continue
            todo: list[ast.AST] = [stmt]
            while todo:
                node = todo.pop()
                if isinstance(node, (ast.With, ast.AsyncWith)) and node is not stmt:
                    self._scan([node], locked)
                    continue
                self._note(node, locked)
                todo.extend(children(node))

    def _note(self, node: ast.AST, locked: bool) -> None:
        target = None
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for item in targets:
                owner = self._owner(item)
                if owner and owner[1] == "self" and not isinstance(node, ast.Delete):
                    self.per_instance.add(owner[0])
                if isinstance(item, ast.Subscript):
                    target = self._owner(item.value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in MUTATORS
        ):
            target = self._owner(node.func.value)
        if target:
            self.mutated.setdefault(target[0], []).append((target[1], locked))


def _is_script(tree_body: list[ast.stmt]) -> bool:
    return any(
        isinstance(s, ast.If)
        and isinstance(s.test, ast.Compare)
        and isinstance(s.test.left, ast.Name)
        and s.test.left.id == "__name__"
        for s in tree_body
    )


def applies(file: SourceFile) -> bool:
    # test classes collect what one test run saw; there are no users there
    return not file.is_test


def _value_base(cls: ast.ClassDef, ctx: NodeContext) -> bool:
    """Is a base class, followed through the repository, a model, enum or other value class?"""
    module = ctx.module_summary()
    for base in cls.bases:
        name = dotted(base)
        if not name:
            continue
        if ancestry(ctx.run.repo.module, module, name) & VALUE_CLASS_BASES:
            return True
    return False


SHARED, UNLOCKED = "shared", "unlocked"


def _problem(name: str, empty: bool, uses: Uses) -> str | None:
    """SHARED (instances share what they take for their own), UNLOCKED (a registry of what
    users own, changed without a lock), or None."""
    if name in uses.per_instance:
        return None  # `self.x = {}` in a method: the class value is only a default
    changes = uses.mutated.get(name, [])
    if not changes:
        # never changed here: a table read as a constant, unless it is empty (only ever
        # filled from outside, and then shared by all)
        return SHARED if empty else None
    unlocked = [via for via, locked in changes if not locked]
    if "self" in unlocked:
        return SHARED  # written as if it were the instance's own: every instance shares it
    if len(unlocked) < len(changes):
        return None  # a registry kept under its lock, as the runbook prescribes
    # a class-level registry changed without a lock: the mistake when it holds what users own
    return UNLOCKED if PER_USER.search(name) else None


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    assert isinstance(node, ast.ClassDef)
    parent = ctx.stack[-1] if ctx.stack else None
    if isinstance(parent, ast.ClassDef) and node.name in ("Config", "Meta"):
        return  # a model's settings (pydantic's `class Config: json_encoders = {...}`)
    if _is_value_class(node) or _is_script(ctx.module_body()) or _value_base(node, ctx):
        return
    singleton = _is_singleton(node)
    uses = Uses(node)
    for stmt in node.body:
        names = [n for n in _targets(stmt) if not (n.startswith("__") and n.endswith("__"))]
        if not names or _is_final(stmt):
            continue
        mutable, empty = _mutable(stmt.value)  # type: ignore[union-attr]
        problems = [p for p in (_problem(n, empty, uses) for n in names) if p] if mutable else []
        if not problems:
            continue
        where = "singleton " if singleton else ""
        if problems[0] == UNLOCKED:
            message = (
                f"class-level registry `{names[0]}` on {where}class `{node.name}` is changed "
                "without a lock, hold a lock or keep it per user"
            )
        else:
            message = (
                f"mutable class attribute `{names[0]}` on {where}class `{node.name}` is shared "
                "by every user, create it in `__init__`"
            )
        yield finding(ID, ctx.file, stmt, message)
