"""Rules link to the section of the team's own runbook that covers them, with no link by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runbook_guard.hooks.config import Config
from runbook_guard.hooks.links import Links
from runbook_guard.hooks.matching import Matcher, tokens
from runbook_guard.hooks.rules import all_rules
from runbook_guard.hooks.runbook import parse
from tests.helpers import NETRA, guard, need_shared, stage, write

COMMON = "checklists/COMMON_MISTAKES_RUNBOOK.md"
TESTS = "checklists/TEST_FAILURE_DIAGNOSIS_RUNBOOK.md"
CONFIG = "checklists/CONFIGURATION_VALIDATION_RUNBOOK.md"

# rule id -> the sections of the team's runbooks that cover it (the first is the best)
EXPECTED = {
    "stable-service-id": [
        f"{COMMON}#1-service_id-with-timestamps",
        f"{CONFIG}#issue-3-service_id-instability",
    ],
    "critical-events-complete": [f"{COMMON}#2-missing-websocket-events"],
    "env-isolation": [f"{COMMON}#3-environment-config-leakage"],
    "no-direct-environ": [f"{COMMON}#4-direct-osenviron-access"],
    "no-shared-user-state": [f"{COMMON}#5-shared-state-between-users"],
    "idempotent-init": [f"{COMMON}#6-non-idempotent-initialization"],
    "no-silent-except": [f"{COMMON}#7-silent-error-suppression"],
    "no-mocks-in-e2e": [f"{COMMON}#8-mocked-services-in-e2e-tests"],
    "oauth-credentials-present": [
        f"{COMMON}#9-missing-oauth-credentials",
        f"{CONFIG}#issue-1-missing-oauth-credentials",
    ],
    "no-cross-service-imports": [f"{COMMON}#10-cross-service-direct-imports"],
    "no-unawaited-coroutine": [
        f"{TESTS}#7-async-test-issues",
        f"{COMMON}#when-tests-show-000s-execution",
    ],
    "no-undesigned-fallback": [f"{COMMON}#prevention-strategies"],
    "ssot-duplicate-definition": [f"{COMMON}#prevention-strategies"],
    "named-values-guard": [
        f"{CONFIG}#step-1-check-mission-critical-values",
        f"{COMMON}#prevention-strategies",
    ],
}


@pytest.fixture(scope="module")
def netra_links() -> Links:
    need_shared()
    return Links(NETRA, Config(root=NETRA, runbooks=("checklists/*.md",)))


@pytest.mark.parametrize("rule_id", sorted(EXPECTED))
def test_rule_links_to_the_teams_section(rule_id: str, netra_links: Links) -> None:
    rule = all_rules().get(rule_id)
    if rule is None:
        pytest.skip(f"{rule_id} is not written yet")
    resolution = netra_links.for_rule(rule)
    assert resolution.how == "matched", resolution
    assert resolution.section is not None
    assert f"{resolution.section.path}#{resolution.section.anchor}" in EXPECTED[rule_id]


def test_every_rule_links_somewhere(netra_links: Links) -> None:
    for rule in all_rules().values():
        assert netra_links.for_rule(rule).url, rule.ID


def test_explicit_link_wins(tmp_path: Path) -> None:
    need_shared()
    config = Config(
        root=NETRA,
        runbooks=("checklists/*.md",),
        links={"no-direct-environ": f"{CONFIG}#step-3-direct-environment-access-audit"},
        link_base="https://github.com/netra/apex/blob/main/",
    )
    resolution = Links(NETRA, config).for_rule(all_rules()["no-direct-environ"])
    assert resolution.how == "explicit"
    assert resolution.url == (
        "https://github.com/netra/apex/blob/main/checklists/CONFIGURATION_VALIDATION_RUNBOOK.md"
        "#step-3-direct-environment-access-audit"
    )


def test_broken_explicit_link_is_reported_as_broken() -> None:
    need_shared()
    config = Config(
        root=NETRA,
        runbooks=("checklists/*.md",),
        links={"no-direct-environ": "checklists/NOPE.md#x"},
    )
    assert Links(NETRA, config).for_rule(all_rules()["no-direct-environ"]).how == "broken"


def test_without_team_runbooks_rules_link_to_the_shipped_runbook(tmp_path: Path) -> None:
    resolution = Links(tmp_path, Config(root=tmp_path)).for_rule(all_rules()["no-direct-environ"])
    assert resolution.how in ("shipped", "broken")  # broken until the shipped runbook has it


def test_matcher_prefers_titles_and_refuses_weak_matches() -> None:
    sections = parse(
        "## Database connection errors\n**Symptom**: connection refused on port 5432\n"
        "## Redis errors\n**Symptom**: redis timeout\n",
        "r.md",
    )
    matcher = Matcher(sections)
    best = matcher.best("psycopg2.OperationalError: connection refused port 5432 database")
    assert best is not None and best.section.anchor == "database-connection-errors"
    assert matcher.best("KeyError: 'user'") is None


def test_tokens_split_identifiers() -> None:
    assert {"os", "environ", "osenviron"} <= set(tokens("os.environ[...]"))
    assert "the" not in tokens("the end")


RUNBOOK = "# Runbook\n\n## Reading os.environ directly\n\nUse the accessor.\n"


@pytest.mark.parametrize(
    ("remote", "env", "url"),
    [
        ("git@github.com:acme/pay.git", {}, "https://github.com/acme/pay/blob/HEAD/"),
        (
            "ssh://git@gitlab.com/acme/sub/pay.git",
            {},
            "https://gitlab.com/acme/sub/pay/-/blob/HEAD/",
        ),
        (
            None,
            {"GITHUB_SERVER_URL": "https://ghe.example.com", "GITHUB_REPOSITORY": "acme/pay"},
            "https://ghe.example.com/acme/pay/blob/HEAD/",
        ),
        (None, {}, ""),
    ],
)
def test_without_link_base_links_point_at_the_repository_on_the_web(
    git_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    remote: str | None,
    env: dict[str, str],
    url: str,
) -> None:
    import git as gitpython

    for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if remote:
        gitpython.Repo(git_repo).create_remote("origin", remote)
    write(git_repo, "docs/runbooks/R.md", RUNBOOK)
    write(git_repo, ".runbook-guard.toml", 'runbooks = ["docs/runbooks/*.md"]\n')
    write(git_repo, "a.py", 'import os\nX = os.environ["A"]\n')
    stage(git_repo, ".")
    _code, out, _ = guard("run", "--format", "json")
    [found] = json.loads(out)["findings"]
    assert found["runbook"]["url"] == f"{url}docs/runbooks/R.md#reading-osenviron-directly"
