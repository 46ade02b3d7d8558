"""What a reviewer and an on-call engineer see: the checklist comment and an issue body, posted
over real HTTP by the real bot, rendered with GitHub's markdown library and opened in headless
Chromium at the pull request's and the issue's own address (issue #13's acceptance).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest

from runbook_guard.bot.cli import main
from tests.browser import (
    checkbox_counts,
    headings_in_list_items,
    inspect,
    links_under,
    live_references,
    need_browser,
    render,
)
from tests.github_api.server import GitHubAPI
from tests.helpers import need_shared, open_pull

REPO = "Codertocat/Hello-World"
WEB = f"https://github.com/{REPO}"
DOD = "reports/DEFINITION_OF_DONE_CHECKLIST.md"
# the pull request the issue describes: the WebSocket manager, the execution engine, the JWT
# handler and an end-to-end test
CHANGED = [
    "netra_backend/app/websocket_core/manager.py",
    "netra_backend/app/agents/supervisor/execution_engine.py",
    "auth_service/auth_core/core/jwt_handler.py",
    "tests/e2e/test_websocket_agent_flow.py",
]
FINDINGS = {
    "version": 1,
    "findings": [
        {
            "rule": "no-silent-except",
            "severity": "error",
            "path": "netra_backend/app/websocket_core/manager.py",
            "line": 88,
            "column": 9,
            "message": "`except Exception` swallows the error silently (see #12, @octocat)",
            "fix": "Log it and re-raise.",
            "runbook": {
                "title": "Errors swallowed in silence",
                "url": f"{WEB}/blob/main/checklists/COMMON_MISTAKES_RUNBOOK.md#7-silent-failures",
            },
        }
    ],
    "summary": {"files": 4, "findings": 1},
}


def _bot(*args: str) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(list(args))


@pytest.fixture
def comment(github_api: GitHubAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple:
    need_shared()
    need_browser()
    pull = open_pull(
        github_api, tmp_path, monkeypatch, CHANGED, repository=REPO, definition_of_done=DOD
    )
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    findings = tmp_path / "findings.json"
    findings.write_text(json.dumps(FINDINGS))
    assert _bot("checklist", "--findings", str(findings)) == 0
    [posted] = github_api.comments(REPO, pull["number"])
    return posted["body"], f"{WEB}/pull/{pull['number']}", pull["base_sha"]


def test_the_checklist_comment_as_a_reviewer_sees_it(comment: tuple) -> None:
    body, url, base_sha = comment
    page = render(body)
    [seen] = inspect(
        [(page, url)],
        find=["runbook-guard findings", "WEBSOCKET MODULE", "On every change"],
    )
    boxes = checkbox_counts(seen)
    assert boxes["outside_details"] <= 40, boxes  # the acceptance bar: at most 40 open
    order = seen["find"]
    findings, websocket, every = (
        order[k] for k in ("runbook-guard findings", "WEBSOCKET MODULE", "On every change")
    )
    assert 0 <= findings < websocket < every  # findings first, then the modules, then the rest
    headings = [h["text"] for h in seen["headings"]]
    for module in ("WEBSOCKET MODULE", "AGENT ORCHESTRATION MODULE", "AUTHENTICATION MODULE"):
        assert any(module in h for h in headings), headings
    assert "Emergency Rollback" not in body  # a procedure, never posted
    assert links_under(seen, url) == []  # no link that lands under the pull request
    assert headings_in_list_items(seen) == []  # group headings not swallowed by list items
    assert live_references(page) == []  # no #N, owner/repo#N or @name made live
    # the team's relative links point at the file at the base commit
    blob_links = [link["href"] for link in seen["links"] if "/blob/" in link["href"]]
    assert blob_links and all(link.startswith(f"{WEB}/blob/") for link in blob_links)
    golden = f"{WEB}/blob/{base_sha}/docs/GOLDEN_PATH_USER_FLOW_COMPLETE.md"
    assert golden in blob_links, blob_links


def test_an_issue_as_the_on_call_engineer_sees_it(
    github_api: GitHubAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need_browser()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuite name="pytest"><testcase classname="tests.api.test_login" '
        'name="test_redirect" time="0.2"><failure message="AssertionError: assert 403 == 302 '
        '(see #7 and https://status.example.com/x, @octocat)">Traceback\nE   AssertionError: '
        "assert 403 == 302</failure></testcase></testsuite>"
    )
    assert _bot("report", "--junit", str(junit)) == 0
    [issue] = github_api.issues("acme/app")
    assert issue["title"].startswith("test_login.py::test_redirect: AssertionError: assert 403")
    page = render(issue["body"])
    issue_url = f"https://github.com/acme/app/issues/{issue['number']}"
    [seen] = inspect([(page, issue_url)])
    assert links_under(seen, issue_url) == []
    assert live_references(page) == []
    assert not any("status.example.com" in link["href"] for link in seen["links"])


def test_the_shipped_checklist_as_a_reviewer_sees_it(
    github_api: GitHubAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same on the checklist runbook-guard ships, for the demo's change. `make
    screenshots` runs this test with RUNBOOK_GUARD_SCREENSHOTS set: the README's picture."""
    need_browser()
    staged = Path(__file__).resolve().parents[2] / "examples" / "sample" / "staged"
    files = sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file())
    pull = open_pull(
        github_api, tmp_path, monkeypatch, files, repository=REPO, definition_of_done=None
    )
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    findings = tmp_path / "findings.json"
    findings.write_text(json.dumps(FINDINGS))
    assert _bot("checklist", "--findings", str(findings)) == 0
    [posted] = github_api.comments(REPO, pull["number"])
    url = f"{WEB}/pull/{pull['number']}"
    page = render(posted["body"])
    folder = os.environ.get("RUNBOOK_GUARD_SCREENSHOTS")
    shot = Path(folder).resolve() / "checklist-comment.png" if folder else None
    [seen] = inspect([(page, url)], find=["runbook-guard findings", "MODULE"], screenshot=shot)
    assert checkbox_counts(seen)["outside_details"] <= 40
    assert 0 <= seen["find"]["runbook-guard findings"] < seen["find"]["MODULE"]
    assert links_under(seen, url) == [] and headings_in_list_items(seen) == []
    assert live_references(page) == []
    assert shot is None or shot.read_bytes().startswith(b"\x89PNG")
