"""Runbook sections and GitHub's anchors, checked against the team's real runbooks."""

from __future__ import annotations

import re

import pytest

from runbook_guard.hooks.runbook import (
    RunbookIndex,
    heading_text,
    parse,
    read_runbooks,
    section_text,
    slug,
)
from tests.helpers import NETRA, need_shared


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("1. SERVICE_ID with Timestamps", "1-service_id-with-timestamps"),
        ("4. Direct os.environ Access", "4-direct-osenviron-access"),
        (
            "🚨 Top 10 Most Common Mistakes That Break Everything",
            "-top-10-most-common-mistakes-that-break-everything",
        ),
        ("1. E2E Test Shows 0.00s Execution", "1-e2e-test-shows-000s-execution"),
        ("Issue: Authentication Fails Every Minute", "issue-authentication-fails-every-minute"),
        (
            "0. 🚀 GOLDEN PATH VERIFICATION (NEW - 2025-01-09) - MISSION CRITICAL",
            "0--golden-path-verification-new---2025-01-09---mission-critical",
        ),
        (
            "1.1. 🚨 ARCHITECTURE COMPLEXITY AUDIT (NEW - 2025-09-08)",
            "11--architecture-complexity-audit-new---2025-09-08",
        ),
        ("Café & crème", "café--crème"),
    ],
)
def test_github_anchor(heading: str, anchor: str) -> None:
    assert slug(heading_text(heading)) == anchor


def test_inline_markup_is_rendered_before_slugging() -> None:
    assert heading_text("Use `os.environ` via [the accessor](x.md) **now**") == (
        "Use os.environ via the accessor now"
    )


def test_duplicate_headings_are_suffixed() -> None:
    sections = parse("# Fix\n## Fix\n### Fix\n## Fix-1\n", "a.md")
    assert [s.anchor for s in sections] == ["fix", "fix-1", "fix-2", "fix-1-1"]


def test_headings_inside_fences_are_not_sections() -> None:
    text = "# Runbook\n```python\n# In any service\nx = 1\n```\n## Real\n"
    sections = parse(text, "r.md")
    assert [s.title for s in sections] == ["Runbook", "Real"]
    assert sections[0].code_blocks[0].lang == "python"
    assert sections[0].code_blocks[0].line == 2


def test_setext_headings() -> None:
    sections = parse("Title\n=====\n\nSub\n---\ntext\n", "s.md")
    assert [(s.title, s.level) for s in sections] == [("Title", 1), ("Sub", 2)]


def test_fields_and_subsection_text() -> None:
    text = (
        "## Mistake\n**Symptom**: it breaks\n**Root Cause:** a cause\n### Detail\nmore\n## Next\n"
    )
    sections = parse(text, "m.md")
    assert sections[0].fields == {"symptom": "it breaks", "root cause": "a cause"}
    assert "### Detail\nmore" in section_text(sections[0], sections)
    assert "Next" not in section_text(sections[0], sections)


def test_the_teams_cross_links_resolve() -> None:
    """Every `FILE.md#anchor` link the team wrote in its runbooks names one of our anchors."""
    need_shared()
    root = NETRA / "checklists"
    index = RunbookIndex.load(read_runbooks(root, ["*.md"]))
    links = []
    for _path, text in read_runbooks(root, ["*.md"]):
        links += re.findall(r"\]\(\./([A-Z_]+\.md)#([^)]+)\)", text)
    assert links, "the team's README links into its runbooks"
    for file, anchor in links:
        assert index.find(f"{file}#{anchor}") is not None, f"{file}#{anchor}"


def test_netra_sections_and_fields() -> None:
    need_shared()
    index = RunbookIndex.load(read_runbooks(NETRA / "checklists", ["*.md"]))
    section = index.find("COMMON_MISTAKES_RUNBOOK.md#4-direct-osenviron-access")
    assert section is not None
    assert section.title == "4. Direct os.environ Access"
    assert section.fields["symptom"].startswith("Config changes")
    assert section.code_blocks[0].lang == "bash"
    assert "grep -r" in section.code_blocks[0].code


def test_part_headings_are_fields_of_the_entry_above() -> None:
    """`#### What you see` / `#### Why` / `#### What to do` under a problem's heading are the
    parts of one entry: read as its fields, never sections of their own, while every anchor
    stays the one GitHub gives (a part still counts for the `-1` suffixes)."""
    text = (
        "# Search\n\n"
        "## Cluster unreachable\n\nListing saves fail.\n\n"
        "#### What you see\n\n`ConnectionError: Connection refused` from the indexer.\n\n"
        "#### Why\nThe cluster moved.\n\n"
        "#### What to do\n\n1. Point `ES_URL` at the new host.\n\n"
        "```bash\ncurl $ES_URL\n```\n\n"
        "## What you see\n\nA page of its own, titled like a part.\n\n"
        "### Fix\n\nA lone part stays a section.\n"
    )
    sections = parse(text, "search.md")
    assert [s.anchor for s in sections] == [
        "search",
        "cluster-unreachable",
        "what-you-see-1",
        "fix",
    ]
    entry = sections[1]
    assert entry.fields["what you see"] == "`ConnectionError: Connection refused` from the indexer."
    assert entry.fields["why"] == "The cluster moved."
    assert "1. Point `ES_URL` at the new host." in entry.body
    assert entry.code_blocks[0].code == "curl $ES_URL"
    assert entry.code_blocks[0].line == 18
    assert text.splitlines()[17] == "```bash"
