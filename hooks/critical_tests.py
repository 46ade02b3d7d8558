"""`runbook-guard critical-tests`: run the configured critical tests for the staged paths.

`[tool.runbook-guard.critical-tests]` maps a path glob to a command. Each command whose glob
matches a staged path runs once, from the repository root, without a shell (the command is split
with shlex, so quoting works and nothing is interpolated). Its output is shown only when it fails.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from hooks import config as config_module
from hooks import engine, git
from hooks.context import path_matches
from hooks.errors import ConfigError


def commands_for(
    paths: Sequence[str], critical_tests: dict[str, str]
) -> list[tuple[str, list[str]]]:
    """(command, the paths that triggered it), each command once, in configuration order."""
    chosen: dict[str, list[str]] = {}
    for pattern, command in critical_tests.items():
        matched = [p for p in paths if path_matches(p, [pattern])]
        if matched:
            chosen.setdefault(command, []).extend(matched)
    return list(chosen.items())


def run_critical_tests(files: Sequence[str], *, config_path: str | None = None) -> int:
    root = git.repo_root()
    config = config_module.load(root, Path(config_path) if config_path else None)
    paths = engine.relative_paths(root, files) or [c.path for c in git.staged_changes(root)]
    failed = 0
    for command, triggered in commands_for(paths, config.critical_tests):
        try:
            argv = shlex.split(command)
        except ValueError as e:
            raise ConfigError(f"critical-tests: cannot split {command!r}: {e}") from None
        shown = ", ".join(triggered[:3]) + (" ..." if len(triggered) > 3 else "")
        print(f"runbook-guard: critical tests for {shown}: {command}", flush=True)
        try:
            proc = subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)
        except FileNotFoundError:
            print(f"runbook-guard: {argv[0]}: command not found", file=sys.stderr)
            failed += 1
            continue
        if proc.returncode != 0:
            failed += 1
            sys.stdout.write(proc.stdout)
            sys.stderr.write(proc.stderr)
            print(f"runbook-guard: FAILED ({proc.returncode}): {command}", flush=True)
    return 1 if failed else 0
