"""## What it does
Checks for hard-coded fallbacks for configuration: a host, URL, connection string, port or
credential given as the default of `os.getenv(...)`, `os.environ.get(...)` or a config
accessor's `.get("NAME", ...)`, as the last operand of `value or "http://localhost…"`, or returned
from a broad `except` in place of the configured value.

## Why is this bad?
A fallback nobody designed turns "the configuration is missing" into "the service quietly talks
to localhost", or to the wrong environment's database. The failure moves from start-up, where it
is loud and cheap, to production traffic, where it is silent and expensive.

## Example
```python
REDIS_URL = env.get("REDIS_URL", "redis://localhost:6379/0")
api_base = settings.api_url or "http://localhost:8000"
```

## Use instead
```python
REDIS_URL = env.get("REDIS_URL")
if not REDIS_URL:
    raise RuntimeError("REDIS_URL is not configured")
```

## Options
None. Harmless designed defaults (log levels, feature switches, empty strings, numbers that are
not ports) are not reported; hosts, URLs, DSNs, ports and secret-looking values are.

## Runbook
Prevention strategy: never add a fallback without an explicit design.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from hooks.context import NodeContext, finding, node_name
from hooks.findings import Finding

ID = "no-undesigned-fallback"
TITLE = "Undesigned configuration fallback"
MESSAGE = "hard-coded fallback for configuration, fail loudly when the value is missing"
FIX = "Remove the fallback and raise a clear error when the setting is missing."
SEVERITY = "error"
SCOPE = "node"
FILES = "python"
KEYWORDS = (
    "fallbacks",
    "never add fallbacks without explicit design",
    "default",
    "localhost",
    "hardcoded",
)
RUNBOOK = "COMMON_MISTAKES.md#fallback-nobody-designed"

NODES = (ast.Call, ast.BoolOp, ast.ExceptHandler)
CONFIG_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")
SECRET_KEY = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CLIENT_ID|CREDENTIAL")
HOSTLIKE = re.compile(
    r"^[a-z][a-z0-9+.-]*://|localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|"
    r"^[\w.-]+\.(internal|local|com|net|io|ai|org|cloud)(:\d+)?(/|$)|:\d{2,5}(/|$)",
    re.I,
)
ENDPOINT_NAME = re.compile(r"url|uri|host|dsn|endpoint|address|addr|server|origin|database", re.I)


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    return None


def _is_fallback_value(value: str, key: str) -> bool:
    if not value.strip():
        return False
    if HOSTLIKE.search(value):
        return True
    return bool(SECRET_KEY.search(key))


def _getter(call: ast.Call) -> tuple[str, ast.AST] | None:
    """(key, default) of `os.getenv("KEY", d)` / `x.get("KEY", d)` with an UPPER_CASE key."""
    name = node_name(call.func)
    if name not in ("getenv", "get", "get_env", "get_setting", "environ_get"):
        return None
    default = (
        call.args[1]
        if len(call.args) >= 2
        else next((k.value for k in call.keywords if k.arg in ("default", "fallback")), None)
    )
    key = _literal(call.args[0]) if call.args else None
    if default is None or key is None or not CONFIG_KEY.match(key):
        return None
    return key, default


def _is_default_return(value: ast.AST | None) -> bool:
    """`return "http://localhost"` or `return DEFAULT_URL` (an UPPER_CASE default constant)."""
    literal = _literal(value)
    if literal:
        return bool(HOSTLIKE.search(literal))
    name = node_name(value) if isinstance(value, (ast.Name, ast.Attribute)) else ""
    return bool(CONFIG_KEY.match(name)) and ("DEFAULT" in name or "FALLBACK" in name)


def _target_name(ctx: NodeContext) -> str:
    for node in reversed(ctx.stack):
        if isinstance(node, ast.Assign):
            return " ".join(ast.unparse(t) for t in node.targets)
        if isinstance(node, (ast.AnnAssign, ast.keyword)):
            return ast.unparse(node.target) if isinstance(node, ast.AnnAssign) else node.arg or ""
        if isinstance(node, ast.stmt):
            return ""
    return ""


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    if ctx.file.is_test:
        return
    if isinstance(node, ast.Call):
        found = _getter(node)
        if found is not None:
            key, default = found
            value = _literal(default)
            if value is not None and _is_fallback_value(value, key):
                yield finding(
                    ID,
                    ctx.file,
                    node,
                    f"hard-coded fallback for `{key}`, fail loudly when it is missing",
                )
    elif isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) >= 2:
        value = _literal(node.values[-1])
        subject = " ".join(ast.unparse(v) for v in node.values[:-1]) + " " + _target_name(ctx)
        if value and HOSTLIKE.search(value) and ENDPOINT_NAME.search(subject):
            yield finding(
                ID,
                ctx.file,
                node,
                "hard-coded fallback after `or`, fail loudly when the setting is missing",
            )
    elif isinstance(node, ast.ExceptHandler):
        for stmt in node.body:
            if isinstance(stmt, ast.Return) and _is_default_return(stmt.value):
                yield finding(
                    ID,
                    ctx.file,
                    stmt,
                    "hard-coded fallback returned from `except`, let the configuration error show",
                )
