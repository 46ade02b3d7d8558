"""Reading git in real repositories: what the change adds, read from the index."""

from __future__ import annotations

import subprocess
from pathlib import Path

import git as gitpython
import pytest

from runbook_guard.hooks import git
from tests.helpers import commit, findings, guard, stage, write

MISTAKE = 'import os\nX = os.environ["A"]\n'


def test_initial_commit_counts_every_line(git_repo: Path) -> None:
    write(git_repo, "a.py", "x = 1\ny = 2\n")
    stage(git_repo, "a.py")
    [change] = git.staged_changes(git_repo)
    assert (change.path, change.status, change.added) == ("a.py", "A", frozenset({1, 2}))


def test_added_lines_and_removals(git_repo: Path) -> None:
    write(git_repo, "a.py", "a\nb\nc\nd\n")
    stage(git_repo, "a.py")
    commit(git_repo)
    write(git_repo, "a.py", "a\nB\nc\nd\ne\n")
    stage(git_repo, "a.py")
    [change] = git.staged_changes(git_repo)
    assert change.added == frozenset({2, 5})
    assert change.removed == [(2, b"b")]


def test_content_is_read_from_the_index(git_repo: Path) -> None:
    write(git_repo, "a.py", "x = 1\n")
    stage(git_repo, "a.py")
    commit(git_repo)
    write(git_repo, "a.py", MISTAKE)
    stage(git_repo, "a.py")
    write(git_repo, "a.py", "x = 2\n")  # the work tree no longer has the mistake
    assert findings() == {("no-direct-environ", "a.py", 2)}


def test_rename_with_edits(git_repo: Path) -> None:
    body = "".join(f"line_{i} = {i}\n" for i in range(20))
    write(git_repo, "old name.py", body)
    stage(git_repo, ".")
    commit(git_repo)
    gitpython.Repo(git_repo).git.mv("old name.py", "new name.py")
    write(git_repo, "new name.py", body + MISTAKE)
    stage(git_repo, "new name.py")
    [change] = git.staged_changes(git_repo)
    assert (change.status, change.old_path, change.path) == ("R", "old name.py", "new name.py")
    assert change.added == frozenset({21, 22})
    assert findings() == {("no-direct-environ", "new name.py", 22)}


def test_deleted_and_binary_files_are_skipped(git_repo: Path) -> None:
    write(git_repo, "gone.py", MISTAKE)
    stage(git_repo, ".")
    commit(git_repo)
    gitpython.Repo(git_repo).git.rm("-q", "gone.py")
    write(git_repo, "blob.py", b"\x00\x01os.environ['A']\x00")
    write(git_repo, "image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    stage(git_repo, ".")
    assert findings() == set()


def test_undecodable_text_is_read_with_replacements_not_a_crash(git_repo: Path) -> None:
    latin = "# caf\xe9\nimport os\nX = os.environ['A']\n".encode("latin-1")
    write(git_repo, "old_latin.py", latin)
    stage(git_repo, ".")
    commit(git_repo, "undecodable already")
    write(git_repo, "old_latin.py", latin + b"Y = os.environ['B']\n")
    write(git_repo, "latin.py", latin)
    write(git_repo, "bom.py", b"\xef\xbb\xbf" + MISTAKE.encode())
    write(git_repo, "crlf.py", MISTAKE.replace("\n", "\r\n").encode())
    stage(git_repo, ".")
    code, out, err = guard("run")
    assert code == 1
    # a module Python cannot read because of its encoding: a new one fails the commit, one
    # that was so before is a note; both are still checked, read with replacements
    assert "old_latin.py: not valid UTF-8 at byte 5, read with replacements" in err
    assert {
        "latin.py:1:1:",
        "latin.py:3:5:",
        "old_latin.py:4:5:",
        "bom.py:2:5:",
        "crlf.py:2:5:",
    } <= {line.split()[0] for line in out.splitlines()}
    assert "latin.py:1:1: syntax-error not valid UTF-8 at byte 5: Python cannot read" in out


def test_a_file_broken_before_the_change_is_a_note(git_repo: Path) -> None:
    write(git_repo, "broken.py", "def f(:\n")
    stage(git_repo, "broken.py")
    commit(git_repo, "broken already")
    write(git_repo, "broken.py", "def f(:\n\n\nX = 1\n")
    write(git_repo, "ok.py", MISTAKE)
    stage(git_repo, ".")
    code, out, err = guard("run")
    assert code == 1 and "ok.py:2:5" in out and "broken.py" not in out
    assert "broken.py: cannot be parsed (line 1" in err


def test_a_change_that_breaks_the_syntax_fails_the_commit(git_repo: Path) -> None:
    write(git_repo, "app.py", "def load(path):\n    return path\n")
    stage(git_repo, "app.py")
    commit(git_repo, "parses")
    write(git_repo, "app.py", "def load(path):\n    with open(path) as f\n        return f\n")
    write(git_repo, "new.py", "class C\n")
    stage(git_repo, ".")
    code, out, err = guard("run")
    assert code == 1, err
    found = {line.split(" ")[0] for line in out.splitlines() if "syntax-error" in line}
    assert found == {"app.py:2:1:", "new.py:1:1:"}
    assert "expected ':'" in out and "cannot be parsed" not in err
    # the same files with --all-files are notes: no change is judged there
    code, out, err = guard("run", "--all-files")
    assert "syntax-error" not in out and "app.py: cannot be parsed (line 2" in err


@pytest.mark.parametrize(
    "name", ["sp ace.py", 'quo"te.py', "tab\there.py", "new\nline.py", "naïve.py"]
)
def test_special_file_names(git_repo: Path, name: str) -> None:
    write(git_repo, name, MISTAKE)
    stage(git_repo, name)
    assert findings() == {("no-direct-environ", name, 2)}


def test_users_diff_configuration_changes_nothing(git_repo: Path) -> None:
    write(git_repo, "a.py", "x = 1\n")
    stage(git_repo, ".")
    commit(git_repo)
    with gitpython.Repo(git_repo).config_writer() as cw:
        cw.set_value("diff", "noprefix", "true")
        cw.set_value("diff", "mnemonicPrefix", "true")
        cw.set_value("diff", "external", "false")
        cw.set_value("color", "ui", "always")
        cw.set_value("diff", "relative", "true")
    write(git_repo, "a.py", MISTAKE)
    stage(git_repo, "a.py")
    assert findings() == {("no-direct-environ", "a.py", 2)}


def test_files_restrict_the_scope_from_a_subdirectory(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(git_repo, "pkg/a.py", MISTAKE)
    write(git_repo, "pkg/b.py", MISTAKE)
    stage(git_repo, ".")
    monkeypatch.chdir(git_repo / "pkg")
    assert findings("a.py") == {("no-direct-environ", "pkg/a.py", 2)}


def test_all_files_and_ref_range(git_repo: Path) -> None:
    write(git_repo, "old.py", MISTAKE)
    stage(git_repo, ".")
    base = commit(git_repo)
    write(git_repo, "new.py", MISTAKE)
    stage(git_repo, ".")
    head = commit(git_repo)
    assert findings() == set()  # nothing staged
    assert findings("--all-files") == {
        ("no-direct-environ", "old.py", 2),
        ("no-direct-environ", "new.py", 2),
    }
    assert findings("--from-ref", base, "--to-ref", head) == {("no-direct-environ", "new.py", 2)}


def test_a_named_file_with_no_staged_change_is_checked_whole(git_repo: Path) -> None:
    write(git_repo, "committed.py", MISTAKE)
    write(git_repo, "edited.py", MISTAKE)
    stage(git_repo, ".")
    commit(git_repo)
    write(git_repo, "edited.py", MISTAKE + 'Y = os.environ["B"]\n')
    write(git_repo, "untracked.py", MISTAKE)
    stage(git_repo, "edited.py")
    # staged: only its added line; not staged: the whole file (`pre-commit run --all-files`)
    assert findings("edited.py", "committed.py") == {
        ("no-direct-environ", "edited.py", 3),
        ("no-direct-environ", "committed.py", 2),
    }
    assert findings() == {("no-direct-environ", "edited.py", 3)}  # no names: the staged lines
    code, _, err = guard("run", "untracked.py")
    assert code == 0
    assert "untracked.py: not tracked by git, skipped" in err


def test_symlinks_and_submodules_are_skipped(git_repo: Path, tmp_path: Path) -> None:
    write(git_repo, "real.py", "x = 1\n")
    (git_repo / "link.py").symlink_to("real.py")
    sub = tmp_path / "sub"
    sub.mkdir()
    subprocess.run(["git", "init", "-q", str(sub)], check=True)
    write(sub, "s.py", MISTAKE)
    subprocess.run(["git", "-C", str(sub), "add", "."], check=True)
    subprocess.run(["git", "-C", str(sub), "commit", "-qm", "s", "--no-gpg-sign"], check=True)
    subprocess.run(
        ["git", "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "sub"],
        cwd=git_repo,
        check=True,
    )
    stage(git_repo, ".")
    assert findings() == set()
    assert findings("--all-files") == set()


def test_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = guard("run")
    assert code == 2 and out == ""
    assert err.startswith("runbook-guard: error: not inside a git repository")
    assert "Traceback" not in err


def test_unquote_path() -> None:
    assert git.unquote_path(b'"a\\tb\\"c\\\\d"') == 'a\tb"c\\d'
    assert git.unquote_path(b'"na\\303\\257ve.py"') == "naïve.py"
    assert git.unquote_path(b"plain.py") == "plain.py"


def test_pep_263_coding_declarations_are_honoured(git_repo: Path) -> None:
    source = "# -*- coding: latin-1 -*-\nimport os\nNAME = 'café'\nX = os.environ['A']\n"
    write(git_repo, "legacy.py", source.encode("latin-1"))
    stage(git_repo, ".")
    code, out, err = guard("run")
    assert code == 1 and "legacy.py:4:5: no-direct-environ" in out
    assert err == ""
