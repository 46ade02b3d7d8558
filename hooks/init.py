"""`runbook-guard init`: a starter `.runbook-guard.toml` pointing at the team's runbooks, and the
`.pre-commit-config.yaml` snippet pinned to this version."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from runbook_guard.hooks import __version__, git
from runbook_guard.hooks import config as config_module
from runbook_guard.hooks import globs as walk
from runbook_guard.hooks.config import Config
from runbook_guard.hooks.errors import UsageError
from runbook_guard.hooks.links import link_base

REPO_URL = "https://github.com/runbook-guard/runbook-guard"
# the snippet's hooks: not runbook-guard-named-values, whose rules the main hook runs too (both
# would report each of their findings twice)
HOOK_IDS = (
    "runbook-guard",
    "runbook-guard-critical-tests",
    "runbook-guard-links",
)
RUNBOOK_GLOBS = (
    "docs/runbooks/*.md",
    "runbooks/*.md",
    "checklists/*.md",
    "docs/checklists/*.md",
    "*RUNBOOK*.md",
    "docs/*RUNBOOK*.md",
)
CHECKLIST_GLOBS = (
    "reports/DEFINITION_OF_DONE*.md",
    "docs/DEFINITION_OF_DONE*.md",
    "DEFINITION_OF_DONE*.md",
)
NAMED_VALUES_GLOBS = (
    "SPEC/MISSION_CRITICAL_NAMED_VALUES_INDEX.xml",
    "docs/MISSION_CRITICAL_NAMED_VALUES_INDEX.xml",
)


def _found(root: Path, globs: tuple[str, ...]) -> list[tuple[str, int]]:
    """(glob, number of files) for each glob that names at least one file."""
    out = []
    for glob in globs:
        files = walk.files(str(root), glob)
        if files:
            out.append((glob, len(files)))
    return out


def _first(root: Path, globs: tuple[str, ...]) -> str | None:
    for glob in globs:
        for name in walk.files(str(root), glob):
            if not {"node_modules", ".venv"} & set(name.split("/")):
                return name
    return None


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def starter_config(root: Path) -> tuple[str, list[tuple[str, int]]]:
    """The text of a starter `.runbook-guard.toml`, and the runbook globs it names."""
    runbooks = _found(root, RUNBOOK_GLOBS)
    lines = ["# runbook-guard configuration (https://github.com/runbook-guard/runbook-guard)"]
    if runbooks:
        lines.append("runbooks = [" + ", ".join(_quote(g) for g, _ in runbooks) + "]")
    else:
        lines += [
            "# No runbooks found: the runbook shipped with runbook-guard is used. Point this at",
            '# yours (their grep "How to Check" commands become rules):',
            '# runbooks = ["docs/runbooks/*.md"]',
        ]
    derived = link_base(root, Config(root))
    lines += [
        "# How runbook paths become links in findings, the bot's comments and SARIF:",
        f"link-base = {_quote(derived)}"
        if derived
        else '# link-base = "https://github.com/ORG/REPO/blob/main/"  (unset: from the `origin`'
        " remote, or GITHUB_SERVER_URL/GITHUB_REPOSITORY in Actions, when there is one)",
        'select = ["ALL"]',
        "ignore = []",
    ]
    checklist = _first(root, CHECKLIST_GLOBS)
    if checklist:
        lines += ["", "[bot]", f"definition-of-done = {_quote(checklist)}"]
    index = _first(root, NAMED_VALUES_GLOBS)
    if index:
        lines += ["", "[named-values]", f"index = {_quote(index)}"]
    return "\n".join(lines) + "\n", runbooks


def precommit_snippet() -> str:
    hooks = "\n".join(f"      - id: {hook_id}" for hook_id in HOOK_IDS)
    return f"repos:\n  - repo: {REPO_URL}\n    rev: v{__version__}\n    hooks:\n{hooks}\n"


def init(force: bool = False) -> int:
    """Write `.runbook-guard.toml` at the repository root and print the pre-commit snippet."""
    try:
        root = git.repo_root()
    except UsageError:
        root = Path.cwd()
    target = root / config_module.CONFIG_FILE
    if target.is_symlink():  # a cloned repository's link could point anywhere: never follow it
        raise UsageError(
            f"{config_module.CONFIG_FILE} is a symbolic link; remove it first, init writes "
            "only a file of its own"
        )
    if target.exists() and not force:
        raise UsageError(
            f"{config_module.CONFIG_FILE} already exists; run `runbook-guard init --force` "
            "to overwrite it"
        )
    text, runbooks = starter_config(root)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | (0 if force else os.O_EXCL)
    try:
        with open(os.open(target, flags, 0o644), "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as e:
        raise UsageError(f"cannot write {config_module.CONFIG_FILE}: {e.strerror}") from None
    config_module.load(root, target)  # what we wrote must load
    found = ", ".join(f"{glob} ({n} file{'s' if n > 1 else ''})" for glob, n in runbooks)
    print(f"wrote {config_module.CONFIG_FILE}: runbooks {found or 'none found (shipped runbook)'}")
    print("\nAdd this to .pre-commit-config.yaml:\n")
    sys.stdout.write(precommit_snippet())
    print("\nThen run `runbook-guard check-links` to see how every rule links into your runbooks.")
    return 0
