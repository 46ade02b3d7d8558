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
