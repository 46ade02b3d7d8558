"""The Definition-of-Done checklist: parse the team's file as it is, pick the sections a pull
request needs, render one comment, and keep a person's ticks across updates. Pure.

The team's format: `## …` parts; under "Module-Specific Checklists", `### … MODULE` sections,
each selected by the file paths it lists in backticks (a leading `/` is the repository root; a
glob or a path ending in `/` names a tree); every other section is always on. Items are `- [ ]`
lines, some under bold sub-headings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from runbook_guard.hooks.context import path_matches
from runbook_guard.hooks.runbook import heading_text

MARKER = "<!-- runbook-bot:checklist -->"
# Trailing blanks are stripped in Python: `(.*?)\s*$` costs a line of blanks quadratic time.
ITEM = re.compile(r"^(\s*)[-*] \[( |x|X)\] (.*)$")
ITEM_ID = re.compile(r"<!-- rb:([0-9a-f]{10}) -->")
HEADING = re.compile(r"^(#{2,4})\s+(.*)$")  # the closing `#`s are stripped in Python
BOLD_LINE = re.compile(r"^\*\*([^*]+?):?\*\*:?\s*$")
BACKTICK = re.compile(r"`([^`\s]+)`")
PATH_LIKE = re.compile(r"^/?[\w.*-]+(/[\w.*-]*)+$|^[\w*-]+\.[\w*]+$")
MODULE_PART = re.compile(r"module", re.I)
LIMIT = 65_536
BUDGET = 60_000  # leave room for the header, the findings and the cut note


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    group: str  # the bold sub-heading above it, or ""


@dataclass
class ChecklistSection:
    title: str
    always: bool
    paths: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


def item_id(section: str, text: str) -> str:
    """A stable id: the same section and text always give the same id."""
    return hashlib.sha1(f"{section}\0{text}".encode()).hexdigest()[:10]


def _paths(line: str) -> list[str]:
    return [p for p in BACKTICK.findall(line) if PATH_LIKE.match(p) and not p.startswith("python")]


def parse(text: str) -> list[ChecklistSection]:
    """The checklist's sections with their items (sections without items are dropped)."""
    sections: list[ChecklistSection] = []
    part = ""
    current: ChecklistSection | None = None
    group = ""
    fence = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
            continue
        if fence:
            continue
        heading = HEADING.match(line)
        if heading:
            title = heading_text(_closing_hashes(heading[2]))
            if len(heading[1]) == 2:
                part = title
                current = ChecklistSection(title, always=True)
            else:
                modular = bool(MODULE_PART.search(part)) or bool(MODULE_PART.search(title))
                current = ChecklistSection(title, always=not modular)
            sections.append(current)
            group = ""
            continue
        if current is None:
            continue
        bold = BOLD_LINE.match(line.strip())
        if bold:
            group = bold[1].strip()
            current.paths.extend(_paths(line))
            continue
        item = ITEM.match(line)
        if item:
            body = item[3].strip()
            current.paths.extend(_paths(body))
            current.items.append(Item(item_id(current.title, body), body, group))
        elif line.strip().lower().startswith(("**paths", "**files", "paths:", "files:")):
            current.paths.extend(_paths(line))
    return [s for s in sections if s.items]


def _closing_hashes(text: str) -> str:
    """A heading's text without its optional closing `#` run (CommonMark: after a blank)."""
    text = text.strip()
    stripped = text.rstrip("#")
    if stripped != text and (not stripped or stripped[-1] in " \t"):
        return stripped.rstrip()
    return text


def section_applies(section: ChecklistSection, files: Iterable[str]) -> bool:
    if section.always:
        return True
    patterns = []
    for path in section.paths:
        path = path.lstrip("/")
        patterns.append(path)
        parent = path.rsplit("/", 1)[0] if "/" in path else ""
        # a listed file stands for its module directory when that is specific enough
        if parent.count("/") >= 2 and not any(c in path for c in "*?["):
            patterns.append(parent + "/")
    return any(path_matches(f, patterns) for f in files)


def select(sections: list[ChecklistSection], files: Iterable[str]) -> list[ChecklistSection]:
    files = list(files)
    return [s for s in sections if section_applies(s, files)]


def ticks(body: str) -> dict[str, bool]:
    """Item id -> ticked, read from a rendered comment."""
    found: dict[str, bool] = {}
    for line in body.splitlines():
        item = ITEM.match(line)
        marker = ITEM_ID.search(line)
        if item and marker:
            found[marker[1]] = item[2] in "xX"
    return found


def _item_lines(section: ChecklistSection, ticked: dict[str, bool]) -> list[str]:
    lines, group = [], ""
    for item in section.items:
        if item.group != group:
            group = item.group
            if group:
                lines.append(f"**{group}:**")
        box = "x" if ticked.get(item.id) else " "
        lines.append(f"- [{box}] {item.text} <!-- rb:{item.id} -->")
    return lines


def render(
    sections: list[ChecklistSection],
    ticked: dict[str, bool],
    *,
    stale: list[ChecklistSection] = (),  # type: ignore[assignment]
    findings_markdown: str = "",
    files: int = 0,
    head: str | None = None,
) -> str:
    """The comment body: the applicable sections, findings, and sections no longer needed.
    It records the commit status written with it (state, count, head commit): a push or a tick
    changes the record, and so the status is set again, on the new head, with the new count."""
    total = sum(len(s.items) for s in sections)
    done = sum(1 for s in sections for i in s.items if ticked.get(i.id))
    out = [
        MARKER,
        f"<!-- runbook-bot:status={status_record(sections, ticked, head)} -->",
        "## Definition of Done",
        f"{done} of {total} items ticked for the {files} changed file{'s' * (files != 1)}. "
        "Tick each box when it is true; the status `runbook/definition-of-done` turns green "
        "when all are.",
    ]
    for section in sections:
        out += ["", f"### {section.title}", *_item_lines(section, ticked)]
    if findings_markdown:
        out += ["", findings_markdown]
    if stale:
        out += ["", "<details><summary>Sections that no longer apply</summary>", ""]
        for section in stale:
            out += [f"#### {section.title}", *_item_lines(section, ticked), ""]
        out.append("</details>")
    return _bounded("\n".join(out) + "\n")


def _bounded(body: str) -> str:
    if len(body) <= LIMIT:
        return body
    cut = body[:BUDGET].rsplit("\n", 1)[0]
    return cut + "\n\n> The checklist was cut to stay under GitHub's comment size limit.\n"


STATE = re.compile(r"<!-- runbook-bot:status=([\w/]+) -->")


def recorded_state(body: str) -> str | None:
    """The commit status the comment says was last set (`status_record`'s form)."""
    match = STATE.search(body)
    return match[1] if match else None


def status_record(
    sections: list[ChecklistSection], ticked: dict[str, bool], head: str | None
) -> str:
    """The status as the comment records it: `pending/2/9/<head>`."""
    total = sum(len(s.items) for s in sections)
    done = sum(1 for s in sections for i in s.items if ticked.get(i.id))
    state, _ = status(sections, ticked)
    return f"{state}/{done}/{total}/{head or 'none'}"


def status(sections: list[ChecklistSection], ticked: dict[str, bool]) -> tuple[str, str]:
    """(state, description) of the commit status for our boxes only."""
    total = sum(len(s.items) for s in sections)
    done = sum(1 for s in sections for i in s.items if ticked.get(i.id))
    if done == total:
        return "success", f"All {total} Definition-of-Done items ticked"
    return "pending", f"{done} of {total} Definition-of-Done items ticked"
