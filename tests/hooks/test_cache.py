"""The result cache: a warm run reports exactly what a cold one does, and anything a file's
findings depend on (its content, its scope, other files, the configuration) invalidates it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from runbook_guard.hooks import cache, engine
from tests.helpers import commit, findings, guard, guard_json, stage, write

AWAITS = "async def ensure_ready():\n    return True\n"
CALLER = "from app.bridge import ensure_ready\n\n\ndef start():\n    ensure_ready()\n"


@pytest.fixture
def checked_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the engine really parses and walks (the cache spares the rest)."""
    seen: list[str] = []
    real = engine.check_file

    def counting(file, run, rules):  # type: ignore[no-untyped-def]
        seen.append(file.path)
        return real(file, run, rules)

    monkeypatch.setattr(engine, "check_file", counting)
    return seen


def test_a_warm_run_reports_what_a_cold_one_does_without_checking_again(
    git_repo: Path, checked_files: list[str]
) -> None:
    write(git_repo, "app/a.py", "import os\nURL = os.environ['URL']\n")
    write(git_repo, "app/b.py", "def f(:\n")  # unparseable: its finding must come back too
    stage(git_repo, ".")
    cold = guard("run", "--format", "json")
    assert sorted(checked_files) == ["app/a.py", "app/b.py"]
    checked_files.clear()
    warm = guard("run", "--format", "json")
    assert checked_files == []
    assert warm == cold
    assert [(f["rule"], f["path"]) for f in json.loads(warm[1])["findings"]] == [
        ("no-direct-environ", "app/a.py"),
        ("syntax-error", "app/b.py"),
    ]
    assert guard("run", "--format", "json", "--no-cache") == cold


def test_the_cache_lives_in_the_git_directory_and_leaves_the_work_tree_clean(
    git_repo: Path,
) -> None:
    write(git_repo, "app/a.py", "import os\nURL = os.environ['URL']\n")
    stage(git_repo, ".")
    guard("run")
    assert (git_repo / ".git" / "runbook-guard" / "index.sqlite").is_file()
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=git_repo,
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout.splitlines() == ["A  app/a.py"]


def test_new_content_and_a_new_scope_are_checked_afresh(git_repo: Path) -> None:
    write(git_repo, "app/a.py", "import os\n\n\ndef f():\n    return 1\n")
    stage(git_repo, ".")
    commit(git_repo)
    assert findings() == set()
    write(git_repo, "app/a.py", "import os\n\n\ndef f():\n    return os.getenv('X')\n")
    stage(git_repo, ".")
    assert findings() == {("no-direct-environ", "app/a.py", 5)}
    # the same content, but now every line is in scope
    assert findings("--all-files") == {("no-direct-environ", "app/a.py", 5)}
    write(git_repo, "app/a.py", "import os\n\n\ndef f():\n    return 2\n")
    stage(git_repo, ".")
    assert findings() == set()


def test_an_answer_from_another_file_that_changes_invalidates_the_entry(
    git_repo: Path, checked_files: list[str]
) -> None:
    write(git_repo, "app/bridge.py", AWAITS)
    write(git_repo, "app/start.py", CALLER)
    stage(git_repo, ".")
    assert findings("--all-files") == {("no-unawaited-coroutine", "app/start.py", 5)}
    # start.py is untouched; only what the repository says about `ensure_ready` changes
    write(git_repo, "app/bridge.py", AWAITS.replace("async def", "def"))
    stage(git_repo, ".")
    checked_files.clear()
    assert findings("--all-files") == set()
    assert sorted(checked_files) == ["app/bridge.py", "app/start.py"]
    # an unrelated change leaves start.py's entry valid: it is not checked again
    write(git_repo, "app/other.py", "def unrelated():\n    return 1\n")
    stage(git_repo, ".")
    checked_files.clear()
    assert findings("--all-files") == set()
    assert checked_files == ["app/other.py"]


def test_a_configuration_change_invalidates_every_entry(git_repo: Path) -> None:
    write(git_repo, "app/a.py", "import os\nURL = os.environ['URL']\n")
    stage(git_repo, ".")
    assert findings() == {("no-direct-environ", "app/a.py", 2)}
    write(
        git_repo,
        ".runbook-guard.toml",
        '[environment]\naccessor-modules = ["app/a.py"]\n',
    )
    assert findings() == set()


def test_a_corrupt_or_unwritable_cache_is_no_reason_to_fail(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(git_repo, "app/a.py", "import os\nURL = os.environ['URL']\n")
    stage(git_repo, ".")
    expected = guard_json()
    for stored in (git_repo / ".git" / "runbook-guard").glob("*.marshal"):
        stored.write_bytes(b"\x00not marshal at all")
    assert guard_json() == expected
    blocker = git_repo.parent / "a-file-not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("RUNBOOK_GUARD_CACHE_DIR", str(blocker / "cache"))
    assert guard_json() == expected
    monkeypatch.setenv("RUNBOOK_GUARD_NO_CACHE", "1")
    assert cache.directory(git_repo) is None
    assert guard_json() == expected


def test_a_linked_worktree_keeps_its_cache_in_its_own_git_directory(git_repo: Path) -> None:
    write(git_repo, "app/a.py", "X = 1\n")
    stage(git_repo, ".")
    commit(git_repo)
    subprocess.run(
        ["git", "worktree", "add", "-q", str(git_repo.parent / "wt")], cwd=git_repo, check=True
    )
    folder = cache.directory(git_repo.parent / "wt")
    assert folder is not None
    assert folder.parent == git_repo / ".git" / "worktrees" / "wt"


def test_runbook_links_are_read_again_when_a_runbook_changes(git_repo: Path) -> None:
    write(git_repo, ".runbook-guard.toml", 'runbooks = ["docs/*.md"]\n')
    runbook = "# Runbook\n\n## {title}\n\n**Symptom:** code reads `os.environ` directly.\n"
    write(git_repo, "docs/RUNBOOK.md", runbook.format(title="Direct os.environ access"))
    write(git_repo, "app/a.py", "import os\nURL = os.environ['URL']\n")
    stage(git_repo, ".")

    def link() -> str:
        _, document = guard_json()
        [finding] = [f for f in document["findings"] if f["rule"] == "no-direct-environ"]
        return finding["runbook"]["url"]

    assert link().endswith("docs/RUNBOOK.md#direct-osenviron-access")
    assert link().endswith("docs/RUNBOOK.md#direct-osenviron-access")  # from the cache
    write(git_repo, "docs/RUNBOOK.md", runbook.format(title="Reading os.environ directly"))
    assert link().endswith("docs/RUNBOOK.md#reading-osenviron-directly")
