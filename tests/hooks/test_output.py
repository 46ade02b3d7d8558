"""Every output format: the JSON contract, SARIF against the official schema, workflow commands,
and no env-file value in any of them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.helpers import SHARED_DATA, commit, guard, need_shared, stage, write

SECRETS = ("s3cr3t-Prod-Value-9f8e7d", "staging-client-id-XYZ123", "prod-db.internal")


@pytest.fixture
def leaky_repo(git_repo: Path) -> Path:
    """Env files full of distinctive values that trigger the env rules, plus a Python mistake."""
    write(
        git_repo,
        ".runbook-guard.toml",
        '[environment]\nenv-files = { staging = ".env.staging", production = ".env.production" }\n'
        'required-keys = ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"]\n',
    )
    write(
        git_repo,
        ".env.production",
        f"GOOGLE_CLIENT_ID=prod-id\nGOOGLE_CLIENT_SECRET={SECRETS[0]}\n",
    )
    stage(git_repo, ".")
    commit(git_repo, "base")
    write(
        git_repo,
        ".env.staging",
        f"GOOGLE_CLIENT_ID={SECRETS[1]}\nGOOGLE_CLIENT_SECRET=\n"
        f"DATABASE_URL=postgresql://u:{SECRETS[0]}@{SECRETS[2]}:5432/app_production\n"
        "SERVICE_ID=svc-1736323200\n",
    )
    write(
        git_repo, "app/x.py", 'import os\n\nURL = os.getenv("API_URL", "http://localhost:8000")\n'
    )
    stage(git_repo, ".")
    return git_repo


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_env_value_reaches_any_output(leaky_repo: Path, fmt: str) -> None:
    code, out, err = guard("run", "--format", fmt)
    assert code == 1
    rules = {"env-isolation", "oauth-credentials-present", "stable-service-id"}
    assert all(rule in out for rule in rules), out
    for secret in SECRETS:
        assert secret not in out and secret not in err, (fmt, secret)


def test_json_shape(leaky_repo: Path) -> None:
    _code, out, _ = guard("run", "--format", "json")
    document = json.loads(out)
    assert set(document) == {"version", "findings", "summary"}
    assert document["version"] == 1
    finding = document["findings"][0]
    assert set(finding) == {
        "rule",
        "severity",
        "path",
        "line",
        "column",
        "message",
        "fix",
        "runbook",
    }
    assert set(finding["runbook"]) == {"title", "url"}
    assert document["summary"] == {"files": 2, "findings": len(document["findings"])}


def test_sarif_is_valid_against_the_official_schema(leaky_repo: Path) -> None:
    need_shared()
    schema = json.loads((SHARED_DATA / "schemas" / "sarif-2.1.0.json").read_text())
    _code, out, _ = guard("run", "--format", "sarif")
    document = json.loads(out)
    jsonschema.validate(document, schema)
    results = document["runs"][0]["results"]
    assert results and all(
        r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in results
    )
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert all(rule.get("helpUri") for rule in rules)


def test_github_workflow_commands_are_escaped(git_repo: Path) -> None:
    write(git_repo, "a,b:c.py", 'import os\nX = os.environ["A"]\n')
    stage(git_repo, ".")
    code, out, _ = guard("run", "--format", "github")
    assert code == 1
    line = out.splitlines()[0]
    assert line.startswith("::error file=a%2Cb%3Ac.py,line=2,col=5,title=no-direct-environ::")
    assert "\n" not in line and "%0A" in line


def test_text_has_location_fix_and_link(git_repo: Path) -> None:
    write(git_repo, "a.py", 'import os\nX = os.environ["A"]\n')
    stage(git_repo, ".")
    _code, out, _ = guard("run")
    lines = out.splitlines()
    assert lines[0].startswith("a.py:2:5: no-direct-environ ")
    assert lines[1].strip().startswith("fix: ")
    assert lines[2].strip().startswith("runbook: Reading os.environ directly https://")
    assert "\033[" not in out  # not a terminal: no colour


@pytest.mark.parametrize(
    ("env", "colour"),
    [
        ({"FORCE_COLOR": "1"}, True),
        ({"PRE_COMMIT_COLOR": "always"}, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        ({"PRE_COMMIT_COLOR": "never"}, False),
        ({"FORCE_COLOR": ""}, False),
    ],
)
def test_colour_switches(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], colour: bool
) -> None:
    for name in ("FORCE_COLOR", "NO_COLOR", "PRE_COMMIT_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    write(git_repo, "a.py", 'import os\nX = os.environ["A"]\n')
    stage(git_repo, ".")
    _code, out, _ = guard("run")
    assert ("\033[" in out) is colour
    assert guard("run", "--format", "json")[1].startswith("{")  # never in machine formats


def test_a_clean_run_says_so_in_one_line(git_repo: Path) -> None:
    """As ruff does: the line an editor's problem matcher reads is `path:line:col: rule`."""
    write(git_repo, "a.py", "X = 1\n")
    stage(git_repo, ".")
    assert guard("run") == (0, "All checks passed!\n", "")


def test_an_unwritable_output_is_one_line_and_exit_2(git_repo: Path) -> None:
    write(git_repo, "a.py", 'import os\nX = os.environ["A"]\n')
    stage(git_repo, ".")
    code, out, err = guard("run", "--output", str(git_repo / "no" / "such" / "dir" / "r.json"))
    assert (code, out) == (2, "")
    assert err.startswith("runbook-guard: error: cannot write --output ") and err.count("\n") == 1


def test_output_file(git_repo: Path) -> None:
    write(git_repo, "a.py", 'import os\nX = os.environ["A"]\n')
    stage(git_repo, ".")
    code, out, _ = guard("run", "--format", "json", "--output", "report.json")
    assert code == 1 and out == ""
    assert json.loads((git_repo / "report.json").read_text())["summary"]["findings"] == 1


def test_a_runbook_grep_rule_does_not_echo_a_builtin_finding(git_repo: Path) -> None:
    runbook = (
        "# Runbook\n\n### 4. Direct os.environ Access\n**Symptom**: config changes do not apply\n"
        '**How to Check**:\n```bash\ngrep -r "os\\.environ\\[" . --include="*.py"\n```\n'
        "**Fix**: use the accessor\n"
    )
    write(git_repo, "docs/RUNBOOK.md", runbook)
    write(git_repo, ".runbook-guard.toml", 'runbooks = ["docs/*.md"]\n')
    write(git_repo, "a.py", 'import os\nX = os.environ["A"]\n')
    stage(git_repo, ".")
    code, out, _ = guard("run", "--format", "json")
    rules = [f["rule"] for f in json.loads(out)["findings"]]
    # the grep rule saw the same line and links to the same section: one finding
    assert code == 1 and rules == ["no-direct-environ"]
