"""Configuration from pyproject.toml or .runbook-guard.toml; bad keys exit 2, named."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbook_guard.hooks.config import load
from runbook_guard.hooks.errors import ConfigError
from tests.helpers import findings, guard, stage, write

FULL = """
[tool.runbook-guard]
runbooks = ["docs/runbooks/*.md"]
link-base = "https://github.com/acme/app/blob/main/"
select = ["ALL"]
ignore = ["ssot-duplicate-definition"]
per-file-ignores = { "scripts/**" = ["no-direct-environ"] }
e2e-paths = ["tests/e2e/**"]
test-paths = ["tests/**"]

[tool.runbook-guard.services]
netra_backend = "netra_backend"
auth_service = "auth_service"
shared = ["shared"]

[tool.runbook-guard.environment]
accessor-modules = ["shared/isolated_environment.py"]
env-files = { staging = ".env.staging", production = ".env.production" }
required-keys = ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"]

[tool.runbook-guard.named-values]
index = "SPEC/MISSION_CRITICAL_NAMED_VALUES_INDEX.xml"
SERVICE_ID = "netra-backend"

[tool.runbook-guard.critical-events]
names = ["agent_started", "agent_completed"]

[tool.runbook-guard.critical-tests]
"netra_backend/app/websocket_core/**" = "python -m pytest tests/mission_critical -q"

[tool.runbook-guard.bot]
definition-of-done = "reports/DEFINITION_OF_DONE_CHECKLIST.md"
labels = ["bug"]
max-new-issues = 10

[tool.runbook-guard.links]
no-direct-environ = "docs/runbooks/COMMON_MISTAKES_RUNBOOK.md#4-direct-osenviron-access"
"""


def test_every_documented_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(FULL)
    config = load(tmp_path)
    assert config.runbooks == ("docs/runbooks/*.md",)
    assert config.services.packages == {
        "netra_backend": "netra_backend",
        "auth_service": "auth_service",
    }
    assert config.services.shared == ("shared",)
    assert config.environment.env_files["staging"] == ".env.staging"
    assert config.named_values.index.endswith(".xml")
    assert config.named_values.inline == {"SERVICE_ID": "netra-backend"}
    assert config.critical_events == ("agent_started", "agent_completed")
    assert config.bot.max_new_issues == 10
    assert config.per_file_ignores == {"scripts/**": ("no-direct-environ",)}
    assert "no-direct-environ" in config.links


def test_runbook_guard_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.runbook-guard]\nselect = ["no-silent-except"]\n'
    )
    (tmp_path / ".runbook-guard.toml").write_text('select = ["no-direct-environ"]\n')
    assert load(tmp_path).select == ("no-direct-environ",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[tool.runbook-guard]\nselct = []\n", "unknown key 'selct'"),
        ("[tool.runbook-guard.environment]\naccessor = []\n", "unknown key 'accessor'"),
        (
            "[tool.runbook-guard.bot]\nmax-new-issues = 'ten'\n",
            "max-new-issues: expected an integer",
        ),
        ("[tool.runbook-guard]\nselect = 3\n", "select: expected a list of strings"),
        ("[tool.runbook-guard\n", "invalid TOML"),
    ],
)
def test_bad_configuration_exits_2_naming_the_key(git_repo: Path, text: str, message: str) -> None:
    write(git_repo, "pyproject.toml", text)
    code, out, err = guard("run")
    assert code == 2 and out == ""
    assert message in err and "pyproject.toml" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_runbooks_pattern_that_names_no_file_exits_2(git_repo: Path) -> None:
    write(git_repo, ".runbook-guard.toml", 'runbooks = ["docs/runbooks/*.md"]\n')
    write(git_repo, "a.py", 'import os\nX = os.environ["A"]\n')
    stage(git_repo, ".")
    for command in (["run"], ["check-links"]):
        code, _, err = guard(*command)
        assert code == 2
        assert "runbooks: 'docs/runbooks/*.md' names no file" in err
    write(git_repo, "docs/runbooks/R.md", "# Runbook\n\n## Reading os.environ\n")
    assert guard("run")[0] == 1


def test_unknown_rule_id_exits_2(git_repo: Path) -> None:
    code, _, err = guard("run", "--select", "no-such-rule")
    assert code == 2 and "unknown rule id 'no-such-rule'" in err


def test_missing_explicit_config(git_repo: Path) -> None:
    code, _, err = guard("run", "--config", "nope.toml")
    assert code == 2 and "nope.toml: no such configuration file" in err


def test_select_ignore_and_per_file_ignores(git_repo: Path) -> None:
    write(
        git_repo,
        ".runbook-guard.toml",
        'per-file-ignores = { "scripts/**" = ["no-direct-environ"] }\n',
    )
    write(git_repo, "scripts/a.py", 'import os\nX = os.environ["A"]\n')
    write(
        git_repo,
        "app/b.py",
        'import os\nX = os.environ["A"]\ntry:\n    pass\nexcept Exception:\n    pass\n',
    )
    stage(git_repo, ".")
    assert findings() == {("no-direct-environ", "app/b.py", 2), ("no-silent-except", "app/b.py", 5)}
    assert findings("--select", "no-silent-except") == {("no-silent-except", "app/b.py", 5)}
    assert findings("--ignore", "no-silent-except") == {("no-direct-environ", "app/b.py", 2)}


def test_config_error_type() -> None:
    with pytest.raises(ConfigError):
        from runbook_guard.hooks.config import parse

        parse({"nope": 1}, root=Path("."), source=None, where="x")
