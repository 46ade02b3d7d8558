"""Write docs/rules.md, the rule reference, from the rule modules' own docstrings.

`python docs/generate_rules.py` rewrites it; tests/test_docs.py fails when it is stale.
"""

from __future__ import annotations

from pathlib import Path

from runbook_guard.hooks.explain import HEADINGS, doc_sections
from runbook_guard.hooks.links import Links
from runbook_guard.hooks.rules import all_rules

ROOT = Path(__file__).resolve().parents[1]

TARGET = ROOT / "docs" / "rules.md"


def render() -> str:
    from runbook_guard.hooks.config import Config

    links = Links(ROOT, Config(root=ROOT))
    out = [
        "# Rule reference",
        "",
        "Generated from the rule modules by `python docs/generate_rules.py`; do not edit by hand.",
        "Each rule links to its section of the shipped runbook; point `runbooks` at your own and",
        "`runbook-guard explain RULE-ID` shows your team's section instead.",
        "",
    ]
    for rule in all_rules().values():
        docs = doc_sections(rule)
        resolution = links.for_rule(rule)
        out += [f"## `{rule.ID}`: {rule.TITLE}", "", f"Message: {rule.MESSAGE}", ""]
        for heading in HEADINGS[:-1]:
            if heading in docs:
                out += [f"### {heading}", docs[heading], ""]
        out += ["### Fix", rule.FIX, ""]
        if resolution.url and resolution.section:
            out += ["### Runbook", f"[{resolution.section.title}]({resolution.url})", ""]
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    TARGET.write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
