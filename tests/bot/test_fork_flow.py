"""A fork's pull request: its own run has a read-only token and leaves the number as an
artifact; the `workflow_run` that follows posts the checklist, refusing a number whose pull
request is not at the commit that run was for."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from runbook_guard.bot import checklist
from runbook_guard.bot.cli import main
from tests.github_api.server import GitHubAPI
from tests.helpers import NETRA, SHARED_DATA, checklist_workspace

REPO = "octo-org/octo-repo"
DOD = "reports/DEFINITION_OF_DONE_CHECKLIST.md"
EVENT = SHARED_DATA / "webhooks/payload-examples/api.github.com/workflow_run/completed.payload.json"
NUMBER = 17


@pytest.fixture
def head(github_api: GitHubAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The real `workflow_run.completed` payload; the fork's pull request #17 at its head."""
    run = json.loads(EVENT.read_text())["workflow_run"]
    checklist_workspace(
        tmp_path,
        monkeypatch,
        event_name="workflow_run",
        event_path=EVENT,
        repository=REPO,
        definition_of_done=DOD,
    )
    github_api.add_pull(
        REPO, NUMBER, run["head_sha"], ["auth_service/auth_core/core/jwt_handler.py"]
    )
    github_api.add_content(REPO, DOD, (NETRA / "reports" / DOD.split("/")[1]).read_text())
    return run["head_sha"]


def run(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        return main(["checklist", *args]), err.getvalue()


def test_the_workflow_run_posts_the_checklist_of_the_artifacts_pull_request(
    github_api: GitHubAPI, head: str
) -> None:
    assert run("--pull", str(NUMBER), "--head", head) == (0, "")
    [comment] = github_api.comments(REPO, NUMBER)
    assert comment["body"].startswith(checklist.MARKER)
    assert "AUTHENTICATION MODULE" in comment["body"]
    [status] = github_api.statuses(REPO, head)
    assert status["state"] == "pending"


def test_a_number_whose_head_is_another_commit_is_refused_and_nothing_is_written(
    github_api: GitHubAPI, head: str
) -> None:
    code, err = run("--pull", str(NUMBER), "--head", "b" * 40)
    assert code == 2
    assert "is not the head of pull request #17" in err and "nothing posted" in err
    assert github_api.writes() == []


@pytest.mark.parametrize(
    "number", ["0", "-3", "17; rm -rf /", "1e3", "99999999999", "", "0x11", " 17"]
)
def test_an_artifact_that_is_not_a_pull_request_number_is_refused(
    github_api: GitHubAPI, head: str, number: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run("--pull", number, "--head", head)
    assert exit_info.value.code == 2
    assert github_api.requests == []
