"""This repository passes its own hooks: every file git tracks, as the index holds it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]


def runbook_guard(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runbook_guard.hooks", *args],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_file_passes_our_rules() -> None:
    done = runbook_guard("run", "--all-files", "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_runbook_link_resolves() -> None:
    done = runbook_guard("check-links")
    assert done.returncode == 0, done.stdout + done.stderr
