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
None. Reported: local hosts (`localhost`, `127.0.0.1`, `*.internal`, `*.local`), URLs and DSNs
of the team's own hosts, and any literal default of a credential (`*_PASSWORD`, `*_SECRET`,
`*_TOKEN`, `*_API_KEY`). Not reported: designed defaults such as log levels, feature switches,
numbers, `0.0.0.0` as a bind address and the documented endpoints of public services
(`https://api.github.com`, `https://accounts.google.com/...`); defaults of test settings
(`TEST_*`, `E2E_*`); and code that does not run deployed: tests, test infrastructure (folders
named `test*`, such as `test_framework/`), branches designed for development or tests (inside
`if environment == "development":`, a `DevConfig` class, a `dev_url` variable), scripts with an
`if __name__ == "__main__":` block,
and, when the repository names its services, everything outside the services and the shared
packages (dev launchers, tools).

## Runbook
Prevention strategy: never add a fallback without an explicit design.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from runbook_guard.hooks.context import NodeContext, Run, SourceFile, finding, in_test_folder
from runbook_guard.hooks.findings import Finding
from runbook_guard.hooks.summary import node_name

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
# what this rule's concern looks like in a runbook title or grep pattern: the runbook's
# own grep commands about it are superseded by this rule (hooks/runbook_rules.py)
COVERS = r"(?i)\bfallbacks?\b"

NODES = (ast.Call, ast.BoolOp, ast.ExceptHandler)
# What a fallback this rule reports has somewhere in its text: a local or remote host, a port, a
# credential's key, a default constant. A module without any needs no walk of its expressions.
MAY_FALL_BACK = re.compile(
    r"localhost|127\.0\.0\.1|::1|://|\.(?:internal|local|com|net|io|ai|org|cloud)\b"
    r"|:\d{2,5}[\"'/]|SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CLIENT_ID|CREDENTIAL"
    r"|DEFAULT|FALLBACK"
)


def wants(text: str, run: Run) -> bool:
    return MAY_FALL_BACK.search(text) is not None


CONFIG_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")
# A credential's key ends in one of these (`JWT_SECRET_KEY`, `DB_PASSWORD`; not
# `ACCESS_TOKEN_EXPIRE_MINUTES`, whose default is a designed number).
SECRET_KEY = re.compile(
    r"(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CLIENT_ID|CREDENTIALS?)(_KEY)?$"
)
# Keys of test infrastructure: their local defaults are designed for the test run.
TEST_KEY = re.compile(r"(^|_)(TEST|TESTS|E2E|CYPRESS|PYTEST)(_|$)")
LOCAL = re.compile(r"localhost|127\.0\.0\.1|\[::1\]|\.local(:\d+)?(/|$)|\.internal(:\d+)?(/|$)")
BIND_KEY = re.compile(r"(^|_)(HOST|BIND|LISTEN)(_ADDR|_ADDRESS)?$")
# Public services whose documented endpoint is the same for everyone: a designed default.
PUBLIC_DOMAINS = (
    "google.com",
    "googleapis.com",
    "github.com",
    "gitlab.com",
    "openai.com",
    "anthropic.com",
    "sendgrid.net",
    "gmail.com",
    "slack.com",
    "stripe.com",
    "sentry.io",
    "langchain.com",
    "microsoft.com",
    "microsoftonline.com",
    "amazonaws.com",
    "pypi.org",
)
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
    value = value.strip()
    if not value or TEST_KEY.search(key):
        return False
    if SECRET_KEY.search(key):
        return not re.fullmatch(r"-?\d+|true|false|none|null", value, re.I)
    if value.startswith("0.0.0.0") and BIND_KEY.search(key):
        return False  # listen on every interface: what a server in a container is meant to do
    if LOCAL.search(value):
        return True
    if not HOSTLIKE.search(value):
        return False
    return not _is_public(value)


def _is_public(value: str) -> bool:
    host = value.split("://", 1)[-1].split("/", 1)[0].split("@")[-1].split(":")[0].lower()
    return host.endswith(PUBLIC_DOMAINS)


def applies(file: SourceFile) -> bool:
    """Deployed code only: not tests or test infrastructure (`test_framework/`), whose local
    defaults are designed for the test run."""
    return not file.is_test and not in_test_folder(file.path)


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


LOCAL_WORDS = re.compile(r"^(dev|development|local|test|testing|docker)$", re.I)
LOCAL_NAME = re.compile(
    r"(^|_)(dev|development|local|test|testing|docker)(_|$)|^(Dev|Local|Test)[A-Z]"
)


def _in_local_branch(node: ast.AST, ctx: NodeContext) -> bool:
    """Is the fallback the design of a development or test branch? Inside the branch that
    `if environment == "development":` takes (not its `else`), a `DevClickHouseConfig` class or
    a `dev_redirect_uri` variable."""
    path = [*ctx.stack, node]
    for i, ancestor in enumerate(ctx.stack):
        if isinstance(ancestor, ast.If) and _names_local(ancestor.test):
            child = path[i + 1]
            in_body = any(statement is child for statement in ancestor.body)
            if in_body != _negated(ancestor.test):
                return True
        elif isinstance(
            ancestor, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
        ) and LOCAL_NAME.search(ancestor.name):
            return True
    return bool(LOCAL_NAME.search(_target_name(ctx).split(".")[-1]))


def _names_local(test: ast.expr) -> bool:
    return any(
        isinstance(n, ast.Constant) and isinstance(n.value, str) and LOCAL_WORDS.match(n.value)
        for n in ast.walk(test)
    )


def _negated(test: ast.expr) -> bool:
    """`env != "development"` / `env not in ("dev", "test")`: the body is the other branch."""
    return (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], (ast.NotEq, ast.NotIn, ast.IsNot))
    ) or (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not))


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    if not ctx.in_deployed_code() or _in_local_branch(node, ctx):
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
        if value and _is_fallback_value(value, "") and ENDPOINT_NAME.search(subject):
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
