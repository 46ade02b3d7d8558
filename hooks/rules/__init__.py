"""The default rule pack: one module per rule.

A rule module has a docstring in ruff's layout (`## What it does`, `## Why is this bad?`,
`## Example`, `## Use instead`, `## Options`, `## Runbook`), which `runbook-guard explain`
prints, and:

- `ID`: the stable rule id; `TITLE`: a short name; `MESSAGE`: the one-line finding message;
  `FIX`: the one-line fix; `SEVERITY`; `KEYWORDS`: words that find the rule's section in a
  team's runbook; `RUNBOOK`: its section in the shipped runbook (`FILE.md#anchor`);
- `SCOPE`: "line" (the finding's line was added), "node" (any line of the node was added),
  "file" (the file was changed) or "repo" (the rule decides from the whole change);
- `FILES`: "python" or "env";
- and one of: `NODES` + `visit(node, ctx)` (run in the engine's single walk of each tree),
  `check_file(file, run)`, or `check_repo(run)`, each yielding `Finding`s.
"""

from __future__ import annotations

import importlib
import os
from functools import cache
from types import ModuleType

SCOPES = ("line", "node", "file", "repo")


@cache
def all_rules() -> dict[str, ModuleType]:
    """Every rule of the default pack, by id, in id order."""
    # a listing of our own folder, not pkgutil.iter_modules: that imports inspect (3 ms a commit)
    names = [n[:-3] for n in os.listdir(__path__[0]) if n.endswith(".py") and n[0] != "_"]
    modules = [importlib.import_module(f"{__name__}.{name}") for name in names]
    return {m.ID: m for m in sorted(modules, key=lambda m: m.ID)}
