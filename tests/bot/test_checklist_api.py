"""`runbook-bot checklist` over real HTTP, real PyGithub, a server held to GitHub's description."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from runbook_guard.bot import checklist
from runbook_guard.bot.cli import main
from tests.github_api.server import GitHubAPI
from tests.helpers import PULL_OPENED, open_pull

REPO = "Codertocat/Hello-World"
DOD = "reports/DEFINITION_OF_DONE_CHECKLIST.md"


@pytest.fixture
def pr(github_api: GitHubAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """The real `pull_request.opened` payload, its PR seeded in the server, the team's checklist
    on the base branch, and a config that points the bot at it."""
    files = ["netra_backend/app/db/postgres.py"]
    return open_pull(
        github_api, tmp_path, monkeypatch, files, repository=REPO, definition_of_done=DOD
    )


def run() -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(["checklist"])


def test_first_run_creates_the_comment_and_a_pending_status(
    github_api: GitHubAPI, pr: dict
) -> None:
    assert run() == 0
    [comment] = github_api.comments(REPO, pr["number"])
    assert comment["body"].startswith(checklist.MARKER) and "DATABASE MODULE" in comment["body"]
    [status] = github_api.statuses(REPO, pr["head"])
    assert (status["state"], status["context"]) == ("pending", "runbook/definition-of-done")


def test_steady_state_makes_no_write_and_at_most_three_calls(
    github_api: GitHubAPI, pr: dict
) -> None:
    run()
    before = len(github_api.requests)
    assert run() == 0
    second = github_api.requests[before:]
    assert [r for r in second if r["method"] != "GET"] == []
    assert len(second) <= 3, [(r["method"], r["path"]) for r in second]


def test_a_ticked_box_survives_a_push_that_changes_the_sections(
    github_api: GitHubAPI, pr: dict
) -> None:
    run()
    [comment] = github_api.comments(REPO, pr["number"])
    github_api.tick(REPO, comment["id"], "Check `MASTER_WIP_STATUS.md` for current system health")
    github_api.pulls[(REPO, pr["number"])]["files"] = [
        "netra_backend/app/websocket_core/manager.py"
    ]
    assert run() == 0
    [comment] = github_api.comments(REPO, pr["number"])
    assert "- [x] Check `MASTER_WIP_STATUS.md` for current system health" in comment["body"]
    assert "WEBSOCKET MODULE" in comment["body"]


def test_150_changed_files_are_all_read(github_api: GitHubAPI, pr: dict) -> None:
    files = [f"docs/page_{i}.md" for i in range(149)] + [
        "auth_service/auth_core/core/jwt_handler.py"
    ]
    github_api.pulls[(REPO, pr["number"])]["files"] = files
    assert run() == 0
    [comment] = github_api.comments(REPO, pr["number"])
    assert "AUTHENTICATION MODULE" in comment["body"]  # listed on the second page
    assert "150 changed files" in comment["body"]


def test_all_ticked_turns_the_status_green(github_api: GitHubAPI, pr: dict) -> None:
    run()
    [comment] = github_api.comments(REPO, pr["number"])
    comment["body"] = comment["body"].replace("- [ ]", "- [x]")
    assert run() == 0
    assert github_api.statuses(REPO, pr["head"])[-1]["state"] == "success"


def test_racing_runs_leave_one_comment(github_api: GitHubAPI, pr: dict) -> None:
    run()
    [first] = github_api.comments(REPO, pr["number"])
    duplicate = dict(first, id=github_api.next_id(), body=first["body"] + "\n")
    github_api._comments[REPO][duplicate["id"]] = duplicate
    assert run() == 0
    assert [c["id"] for c in github_api.comments(REPO, pr["number"])] == [first["id"]]


def test_read_only_token_writes_the_job_summary_and_exits_0(
    github_api: GitHubAPI, pr: dict, tmp_path: Path
) -> None:
    github_api.read_only = True
    assert run() == 0
    assert github_api.comments(REPO, pr["number"]) == []
    summary = (tmp_path / "summary.md").read_text()
    assert "could not write" in summary and checklist.MARKER in summary


@pytest.mark.parametrize("status", [500, 502, 429])
def test_a_fault_on_a_write_converges_with_no_duplicate(
    github_api: GitHubAPI, pr: dict, status: int
) -> None:
    github_api.fail("POST", r"/comments$", status, headers={"Retry-After": "0"})
    assert run() == 0
    assert len(github_api.comments(REPO, pr["number"])) == 1


SYNCHRONIZE = PULL_OPENED.with_name("synchronize.payload.json")


def test_a_push_to_an_open_pull_request_sets_the_status_on_the_new_head(
    github_api: GitHubAPI, pr: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A required status must be on every head: a second commit (`synchronize`, new head SHA)
    gets its own, although nothing else in the comment changed."""
    run()
    event = json.loads(SYNCHRONIZE.read_text())
    event["number"] = event["pull_request"]["number"] = pr["number"]
    new_head = "9" * 40
    event["pull_request"]["head"]["sha"] = new_head
    event["pull_request"]["base"]["ref"] = pr["base"]
    pushed = tmp_path / "synchronize.json"
    pushed.write_text(json.dumps(event))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(pushed))
    github_api.pulls[(REPO, pr["number"])]["head"] = new_head
    assert run() == 0
    [status] = github_api.statuses(REPO, new_head)
    assert (status["state"], status["context"]) == ("pending", "runbook/definition-of-done")
    assert len(github_api.comments(REPO, pr["number"])) == 1
    before = len(github_api.requests)  # and then the steady state again: no write
    assert run() == 0
    assert [r for r in github_api.requests[before:] if r["method"] != "GET"] == []


def test_ticks_update_the_count_of_the_status(github_api: GitHubAPI, pr: dict) -> None:
    run()
    [comment] = github_api.comments(REPO, pr["number"])
    # the module's boxes come first, open; what applies to every change is folded after them
    total = comment["body"].split("<details>")[0].count("- [ ]")
    comment["body"] = comment["body"].replace("- [ ]", "- [x]", 2)
    assert run() == 0
    [comment] = github_api.comments(REPO, pr["number"])
    status = github_api.statuses(REPO, pr["head"])[-1]
    assert status["description"] == f"2 of {total} Definition-of-Done items ticked"
    assert f"**2 of {total}** boxes ticked" in comment["body"]
