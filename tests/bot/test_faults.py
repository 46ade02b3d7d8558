"""GitHub faults at every call of both commands: each run converges to the state a run without
the fault leaves, with no duplicate issue or comment.

Each scenario runs once cleanly against a fresh server and counts its requests; then, for
every request index and every way GitHub fails (FAULT_KINDS: 500, 502, 429, a secondary rate
limit, a connection reset before or after the request is applied, a timeout), a fresh server
fails that one request and the final state must equal the clean one. A run killed half way (a
fault that outlasts the retries) exits 1 with one line, and a second run converges.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runbook_guard.bot.cli import main
from tests.github_api.server import FAULT_KINDS, GitHubAPI
from tests.helpers import NETRA, SHARED_DATA, need_shared

PULL_REPO = "Codertocat/Hello-World"
REPORT_REPO = "acme/app"
DOD = "reports/DEFINITION_OF_DONE_CHECKLIST.md"
EVENT = SHARED_DATA / "webhooks/payload-examples/api.github.com/pull_request/opened.payload.json"
JUNIT = """<testsuite name="pytest">
  <testcase classname="tests.unit.test_ids" name="test_format" time="0.1">
    <failure message="ValueError: Invalid user_id format: e2e-7">
      ValueError: Invalid user_id format: e2e-7</failure>
  </testcase>
  <testcase classname="tests.integration.test_db" name="test_pool" time="0.2">
    <error message="ConnectionRefusedError: [Errno 111] Connection refused">
      ConnectionRefusedError: [Errno 111] Connection refused</error>
  </testcase>
</testsuite>"""


def quiet(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        return main(argv), err.getvalue()


# Scenarios: `seed(api)` prepares the server (and may run the bot cleanly first), `run()` is
# the run under test, `repo` the repository whose state is compared.
def seed_pull(api: GitHubAPI) -> None:
    event = json.loads(EVENT.read_text())
    head, base = event["pull_request"]["head"]["sha"], event["pull_request"]["base"]["ref"]
    api.add_pull(PULL_REPO, event["number"], head, ["netra_backend/app/db/postgres.py"], base)
    api.add_content(
        PULL_REPO, DOD, (NETRA / "reports" / "DEFINITION_OF_DONE_CHECKLIST.md").read_text(), base
    )


def seed_pull_updated(api: GitHubAPI) -> None:
    """A checklist already posted; a person ticks a box; a push changes the files."""
    seed_pull(api)
    assert checklist() == (0, "")
    event = json.loads(EVENT.read_text())
    [comment] = api.comments(PULL_REPO, event["number"])
    api.tick(PULL_REPO, comment["id"], "Check `MASTER_WIP_STATUS.md` for current system health")
    api.pulls[(PULL_REPO, event["number"])]["files"] = ["netra_backend/app/websocket_core/x.py"]


def seed_issues(api: GitHubAPI) -> None:
    """A first report run filed the failures; one of the issues was closed since."""
    os.environ["GITHUB_RUN_ID"] = "100"
    assert report() == (0, "")
    os.environ["GITHUB_RUN_ID"] = "101"
    api.issues(REPORT_REPO)[0]["state"] = "closed"


def checklist() -> tuple[int, str]:
    return quiet(["checklist"])


def report() -> tuple[int, str]:
    return quiet(["report", "--junit", "junit.xml"])


SCENARIOS: dict[str, tuple[Callable[[GitHubAPI], None], Callable[[], tuple[int, str]], str]] = {
    "checklist-first": (seed_pull, checklist, PULL_REPO),
    "checklist-update": (seed_pull_updated, checklist, PULL_REPO),
    "report-first": (lambda api: None, report, REPORT_REPO),
    "report-recurrence": (seed_issues, report, REPORT_REPO),
}


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    need_shared()
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".runbook-guard.toml").write_text(f'[bot]\ndefinition-of-done = "{DOD}"\n')
    (tmp_path / "junit.xml").write_text(JUNIT)
    for key, value in {
        "GITHUB_TOKEN": "ghs_test_token_not_real",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(EVENT),
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "42",
        "GITHUB_SHA": "a" * 40,
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "RUNBOOK_BOT_WRITE_INTERVAL": "0",
        "RUNBOOK_BOT_BACKOFF": "0.01",
        "RUNBOOK_BOT_TIMEOUT": "1",
    }.items():
        monkeypatch.setenv(key, value)


def attempt(
    scenario: str, prepare: Callable[[GitHubAPI], None] = lambda api: None
) -> tuple[int, str, dict[str, Any], GitHubAPI]:
    """Seed a fresh server, let `prepare` plan faults, run; (exit code, stderr, state, api)."""
    seed, run, repo = SCENARIOS[scenario]
    with GitHubAPI() as api:
        api.timeout_delay = 1.5
        os.environ["GITHUB_API_URL"] = api.url
        os.environ["GITHUB_REPOSITORY"] = repo
        seed(api)
        prepare(api)
        code, err = run()
        assert not api.violations, api.violations
        return code, err, api.state(repo), api


def clean(scenario: str) -> tuple[dict[str, Any], int]:
    """The state a run without faults leaves, and how many requests it makes."""
    counted: list[int] = []
    code, err, state, _ = attempt(scenario, lambda api: counted.append(len(api.requests)))
    assert (code, err) == (0, "")
    _, _, _, api = attempt(scenario)
    calls = len(api.requests) - counted[0]
    assert calls > 0
    return state, calls


@pytest.mark.parametrize("kind", FAULT_KINDS)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_one_fault_at_each_call_converges_with_no_duplicate(
    environment: None, scenario: str, kind: str
) -> None:
    expected, calls = clean(scenario)
    for index in range(calls):
        code, err, state, _ = attempt(scenario, lambda api, i=index: api.fault_at(i, kind))
        assert (code, err) == (0, ""), f"{kind} at call {index} of {calls}"
        assert state == expected, f"{kind} at call {index} of {calls}"


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_a_run_killed_half_way_is_finished_by_the_next(environment: None, scenario: str) -> None:
    expected, calls = clean(scenario)
    for index in range(calls):

        def outage(api: GitHubAPI, i: int = index) -> None:
            for later in range(i, i + 60):  # GitHub down from call i on: more than the retries
                api.fault_at(later, "502")

        seed, run, repo = SCENARIOS[scenario]
        with GitHubAPI() as api:
            os.environ["GITHUB_API_URL"] = api.url
            os.environ["GITHUB_REPOSITORY"] = repo
            seed(api)
            outage(api)
            code, err = run()
            assert code == 1, f"killed at call {index} of {calls}"
            assert err.count("\n") == 1 and "run again" in err and "Traceback" not in err, err
            api.faults_at.clear()
            assert run() == (0, ""), f"rerun after a kill at call {index}"
            assert api.state(repo) == expected, f"killed at call {index} of {calls}"
            assert not api.violations, api.violations


def test_two_report_runs_at_once_leave_one_open_issue_per_failure(environment: None) -> None:
    with GitHubAPI() as api:
        os.environ["GITHUB_API_URL"] = api.url
        os.environ["GITHUB_REPOSITORY"] = REPORT_REPO
        results: list[int] = []
        runs = [threading.Thread(target=lambda: results.append(report()[0])) for _ in range(2)]
        for thread in runs:
            thread.start()
        for thread in runs:
            thread.join()
        assert results == [0, 0]
        open_issues = [i for i in api.issues(REPORT_REPO) if i["state"] == "open"]
        assert sorted(i["title"] for i in open_issues) == sorted(
            {i["title"] for i in api.issues(REPORT_REPO)}
        )
        assert len(open_issues) == 2
        assert not api.violations, api.violations


def test_a_run_that_files_first_meanwhile_is_seen_by_the_check_before_create(
    environment: None,
) -> None:
    """Run B plans a create from its first listing; run A files the same failures before B
    creates. B's marker check just before the create finds A's issue: B comments instead."""
    os.environ["GITHUB_RUN_ID"] = "200"
    _, _, _, probe = attempt("report-first")
    checks = [
        n
        for n, r in enumerate(probe.requests)
        if r["method"] == "GET" and r["path"].endswith("/issues")
    ]
    first_check = checks[1]  # [0] is the plan's listing, [1] the check before a create
    with GitHubAPI() as api:
        os.environ["GITHUB_API_URL"] = api.url
        os.environ["GITHUB_REPOSITORY"] = REPORT_REPO

        def other_run() -> None:
            os.environ["GITHUB_RUN_ID"] = "201"
            assert report() == (0, "")
            os.environ["GITHUB_RUN_ID"] = "200"

        api.before_request[first_check] = other_run
        assert report() == (0, "")
        issues = api.issues(REPORT_REPO)
        assert len(issues) == 2 and all(i["state"] == "open" for i in issues)
        assert all(len(api.comments(REPORT_REPO, i["number"])) == 1 for i in issues)
        assert not api.violations, api.violations
