"""Inline suppressions: where they apply, and what is reported about them."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import findings, stage, write


def test_suppression_on_first_last_and_previous_line(git_repo: Path) -> None:
    write(
        git_repo,
        "a.py",
        "import os\n"
        'A = os.environ["A"]  # runbook-guard: ignore[no-direct-environ] -- bootstrap\n'
        "B = os.environ.get(\n"
        '    "B",\n'
        ")  # runbook-guard: ignore[no-direct-environ] -- read before the accessor loads\n"
        "# runbook-guard: ignore[no-direct-environ] -- the accessor itself\n"
        'C = os.environ["C"]\n'
        'D = os.environ["D"]\n',
    )
    stage(git_repo, "a.py")
    assert findings() == {("no-direct-environ", "a.py", 8)}


def test_missing_reason_and_unused_suppression(git_repo: Path) -> None:
    write(
        git_repo,
        "a.py",
        "import os\n"
        'A = os.environ["A"]  # runbook-guard: ignore[no-direct-environ]\n'
        "B = 1  # runbook-guard: ignore[no-silent-except] -- stale\n",
    )
    stage(git_repo, "a.py")
    assert findings() == {
        ("suppression-missing-reason", "a.py", 2),
        ("unused-suppression", "a.py", 3),
    }


def test_several_ids_and_all(git_repo: Path) -> None:
    write(
        git_repo,
        "a.py",
        "import os\n"
        "try:\n"
        '    A = os.environ["A"]\n'
        "except Exception:  # runbook-guard: ignore[no-silent-except, no-direct-environ] -- probe\n"
        "    pass\n"
        'B = os.getenv("B")  # runbook-guard: ignore[ALL] -- legacy shim, removed in 2.0\n',
    )
    stage(git_repo, "a.py")
    assert findings() == {("no-direct-environ", "a.py", 3)}
