"""The docs say what the code does: the rule reference is fresh, the quick start is two commands."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from runbook_guard.hooks.explain import HEADINGS, doc_sections
from runbook_guard.hooks.rules import all_rules

ROOT = Path(__file__).resolve().parents[1]


def test_rule_reference_is_generated_and_fresh() -> None:
    spec = importlib.util.spec_from_file_location(
        "generate_rules", ROOT / "docs" / "generate_rules.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "rules.md").read_text() == module.render(), (
        "docs/rules.md is stale: run `python docs/generate_rules.py`"
    )


def test_every_rule_has_every_heading() -> None:
    for rule in all_rules().values():
        missing = [h for h in HEADINGS if h not in doc_sections(rule)]
        assert not missing, f"{rule.ID} lacks {missing}"


def test_quick_start_is_exactly_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    block = re.search(r"```bash\n(.*?)```", quick, re.S)
    assert block is not None and block[1].split("\n")[:-1] == ["make demo", "make test"]
