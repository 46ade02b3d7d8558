"""`runbook-bot ... --dry-run`: no token, no network, the documented JSON shape."""

from __future__ import annotations

import contextlib
import io
import json
import socket
from pathlib import Path

import pytest

from runbook_guard.bot.cli import main
from tests.helpers import commit, guard, stage, write

JUNIT = """<testsuite name="pytest">
  <testcase classname="tests.e2e.test_chat" name="test_reply" time="0.000"/>
  <testcase classname="tests.unit.test_ids" name="test_format" time="0.1">
    <failure message="ValueError: Invalid user_id format: e2e-1">
      ValueError: Invalid user_id format: e2e-1</failure>
  </testcase>
  <testcase classname="tests.unit.test_ids" name="test_format" time="0.1">
    <failure message="ValueError: Invalid user_id format: e2e-2">
      ValueError: Invalid user_id format: e2e-2</failure>
  </testcase>
</testsuite>"""


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a dry run opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    for name in ("GITHUB_TOKEN", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(args))
    return code, out.getvalue()


def test_checklist_dry_run(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(git_repo, "README.md", "x\n")
    stage(git_repo, ".")
    commit(git_repo)
    write(git_repo, "app/settings.py", "X = 1\n")
    stage(git_repo, ".")
    event = git_repo.parent / "event.json"
    event.write_text(
        json.dumps(
            {"pull_request": {"number": 3, "head": {"sha": "a" * 40}, "base": {"ref": "main"}}}
        )
    )
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    code, out = run("checklist", "--dry-run", "--format", "json")
    document = json.loads(out)
    assert code == 0 and document["issues"] == []
    [body] = document["comments"]
    assert body.startswith("<!-- runbook-bot:checklist -->") and "### CONFIGURATION MODULE" in body
    assert document["status"]["state"] == "pending"


def test_checklist_dry_run_on_a_branch_compares_with_the_default_branch(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import git as gitpython

    write(git_repo, "docs/DONE.md", "# Done\n\n## Always\n\n### Every change\n- [ ] Reviewed\n")
    write(git_repo, ".runbook-guard.toml", '[bot]\ndefinition-of-done = "docs/DONE.md"\n')
    stage(git_repo, ".")
    commit(git_repo)
    repo = gitpython.Repo(git_repo)
    default = repo.active_branch.name
    repo.git.checkout("-b", "feature")
    write(git_repo, "app/settings.py", "X = 1\n")
    write(git_repo, "app/db.py", "Y = 1\n")
    stage(git_repo, ".")
    commit(git_repo)  # committed on the branch: nothing is staged
    for name in ("GITHUB_EVENT_PATH", "GITHUB_EVENT_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(git_repo / "app")  # a subdirectory: the repository's config still counts
    code, out = run("checklist", "--dry-run", "--format", "json")
    [body] = json.loads(out)["comments"]
    assert code == 0
    assert "the 2 changed files" in body, (default, body)
    assert "Reviewed" in body  # the configured checklist, not the shipped one


def test_report_dry_run_shape(git_repo: Path, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT)
    code, out = run("report", "--dry-run", "--format", "json", "--junit", str(junit))
    document = json.loads(out)
    assert code == 0 and document["comments"] == []
    issues = document["issues"]
    assert all(
        set(i) == {"fingerprint", "title", "labels", "runbook", "failures", "action", "body"}
        for i in issues
    )
    by_title = {i["title"]: i for i in issues}
    retried = next(i for t, i in by_title.items() if "Invalid user_id format" in t)
    # the body that would be posted, whole: a team previews it before turning the bot on
    assert retried["body"].startswith(f"<!-- runbook-bot:fingerprint={retried['fingerprint']}")
    assert "**Symptom**" in retried["body"] and "test_ids.py::test_format" in retried["body"]
    assert retried["title"].startswith("test_ids.py::test_format: ")
    assert (
        retried["failures"] == ["tests/unit/test_ids.py::test_format"] * 2
    )  # one issue for the retries
    fake = next(i for t, i in by_title.items() if t.startswith("Suspected fake test"))
    assert fake["failures"] == ["tests/e2e/test_chat.py::test_reply"]


def test_live_mode_needs_a_token(git_repo: Path, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["report", "--junit", str(junit)])
    assert code == 2 and "GITHUB_TOKEN" in err.getvalue()


def test_checklist_lists_the_diffs_findings_with_links(git_repo: Path, tmp_path: Path) -> None:
    write(git_repo, "app.py", 'import os\nX = os.environ["A"]\n')
    stage(git_repo, ".")
    _, report_json, _ = guard("run", "--format", "json")
    findings = tmp_path / "findings.json"
    findings.write_text(report_json)
    code, out = run("checklist", "--dry-run", "--format", "json", "--findings", str(findings))
    assert code == 0
    [body] = json.loads(out)["comments"]
    assert "runbook-guard findings in this diff (1)" in body
    assert "`app.py:2` `no-direct-environ`" in body and "([runbook](https://" in body
