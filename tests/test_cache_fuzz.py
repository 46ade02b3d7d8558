"""Fuzz target for the caches in `.git/runbook-guard/` (issue #14): whatever bytes or rows are in
them (random, truncated, JSON of any shape, values of the wrong type in the repository index's
tables), a run reports what `--no-cache` reports, with no traceback.

Each example starts from the caches a real run left, changes one thing, and runs again
in-process (hypothesis: bounded and derandomized, the same examples on every CI run).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import commit, guard, stage, write

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
SQL_VALUE = (
    st.none()
    | st.integers(-(2**63), 2**63 - 1)
    | st.text(max_size=40)
    | st.binary(max_size=40)
    | JSON.map(json.dumps)
)
FILE_CONTENT = st.binary(max_size=2000) | JSON.map(lambda v: json.dumps(v).encode())


@pytest.fixture(scope="module")
def warmed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, tuple[int, str, str]]:
    """A repository with repository-wide answers in its index (async functions, classes, a
    service), its caches after one run, and what `--no-cache` reports."""
    import git

    repo = tmp_path_factory.mktemp("fuzz") / "repo"
    git.Repo.init(repo)
    write(repo, "app/__init__.py", "")
    write(repo, "app/jobs.py", "async def fetch():\n    return 1\n\nclass Base:\n    x = []\n")
    write(repo, "app/other.py", "class Base:\n    pass\n")
    stage(repo, ".")
    commit(repo, "base")
    write(
        repo,
        "app/use.py",
        "import os\nfrom app.jobs import fetch\n\n\nasync def main():\n    fetch()\n"
        "    return os.environ['A']\n",
    )
    stage(repo, ".")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(repo)
        expected = guard("run", "--no-cache")
        assert guard("run") == expected
    assert expected[0] == 1 and "no-unawaited-coroutine" in expected[1]
    pristine = repo.parent / "pristine"
    shutil.copytree(repo / ".git" / "runbook-guard", pristine)
    return repo, pristine, expected


def _restore(repo: Path, pristine: Path, *, but: str | None = None) -> Path:
    """The caches as the real run left them, except the stored report (which would answer
    before any other cache is read) unless it is the one under test."""
    folder = repo / ".git" / "runbook-guard"
    shutil.rmtree(folder)
    shutil.copytree(pristine, folder)
    for path in folder.glob("replay-*"):
        if path.name != but:
            path.unlink()
    return folder


def _run(repo: Path) -> tuple[int, str, str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(repo)
        return guard("run")


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_cache_file_content_is_a_miss(
    warmed: tuple[Path, Path, tuple[int, str, str]], data: st.DataObject
) -> None:
    repo, pristine, expected = warmed
    target = data.draw(st.sampled_from(sorted(p.name for p in pristine.iterdir())))
    folder = _restore(repo, pristine, but=target)
    original = (folder / target).read_bytes()
    content = data.draw(
        FILE_CONTENT
        | st.integers(0, len(original)).map(lambda n: original[:n])  # half-written
        | st.tuples(st.integers(0, max(len(original) - 1, 0)), st.integers(0, 255)).map(
            lambda at: original[: at[0]] + bytes([at[1]]) + original[at[0] + 1 :]
        )
    )
    (folder / target).write_bytes(content)
    code, out, err = _run(repo)
    assert (code, out) == expected[:2]
    assert "Traceback" not in err


def _shape(value: object) -> str:
    """What kind of value a column holds: JSON text by its top-level type, else the type."""
    if isinstance(value, str):
        try:
            return f"json {type(json.loads(value)).__name__}"
        except ValueError:
            return "text"
    return type(value).__name__


@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_a_value_of_the_wrong_shape_in_the_index_tables_is_a_miss(
    warmed: tuple[Path, Path, tuple[int, str, str]], data: st.DataObject
) -> None:
    """Every row of a column given a value of another shape than the column holds (another
    type, or JSON of another top-level type): damaged, so not believed. (A value of the right
    shape that says something else is not damage a cache can see.)"""
    repo, pristine, expected = warmed
    folder = _restore(repo, pristine)
    database = sqlite3.connect(folder / "index.sqlite")
    tables = [
        name
        for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if database.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    ]
    table = data.draw(st.sampled_from(sorted(tables)))
    columns = [row[1] for row in database.execute(f"PRAGMA table_info({table})")]
    column = data.draw(st.sampled_from(columns))
    shapes = {_shape(v) for (v,) in database.execute(f"SELECT {column} FROM {table}")}
    value = data.draw(SQL_VALUE.filter(lambda v: _shape(v) not in shapes))
    try:
        with database:
            database.execute(f"UPDATE {table} SET {column} = ?", (value,))
    except sqlite3.IntegrityError:
        pass  # a constraint the schema keeps: nothing changed
    database.close()
    code, out, err = _run(repo)
    assert (code, out) == expected[:2]
    assert "Traceback" not in err
