"""`runbook-guard critical-tests`: run the configured critical tests for the staged paths.

`[tool.runbook-guard.critical-tests]` maps a path glob to a command. Each command whose glob
matches a staged path runs once, from the repository root, without a shell (the command is split
with shlex, so quoting works and nothing is interpolated). Its output is shown only when it fails.

The command runs in the project's environment, not the hook's: under pre-commit, the hook's own
virtualenv (which has runbook-guard and nothing of the project) is taken off `PATH`, and the
project's `.venv`/`venv` is put first when no virtualenv of the user's is active. So
`python -m pytest tests/critical` finds the project's pytest and packages.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from runbook_guard.hooks import config as config_module
from runbook_guard.hooks import engine, git
from runbook_guard.hooks.context import path_matches
from runbook_guard.hooks.errors import ConfigError
from runbook_guard.hooks.secrets import redact


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


def project_environment(root: Path, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment to run a critical test in: ours, minus pre-commit's hook virtualenv,
    plus the project's virtualenv when the user has none active."""
    env = dict(os.environ if environ is None else environ)
    hook_venv = env.get("VIRTUAL_ENV") if env.get("PRE_COMMIT") else None
    path = env.get("PATH", "").split(os.pathsep)
    if hook_venv and os.path.realpath(hook_venv) == os.path.realpath(sys.prefix):
        inside = os.path.realpath(hook_venv) + os.sep
        path = [p for p in path if not os.path.realpath(p).startswith(inside)]
        del env["VIRTUAL_ENV"]
    if "VIRTUAL_ENV" not in env and not _venv_first(path):
        for name in (".venv", "venv"):
            project = root / name
            if (project / "pyvenv.cfg").is_file():
                path.insert(0, str(project / ("Scripts" if os.name == "nt" else "bin")))
                env["VIRTUAL_ENV"] = str(project)
                break
    env["PATH"] = os.pathsep.join(path)
    return env


def _venv_first(path: list[str]) -> bool:
    """Is the first `python` on this PATH a virtualenv's (one the user activated)?"""
    for folder in path:
        if folder and os.path.isfile(os.path.join(folder, "python")):
            return os.path.isfile(os.path.join(os.path.dirname(folder), "pyvenv.cfg"))
    return False


def run_critical_tests(files: Sequence[str], *, config_path: str | None = None) -> int:
    root = git.repo_root()
    config = config_module.load(root, Path(config_path) if config_path else None)
    paths = engine.relative_paths(root, files) or [c.path for c in git.staged_changes(root)]
    failed = 0
    environment = project_environment(root)
    for command, triggered in commands_for(paths, config.critical_tests):
        try:
            argv = shlex.split(command)
        except ValueError as e:
            raise ConfigError(f"critical-tests: cannot split {command!r}: {e}") from None
        shown = ", ".join(triggered[:3]) + (" ..." if len(triggered) > 3 else "")
        print(redact(f"runbook-guard: critical tests for {shown}: {command}"), flush=True)
        try:
            proc = subprocess.run(
                argv, cwd=root, env=environment, capture_output=True, text=True, check=False
            )
        except FileNotFoundError:
            print(f"runbook-guard: {redact(argv[0])}: command not found", file=sys.stderr)
            failed += 1
            continue
        if proc.returncode != 0:
            failed += 1
            # a test's output is the likeliest place for a secret to show: CI logs are public
            sys.stdout.write(redact(proc.stdout))
            sys.stderr.write(redact(proc.stderr))
            print(f"runbook-guard: FAILED ({proc.returncode}): {redact(command)}", flush=True)
    return 1 if failed else 0
