"""The commit path stays light: what a cached `runbook-guard run` imports.

Every commit pays for every module the hook imports. These modules are kept off the path on
purpose (README, Performance); a change that brings one back fails here, not silently in the
benchmark.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import stage, write

ROOT = Path(__file__).resolve().parents[2]
# module -> why it stays off the cached commit path
KEPT_OFF = {
    "dataclasses": "imports inspect; with our classes it cost ~15 ms a commit",
    "inspect": "pkgutil.iter_modules imports it; the rule list reads our folder instead",
    "github": "the bot's client, never the hook's",
    "git": "GitPython: the tests build repositories with it, the hook runs git itself",
    "multiprocessing": "only --all-files spreads work over cores",
    "tomllib": "no TOML configuration, no TOML parser",
    "tempfile": "the cache writes through a plain temporary name",
    "hooks.runbook": "runbook links come from the cache",
    "hooks.matching": "runbook links come from the cache",
}
PROBE = """
import json, sys
from hooks.cli import main
try:
    main(["run"])
except SystemExit:
    pass
sys.stdout.flush()
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _modules_of_a_run(cwd: Path) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("RUNBOOK_GUARD_NO_CACHE", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=cwd, env=env, capture_output=True, text=True
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_a_cached_run_imports_nothing_it_does_not_need(git_repo: Path) -> None:
    write(git_repo, "app/service.py", "import os\nX = os.environ['A']\n")
    write(git_repo, "app/other.py", "def f():\n    return 1\n")
    stage(git_repo, ".")
    _modules_of_a_run(git_repo)  # the first run fills the cache
    imported = _modules_of_a_run(git_repo)
    assert "hooks.engine" in imported  # the probe did run the hook
    assert {m: why for m, why in KEPT_OFF.items() if m in imported} == {}
