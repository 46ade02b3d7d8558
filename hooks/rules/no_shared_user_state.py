"""## What it does
Checks for mutable state on a class body: a `dict`, `list` or `set` (a literal, a comprehension,
or a `dict()`/`list()`/`set()`/`defaultdict()`/`OrderedDict()`/`deque()`/`Counter()` call)
assigned as a class attribute.

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
None. Not reported: dataclass, attrs, pydantic, Enum, NamedTuple and TypedDict classes (their
class-level values are defaults or members, not shared state), dunder names such as `__slots__`,
and UPPER_CASE constants holding a non-empty table, unless the class is a singleton.

## Runbook
Shared state between users: mutable class-level state on singletons and managers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from hooks.context import NodeContext, finding, node_name
from hooks.findings import Finding

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
    if isinstance(value, (ast.DictComp, ast.ListComp, ast.SetComp)):
        return True, False
    if isinstance(value, ast.Call) and node_name(value.func) in MUTABLE_CALLS:
        return True, (not value.args and not value.keywords) or node_name(
            value.func
        ) == "defaultdict"
    return False, False


def _is_final(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.AnnAssign) and "Final" in ast.unparse(stmt.annotation)


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    assert isinstance(node, ast.ClassDef)
    if _is_value_class(node):
        return
    singleton = _is_singleton(node)
    for stmt in node.body:
        names = [n for n in _targets(stmt) if not (n.startswith("__") and n.endswith("__"))]
        if not names or _is_final(stmt):
            continue
        mutable, empty = _mutable(stmt.value)  # type: ignore[union-attr]
        if not mutable:
            continue
        # An UPPER_CASE table filled in place is a constant, unless it is empty (meant to be
        # filled at run time) or lives on a singleton.
        if all(n.isupper() for n in names) and not empty and not singleton:
            continue
        where = "singleton " if singleton else ""
        yield finding(
            ID,
            ctx.file,
            stmt,
            f"mutable class attribute `{names[0]}` on {where}class `{node.name}` is shared by "
            "every user, create it in `__init__`",
        )
