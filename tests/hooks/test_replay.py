"""A run whose inputs did not change replays its report; any change to an input runs it afresh.

Each test runs runbook-guard twice in fresh processes on a real repository, changes one input
(or nothing) in between, and looks at the second run: the same output and exit code as a run
without any cache, and whether it was replayed (a replayed run never imports the engine).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from runbook_guard.hooks import git as hook_git
from runbook_guard.hooks import replay
from tests.helpers import commit, guard_process, stage, write

MISTAKE = "import os\nX = os.environ['A']\n"


def _age(repo: Path, *paths: str) -> None:
    """Date files a minute back: a file written just before a run is not trusted to be the
    one the run read (hooks/replay.py, RACY_NS)."""
    old = time.time() - 60
    for path in paths:
        os.utime(repo / path, (old, old))


def _second_run(
    repo: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str, str, bool]:
    """(exit code, out, err, replayed) of a run, checked against the same run without caches."""
    code, out, err, modules = guard_process(repo, *args, env=env)
    fresh = guard_process(repo, *args, env={**(env or {}), "RUNBOOK_GUARD_NO_CACHE": "1"})
    assert (code, out, err) == fresh[:3]
    return code, out, err, "runbook_guard.hooks.engine" not in modules


@pytest.fixture
def staged_mistake(git_repo: Path) -> Path:
    write(git_repo, "app/service.py", MISTAKE)
    stage(git_repo, ".")
    guard_process(git_repo, "run")
    return git_repo


def test_nothing_changed_replays_the_report(staged_mistake: Path) -> None:
    code, out, _, replayed = _second_run(staged_mistake, "run")
    assert replayed
    assert code == 1 and "app/service.py:2:5: no-direct-environ" in out


def test_a_clean_run_replays_its_exit_code(git_repo: Path) -> None:
    write(git_repo, "app/fine.py", "X = 1\n")
    stage(git_repo, ".")
    guard_process(git_repo, "run")
    code, out, _, replayed = _second_run(git_repo, "run")
    assert replayed and code == 0 and "no-" not in out


def test_a_staged_edit_runs_afresh(staged_mistake: Path) -> None:
    write(staged_mistake, "app/service.py", "X = 1\n")
    stage(staged_mistake, ".")
    code, out, _, replayed = _second_run(staged_mistake, "run")
    assert not replayed and code == 0 and "no-direct-environ" not in out


def test_an_unstaged_edit_changes_nothing_the_hook_reads(staged_mistake: Path) -> None:
    write(staged_mistake, "app/service.py", "X = 1\n")  # the index still holds the mistake
    code, out, _, replayed = _second_run(staged_mistake, "run")
    assert replayed and code == 1 and "no-direct-environ" in out


def test_a_new_configuration_runs_afresh(staged_mistake: Path) -> None:
    write(staged_mistake, ".runbook-guard.toml", 'ignore = ["no-direct-environ"]\n')
    _age(staged_mistake, ".runbook-guard.toml")
    code, _, _, replayed = _second_run(staged_mistake, "run")
    assert not replayed and code == 0
    # and that run, its configuration old enough to be trusted, is replayed next time
    assert _second_run(staged_mistake, "run")[3]


def test_a_configuration_written_as_the_run_starts_is_not_trusted(staged_mistake: Path) -> None:
    write(staged_mistake, ".runbook-guard.toml", 'ignore = ["no-direct-environ"]\n')
    guard_process(staged_mistake, "run")
    code, _, _, replayed = _second_run(staged_mistake, "run")
    assert not replayed and code == 0


def test_the_environment_a_run_reads_is_an_input(staged_mistake: Path) -> None:
    code, _, _, replayed = _second_run(staged_mistake, "run", env={"SKIP": "no-direct-environ"})
    assert not replayed and code == 0
    assert not _second_run(staged_mistake, "run", env={"NO_COLOR": "1"})[3]


def test_other_arguments_are_another_run(staged_mistake: Path) -> None:
    assert not _second_run(staged_mistake, "run", "--format", "json")[3]
    assert _second_run(staged_mistake, "run", "--format", "json")[3]
    assert not _second_run(staged_mistake, "run", "app/service.py")[3]


@pytest.mark.parametrize(
    "options", [["--all-files"], ["--no-cache"], ["--output", "report.txt"], ["--all"]]
)
def test_options_that_read_or_write_elsewhere_never_replay(
    staged_mistake: Path, options: list[str]
) -> None:
    guard_process(staged_mistake, "run", *options)
    _, _, _, modules = guard_process(staged_mistake, "run", *options)
    assert "runbook_guard.hooks.engine" in modules


def test_a_ref_range_is_never_replayed(staged_mistake: Path) -> None:
    env = {"PRE_COMMIT_FROM_REF": "HEAD", "PRE_COMMIT_TO_REF": "HEAD"}
    guard_process(staged_mistake, "run", env=env)
    assert "runbook_guard.hooks.engine" in guard_process(staged_mistake, "run", env=env)[3]


def test_a_new_service_directory_runs_afresh(staged_mistake: Path) -> None:
    write(staged_mistake, "billing_service/__init__.py", "")
    assert not _second_run(staged_mistake, "run")[3]


def test_a_changed_named_values_index_runs_afresh(staged_mistake: Path) -> None:
    write(staged_mistake, "named-values.toml", '[values]\nA = "a"\n')
    _age(staged_mistake, "named-values.toml")
    guard_process(staged_mistake, "run")
    assert _second_run(staged_mistake, "run")[3]
    write(staged_mistake, "named-values.toml", '[values]\nA = "bb"\n')
    _age(staged_mistake, "named-values.toml")
    assert not _second_run(staged_mistake, "run")[3]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="runbooks are never replayed on 3.10")
def test_a_new_runbook_runs_afresh(staged_mistake: Path) -> None:
    write(staged_mistake, ".runbook-guard.toml", 'runbooks = ["docs/*.md"]\n')
    write(staged_mistake, "docs/a.md", "# Runbook\n\n## Reading os.environ directly\n\nNo.\n")
    _age(staged_mistake, ".runbook-guard.toml", "docs/a.md")
    guard_process(staged_mistake, "run")
    assert _second_run(staged_mistake, "run")[3]
    write(staged_mistake, "docs/.b.md", "# Another\n")  # hidden: pathlib's glob matches it
    _age(staged_mistake, "docs/.b.md")
    assert not _second_run(staged_mistake, "run")[3]


def test_a_secret_of_this_environment_in_the_report_is_never_replayed(git_repo: Path) -> None:
    write(git_repo, "app/k7Qp2Xv9Lm4.py", "def broken(:\n")  # a finding names the path
    stage(git_repo, ".")
    guard_process(git_repo, "run")
    _, out, err, replayed = _second_run(git_repo, "run", env={"DEPLOY_TOKEN": "k7Qp2Xv9Lm4"})
    assert not replayed
    assert "k7Qp2Xv9Lm4" not in out + err and "[REDACTED]" in out
    # a report secrets were cut from is not kept either
    assert not _second_run(git_repo, "run", env={"DEPLOY_TOKEN": "k7Qp2Xv9Lm4"})[3]


def test_a_damaged_replay_file_is_a_full_run(staged_mistake: Path) -> None:
    stored = list((staged_mistake / ".git" / "runbook-guard").glob("replay-*"))
    assert stored
    for path in stored:
        path.write_bytes(b"\x00garbage")
    code, _, _, replayed = _second_run(staged_mistake, "run")
    assert not replayed and code == 1
    assert _second_run(staged_mistake, "run")[3]


def test_the_runs_written_last_are_kept(staged_mistake: Path) -> None:
    for n in range(replay.MAX_RUNS + 3):
        guard_process(staged_mistake, "run", env={"SKIP": f"run-{n}"})
    folder = staged_mistake / ".git" / "runbook-guard"
    assert len(list(folder.glob("replay-*"))) == replay.MAX_RUNS
    assert _second_run(staged_mistake, "run", env={"SKIP": f"run-{replay.MAX_RUNS + 2}"})[3]
    assert not _second_run(staged_mistake, "run", env={"SKIP": "run-0"})[3]


def test_git_running_the_hook_replays_too(staged_mistake: Path) -> None:
    # git sets GIT_DIR (relative) and GIT_INDEX_FILE for the hooks it runs
    env = {"GIT_DIR": ".git", "GIT_INDEX_FILE": str(staged_mistake / ".git" / "index")}
    guard_process(staged_mistake, "run", env=env)
    assert _second_run(staged_mistake, "run", env=env)[3]


def test_an_index_git_refreshed_still_replays(staged_mistake: Path) -> None:
    # pre-commit's stash of unstaged changes, or an editor's `git status`, rewrites the index's
    # file-system data; what it holds is the same
    index = staged_mistake / ".git" / "index"
    before = index.read_bytes()
    write(staged_mistake, "app/service.py", "X = 1\n")  # unstaged
    hook_git._run(["checkout", "--", "app/service.py"], cwd=staged_mistake)
    hook_git._run(["update-index", "--refresh"], cwd=staged_mistake)
    assert index.read_bytes() != before
    assert _second_run(staged_mistake, "run")[3]


def test_a_new_head_under_the_same_staged_diff_runs_afresh(git_repo: Path) -> None:
    write(git_repo, "lib/base.py", "A = 1\n")
    stage(git_repo, ".")
    commit(git_repo)
    write(git_repo, "app/manager.py", "class WebSocketManager:\n    pass\n")
    stage(git_repo, ".")
    guard_process(git_repo, "run")
    # a commit of another path only: the staged diff is the same bytes, the index is not
    write(git_repo, "lib/base.py", "class WebSocketManager:\n    pass\n")
    hook_git._run(["commit", "-q", "--no-verify", "-m", "b", "--", "lib/base.py"], cwd=git_repo)
    code, out, _, replayed = _second_run(git_repo, "run")
    assert not replayed
    assert code == 1 and "ssot-duplicate-definition" in out


def _rev_parse_head(repo: Path) -> str:
    out = hook_git._run(["rev-parse", "--verify", "--quiet", "HEAD"], cwd=repo, ok=(0, 1))
    return out.decode().strip()


def test_head_read_from_the_files_is_what_git_says(git_repo: Path, tmp_path: Path) -> None:
    directory = str(git_repo / ".git")
    assert hook_git.head_from_files(directory) == ""  # no commit yet
    first = commit(git_repo)
    assert hook_git.head_from_files(directory) == first  # a loose ref
    hook_git._run(["pack-refs", "--all"], cwd=git_repo)
    assert not (git_repo / ".git" / "refs" / "heads" / "main").exists()
    assert hook_git.head_from_files(directory) == first  # from packed-refs
    second = commit(git_repo)
    assert hook_git.head_from_files(directory) == second  # a loose ref over a packed one
    hook_git._run(["checkout", "-q", "--detach", first], cwd=git_repo)
    assert hook_git.head_from_files(directory) == first  # detached
    hook_git._run(["worktree", "add", "-q", "-b", "side", str(tmp_path / "wt"), second])
    worktree_dir = hook_git.git_dir(str(tmp_path / "wt"))
    assert worktree_dir and hook_git.head_from_files(worktree_dir) == second
    hook_git._run(["symbolic-ref", "refs/heads/alias", "refs/heads/main"], cwd=git_repo)
    hook_git._run(["symbolic-ref", "HEAD", "refs/heads/alias"], cwd=git_repo)
    assert hook_git.head_from_files(directory) == _rev_parse_head(git_repo)


def test_a_head_the_files_cannot_say_is_never_replayed(staged_mistake: Path) -> None:
    (staged_mistake / ".git" / "reftable").mkdir()  # how a reftable repository looks
    assert hook_git.head_from_files(str(staged_mistake / ".git")) is None
    assert replay.run_inputs(["run"]) is None


def test_the_quick_diff_is_the_staged_diff(staged_mistake: Path) -> None:
    patch = hook_git.staged_patch(str(staged_mistake))
    assert patch is not None
    changes = hook_git.parse_diff(patch)
    assert [(c.path, c.added) for c in changes] == [
        (c.path, c.added) for c in hook_git.staged_changes(staged_mistake, None)
    ]
    assert hook_git.staged_patch(str(staged_mistake.parent)) is None  # not a repository
