"""The repository index on disk (hooks/store.py) answers exactly what a run without it does.

Each test walks a real repository through a kind of change (add, edit, rename, delete, a new
commit, a branch switch, a rebase, an amended commit, a ref range) and, after every step, runs
the hook twice: once over the caches as they stand, once with `--no-cache` (an index built in
memory, from nothing). The two must print the same. The rules involved ask the repository about
other modules: where a name is defined (ssot-duplicate-definition), whether a callee is a
coroutine (no-unawaited-coroutine), who imports a module (no-empty-test-module).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import git as gitpython

from tests.helpers import commit, guard, stage, write

RULES = "ssot-duplicate-definition,no-unawaited-coroutine,no-empty-test-module"
ASYNC = "async def load_user(user_id):\n    return user_id\n"
SYNC = "def load_user(user_id):\n    return user_id\n"
CALLER = "from app.users import load_user\n\n\ndef handler(user_id):\n    load_user(user_id)\n"
CLASS = "class UserCache:\n    pass\n"


def same_as_without_cache(*args: str) -> tuple[int, str]:
    """The run over the caches, asserted equal to the same run with `--no-cache`."""
    cached = guard("run", "--select", RULES, *args)
    fresh = guard("run", "--select", RULES, "--no-cache", *args)
    assert cached == fresh
    return cached[0], cached[1]


def test_every_kind_of_change_answers_as_a_fresh_index(git_repo: Path) -> None:
    write(git_repo, "app/__init__.py", "")
    write(git_repo, "app/users.py", ASYNC)
    write(git_repo, "app/cache.py", CLASS)
    stage(git_repo, ".")
    commit(git_repo, "base")
    # add: a caller of the coroutine and a second definition of the class
    write(git_repo, "app/handlers.py", CALLER)
    write(git_repo, "app/store.py", CLASS)
    stage(git_repo, ".")
    code, out = same_as_without_cache()
    assert code == 1
    assert "app/handlers.py:5:5: no-unawaited-coroutine" in out
    assert "app/store.py:1:1: ssot-duplicate-definition" in out
    # edit: the callee becomes a plain function (the caller's file is untouched)
    write(git_repo, "app/users.py", SYNC)
    stage(git_repo, ".")
    _code, out = same_as_without_cache()
    assert "no-unawaited-coroutine" not in out
    # rename: the other definition moves; delete: it goes
    commit(git_repo, "handlers")
    repo = gitpython.Repo(git_repo)
    repo.git.mv("app/cache.py", "app/caches.py")
    write(git_repo, "app/extra.py", CLASS)
    stage(git_repo, ".")
    _code, out = same_as_without_cache()
    assert "already defined in `app/caches.py`, `app/store.py`" in out
    commit(git_repo, "moved")
    repo.git.rm("-q", "app/caches.py")
    long_module = "".join(f"def helper_{n}(value):\n    return value + {n}\n\n\n" for n in range(9))
    write(git_repo, "app/fresh.py", long_module + CLASS)
    stage(git_repo, ".")
    _code, out = same_as_without_cache()
    assert "class `UserCache` is already defined in `app/extra.py`, `app/store.py`, reuse" in out


def test_branch_switch_rebase_and_amend_move_the_base(git_repo: Path) -> None:
    write(git_repo, "app/__init__.py", "")
    write(git_repo, "app/users.py", ASYNC)
    stage(git_repo, ".")
    commit(git_repo, "base")
    repo = gitpython.Repo(git_repo)
    main = repo.active_branch.name
    repo.git.checkout("-q", "-b", "feature")
    write(git_repo, "app/users.py", SYNC)
    stage(git_repo, ".")
    commit(git_repo, "sync on the feature branch")
    write(git_repo, "app/handlers.py", CALLER)
    stage(git_repo, ".")
    _code, out = same_as_without_cache()
    assert "no-unawaited-coroutine" not in out  # the feature branch made it sync
    repo.git.stash()
    repo.git.checkout("-q", main)  # branch switch: the base moves back
    write(git_repo, "app/handlers.py", CALLER)
    stage(git_repo, ".")
    _code, out = same_as_without_cache()
    assert "app/handlers.py:5:5: no-unawaited-coroutine" in out
    repo.git.reset("-q", "--hard")
    # a commit on main, then the feature rebased onto it: the old base commit is rewritten
    write(git_repo, "app/other.py", "def other_thing():\n    return 1\n")
    stage(git_repo, ".")
    commit(git_repo, "main moves on")
    repo.git.checkout("-q", "feature")
    repo.git.rebase("-q", main)
    write(git_repo, "app/handlers.py", CALLER)
    stage(git_repo, ".")
    _code, out = same_as_without_cache()
    assert "no-unawaited-coroutine" not in out
    # amend: the commit the index was built on is replaced
    repo.git.commit("-q", "--amend", "--no-verify", "-m", "with the handler")
    write(git_repo, "app/users.py", ASYNC)
    write(git_repo, "app/jobs.py", CALLER)
    stage(git_repo, ".")
    _code, out = same_as_without_cache()
    assert "app/jobs.py:5:5: no-unawaited-coroutine" in out


def test_a_ref_range_and_all_files_answer_as_a_fresh_index(git_repo: Path) -> None:
    write(git_repo, "app/__init__.py", "")
    write(git_repo, "app/users.py", ASYNC)
    write(git_repo, "app/cache.py", CLASS)
    stage(git_repo, ".")
    first = commit(git_repo, "base")
    write(git_repo, "app/handlers.py", CALLER)
    write(git_repo, "app/store.py", CLASS)
    stage(git_repo, ".")
    second = commit(git_repo, "second")
    _code, out = same_as_without_cache("--from-ref", first, "--to-ref", second)
    assert "app/handlers.py:5:5: no-unawaited-coroutine" in out
    assert "app/store.py:1:1: ssot-duplicate-definition" in out
    write(git_repo, "app/users.py", SYNC)
    stage(git_repo, ".")
    _code, out = same_as_without_cache("--all-files")
    assert "no-unawaited-coroutine" not in out


def test_a_coroutine_renamed_by_an_import_follows_the_change(git_repo: Path) -> None:
    """The caller's file is the same in both runs; only the module behind the renaming import
    changes: the cached result of the caller must not survive it."""
    write(git_repo, "app/__init__.py", "")
    write(git_repo, "app/users.py", SYNC)
    write(git_repo, "app/api.py", "from app.users import load_user as fetch_account\n")
    stage(git_repo, ".")
    commit(git_repo, "base")
    caller = (
        "from app.api import fetch_account\n\n\ndef handler(user_id):\n    fetch_account(user_id)\n"
    )
    write(git_repo, "app/handlers.py", caller)
    stage(git_repo, ".")
    _code, out = same_as_without_cache()
    assert "no-unawaited-coroutine" not in out
    write(git_repo, "app/users.py", ASYNC)
    stage(git_repo, ".")
    _code, out = same_as_without_cache()
    assert "app/handlers.py:5:5: no-unawaited-coroutine" in out


def test_who_imports_a_module_follows_the_change(git_repo: Path) -> None:
    """A helper library named test_*.py is no empty test module while something imports it."""
    write(git_repo, "test_framework/__init__.py", "")
    write(git_repo, "test_framework/test_config.py", "def configure():\n    return {}\n")
    write(git_repo, "tests/conftest.py", "from test_framework.test_config import configure\n")
    stage(git_repo, ".")
    commit(git_repo, "base")
    write(git_repo, "test_framework/test_config.py", "def configure():\n    return {'a': 1}\n")
    stage(git_repo, ".")
    _code, out = same_as_without_cache()
    assert "no-empty-test-module" not in out
    write(git_repo, "tests/conftest.py", "import os\n")  # the last importer goes
    stage(git_repo, ".")
    _code, out = same_as_without_cache()
    assert "test_framework/test_config.py:1:1: no-empty-test-module" in out


def test_a_damaged_or_foreign_index_is_rebuilt(git_repo: Path) -> None:
    write(git_repo, "app/__init__.py", "")
    write(git_repo, "app/users.py", ASYNC)
    stage(git_repo, ".")
    commit(git_repo, "base")
    write(git_repo, "app/handlers.py", CALLER)
    stage(git_repo, ".")
    expected = same_as_without_cache()
    index = git_repo / ".git" / "runbook-guard" / "index.sqlite"
    assert index.is_file() and oct(index.stat().st_mode & 0o777) == "0o600"
    # rows that lie: a definition that is not there, a scan of the wrong shape
    db = sqlite3.connect(index)
    db.execute('UPDATE scans SET defs = \'{"not": "a list"}\'')
    db.execute("INSERT INTO defs VALUES('load_user', 'app/ghost.py', 1, 0, 0)")
    db.execute("UPDATE meta SET value = 'nonsense' WHERE key = 'base'")
    db.commit()
    db.close()
    assert same_as_without_cache() == expected
    index.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)  # not a database any more
    assert same_as_without_cache() == expected
    index.unlink()
    index.mkdir()  # a directory in its place: the run goes on with an index in memory
    assert same_as_without_cache() == expected
