"""Every command and snippet the docs show is run, and what they say they print is what prints.

The fenced blocks of README.md, CONTRIBUTING.md and docs/*.md (not docs/rules.md: generated from
the rules, whose examples tests/rules checks) are each claimed by one check below; a new block
no check claims fails `test_every_block_is_run`, so the docs cannot grow an untested promise.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from runbook_guard.hooks import config as config_module
from tests.helpers import NETRA, ROOT, need_shared, release_clone

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DOCS = ["README.md", "CONTRIBUTING.md", "docs/bot.md", "docs/runbook-as-code.md"]
BIN = Path(sys.executable).parent
FENCE = re.compile(r"^(`{3,})(\w*)\n(.*?)^\1$", re.S | re.M)
IDENTITY = {
    "GIT_AUTHOR_NAME": "Docs",
    "GIT_AUTHOR_EMAIL": "docs@example.invalid",
    "GIT_COMMITTER_NAME": "Docs",
    "GIT_COMMITTER_EMAIL": "docs@example.invalid",
}


def blocks() -> list[tuple[str, str, str]]:
    """(document, language, text) of every fenced block, outermost fences only."""
    found = []
    for doc in DOCS:
        path = ROOT / doc
        if path.exists():
            found += [(doc, m[2], m[3]) for m in FENCE.finditer(path.read_text())]
    return found


def claim(doc: str, lang: str, text: str) -> str | None:
    """Which check below runs this block."""
    if lang == "bash" and text == "make demo\nmake test\n":
        return "quick start"
    if text.startswith("$ git commit\n"):
        return "commit transcript"
    if lang == "yaml" and "runbook-guard/runbook-guard" in text:
        return "pre-commit snippet"
    if lang == "yaml" and "astral-sh/ruff-pre-commit" in text:
        return "ruff snippet"
    if lang == "toml":
        return "configuration"
    if text.startswith(("runbook-guard ", "runbook-bot ")):
        return "synopsis"
    if lang == "markdown" and doc == "docs/runbook-as-code.md":
        return "runbook as code"
    if doc == "docs/runbook-as-code.md" and "runbook:12-hard-coded-localhost" in text:
        return "runbook as code"
    return None


def claimed(name: str) -> list[tuple[str, str, str]]:
    return [b for b in blocks() if claim(*b) == name]


def test_every_block_is_run() -> None:
    unclaimed = [(doc, text[:60]) for doc, lang, text in blocks() if claim(doc, lang, text) is None]
    assert not unclaimed, f"blocks no test runs: {unclaimed}"
    assert {claim(*b) for b in blocks()} >= {"quick start", "pre-commit snippet", "synopsis"}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        env={**os.environ, **IDENTITY},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_quick_start() -> None:
    """`make demo` runs here for real; `make test` is this suite (make -n: the target exists
    and makes .venv first)."""
    demo = subprocess.run(["make", "demo"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    assert "runbook:" in demo.stdout and "Traceback" not in demo.stderr
    plan = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True)
    assert plan.returncode == 0 and "pytest" in plan.stdout


def _options(text: str) -> list[tuple[str, str, list[str]]]:
    """(program, subcommand, its --options) of each line of a synopsis block; continuation
    lines (indented) belong to the line above."""
    entries: list[tuple[str, str, list[str]]] = []
    for line in text.splitlines():
        line = line.split("  #")[0]
        options = re.findall(r"--[a-z][a-z-]*", line)
        if line.startswith(("runbook-guard ", "runbook-bot ")):
            program, sub = line.split()[:2]
            entries.append((program, sub, options))
        elif entries:
            entries[-1][2].extend(options)
    return entries


def test_synopses_name_real_subcommands_and_options() -> None:
    for _, _, text in claimed("synopsis"):
        for program, sub, options in _options(text):
            module = (
                "runbook_guard.hooks.cli" if program == "runbook-guard" else "runbook_guard.bot.cli"
            )
            done = subprocess.run(
                [sys.executable, "-m", module.rpartition(".")[0], sub, "--help"],
                capture_output=True,
                text=True,
                env={**os.environ, "COLUMNS": "200"},
            )
            assert done.returncode == 0, (program, sub, done.stderr)
            missing = [o for o in options if o not in done.stdout]
            assert not missing, f"`{program} {sub}` has no {missing}"


def test_configuration_blocks_load(tmp_path: Path) -> None:
    for doc, _, text in claimed("configuration"):
        tomllib.loads(text)
        (tmp_path / "pyproject.toml").write_text(text)
        config = config_module.load(tmp_path)
        assert config.runbooks, doc  # every example names the team's runbooks


def test_the_ruff_snippet_is_the_installed_ruff_with_valid_arguments(tmp_path: Path) -> None:
    [(_, _, text)] = claimed("ruff snippet")
    [repo] = yaml.safe_load(text)
    version = subprocess.run([BIN / "ruff", "--version"], capture_output=True, text=True)
    assert repo["rev"] == "v" + version.stdout.split()[1]
    [hook] = repo["hooks"]
    (tmp_path / "a.py").write_text("x = MagicNone\n")
    done = subprocess.run(
        [BIN / "ruff", "check", "--no-cache", *hook["args"], "a.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "F821" in done.stdout, done.stdout + done.stderr


def test_runbook_as_code_example(tmp_path: Path) -> None:
    """The runbook section shown, compiled; the finding shown, printed by a real run."""
    [(_, _, section), (_, _, shown)] = claimed("runbook as code")
    repo = tmp_path / "repo"
    (repo / "checklists").mkdir(parents=True)
    (repo / "checklists" / "COMMON_MISTAKES_RUNBOOK.md").write_text("# Mistakes\n\n" + section)
    (repo / ".runbook-guard.toml").write_text('runbooks = ["checklists/*.md"]\n')
    (repo / "deploy").mkdir()
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    (repo / "deploy" / "staging.yaml").write_text(
        "service: api\nreplicas: 2\nenv:\n  AUTH_URL: http://localhost:8081\n"
    )
    git(repo, "add", ".")
    done = subprocess.run(
        [BIN / "runbook-guard", "run"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 1
    assert done.stdout == shown


def test_the_snippets_and_the_commit_transcript_through_real_pre_commit(
    tmp_path: Path,
) -> None:
    """The README's `.pre-commit-config.yaml` (init prints the same one) installed with
    `pre-commit install` in a repository set up as the README says; `git commit` prints the
    transcript the README shows."""
    need_shared()
    upstream = release_clone(tmp_path)
    [(_, _, snippet)] = claimed("pre-commit snippet")
    [(_, _, transcript)] = claimed("commit transcript")
    team = next(t for _, _, t in claimed("configuration") if "acme/app" in t)
    repo = tmp_path / "app"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shutil.copytree(NETRA / "checklists", repo / "checklists")
    (repo / "pyproject.toml").write_text(team)
    init = subprocess.run([BIN / "runbook-guard", "init"], cwd=repo, capture_output=True, text=True)
    printed = init.stdout[init.stdout.index("repos:") : init.stdout.index("\nThen run")]
    assert yaml.safe_load(printed) == yaml.safe_load(snippet.split("\n", 1)[1])
    (repo / ".runbook-guard.toml").unlink()  # init's starter config; the README's is used
    local = snippet.replace("https://github.com/runbook-guard/runbook-guard", str(upstream))
    (repo / ".pre-commit-config.yaml").write_text(local)
    env = {
        **os.environ,
        **IDENTITY,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "NO_COLOR": "1",
    }
    env.pop("GITHUB_SERVER_URL", None)
    env.pop("GITHUB_REPOSITORY", None)
    subprocess.run([BIN / "pre-commit", "install"], cwd=repo, env=env, check=True)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "--no-verify", "-m", "the team's runbooks")
    config = repo / "netra_backend" / "app" / "core" / "config.py"
    config.parent.mkdir(parents=True)
    config.write_text(
        '"""Settings."""\n\nimport os\n\n\nclass Settings:\n    def __init__(self) -> None:\n'
        '        self.debug = False\n        self.url = os.environ["DATABASE_URL"]\n'
    )
    git(repo, "add", ".")
    command, *shown = transcript.splitlines()
    done = subprocess.run(
        [*shlex.split(command.removeprefix("$ ")), "-q", "-m", "settings"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    printed = done.stdout + done.stderr  # git hands the hook's output to stderr
    assert done.returncode == 1, printed
    lines = printed.splitlines()
    assert shown[0] in lines, printed
    assert lines[lines.index(shown[0]) :] == shown, printed
