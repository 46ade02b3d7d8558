"""The wheel: everything under one package named after the distribution, so another
distribution's top-level `hooks` or `bot` package cannot overwrite ours (issue #16)."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.helpers import commit, release_clone, stage, write


def _wheel(source: Path, out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    [wheel] = out.glob("*.whl")
    return wheel


def _squatter(tmp_path: Path) -> Path:
    """A distribution of someone else's with top-level `hooks` and `bot` packages."""
    source = tmp_path / "squatter"
    for package in ("hooks", "bot"):
        write(source, f"{package}/__init__.py", "raise ImportError('not runbook-guard')\n")
        write(source, f"{package}/cli.py", "raise ImportError('not runbook-guard')\n")
    write(
        source,
        "pyproject.toml",
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "squatter"\nversion = "1.0"\n'
        '[tool.setuptools]\npackages = ["hooks", "bot"]\n',
    )
    return source


def test_the_wheel_installs_one_top_level_package(tmp_path: Path) -> None:
    wheel = _wheel(release_clone(tmp_path), tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {
        "runbook_guard",
        "runbook_guard-0.1.0.dist-info",
    }
    assert "runbook_guard/hooks/runbooks/COMMON_MISTAKES.md" in names
    assert "runbook_guard/bot/cli.py" in names
    entry_points = zipfile.ZipFile(wheel).read("runbook_guard-0.1.0.dist-info/entry_points.txt")
    assert b"runbook-guard = runbook_guard.hooks.cli:main" in entry_points


def test_another_distributions_hooks_and_bot_packages_change_nothing(
    tmp_path: Path, git_repo: Path
) -> None:
    target = tmp_path / "site"
    ours = _wheel(release_clone(tmp_path), tmp_path / "ours")
    wheels = [ours, _wheel(_squatter(tmp_path), tmp_path / "theirs")]
    for wheel in wheels:  # both into one folder, theirs last, as pip would
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-t", str(target), wheel],
            check=True,
            capture_output=True,
        )
    assert (target / "hooks" / "cli.py").read_text().startswith("raise ImportError")
    write(git_repo, "app/service.py", "import os\nX = os.environ['A']\n")
    stage(git_repo, ".")
    commit(git_repo, "base")
    # no `site` (the test environment's editable install stays out); its dependencies stay found
    path = os.pathsep.join([str(target), *site.getsitepackages()])
    for module in ("runbook_guard.hooks", "runbook_guard.bot"):
        done = subprocess.run(
            [sys.executable, "-S", "-m", module, "--version"],
            cwd=git_repo,
            env={**os.environ, "PYTHONPATH": path},
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0 and done.stdout.strip().endswith("0.1.0"), done.stderr
    done = subprocess.run(
        [sys.executable, "-S", "-m", "runbook_guard.hooks", "run", "--all-files", "--no-cache"],
        cwd=git_repo,
        env={**os.environ, "PYTHONPATH": path, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "no-direct-environ" in done.stdout, done.stderr
