"""The commit path stays light: what a cached and a replayed `runbook-guard run` import.

Every commit pays for every module the hook imports. These modules are kept off the path on
purpose (README, Performance); a change that brings one back fails here, not silently in the
benchmark.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.helpers import guard_process, stage, write

# module -> why it stays off the cached commit path
KEPT_OFF = {
    "dataclasses": "imports inspect; with our classes it cost ~15 ms a commit",
    "inspect": "pkgutil.iter_modules imports it; the rule list reads our folder instead",
    "github": "the bot's client, never the hook's",
    "git": "GitPython: the tests build repositories with it, the hook runs git itself",
    "multiprocessing": "only --all-files spreads work over cores",
    "tomllib": "no TOML configuration, no TOML parser",
    "tempfile": "the caches write through a temporary name of their own",
    "runbook_guard.hooks.runbook": "runbook links come from the cache",
    "runbook_guard.hooks.matching": "runbook links come from the cache",
}
# module -> why a replayed run (nothing changed since the same run) does without it
KEPT_OFF_REPLAY = {
    **KEPT_OFF,
    "argparse": "the replay is decided before the arguments are parsed",
    "pathlib": "it imports urllib.parse and ipaddress: ~3 ms; os.path answers",
    "subprocess": "its one git call is spawned with os.posix_spawnp",
    "typing": "annotations are named under `if TYPE_CHECKING`, never imported",
    "runbook_guard.hooks.config": "the configuration files are named by their stamps, not read",
    "runbook_guard.hooks.engine": "nothing is checked",
    "runbook_guard.hooks.rules": "nothing is checked",
    "runbook_guard.hooks.cache": "the per-file cache is not needed",
}


def _two_mistakes(repo: Path) -> None:
    write(repo, "app/service.py", "import os\nX = os.environ['A']\n")
    write(repo, "app/other.py", "def f():\n    return 1\n")
    stage(repo, ".")
    old = time.time() - 60  # older than a run's start: hooks/replay.py, RACY_NS
    for name in ("app/service.py", "app/other.py"):
        os.utime(repo / name, (old, old))


def test_a_cached_run_imports_nothing_it_does_not_need(git_repo: Path) -> None:
    _two_mistakes(git_repo)
    first = guard_process(git_repo, "run")  # fills the caches
    # other arguments, the same files: a full run, every file from the cache
    code, out, _, imported = guard_process(git_repo, "run", "app/service.py", "app/other.py")
    assert (code, out) == first[:2]
    assert "runbook_guard.hooks.engine" in imported  # the probe did run the hook
    assert {m: why for m, why in KEPT_OFF.items() if m in imported} == {}


def test_a_replayed_run_imports_only_what_names_its_inputs(git_repo: Path) -> None:
    _two_mistakes(git_repo)
    first = guard_process(git_repo, "run")
    code, out, _, imported = guard_process(git_repo, "run")
    assert code == first[0] == 1
    assert out == first[1] and "no-direct-environ" in out
    assert {m: why for m, why in KEPT_OFF_REPLAY.items() if m in imported} == {}
