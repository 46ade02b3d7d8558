"""Helpers for tests: write, stage and commit in real repos; run runbook-guard in-process."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import git
import pytest

from runbook_guard.hooks.cli import main

ROOT = Path(__file__).resolve().parents[1]
# The product's shared material (GitHub's OpenAPI description, real webhook payloads, the team's
# runbooks and checklist): beside the checkout, or where RUNBOOK_GUARD_SHARED points.
SHARED = Path(os.environ.get("RUNBOOK_GUARD_SHARED") or ROOT.parent / "shared")
SHARED_DATA = SHARED / "data"
NETRA = SHARED_DATA / "netra"


def need_shared() -> None:
    """Fail, never skip, without the shared material: a suite that passes by skipping what it
    could not find proves nothing."""
    if not SHARED_DATA.is_dir():
        pytest.fail(
            f"{SHARED_DATA} is missing: the tests read GitHub's OpenAPI description, webhook "
            "payloads and the team's runbooks from it. Put the product's `shared` folder beside "
            "this checkout, or set RUNBOOK_GUARD_SHARED to it.",
            pytrace=False,
        )


def write(root: Path, path: str, text: str | bytes) -> Path:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")
    return target


def stage(root: Path, *paths: str) -> None:
    git.Repo(root).git.add("--", *paths)


def commit(root: Path, message: str = "commit") -> str:
    repo = git.Repo(root)
    repo.git.commit("--no-verify", "--no-gpg-sign", "--allow-empty", "-m", message)
    return repo.head.commit.hexsha


def guard(*args: str) -> tuple[int, str, str]:
    """Run `runbook-guard ARGS` in-process in the current directory: (exit code, out, err)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def run_module(
    module: str, cwd: Path, *args: str | Path, timeout: float = 300, text: bool = True
) -> subprocess.CompletedProcess[Any]:
    """`python -m runbook_guard.<module> ARGS` (`hooks` or `bot`) in a fresh process in `cwd`,
    colour off, under a time limit; whatever it exits with, never a traceback."""
    done = subprocess.run(
        [sys.executable, "-m", f"runbook_guard.{module}", *map(str, args)],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=text,
        timeout=timeout,
    )
    err = done.stderr if text else done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    return done


PROBE = """
import json, sys
from runbook_guard.hooks.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as e:
    code = e.code
sys.stdout.flush()
print(json.dumps([code, sorted(sys.modules)]), file=sys.stderr)
"""


def installed_layout() -> Path:
    """A folder laid out as a plain install lays the package out (`runbook_guard/hooks`,
    `runbook_guard/bot`), its folders links to this checkout's: for a process started
    without `site`, where the editable install's finder is not loaded."""
    digest = hashlib.blake2b(os.fsencode(ROOT), digest_size=6).hexdigest()
    layout = Path(tempfile.gettempdir()) / f"runbook-guard-layout-{os.getuid()}-{digest}"
    package = layout / "runbook_guard"
    package.mkdir(parents=True, exist_ok=True)
    for name in ("hooks", "bot"):
        with contextlib.suppress(FileExistsError):  # another test worker made it
            (package / name).symlink_to(ROOT / name, target_is_directory=True)
    return layout


def guard_process(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str, str, set[str]]:
    """Run `runbook-guard ARGS` in a fresh process in `cwd`: (exit code, out, err, the modules
    it imported). Without `site` (-S): the test environment's editable install hooks imports
    into every start-up (pathlib among them) that a plain install, pre-commit's, does not; the
    installed packages (tomli on 3.10) stay on the path."""
    path = [str(ROOT), str(installed_layout()), *site.getsitepackages()]
    environ = {**os.environ, **(env or {}), "PYTHONPATH": os.pathsep.join(path)}
    environ.pop("RUNBOOK_GUARD_NO_CACHE", None)
    done = subprocess.run(
        [sys.executable, "-S", "-c", PROBE, *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
    )
    *err, last = done.stderr.splitlines(keepends=True)
    code, modules = json.loads(last)
    return code, done.stdout, "".join(err), set(modules)


def guard_json(*args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = guard("run", "--format", "json", *args)
    assert code in (0, 1), err
    return code, json.loads(out)


def findings(*args: str) -> set[tuple[str, str, int]]:
    """(rule, path, line) of every finding of `runbook-guard run ARGS`."""
    _, document = guard_json(*args)
    return {(f["rule"], f["path"], f["line"]) for f in document["findings"]}


def checklist_workspace(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    event_name: str,
    event_path: Path,
    repository: str,
    definition_of_done: str,
) -> None:
    """A workflow's working directory for `checklist`: the event, the repository, a job summary,
    and a config that points the bot at the team's checklist."""
    monkeypatch.setenv("GITHUB_EVENT_NAME", event_name)
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event_path))
    monkeypatch.setenv("GITHUB_REPOSITORY", repository)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    (tmp_path / ".runbook-guard.toml").write_text(
        f'[bot]\ndefinition-of-done = "{definition_of_done}"\n'
    )
    monkeypatch.chdir(tmp_path)


PULL_OPENED = (
    SHARED_DATA / "webhooks/payload-examples/api.github.com/pull_request/opened.payload.json"
)


def open_pull(
    github_api: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    files: list[str],
    *,
    repository: str,
    definition_of_done: str | None,
) -> dict[str, Any]:
    """The real `pull_request.opened` payload as the workflow's event, its pull request seeded
    in the test GitHub server with `files` changed, and the team's checklist on the base
    branch at `definition_of_done` (None: the shipped checklist). Its number, head, base ref
    and base commit."""
    event = json.loads(PULL_OPENED.read_text())
    checklist_workspace(
        tmp_path,
        monkeypatch,
        event_name="pull_request",
        event_path=PULL_OPENED,
        repository=repository,
        definition_of_done=definition_of_done or "",
    )
    if definition_of_done is None:
        (tmp_path / ".runbook-guard.toml").write_text("")
    pull = event["pull_request"]
    head, base = pull["head"]["sha"], pull["base"]["ref"]
    github_api.add_pull(repository, event["number"], head, files, base_ref=base)
    if definition_of_done is not None:
        checklist = (NETRA / "reports" / "DEFINITION_OF_DONE_CHECKLIST.md").read_text()
        github_api.add_content(repository, definition_of_done, checklist, ref=base)
    return {"number": event["number"], "head": head, "base": base, "base_sha": pull["base"]["sha"]}


def release_clone(tmp_path: Path) -> Path:
    """This checkout as its release would be: a clone whose tag is the version the snippets
    pin, with the working tree's uncommitted changes in it (what the tests are testing). Also
    where a wheel is built: never in the checkout, which other tests are reading."""

    def run_git(repo: Path, *args: str) -> str:
        identity = {"GIT_AUTHOR_NAME": "Tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid"}
        identity |= {"GIT_COMMITTER_NAME": "Tests", "GIT_COMMITTER_EMAIL": "tests@example.invalid"}
        return subprocess.run(
            ["git", *args],
            cwd=repo,
            env={**os.environ, **identity},
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    upstream = tmp_path / "upstream"
    run_git(ROOT, "clone", "-q", str(ROOT), str(upstream))
    # the working tree as it is: every file git would see (staged or not, new or deleted)
    listed = run_git(ROOT, "ls-files", "-z", "-c", "-o", "--exclude-standard")
    present = set(filter(None, listed.split("\0")))
    for name in filter(None, run_git(upstream, "ls-files", "-z").split("\0")):
        if name not in present or not (ROOT / name).is_file():
            (upstream / name).unlink()
    for name in present:
        if (ROOT / name).is_file():
            (upstream / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, upstream / name)
    run_git(upstream, "add", "-A")
    run_git(upstream, "commit", "-q", "--allow-empty", "--no-verify", "-m", "working tree")
    from runbook_guard.hooks import __version__

    run_git(upstream, "tag", "-f", f"v{__version__}")  # the clone may have the release's tag
    return upstream
