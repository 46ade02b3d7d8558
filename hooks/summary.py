"""What one Python module tells the rest of the repository: its functions, classes and imports.

A summary is computed from one file's tree and holds plain data (JSON-able), so the repository
index can keep it per blob and a commit pays only for the modules it asks about. Rules resolve
names through summaries: `f()` imported from another module of the repository, `self.m()`
through the class and its bases, `Cls.m()`, `module.f()`.

    {"module": "pkg.mod", "package": True|False,
     "functions": {name: kind}, "classes": {name: {"bases": [dotted], "methods": {name: kind}}},
     "imports": {local name: qualified name}}

A kind is "async" (a coroutine function), "asyncgen" (an async generator: calling it without
`await` is correct), "sync", or "unknown" (defined twice differently, or wrapped by a decorator
that may change what a call returns).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

ASYNC, ASYNCGEN, SYNC, UNKNOWN = "async", "asyncgen", "sync", "unknown"
Summary = dict[str, Any]
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Decorators that leave a coroutine function a coroutine function. Any other decorator may turn
# it into something else (a sync wrapper, a fixture, a context manager): its kind is unknown.
PRESERVING_DECORATORS = frozenset(
    {
        "staticmethod",
        "classmethod",
        "abstractmethod",
        "override",
        "wraps",
        "retry",
        "timeout",
        "traced",
        "trace",
        "log_execution",
        "measure_time",
        "timed",
        "cache",
        "lru_cache",
        "final",
        "overload",
        "validate_call",
        "handle_errors",
        "with_retry",
        "async_retry",
        "circuit_breaker",
        "rate_limited",
    }
)


def module_name(path: str) -> tuple[str, bool]:
    """(dotted module name, is a package) of a repo-relative `.py` path."""
    parts = path[: -len(".py")].split("/") if path.endswith(".py") else path.split("/")
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def module_paths(name: str) -> list[str]:
    """The repo-relative paths that can hold module `name` (at the root, or under `src/`)."""
    base = name.replace(".", "/")
    paths = [f"{base}.py", f"{base}/__init__.py"]
    return [*paths, *(f"src/{p}" for p in paths)]


def node_name(node: ast.AST | None) -> str:
    """The last name of `x`, `a.b.x`, `x(...)` or `x[...]`: what a call or reference is called."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


# Fields that never hold a node (names, flags, operators' leaves): skipped by the walks here,
# which run over every async function and class of every module a run resolves names in.
LEAF_FIELDS = frozenset(
    {"ctx", "op", "ops", "id", "attr", "arg", "module", "level", "kind", "type_comment", "names"}
)
STATEMENT_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def children(node: ast.AST) -> Iterator[ast.AST]:
    for name in node._fields:
        if name in LEAF_FIELDS:
            continue
        value = getattr(node, name, None)
        if type(value) is list:
            yield from (item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            yield value


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under `node` (itself first), depth first, skipping the fields that never
    hold one: `ast.walk` for the hot paths, a few times faster."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        todo.extend(children(current))


def _yields(func: ast.AST) -> bool:
    """Does the function's own body (not a nested function or lambda) yield?"""
    todo = list(children(func))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(node, SCOPES):
            todo.extend(children(node))
    return False


def statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement in a body and the bodies nested in it (not expressions: a statement
    walk is a fraction of a full one)."""
    todo = list(reversed(body))
    while todo:
        stmt = todo.pop()
        yield stmt
        for name in STATEMENT_FIELDS:
            nested = getattr(stmt, name, None)
            if nested:
                todo.extend(reversed(nested))


def function_kind(func: ast.FunctionDef | ast.AsyncFunctionDef, yields: bool = True) -> str:
    """The function's kind; `yields=False` when the module's text has no `yield` at all."""
    if not isinstance(func, ast.AsyncFunctionDef):
        # a sync function stays sync under any decorator we could not see through, except
        # the ones that are known to make coroutines (`@sync_to_async`, `@asyncify`)
        names = {node_name(d) for d in func.decorator_list}
        return UNKNOWN if any("async" in n for n in names) else SYNC
    if yields and _yields(func):
        return ASYNCGEN
    if any(node_name(d) not in PRESERVING_DECORATORS for d in func.decorator_list):
        return UNKNOWN
    return ASYNC


def merge_kind(table: dict[str, str], name: str, kind: str) -> None:
    """A name defined twice (in both branches of an `if`, or redefined) keeps one kind only
    when both definitions agree."""
    old = table.get(name)
    table[name] = kind if old is None or old == kind else UNKNOWN


def _top_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, looking inside `if`/`try`/`with` (conditional definitions and
    imports) but not into functions or classes."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            yield from _top_statements(stmt.body)
            yield from _top_statements(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            yield from _top_statements(stmt.body)
            for handler in stmt.handlers:
                yield from _top_statements(handler.body)
            yield from _top_statements(stmt.orelse)
            yield from _top_statements(stmt.finalbody)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            yield from _top_statements(stmt.body)


def dotted(node: ast.AST) -> str | None:
    """`a.b.c` as a string, or None when the expression is not a chain of names."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def annotated_class(annotation: ast.AST | None) -> str | None:
    """The class an annotation names: `X`, `a.X`, `Optional[X]`, `X | None`, `"X"`."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(annotation, ast.Subscript) and dotted(annotation.value) in (
        "Optional",
        "typing.Optional",
    ):
        return annotated_class(annotation.slice)
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [annotation.left, annotation.right]
        real = [s for s in sides if not (isinstance(s, ast.Constant) and s.value is None)]
        return annotated_class(real[0]) if len(real) == 1 else None
    return dotted(annotation) if annotation is not None else None


def absolute_import(module: str, is_package: bool, node: ast.ImportFrom) -> str | None:
    """The qualified module an `from ... import` names, relative imports resolved."""
    if node.level == 0:
        return node.module
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if node.level > 1:
        if node.level - 1 > len(parts):
            return None
        parts = parts[: len(parts) - (node.level - 1)]
    if node.module:
        parts.append(node.module)
    return ".".join(parts) or None


def imports_of(module: str, is_package: bool, body: list[ast.stmt]) -> dict[str, str]:
    """local name -> qualified name, for every import among these statements."""
    imports: dict[str, str] = {}
    for stmt in body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    imports[top] = top
        elif isinstance(stmt, ast.ImportFrom):
            source = absolute_import(module, is_package, stmt)
            if source is None:
                continue
            for alias in stmt.names:
                if alias.name != "*":
                    imports[alias.asname or alias.name] = f"{source}.{alias.name}"
    return imports


def class_summary(cls: ast.ClassDef, yields: bool = True) -> dict[str, Any]:
    methods: dict[str, str] = {}
    for stmt in cls.body:
        if isinstance(stmt, FUNCTIONS):
            merge_kind(methods, stmt.name, function_kind(stmt, yields))
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            # `run = other_function`: a method whose kind we cannot see here
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    methods[target.id] = UNKNOWN
    bases = [d for d in (dotted(b) for b in cls.bases) if d]
    return {"bases": bases, "methods": methods, "attributes": _attribute_types(cls)}


def _attribute_types(cls: ast.ClassDef) -> dict[str, str]:
    """attribute -> the class it holds, where every `self.x = ...` in the class's methods
    assigns an instance of one named class (`self.redis = RedisManager(...)`), or the class
    body annotates it (`redis: RedisManager`). Anything else makes the attribute unknown."""
    seen: dict[str, str | None] = {}
    for stmt in cls.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            seen[stmt.target.id] = annotated_class(stmt.annotation)
    for node in statements(cls.body):
        if not isinstance(node, (ast.Assign, ast.AnnAssign)):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if not (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                continue
            value = node.value
            if isinstance(value, ast.Constant) and value.value is None:
                continue  # `self.client = None` until it is connected: no type either way
            made = dotted(value.func) if isinstance(value, ast.Call) else None
            if isinstance(node, ast.AnnAssign) and made is None:
                made = annotated_class(node.annotation)
            if target.attr in seen and seen[target.attr] != made:
                made = None
            seen[target.attr] = made
    return {name: made for name, made in seen.items() if made}


def summarize(tree: ast.Module, path: str, text: str | None = None) -> Summary:
    """The module's summary. Given the module's `text`, a module without the word `yield`
    is known to define no async generator without walking its functions."""
    module, is_package = module_name(path)
    yields = text is None or "yield" in text
    functions: dict[str, str] = {}
    classes: dict[str, dict[str, Any]] = {}
    top = list(_top_statements(tree.body))
    for stmt in top:
        if isinstance(stmt, FUNCTIONS):
            merge_kind(functions, stmt.name, function_kind(stmt, yields))
        elif isinstance(stmt, ast.ClassDef):
            classes[stmt.name] = class_summary(stmt, yields)
    return {
        "module": module,
        "package": is_package,
        "functions": functions,
        "classes": classes,
        "imports": imports_of(module, is_package, top),
    }


# What a name resolves to: ("function", kind, the module defining it), ("class", summary, class
# name), ("module", name).
Resolved = tuple[Any, ...]
Lookup = Callable[[str], "Summary | None"]
MAX_DEPTH = 8  # re-exports and base classes followed this deep, no further


def resolve(lookup: Lookup, summary: Summary, name: str, depth: int = 0) -> Resolved | None:
    """What the top-level `name` of the module `summary` is, following imports into the
    repository's own modules. None: not known (a third-party name, or not defined)."""
    if depth > MAX_DEPTH:
        return None
    in_functions, in_classes = name in summary["functions"], name in summary["classes"]
    if in_functions and not in_classes:
        return ("function", summary["functions"][name], summary["module"])
    if in_classes and not in_functions:
        return ("class", summary, name)
    qualified = summary["imports"].get(name)
    if qualified is None or in_functions or in_classes:
        return None
    return resolve_qualified(lookup, qualified, depth + 1)


def resolve_qualified(lookup: Lookup, qualified: str, depth: int = 0) -> Resolved | None:
    """What `pkg.module.name` (or the module `pkg.module` itself) is."""
    if depth > MAX_DEPTH:
        return None
    if lookup(qualified) is not None:
        return ("module", qualified)
    head, _, last = qualified.rpartition(".")
    owner = lookup(head) if head else None
    if owner is None:
        # a module outside the repository (`asyncio`, a namespace package): what it holds
        # is unknown, and a call of it is never judged
        return ("module", qualified)
    return resolve(lookup, owner, last, depth + 1)


def resolve_dotted(lookup: Lookup, summary: Summary, name: str) -> Resolved | None:
    """What `a.b.C`, written in the module `summary`, is."""
    first, *rest = name.split(".")
    found = resolve(lookup, summary, first)
    for part in rest:
        if found is None:
            return None
        if found[0] == "module":
            found = resolve_qualified(lookup, f"{found[1]}.{part}")
        elif found[0] == "class":
            method = find_method(lookup, found[1], found[2], part)
            found = ("function", *method) if method else None
        else:
            return None
    return found


def find_method(
    lookup: Lookup, summary: Summary, class_name: str, method: str, depth: int = 0
) -> tuple[str, str] | None:
    """(kind, defining module) of `method` on the class, through its bases in the repository.
    The kind is UNKNOWN when a base we cannot see may define it; None when no class in the
    chain defines it."""
    if depth > MAX_DEPTH:
        return UNKNOWN, ""
    cls = summary["classes"].get(class_name)
    if cls is None:
        return UNKNOWN, ""
    if method in cls["methods"]:
        return cls["methods"][method], summary["module"]
    for base in cls["bases"]:
        if base in ("object", "ABC", "Generic", "Protocol"):
            continue
        found = resolve_dotted(lookup, summary, base)
        if found is None or found[0] != "class":
            return UNKNOWN, ""  # a base outside the repository may define it
        inherited = find_method(lookup, found[1], found[2], method, depth + 1)
        if inherited is not None:
            return inherited
    return None


def ancestry(lookup: Lookup, summary: Summary, name: str, depth: int = 0) -> set[str]:
    """The last names of a class and of all its bases, followed through the repository's
    modules as far as they resolve (`{"SecurityResult", "ValidationResult", "BaseModel"}`)."""
    found = {name.rsplit(".", 1)[-1]}
    if depth > MAX_DEPTH:
        return found
    resolved = resolve_dotted(lookup, summary, name)
    if resolved is None or resolved[0] != "class":
        return found
    owner, class_name = resolved[1], resolved[2]
    found.add(class_name)
    for base in owner["classes"][class_name]["bases"]:
        found |= ancestry(lookup, owner, base, depth + 1)
    return found


# Top-level definitions found by reading lines, not by parsing: every module of a large
# repository is read for them, and searching bytes for a line start is ~10x a regex over them.
DEFINITION_STARTS = (b"def ", b"class ", b"async def ")
NAME = re.compile(rb"(?:async[ \t]+)?(def|class)[ \t]+([A-Za-z_]\w*)")
MAIN_GUARD = re.compile(rb"if[ \t]+__name__[ \t]*==")
# `@router.get("/")`, `@app.task(...)`, `@pytest.fixture`: the decorator registers the function
# under its own name with a framework, which is why many modules define the same name.
REGISTERING = re.compile(rb"^@[\w.]+\.\w+[ \t]*\(|^@(?:pytest\.)?fixture\b|^@\w+\.(?:command|task)")


class Definition(NamedTuple):
    name: str
    line: int
    kind: str  # "class" or "def"
    registered: bool  # decorated by a registering decorator


def _line_starts(data: bytes, prefix: bytes) -> Iterator[int]:
    """Offsets of the lines that start with `prefix`."""
    if data.startswith(prefix):
        yield 0
    needle = b"\n" + prefix
    at = data.find(needle)
    while at != -1:
        yield at + 1
        at = data.find(needle, at + 1)


def scan_definitions(data: bytes) -> tuple[bool, list[Definition]]:
    """(does the module have an `if __name__ == "__main__":` guard, its top-level classes and
    functions)."""
    starts = sorted({at for prefix in DEFINITION_STARTS for at in _line_starts(data, prefix)})
    found = []
    line, counted = 1, 0
    for start in starts:
        match = NAME.match(data, start)
        if match is None:
            continue
        line += data.count(b"\n", counted, start)  # counted once, from the last match on
        counted = start
        found.append(
            Definition(match[2].decode(), line, match[1].decode(), _registered(data, start))
        )
    guarded = any(MAIN_GUARD.match(data, at) for at in _line_starts(data, b"if "))
    return guarded, found


IMPORT_LINE = re.compile(
    rb"[ \t]*(?:from[ \t]+(\.*)[ \t]*([\w.]*)[ \t]+import[ \t]+(\([^)]*\)?|[^\n#;]*)"
    rb"|import[ \t]+([^\n#;]*))"
)
# (dots of a relative import, module, names imported from it)
ImportLine = tuple[int, str, list[str]]


def scan_imports(data: bytes, names: list[bytes] | None = None) -> list[ImportLine]:
    """Every `import a.b` and `from .a import b, c` of a module, at any indentation (imports
    inside functions and `try:` blocks count), read from its lines. `names`, when given,
    receives the names part of each `from ... import` as written (`b as c, d`)."""
    found: list[ImportLine] = []
    seen_lines: set[int] = set()
    at = data.find(b"import")
    while at != -1:
        start = data.rfind(b"\n", 0, at) + 1
        if start not in seen_lines:
            seen_lines.add(start)
            match = IMPORT_LINE.match(data, start)
            if match:
                found.extend(_import_parts(match))
                if names is not None and match[3]:
                    names.append(match[3])
        at = data.find(b"import", at + 6)
    return found


# `async def name` at any indentation, and `from m import name as alias`: the names under which
# a call can reach a coroutine function. Read from bytes like the definitions above (every
# module is read for them); a match inside a string or a comment only adds a name, which
# costs a lookup, never a finding.
ASYNC_DEF = re.compile(rb"async[ \t]+def[ \t]+([A-Za-z_]\w*)")
ALIAS = re.compile(rb"\bas[ \t]+([A-Za-z_]\w*)")


def scan_coroutine_names(data: bytes, imports: Iterable[bytes] = ()) -> list[str]:
    """The names a call may reach a coroutine function by, in one module: every `async def`
    (top-level, method or nested) and every name a `from ... import` binds with `as` (which
    may rename one); `imports`: the names part of each `from ... import` (scan_imports).
    A call by any other name never calls a coroutine function of this module:
    no-unawaited-coroutine resolves only calls by these names."""
    names = set()
    for match in ASYNC_DEF.finditer(data):
        start = data.rfind(b"\n", 0, match.start()) + 1
        if not data[start : match.start()].strip(b" \t"):
            names.add(match[1].decode())
    for imported in imports:
        if b" as" in imported:
            names.update(alias.decode() for alias in ALIAS.findall(imported))
    return sorted(names)


def _words(text: bytes) -> list[str]:
    names = []
    for part in text.strip(b"()\\ \t\r\n").replace(b"\n", b",").split(b","):
        name = part.strip(b" \t\r()\\").split(b" ")[0]
        if name and name != b"*" and re.fullmatch(rb"[\w.]+", name):
            names.append(name.decode())
    return names


def _import_parts(match: re.Match[bytes]) -> list[ImportLine]:
    if match[4] is not None:
        return [(0, name, []) for name in _words(match[4])]
    level = len(match[1] or b"")
    return [(level, (match[2] or b"").decode(), _words(match[3] or b""))]


def imported_modules(path: str, imports: list[ImportLine]) -> set[str]:
    """The absolute names a module's imports name: `from a.b import c` names `a.b` and `a.b.c`
    (c may be a module or a name in it), relative imports resolved against the module's path."""
    module, is_package = module_name(path)
    names: set[str] = set()
    for level, source, imported in imports:
        if level:
            parts = module.split(".") if module else []
            if not is_package:
                parts = parts[:-1]
            if level - 1 > len(parts):
                continue
            parts = parts[: len(parts) - (level - 1)]
            source = ".".join([*parts, source] if source else parts)
        if not source:
            continue
        names.add(source)
        names.update(f"{source}.{name}" for name in imported)
    return names


def _registered(data: bytes, start: int) -> bool:
    """Is the definition at `start` decorated by a registering decorator? Looks back over the
    decorator lines (a multi-line decorator's first line is the one at column 0 with `@`)."""
    end = start
    in_decorator = False  # inside a multi-line decorator's arguments, read bottom up
    for _ in range(30):  # decorators are a few lines; a definition is never searched far
        if end <= 0:
            return False
        begin = data.rfind(b"\n", 0, end - 1) + 1
        line = data[begin : end - 1] if end - 1 > begin else b""
        end = begin
        if not line.strip() or line[:1] == b"#":
            continue
        if line[:1] in (b")", b"]", b"}"):
            in_decorator = True
            continue
        if line[:1] in (b" ", b"\t"):
            if in_decorator:
                continue
            return False  # the body of what came before: no decorator
        if line.startswith(b"@"):
            if REGISTERING.match(line):
                return True
            in_decorator = False
            continue
        return False
    return False
