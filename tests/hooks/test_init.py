"""`runbook-guard init`: a starter config for the team's runbooks, a pinned pre-commit snippet."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from runbook_guard.hooks import __version__
from runbook_guard.hooks.config import load
from tests.helpers import NETRA, guard, need_shared, write


def test_points_at_the_teams_runbooks(git_repo: Path) -> None:
    need_shared()
    shutil.copytree(NETRA / "checklists", git_repo / "checklists")
    shutil.copytree(NETRA / "reports", git_repo / "reports")
    shutil.copytree(NETRA / "SPEC", git_repo / "SPEC")
    code, out, err = guard("init")
    assert code == 0, err
    config = load(git_repo)
    assert config.runbooks == ("checklists/*.md",)
    assert config.bot.definition_of_done == "reports/DEFINITION_OF_DONE_CHECKLIST.md"
    assert config.named_values.index == "SPEC/MISSION_CRITICAL_NAMED_VALUES_INDEX.xml"
    assert "checklists/*.md (7 files)" in out


def test_finds_runbooks_in_the_usual_places(git_repo: Path) -> None:
    write(git_repo, "docs/runbooks/ONCALL.md", "# On call\n")
    write(git_repo, "DEPLOY_RUNBOOK.md", "# Deploy\n")
    write(git_repo, "docs/guide.md", "# Not a runbook\n")
    assert guard("init")[0] == 0
    assert load(git_repo).runbooks == ("docs/runbooks/*.md", "*RUNBOOK*.md")


def test_without_runbooks_the_shipped_one_is_used(git_repo: Path) -> None:
    code, out, _ = guard("init")
    assert code == 0
    assert load(git_repo).runbooks == ()
    assert "none found (shipped runbook)" in out


def test_prints_a_pre_commit_snippet_pinned_to_this_version(git_repo: Path) -> None:
    _, out, _ = guard("init")
    snippet = yaml.safe_load(out[out.index("repos:") : out.index("\nThen run")])
    (repo,) = snippet["repos"]
    assert repo["repo"] == "https://github.com/runbook-guard/runbook-guard"
    assert repo["rev"] == f"v{__version__}"
    assert [h["id"] for h in repo["hooks"]] == [
        "runbook-guard",
        "runbook-guard-critical-tests",
        "runbook-guard-links",
    ]


def test_refuses_to_overwrite_without_force(git_repo: Path) -> None:
    write(git_repo, ".runbook-guard.toml", 'select = ["no-direct-environ"]\n')
    code, _, err = guard("init")
    assert code == 2
    assert "already exists" in err and "--force" in err
    assert load(git_repo).select == ("no-direct-environ",)
    assert guard("init", "--force")[0] == 0
    assert load(git_repo).select == ("ALL",)


def test_link_base_comes_from_the_origin_remote(git_repo: Path) -> None:
    import git as gitpython

    write(git_repo, "docs/runbooks/ONCALL.md", "# On call\n")
    gitpython.Repo(git_repo).create_remote("origin", "https://bot:s3cret@github.com/acme/pay.git")
    assert guard("init")[0] == 0
    # credentials in the remote's URL never reach the configuration
    assert load(git_repo).link_base == "https://github.com/acme/pay/blob/HEAD/"


def test_without_a_remote_link_base_stays_a_comment(git_repo: Path) -> None:
    write(git_repo, "docs/runbooks/ONCALL.md", "# On call\n")
    assert guard("init")[0] == 0
    assert load(git_repo).link_base is None
    assert "# link-base = " in (git_repo / ".runbook-guard.toml").read_text()
