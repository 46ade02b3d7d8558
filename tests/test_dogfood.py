"""This repository passes its own hooks: every file git tracks, as the index holds it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.helpers import run_module

CHECKOUT = Path(__file__).resolve().parents[1]


def runbook_guard(*args: str) -> subprocess.CompletedProcess[str]:
    return run_module("hooks", CHECKOUT, *args)


def test_every_file_passes_our_rules() -> None:
    done = runbook_guard("run", "--all-files", "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_runbook_link_resolves() -> None:
    done = runbook_guard("check-links")
    assert done.returncode == 0, done.stdout + done.stderr
