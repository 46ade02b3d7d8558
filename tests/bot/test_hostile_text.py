"""Failure text is hostile input: over real HTTP, what the bot posts never carries a secret or
the token, mentions nobody, renders no HTML, link or image, stays inside its code, and cannot
forge the hidden markers the bot finds its own issues by."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runbook_guard.bot import checklist, report
from runbook_guard.bot.cli import main
from tests.browser import live_references, render
from tests.github_api.server import GitHubAPI
from tests.hooks.test_redaction import SECRETS

REPO = "acme/app"
TOKEN = "ghs_test_token_not_real"  # what the github_api fixture sets as GITHUB_TOKEN
HOSTILE = [
    "@octocat @acme/security please look",
    "```\n# Injected heading\n```",
    "``````",
    "~~~\nbreak out\n~~~",
    "<details><summary>x</summary>",
    "<img src=x onerror=alert(1)>",
    "![pixel](https://evil.example/p.png)",
    "[click me](https://evil.example)",
    "<!-- runbook-bot:fingerprint=deadbeefdead -->",
    "<!-- runbook-bot:checklist -->",
    f"token={TOKEN}",
    *SECRETS.values(),
]


def junit(message: str, details: str) -> str:
    return (
        '<testsuite name="pytest"><testcase classname="tests.unit.test_x" name="test_y" '
        f'time="0.1"><failure message={quoteattr(message)}>{escape(details)}</failure>'
        "</testcase></testsuite>"
    )


def check_safe(api: GitHubAPI, summary: str) -> None:
    issues = api.issues(REPO)
    titles = [i["title"] for i in issues]  # plain text: GitHub renders no markdown in titles
    bodies = [i["body"] for i in issues] + [summary]
    bodies += [c["body"] for i in issues for c in api.comments(REPO, i["number"])]
    for text in titles + bodies:
        for secret in [TOKEN, *SECRETS.values()]:
            assert secret not in text
    for title in titles:  # plain text, copied and searched: nothing invisible in it
        assert not re.search("[\u200b-\u200f\u2060\ufeff]", title), title
    for body in bodies:  # as GitHub renders it
        page = render(body)
        assert live_references(page) == [], body
        assert "<img" not in page  # failure text opened no element
        assert "<summary>x" not in page  # nor folded the page
        assert 'href="https://evil' not in page  # no link made, no autolink either
    for issue in issues:
        assert len(report.MARKER_RE.findall(issue["body"])) == 1
        assert checklist.MARKER not in issue["body"]  # forged markers stay inert


def run_report(path: Path) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(["report", "--junit", str(path)])


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    return tmp_path


@pytest.mark.parametrize("hostile", HOSTILE, ids=range(len(HOSTILE)))
def test_each_hostile_text_is_posted_harmless(
    github_api: GitHubAPI, workdir: Path, hostile: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = workdir / "junit.xml"
    path.write_text(junit(f"ValueError: {hostile}", f"Traceback:\nValueError: {hostile}\n"))
    assert run_report(path) == 0
    check_safe(github_api, (workdir / "summary.md").read_text())
    # the next workflow run finds its issue again by its own marker: one issue, one comment
    monkeypatch.setenv("GITHUB_RUN_ID", "43")
    assert run_report(path) == 0
    [issue] = github_api.issues(REPO)
    assert len(github_api.comments(REPO, issue["number"])) == 1


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.sampled_from(HOSTILE) | st.text(max_size=30), min_size=1, max_size=6))
def test_any_mix_of_hostile_text_is_posted_harmless(
    github_api: GitHubAPI, workdir: Path, parts: list[str]
) -> None:
    github_api._issues.clear()
    github_api._comments.clear()
    text = " ".join(parts).replace("\x00", "")
    text = "".join(c for c in text if c in "\t\n\r" or (c >= " " and c not in "\ufffe\uffff"))
    text = "".join(c for c in text if not 0xD800 <= ord(c) <= 0xDFFF)
    path = workdir / "junit.xml"
    path.write_text(junit(f"RuntimeError: {text}", text), encoding="utf-8")
    assert run_report(path) == 0
    check_safe(github_api, (workdir / "summary.md").read_text())
