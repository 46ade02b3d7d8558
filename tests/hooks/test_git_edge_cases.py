"""The repository states a commit hook meets besides the plain one, each in a real repository:
detached HEAD, an unresolved merge, a merge commit, CRLF with core.autocrlf, a linked worktree,
the index git hands to hooks (GIT_INDEX_FILE), a 10,000-file change, a bad ref, and a run from
a subdirectory. (Initial commit, renames, deletions, binary and undecodable files, symlinks,
submodules, odd names and no repository at all are in test_git.py.)"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import commit, findings, guard, stage, write

MISTAKE = "import os\nURL = os.environ['URL']\n"
CLEAN = "import logging\nlog = logging.getLogger(__name__)\n"


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=check)


def test_detached_head(git_repo: Path) -> None:
    write(git_repo, "app/a.py", CLEAN)
    stage(git_repo, ".")
    first = commit(git_repo)
    write(git_repo, "app/b.py", CLEAN)
    stage(git_repo, ".")
    commit(git_repo)
    git(git_repo, "checkout", "-q", "--detach", first)
    write(git_repo, "app/c.py", MISTAKE)
    stage(git_repo, ".")
    assert findings() == {("no-direct-environ", "app/c.py", 2)}


def _conflicting_merge(root: Path) -> None:
    write(root, "app/a.py", "X = 1\n")
    stage(root, ".")
    commit(root)
    git(root, "checkout", "-q", "-b", "other")
    write(root, "app/a.py", "import os\nX = os.environ['X']\n")
    stage(root, ".")
    commit(root)
    git(root, "checkout", "-q", "main")
    write(root, "app/a.py", "X = 2\n")
    write(root, "app/new.py", MISTAKE)
    stage(root, ".")
    commit(root)
    assert git(root, "merge", "-q", "other", check=False).returncode != 0  # a conflict


def test_an_unresolved_merge_checks_what_is_resolved_and_notes_nothing_twice(
    git_repo: Path,
) -> None:
    _conflicting_merge(git_repo)
    code, out, err = guard("run", "--format", "json")
    assert code == 0 and "Traceback" not in err
    # the conflicted file has no stage-0 blob yet: nothing to read, and no crash
    assert '"findings": []' in out
    # once the person resolves it and stages the result, its added lines are checked
    write(git_repo, "app/a.py", "import os\nX = os.environ['X']\n")
    stage(git_repo, "app/a.py")
    assert findings() == {("no-direct-environ", "app/a.py", 2)}
    assert findings("--all-files") == {
        ("no-direct-environ", "app/a.py", 2),
        ("no-direct-environ", "app/new.py", 2),
    }


def test_a_merge_commit_checks_the_lines_it_adds_against_the_first_parent(
    git_repo: Path,
) -> None:
    write(git_repo, "app/a.py", CLEAN)
    stage(git_repo, ".")
    commit(git_repo)
    git(git_repo, "checkout", "-q", "-b", "feature")
    write(git_repo, "app/feature.py", MISTAKE)
    stage(git_repo, ".")
    commit(git_repo)
    git(git_repo, "checkout", "-q", "main")
    git(git_repo, "merge", "-q", "--no-ff", "--no-commit", "feature")
    assert (git_repo / ".git" / "MERGE_HEAD").is_file()
    # what the merge brings in is added against HEAD (the first parent): pre-commit checks it
    assert findings() == {("no-direct-environ", "app/feature.py", 2)}


def test_crlf_content_with_autocrlf(git_repo: Path) -> None:
    git(git_repo, "config", "core.autocrlf", "true")
    write(git_repo, "app/a.py", MISTAKE.replace("\n", "\r\n").encode())
    stage(git_repo, ".")
    assert findings() == {("no-direct-environ", "app/a.py", 2)}
    git(git_repo, "config", "core.autocrlf", "false")
    write(git_repo, "app/b.py", ("x = 1\r\n" + MISTAKE.replace("\n", "\r\n")).encode())
    stage(git_repo, "app/b.py")
    assert ("no-direct-environ", "app/b.py", 3) in findings()


def test_a_textconv_driver_does_not_move_the_added_lines(git_repo: Path) -> None:
    # a driver that shows each file without its first line: git diff would number the lines
    # of that text, not of the blob the rules read
    git(git_repo, "config", "diff.skipfirst.textconv", "sh -c 'tail -n +2 \"$0\"'")
    write(git_repo, ".gitattributes", "*.py diff=skipfirst\n")
    commit(git_repo)
    write(git_repo, "app/a.py", "x = 1\n")
    stage(git_repo, ".")
    commit(git_repo)
    write(git_repo, "app/a.py", "x = 1\n" + MISTAKE)
    stage(git_repo, ".")
    assert findings() == {("no-direct-environ", "app/a.py", 3)}


def test_a_linked_worktree(git_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(git_repo, "app/a.py", CLEAN)
    stage(git_repo, ".")
    commit(git_repo)
    worktree = tmp_path / "wt"
    git(git_repo, "worktree", "add", "-q", "-b", "wt", str(worktree))
    monkeypatch.chdir(worktree)
    write(worktree, "app/b.py", MISTAKE)
    stage(worktree, ".")
    assert findings() == {("no-direct-environ", "app/b.py", 2)}
    monkeypatch.chdir(git_repo)
    assert findings() == set()  # the main work tree's index is its own


def test_the_index_git_hands_to_hooks(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`git commit -a` and `git commit <path>` run hooks on a temporary index named by
    GIT_INDEX_FILE: that index, not .git/index, is what the commit will contain."""
    write(git_repo, "app/a.py", CLEAN)
    stage(git_repo, ".")
    commit(git_repo)
    write(git_repo, "app/a.py", MISTAKE)  # modified in the work tree, not staged
    assert findings() == set()
    temporary = git_repo / ".git" / "index.commit-a"
    env = {**os.environ, "GIT_INDEX_FILE": str(temporary)}
    subprocess.run(["git", "read-tree", "HEAD"], cwd=git_repo, env=env, check=True)
    subprocess.run(["git", "add", "app/a.py"], cwd=git_repo, env=env, check=True)
    monkeypatch.setenv("GIT_INDEX_FILE", str(temporary))
    assert findings() == {("no-direct-environ", "app/a.py", 2)}


def test_a_ten_thousand_file_change(git_repo: Path) -> None:
    for i in range(10_000):
        write(git_repo, f"pkg/m{i // 100}/f{i}.py", f"VALUE_{i} = {i}\n")
    write(git_repo, "pkg/zz/last.py", MISTAKE)
    stage(git_repo, ".")
    start = time.perf_counter()
    code, out, err = guard("run", "--format", "json")
    elapsed = time.perf_counter() - start
    assert code == 1 and '"path": "pkg/zz/last.py"' in out and "Traceback" not in err
    assert '"files": 10001' in out
    assert elapsed < 60, f"{elapsed:.1f} s"


def test_a_bad_ref_is_one_line_and_exit_2(git_repo: Path) -> None:
    write(git_repo, "app/a.py", CLEAN)
    stage(git_repo, ".")
    commit(git_repo)
    code, out, err = guard("run", "--from-ref", "no-such-ref", "--to-ref", "HEAD")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("runbook-guard: error: git diff failed")
    code, _, err = guard("run", "--from-ref", "HEAD")
    assert code == 2 and "--from-ref and --to-ref go together" in err


def test_from_a_subdirectory_paths_stay_relative_to_the_root(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(git_repo, "app/deep/a.py", MISTAKE)
    write(git_repo, "other/b.py", MISTAKE)
    stage(git_repo, ".")
    monkeypatch.chdir(git_repo / "app" / "deep")
    assert findings() == {
        ("no-direct-environ", "app/deep/a.py", 2),
        ("no-direct-environ", "other/b.py", 2),
    }
    assert findings("a.py") == {("no-direct-environ", "app/deep/a.py", 2)}


def test_an_empty_repository_with_nothing_staged(git_repo: Path) -> None:
    code, out, err = guard("run", "--format", "json")
    assert code == 0 and '"files": 0' in out and err == ""
