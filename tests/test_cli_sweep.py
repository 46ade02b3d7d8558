"""Every subcommand of both command lines, started the awkward ways a shell or CI starts them:
stdout closed (`>&-`), both streams closed, from a subdirectory, with an unwritable `--output`,
without the bot's extra. None may print a traceback, and each exits as documented (0 clean,
1 findings or a failure, 2 a usage or configuration error), the same code as a plain run.

(A reader that closes the pipe early, `| head -1`, ends a run with 141; this sandbox delivers
no EPIPE to such a writer, so no test here claims it.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, commit, stage, write

# (program, arguments): each subcommand once, with what it needs to do real work
COMMANDS = [
    ("runbook-guard", ["run"]),
    ("runbook-guard", ["run", "--format", "json"]),
    ("runbook-guard", ["run", "--all-files", "--format", "sarif"]),
    ("runbook-guard", ["explain", "no-direct-environ"]),
    ("runbook-guard", ["explain", "no-such-rule"]),
    ("runbook-guard", ["rules", "--format", "json"]),
    ("runbook-guard", ["check-links"]),
    ("runbook-guard", ["critical-tests"]),
    ("runbook-guard", ["--version"]),
    ("runbook-guard", []),
    ("runbook-bot", ["checklist", "--dry-run"]),
    ("runbook-bot", ["report", "--dry-run", "--format", "json"]),
    ("runbook-bot", []),
]
BLOCK_BOT_EXTRA = (
    "import sys\nfor name in ('github', 'requests', 'junitparser'):\n    sys.modules[name] = None\n"
)


def invoke(
    cwd: Path,
    program: str,
    args: list[str],
    *,
    redirect: str = "",
    prelude: str = "",
    token: str = "",
) -> tuple[int, str]:
    """(exit code, stderr) of `program ARGS` started by bash with `redirect` (`>&-`)."""
    module = "runbook_guard.hooks.cli" if program == "runbook-guard" else "runbook_guard.bot.cli"
    code = f"{prelude}from {module} import main\nimport sys\nsys.exit(main())"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNBOOK_"))}
    env.update(PYTHONPATH=str(ROOT), GITHUB_TOKEN=token, GITHUB_REPOSITORY="o/r", NO_COLOR="1")
    done = subprocess.run(
        ["bash", "-c", f'"$@" {redirect}', "_", sys.executable, "-c", code, *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE if not redirect else None,
        stderr=subprocess.PIPE if "2>&-" not in redirect else None,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stderr or ""


@pytest.fixture
def project(git_repo: Path) -> Path:
    write(git_repo, ".runbook-guard.toml", '[critical-tests]\n"app/**" = "true"\n')
    write(git_repo, "app/__init__.py", "")
    write(git_repo, "app/clean.py", "X = 1\n")
    stage(git_repo, ".")
    commit(git_repo, "base")
    write(git_repo, "app/worker.py", 'import os\n\nTOKEN = os.environ["TOKEN"]\n')
    stage(git_repo, ".")
    return git_repo


@pytest.mark.parametrize(("program", "args"), COMMANDS, ids=lambda v: " ".join(v) or "-")
def test_closed_streams_and_subdirectories_change_nothing_but_the_output(
    project: Path, program: str, args: list[str]
) -> None:
    expected, err = invoke(project, program, args)
    assert "Traceback" not in err, err
    assert expected in (0, 1, 2), err
    for cwd, redirect in (
        (project, ">&-"),
        (project, ">&- 2>&-"),
        (project / "app", ""),
    ):
        code, err = invoke(cwd, program, args, redirect=redirect)
        assert "Traceback" not in err, (redirect, cwd, err)
        assert code == expected, (redirect, cwd, err)


def test_a_plain_run_exits_1_on_the_staged_mistake(project: Path) -> None:
    code, _ = invoke(project, "runbook-guard", ["run"])
    assert code == 1


@pytest.mark.parametrize("target", ["missing/dir/out.json", "app", "/proc/forbidden.json"])
def test_an_unwritable_output_is_one_line_and_exit_2(project: Path, target: str) -> None:
    code, err = invoke(project, "runbook-guard", ["run", "--output", target])
    assert code == 2, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert f"cannot write --output {target}" in err


@pytest.mark.parametrize("command", [["checklist"], ["report", "--junit", "junit.xml"]])
def test_every_bot_command_without_the_extra_says_what_to_install(
    project: Path, command: list[str]
) -> None:
    write(project, "junit.xml", '<testsuite><testcase classname="t" name="x"/></testsuite>')
    code, err = invoke(project, "runbook-bot", command, prelude=BLOCK_BOT_EXTRA, token="t")
    assert "Traceback" not in err, err
    assert code == 2, err
    assert "pip install 'runbook-guard[bot]'" in err, err
