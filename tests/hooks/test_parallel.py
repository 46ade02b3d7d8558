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
