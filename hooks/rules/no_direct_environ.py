"""## What it does
Checks for `os.environ[...]`, `os.environ.get(...)`, `os.getenv(...)` (and `os.putenv`,
`os.unsetenv`) and `from os import environ` outside the configured accessor modules.

## Why is this bad?
When every module reads the process environment itself, nothing decides which value wins:
a config change does not take effect, a test's override leaks into the next test, and one
environment's variable is read in another. The team's accessor (for example
`IsolatedEnvironment`) is the one place that knows the environment's rules; code that goes
around it is where "the config change didn't take" incidents come from.

## Example
```python
import os

database_url = os.environ["DATABASE_URL"]
debug = os.getenv("DEBUG", "0")
```

## Use instead
```python
from shared.isolated_environment import IsolatedEnvironment

env = IsolatedEnvironment()
database_url = env.get("DATABASE_URL")
```

## Options
- `environment.accessor-modules`: the only files allowed to touch `os.environ`.

## Runbook
Direct os.environ access: bypassing the environment accessor.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from runbook_guard.hooks.context import NodeContext, Run, finding, path_matches
from runbook_guard.hooks.findings import Finding

ID = "no-direct-environ"
TITLE = "Direct os.environ access"
MESSAGE = "direct `os.environ` access, read configuration through the environment accessor"
FIX = "Read the value through the accessor module (e.g. `IsolatedEnvironment().get(...)`)."
SEVERITY = "error"
SCOPE = "node"
FILES = "python"
KEYWORDS = ("os.environ", "os.getenv", "environ", "IsolatedEnvironment", "bypassing", "env access")
RUNBOOK = "COMMON_MISTAKES.md#reading-osenviron-directly"
# what this rule's concern looks like in a runbook title or grep pattern: the runbook's
# own grep commands about it are superseded by this rule (hooks/runbook_rules.py)
COVERS = r"(?i)os\W{0,2}(environ|getenv)|direct (os\.)?environ"

NODES = (ast.Attribute, ast.Call, ast.ImportFrom)
ENVIRON_FUNCTIONS = frozenset({"getenv", "putenv", "unsetenv", "getenvb"})


# `environ` as a word: `environment` (IsolatedEnvironment, get_environment) is in most modules
# of a repository with an environment accessor, and names nothing this rule reports. The
# pattern starts with its literal, which the regex engine searches for fast.
ENVIRON_WORD = re.compile(r"environb?(?!\w)")


def wants(text: str, run: Run) -> bool:
    """A module that never names the environment needs no walk of its expressions."""
    if "getenv" in text or "putenv" in text or "unsetenv" in text:
        return True
    for match in ENVIRON_WORD.finditer(text):
        before = text[match.start() - 1] if match.start() else " "
        if not (before.isalnum() or before == "_"):
            return True
    return False


def _is_os(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "os"


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    if path_matches(ctx.file.path, ctx.config.environment.accessor_modules):
        return
    if (
        isinstance(node, ast.Attribute)
        and node.attr in ("environ", "environb")
        and _is_os(node.value)
    ):
        yield finding(ID, ctx.file, node, MESSAGE)
    elif isinstance(node, ast.Call):
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in ENVIRON_FUNCTIONS
            and _is_os(func.value)
        ):
            yield finding(
                ID,
                ctx.file,
                node,
                f"`os.{func.attr}()` reads the environment directly, "
                "read configuration through the environment accessor",
            )
    elif isinstance(node, ast.ImportFrom) and node.module == "os" and node.level == 0:
        for alias in node.names:
            if alias.name in ("environ", "environb", "getenv"):
                yield finding(
                    ID,
                    ctx.file,
                    node,
                    f"`from os import {alias.name}` bypasses the "
                    "environment accessor, import the accessor instead",
                )
