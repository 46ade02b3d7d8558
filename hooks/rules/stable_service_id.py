"""## What it does
Checks that a service id (`SERVICE_ID`, `service_id`, an `X-Service-ID` header) is a stable
value: not built from the time, the date, a uuid or a random value, and, where the named-values
index records its stable value, equal to it. Python code and env files are both checked.

## Why is this bad?
Services authenticate each other by id. An id with a timestamp suffix changes every minute (or
every deploy), the receiving service rejects it, and authentication fails on a schedule, an
outage that looks intermittent and is not.

## Example
```python
SERVICE_ID = f"netra-auth-staging-{int(time.time())}"
```

## Use instead
```python
SERVICE_ID = "netra-backend"  # the stable value in the named-values index
```

## Options
- `named-values.index` and inline `named-values` entries: the stable value of each id.

Not reported: test code and test infrastructure (`test_framework/`: tests build unstable ids
on purpose, to prove this very check, and set whatever id a case needs), a value that names the
id instead of being one (a header or key name such as `SERVICE_ID: Final[str] = "service_id"`,
a secret's name such as `"service-id-staging"`), a table keyed by a service id
(`last_seen[service_id] = time.time()`), and a literal that differs from the index's stable
value when it is held by another name than the index's (`service_id = "auth-service"` names
some service, `SERVICE_ID` is the index's) or set by code that does not run deployed (a script,
a dev tool outside the services: the value it sets is that tool's business). A timestamped id
is reported wherever it is built.

## Runbook
SERVICE_ID with timestamps.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from runbook_guard.hooks import envfiles
from runbook_guard.hooks.context import NodeContext, Run, SourceFile, finding, in_test_folder
from runbook_guard.hooks.findings import Finding
from runbook_guard.hooks.summary import walk

ID = "stable-service-id"
TITLE = "SERVICE_ID with timestamps"
MESSAGE = "service id built from a changing value, use the stable id from the named-values index"
FIX = "Set the service id to its one stable value (the named-values index's `stable_value`)."
SEVERITY = "error"
SCOPE = "node"
FILES = ("python", "env")
KEYWORDS = (
    "SERVICE_ID",
    "service id",
    "timestamp",
    "stable value",
    "authentication fails every minute",
)
RUNBOOK = "COMMON_MISTAKES.md#service-id-built-from-the-clock"
# what this rule's concern looks like in a runbook title or grep pattern: the runbook's
# own grep commands about it are superseded by this rule (hooks/runbook_rules.py)
COVERS = r"(?i)service_?id"

NODES = (ast.Assign, ast.AnnAssign, ast.keyword, ast.Dict, ast.Call)
NAMES_AN_ID = re.compile(r"service[_-]?id", re.I)


# Letters a case-blind regex takes for ASCII letters of `serviceid` (the long s, U+017F, for s;
# dotted and dotless I for i): where none is present, lower-casing finds what the regex would.
CASE_BLIND_EXTRAS = ("\u017f", "\u0130", "\u0131")


def wants(text: str, run: Run) -> bool:
    """Only a module that names a service id can set one. (A case-blind regex has no literal
    to search for fast: the text is lower-cased and searched for the three spellings.)"""
    if any(extra in text for extra in CASE_BLIND_EXTRAS):
        return NAMES_AN_ID.search(text) is not None
    lowered = text.lower()
    return "service_id" in lowered or "service-id" in lowered or "serviceid" in lowered


SERVICE_ID_NAME = re.compile(r"(^|[^a-z])service[_-]?id$", re.I)
VOLATILE_CALLS = re.compile(
    r"(^|\.)(now|utcnow|today|time|time_ns|monotonic|perf_counter|uuid1|uuid4|token_hex|"
    r"token_urlsafe|randint|random|choice|getrandbits|urandom|timestamp|isoformat|strftime)$"
)
VOLATILE_NAMES = re.compile(r"timestamp|(^|_)ts$|(^|_)now$|epoch|uuid|random|nonce", re.I)


def _volatile(expr: ast.AST) -> str | None:
    """What makes the expression change from run to run, if anything."""
    for node in walk(expr):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if VOLATILE_CALLS.search(name):
                return f"`{name}()`"
        elif isinstance(node, ast.Name) and VOLATILE_NAMES.search(node.id):
            return f"`{node.id}`"
    return None


def _target_name(target: ast.AST) -> str | None:
    """The name a target assigns: `x`, `self.x`, or the string key of `environ["X"]`. A
    subscript keyed by a variable (`rotations[service_id] = ...`) assigns no id."""
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if (
        isinstance(target, ast.Subscript)
        and isinstance(target.slice, ast.Constant)
        and isinstance(target.slice.value, str)
    ):
        return target.slice.value
    return None


def _target_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    elif isinstance(node, ast.keyword):
        return [node.arg] if node.arg else []
    else:
        return []
    return [name for name in map(_target_name, targets) if name]


def _id_name(names: list[str]) -> str | None:
    for name in names:
        if SERVICE_ID_NAME.search(name):
            return name
    return None


def _is_reference(value: str) -> bool:
    """A value that names the id rather than being one: a header or key name
    (`"service_id"`, `"X-Service-ID"`), a secret's name (`"service-id-staging"`), prose."""
    squashed = re.sub(r"[^a-z]", "", value.lower())
    return "serviceid" in squashed or " " in value.strip()


def _check_value(node: ast.AST, name: str, value: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    volatile = _volatile(value)
    if volatile:
        yield finding(ID, ctx.file, node, f"`{name}` is built from {volatile}, use one stable id")
        return
    # the index's stable value is the value of that exact name (`SERVICE_ID`), not of every
    # variable that holds some service's id (`service_id = request.service_id`)
    stable = ctx.run.named_values.stable_values.get(name)
    literal = value.value if isinstance(value, ast.Constant) else None
    if (
        stable is not None
        and isinstance(literal, str)
        and literal != stable
        and not _is_reference(literal)
        and ctx.in_deployed_code()
    ):
        yield finding(
            ID,
            ctx.file,
            node,
            f"`{name}` differs from its stable value in the named-values index",
        )


def applies(file: SourceFile) -> bool:
    # tests build unstable ids on purpose (the negative tests of this very check) and set
    # whatever id the case needs
    return not file.is_test and not in_test_folder(file.path)


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.keyword)):
        name = _id_name(_target_names(node))
        if name and node.value is not None:
            yield from _check_value(node, name, node.value, ctx)
    elif isinstance(node, ast.Dict):
        # {"SERVICE_ID": ..., "X-Service-ID": ...} in settings and headers
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                name = _id_name([key.value])
                if name:
                    yield from _check_value(value, name, value, ctx)
    elif isinstance(node, ast.Call) and len(node.args) >= 2:
        # env.set("SERVICE_ID", ...), os.environ.setdefault("SERVICE_ID", ...), headers.update
        key = node.args[0]
        if (
            isinstance(key, ast.Constant)
            and isinstance(key.value, str)
            and ast.unparse(node.func).endswith(("set", "setdefault", "__setitem__", "putenv"))
        ):
            name = _id_name([key.value])
            if name:
                yield from _check_value(node, name, node.args[1], ctx)


DIGITS_SUFFIX = re.compile(r"[-_.]\d{6,}$|[-_.]\d{4}-?\d{2}-?\d{2}|[0-9a-f]{8}-[0-9a-f]{4}-", re.I)


def check_file(file: SourceFile, run: Run) -> Iterator[Finding]:
    if file.kind != "env" or not applies(file):
        return
    stable_values = run.named_values.stable_values
    for entry in envfiles.parse(file.text):
        if not SERVICE_ID_NAME.search(entry.key):
            continue
        stable = stable_values.get(entry.key.upper())
        # Values are secrets: the message names the key, never the value.
        if DIGITS_SUFFIX.search(entry.value) or "$(date" in entry.value:
            message = f"`{entry.key}` carries a timestamp or generated suffix, use one stable id"
        elif stable is not None and entry.value and entry.value != stable:
            message = f"`{entry.key}` differs from its stable value in the named-values index"
        else:
            continue
        yield finding(ID, file, None, message, line=entry.line, end_line=entry.line, column=1)
