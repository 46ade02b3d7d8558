"""`runbook-bot report` over real HTTP: one issue per failure, recurrences, regressions."""

from __future__ import annotations

import contextlib
import io
import itertools
import os
from pathlib import Path

import pytest

from runbook_guard.bot.cli import main
from tests.github_api.server import GitHubAPI

REPO = "acme/app"
JUNIT = """<testsuite name="pytest">
  <testcase classname="tests.unit.test_ids" name="test_format" time="0.1">
    <failure message="ValueError: Invalid user_id format: e2e-{n}">
      ValueError: Invalid user_id format: e2e-{n}</failure>
  </testcase>
  <testcase classname="tests.e2e.test_chat" name="test_reply" time="0.000"/>
</testsuite>"""


@pytest.fixture
def junit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    return tmp_path / "junit.xml"


def report(junit: Path, n: int) -> int:
    """Run n of the workflow (each run has its own run id) with the failure's id `e2e-n`."""
    junit.write_text(JUNIT.format(n=n))
    os.environ["GITHUB_RUN_ID"] = str(1000 + n)  # the github_api fixture restores it
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(["report", "--junit", str(junit)])


def test_three_runs_give_one_issue_and_one_comment_per_later_run(
    github_api: GitHubAPI, junit: Path
) -> None:
    for n in range(3):
        assert report(junit, n) == 0
    issues = github_api.issues(REPO)
    assert len(issues) == 2  # the failure and the suspected fake test
    failure = next(i for i in issues if "Invalid user_id format" in i["title"])
    assert {label["name"] for label in failure["labels"]} >= {"runbook-bot", "failing-test"}
    assert not any(label["name"] == "severity:error" for label in failure["labels"])
    assert "<!-- runbook-bot:fingerprint=" in failure["body"]
    assert len(github_api.comments(REPO, failure["number"])) == 2
    assert all(len(name) <= 50 for name in github_api.labels(REPO))


def test_a_closed_issue_comes_back_reopened_with_regression(
    github_api: GitHubAPI, junit: Path
) -> None:
    report(junit, 1)
    failure = next(i for i in github_api.issues(REPO) if "Invalid user_id format" in i["title"])
    failure["state"] = "closed"
    assert report(junit, 2) == 0
    assert failure["state"] == "open"
    assert "regression" in {label["name"] for label in failure["labels"]}
    assert len(github_api.issues(REPO)) == 2


def test_read_only_token_ends_in_the_job_summary(
    github_api: GitHubAPI, junit: Path, tmp_path: Path
) -> None:
    github_api.read_only = True
    assert report(junit, 1) == 0
    assert github_api.issues(REPO) == []
    assert "could not file issues" in (tmp_path / "summary.md").read_text()


@pytest.mark.parametrize("status", [500, 429])
def test_a_fault_on_create_converges_with_no_duplicate(
    github_api: GitHubAPI, junit: Path, status: int
) -> None:
    github_api.fail("POST", r"/issues$", status, headers={"Retry-After": "0"})
    report(junit, 1)
    report(junit, 2)
    titles = [i["title"] for i in github_api.issues(REPO)]
    assert len(titles) == len(set(titles)) == 2


def test_writes_are_spaced_under_the_content_creation_limit(
    github_api: GitHubAPI, junit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub allows 80 content-creating requests a minute: the bot spaces its writes (0.8 s
    by default, 75 a minute); here a 0.25 s interval is measured at the server."""
    monkeypatch.setenv("RUNBOOK_BOT_WRITE_INTERVAL", "0.25")
    assert report(junit, 1) == 0
    times = [r["time"] for r in github_api.writes()]
    assert len(times) >= 4  # labels and issues
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 0.24, gaps


def test_the_default_write_interval_keeps_under_80_writes_a_minute() -> None:
    from runbook_guard.bot.github import WRITE_INTERVAL

    assert 60 / WRITE_INTERVAL < 80
