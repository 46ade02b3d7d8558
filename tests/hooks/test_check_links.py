"""`runbook-guard check-links` on the team's real runbooks, and with a broken anchor planted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from runbook_guard.hooks.check_links import markdown_links
from runbook_guard.hooks.links import SHIPPED_DIR
from tests.helpers import NETRA, guard, need_shared, write

CONFIG = """\
runbooks = ["checklists/*.md"]

[bot]
definition-of-done = "reports/DEFINITION_OF_DONE_CHECKLIST.md"

[links]
F821 = "checklists/TEST_FAILURE_DIAGNOSIS_RUNBOOK.md#7-async-test-issues"
"Invalid user_id format" = "checklists/TEST_FAILURE_DIAGNOSIS_RUNBOOK.md#2-authentication-failures"
"""


@pytest.fixture
def team(git_repo: Path) -> Path:
    need_shared()
    shutil.copytree(NETRA / "checklists", git_repo / "checklists")
    shutil.copytree(NETRA / "reports", git_repo / "reports")
    write(git_repo, ".runbook-guard.toml", CONFIG)
    return git_repo


def _broken(out: str) -> list[str]:
    return [line for line in out.splitlines() if ": broken link " in line]


def _not_shipped(lines: list[str]) -> list[str]:
    """Broken links other than the rules' sections of the shipped runbook (written in #3)."""
    return [line for line in lines if not line.startswith("hooks/rules/")]


def test_the_teams_runbooks_pass(team: Path) -> None:
    code, out, _ = guard("check-links")
    assert not _not_shipped(_broken(out)), out
    if list(SHIPPED_DIR.glob("*.md")):
        assert code == 0, out
    assert (
        "checklists/README.md:54: ./COMMON_MISTAKES_RUNBOOK.md#1-service_id-with-timestamps  ok"
        in out
    )
    assert "F821 -> checklists/TEST_FAILURE_DIAGNOSIS_RUNBOOK.md#7-async-test-issues  ok" in out
    assert "no-direct-environ" in out and "matched 0." in out
    assert (
        "runbook:4-direct-osenviron-access" in out
        and "source        checklists/COMMON_MISTAKES_RUNBOOK.md#4-direct-osenviron-access" in out
    )
    assert (
        "checklists/COMMON_MISTAKES_RUNBOOK.md:102: `cat auth_service/.env.staging | "
        "grep GOOGLE_CLIENT`: `cat` is not grep"
    ) in out


def test_a_planted_broken_anchor_fails_naming_it(team: Path) -> None:
    readme = team / "checklists" / "README.md"
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace("#1-service_id-with-timestamps", "#1-service-id-timestamps"))
    code, out, _ = guard("check-links")
    assert code == 1
    assert _not_shipped(_broken(out)) == [
        "checklists/README.md:54: broken link ./COMMON_MISTAKES_RUNBOOK.md#1-service-id-timestamps"
    ]


def test_a_renamed_heading_breaks_the_links_to_it(team: Path) -> None:
    runbook = team / "checklists" / "CONFIGURATION_VALIDATION_RUNBOOK.md"
    text = runbook.read_text(encoding="utf-8")
    runbook.write_text(text.replace("### Issue 2: Wrong Environment URLs", "### Issue 2: URLs"))
    code, out, _ = guard("check-links")
    assert code == 1
    assert _not_shipped(_broken(out)) == [
        "checklists/README.md:66: broken link "
        "./CONFIGURATION_VALIDATION_RUNBOOK.md#issue-2-wrong-environment-urls"
    ]


def test_broken_explicit_and_checklist_links(team: Path) -> None:
    write(team, ".runbook-guard.toml", CONFIG.replace("7-async-test-issues", "7-async"))
    checklist = team / "reports" / "DEFINITION_OF_DONE_CHECKLIST.md"
    checklist.write_text(
        checklist.read_text(encoding="utf-8")
        + "\n- [ ] See [the mistakes](../checklists/COMMON_MISTAKES_RUNBOOK.md#11-nope)\n"
        + "- [ ] And [env](../checklists/COMMON_MISTAKES_RUNBOOK.md#4-direct-osenviron-access)\n"
    )
    lines = len(checklist.read_text(encoding="utf-8").splitlines())
    code, out, _ = guard("check-links")
    assert code == 1
    assert _not_shipped(_broken(out)) == [
        ".runbook-guard.toml:7: broken link checklists/TEST_FAILURE_DIAGNOSIS_RUNBOOK.md#7-async",
        f"reports/DEFINITION_OF_DONE_CHECKLIST.md:{lines - 1}: broken link "
        "../checklists/COMMON_MISTAKES_RUNBOOK.md#11-nope",
    ]
    assert f"DEFINITION_OF_DONE_CHECKLIST.md:{lines}: ../checklists/" in out


def test_links_in_code_are_not_links() -> None:
    text = "[a](x.md#b)\n`[c](y.md#d)`\n```\n[e](z.md#f)\n```\n[g]: w.md#h\n"
    assert list(markdown_links(text)) == [(1, "x.md#b"), (6, "w.md#h")]
