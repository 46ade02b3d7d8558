"""## What it does
Checks for a module inside one service's package importing another service's package
(`import auth_service...`, `from auth_service.core import x`, `importlib.import_module(
"auth_service...")`) instead of the shared packages.

## Why is this bad?
Services that import each other cannot be built, deployed or restarted alone: a change in one
breaks the other's start-up, and import cycles appear that only show in production. Code both
services need belongs in the shared package.

## Example
```python
# netra_backend/app/auth.py
from auth_service.auth_core.tokens import validate_token
```

## Use instead
```python
# netra_backend/app/auth.py
from shared.auth.tokens import validate_token
```

## Options
- `services`: service name = its top-level package; list values are the shared packages every
  service may import. When none are configured, top-level packages named like services
  (`*_service`, `*_backend`, `*_api`, `*_worker`, `*_gateway`) are the services and `shared`,
  `common`, `libs` the shared ones.

## Runbook
Cross-service direct imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from runbook_guard.hooks.context import NodeContext, Run, finding
from runbook_guard.hooks.findings import Finding
from runbook_guard.hooks.summary import node_name

ID = "no-cross-service-imports"
TITLE = "Cross-service direct imports"
MESSAGE = "a service imports another service's package, import from the shared package instead"
FIX = "Move the code both services need into the shared package and import it from there."
SEVERITY = "error"
SCOPE = "node"
FILES = "python"
KEYWORDS = (
    "cross-service",
    "imports",
    "services importing from each other",
    "circular dependencies",
    "shared",
)
RUNBOOK = "COMMON_MISTAKES.md#importing-another-services-package"
# what this rule's concern looks like in a runbook title or grep pattern: the runbook's
# own grep commands about it are superseded by this rule (hooks/runbook_rules.py)
COVERS = r"(?i)cross[- ]service"

NODES = (ast.Import, ast.ImportFrom, ast.Call)


def wants(text: str, run: Run) -> bool:
    """Only a module that names another service's package can import it."""
    packages = run.services.packages
    return any(p.strip("/").replace("/", ".") in text for p in packages.values())


def nodes(text: str) -> tuple[type[ast.AST], ...]:
    """The import statements, and the calls only where a module imports by name: a walk of
    the statements alone is a fraction of one through every expression."""
    if "import_module" in text or "__import__" in text:
        return NODES
    return (ast.Import, ast.ImportFrom)


def _owner(path: str, packages: dict[str, str]) -> str | None:
    for name, package in packages.items():
        prefix = package.strip("/").replace(".", "/") + "/"
        if path.startswith(prefix):
            return name
    return None


def _target(module: str, packages: dict[str, str]) -> str | None:
    for name, package in packages.items():
        dotted = package.strip("/").replace("/", ".")
        if module == dotted or module.startswith(dotted + "."):
            return name
    return None


def _modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    if (
        isinstance(node, ast.Call)
        and node_name(node.func) in ("import_module", "__import__")
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return [node.args[0].value]
    return []


def visit(node: ast.AST, ctx: NodeContext) -> Iterator[Finding]:
    packages = ctx.run.services.packages
    if not packages:
        return
    owner = _owner(ctx.file.path, packages)
    if owner is None:
        return
    for module in _modules(node):
        target = _target(module, packages)
        if target is not None and target != owner:
            yield finding(
                ID,
                ctx.file,
                node,
                f"`{owner}` imports `{module}` from the `{target}` service, "
                "import from the shared package instead",
            )
            return
