"""--all-files over many files runs in forked processes and finds exactly what one process finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbook_guard.hooks import config, engine
from tests.helpers import stage, write


def test_parallel_and_serial_find_the_same(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(40):
        write(
            git_repo,
            f"pkg/m{i}.py",
            f"import os\n\nclass C{i}:\n    cache = {{}}\n\nX = os.environ['V{i}']\n",
        )
    write(git_repo, "pkg/broken.py", "def f(:\n")
    stage(git_repo, ".")
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 10)
    cfg = config.load(git_repo)
    rules = engine.select_rules(cfg)
    run, _ = engine.build_run(git_repo, cfg, all_files=True)
    serial = engine.check(run, rules, jobs=1)
    parallel = engine.check(run, rules, jobs=2)
    assert serial.findings == parallel.findings and len(serial.findings) == 80
    assert serial.notes == parallel.notes and [n.path for n in serial.notes] == ["pkg/broken.py"]


def test_a_long_first_run_says_what_it_is_doing(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Checking many files afresh says so on stderr, and how long it took; a run that checks
    few (or replays from the cache) says nothing."""
    for i in range(30):
        write(git_repo, f"pkg/m{i}.py", f"def f{i}():\n    return {i}\n")
    stage(git_repo, ".")
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 10)
    monkeypatch.setattr(engine, "PROGRESS_MIN_FILES", 20)
    cfg = config.load(git_repo)
    rules = engine.select_rules(cfg)
    run, _ = engine.build_run(git_repo, cfg, all_files=True)
    engine.check(run, rules, jobs=2)
    said = capsys.readouterr().err.splitlines()
    assert (
        said[0]
        == "runbook-guard: checking 30 files on 2 cores (later runs check only what changed)"
    )
    assert said[1].startswith("runbook-guard: checked 30 files in ") and said[1].endswith(" s")
    monkeypatch.setattr(engine, "PROGRESS_MIN_FILES", 31)
    engine.check(run, rules, jobs=2)
    assert capsys.readouterr().err == ""
