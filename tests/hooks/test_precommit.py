"""The hooks through the real pre-commit (`pre-commit try-repo` against this checkout)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.helpers import SHARED_DATA, commit, need_shared, stage, write

CHECKOUT = Path(__file__).resolve().parents[2]
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"


def test_hooks_manifest_is_valid() -> None:
    need_shared()
    schema = json.loads((SHARED_DATA / "schemas" / "pre-commit-hooks.json").read_text())
    manifest = yaml.safe_load((CHECKOUT / ".pre-commit-hooks.yaml").read_text())
    jsonschema.validate(manifest, schema)
    assert [h["id"] for h in manifest] == [
        "runbook-guard",
        "runbook-guard-named-values",
        "runbook-guard-critical-tests",
        "runbook-guard-links",
    ]
    assert all(h.get("require_serial") for h in manifest)


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One hook environment per test session: pre-commit installs this checkout once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def try_repo(git_repo: Path, pre_commit_home: Path) -> Iterator[object]:
    def run(hook: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
        environment = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), **(env or {})}
        proc = subprocess.run(
            [str(PRE_COMMIT), "try-repo", str(CHECKOUT), hook, "--color", "never", *args],
            cwd=git_repo,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        return proc.returncode, proc.stdout + proc.stderr

    yield run


def _mistake(root: Path) -> None:
    write(root, "app/__init__.py", "")
    write(root, "app/settings.py", "PORT = 8000\n")
    stage(root, ".")
    commit(root, "base")
    write(root, "app/settings.py", 'import os\n\nPORT = os.environ["PORT"]\n')
    stage(root, "app/settings.py")


def test_try_repo_blocks_a_staged_mistake(git_repo: Path, try_repo) -> None:  # type: ignore[no-untyped-def]
    _mistake(git_repo)
    code, output = try_repo("runbook-guard")
    assert code == 1, output
    assert "app/settings.py:3:8: no-direct-environ" in output
    assert "runbook: " in output


def test_try_repo_passes_a_clean_commit(git_repo: Path, try_repo) -> None:  # type: ignore[no-untyped-def]
    write(git_repo, "app/clean.py", "def add(a, b):\n    return a + b\n")
    stage(git_repo, ".")
    code, output = try_repo("runbook-guard")
    assert code == 0, output


def test_skip_accepts_rule_ids(git_repo: Path, try_repo) -> None:  # type: ignore[no-untyped-def]
    _mistake(git_repo)
    code, output = try_repo("runbook-guard", env={"SKIP": "no-direct-environ"})
    assert code == 0, output


def test_pre_push_checks_the_pushed_range(git_repo: Path, try_repo) -> None:  # type: ignore[no-untyped-def]
    write(git_repo, "app/base.py", "X = 1\n")
    stage(git_repo, ".")
    base = commit(git_repo, "base")
    write(git_repo, "app/pushed.py", "import os\nY = os.getenv('Y')\n")
    stage(git_repo, ".")
    head = commit(git_repo, "pushed")
    code, output = try_repo(
        "runbook-guard", "--hook-stage", "pre-push", "--from-ref", base, "--to-ref", head
    )
    assert code == 1, output
    assert "app/pushed.py:2:5: no-direct-environ" in output


DOCS_RUNBOOK = """\
# Checks

### Doubled words in the docs
**How to Check**:
```bash
grep -rnEi "\\b([a-z]+) \\1\\b" --include="*.md" docs/
```
"""


def test_the_main_hook_passes_the_files_a_runbook_command_searches(
    git_repo: Path, try_repo
) -> None:  # type: ignore[no-untyped-def]
    write(git_repo, "docs/runbooks/CHECKS.md", DOCS_RUNBOOK)
    write(git_repo, ".runbook-guard.toml", 'runbooks = ["docs/runbooks/*.md"]\n')
    write(git_repo, "docs/guide.md", "# Guide\n")
    stage(git_repo, ".")
    commit(git_repo, "base")
    write(git_repo, "docs/guide.md", "# Guide\n\nthe the cat\n")
    write(git_repo, "docs/logo.png", b"\x89PNG\r\n\x1a\n\0the the\n")  # binary: not passed
    stage(git_repo, ".")
    code, output = try_repo("runbook-guard")
    assert code == 1, output
    assert "docs/guide.md:3:1: runbook:doubled-words-in-the-docs" in output
    assert "logo.png" not in output


def test_pre_commit_run_all_files_checks_every_file_whole(git_repo: Path, try_repo) -> None:  # type: ignore[no-untyped-def]
    write(git_repo, "app/worker.py", 'import os\n\nTOKEN = os.environ["TOKEN"]\n')
    write(git_repo, "app/clean.py", "X = 1\n")
    stage(git_repo, ".")
    commit(git_repo, "a violation already committed")
    code, output = try_repo("runbook-guard", "--all-files")
    assert code == 1, output
    assert "app/worker.py:3:9: no-direct-environ" in output
    code, output = try_repo("runbook-guard", "--files", "app/clean.py")
    assert code == 0, output
    code, output = try_repo("runbook-guard", "--files", "app/worker.py")
    assert code == 1, output


def test_critical_tests_run_in_the_projects_environment(git_repo: Path, try_repo) -> None:  # type: ignore[no-untyped-def]
    """pre-commit runs the hook in its own virtualenv; the configured command must find the
    project's packages (here a module only the project's `.venv` has), not the hook's."""
    venv = git_repo / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    [site] = venv.glob("lib/python3*/site-packages")
    (site / "project_only.py").write_text("READY = True\n")
    write(git_repo, ".gitignore", ".venv/\n")
    write(
        git_repo,
        ".runbook-guard.toml",
        '[critical-tests]\n"app/**" = "python -c \'import project_only\'"\n',
    )
    write(git_repo, "app/billing.py", "X = 1\n")
    stage(git_repo, ".")
    code, output = try_repo("runbook-guard-critical-tests")
    assert code == 0, output
    (site / "project_only.py").unlink()  # the same command fails when the module is not there
    code, output = try_repo("runbook-guard-critical-tests")
    assert code == 1 and "No module named 'project_only'" in output, output
