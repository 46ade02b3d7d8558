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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from runbook_guard.bot.markdown import Linker, team_text
from runbook_guard.hooks import globs
from runbook_guard.hooks.context import path_matches
from runbook_guard.hooks.grep.paths import glob_tokens
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
REFERENCE = re.compile("^`([^`]+)`(?:\\s+\\([^()]*\\)|\\s+[-\u2013\u2014:].{0,80})?$")
# Parts of the team's file that are procedures or templates, not a definition of done: never
# posted unless the team's configuration says otherwise (`checklist-omit`).
DEFAULT_OMIT = ("*rollback*", "*template*", "*emergency*")
EXPANDED_BOXES = 40  # module boxes shown open; further module sections are folded
LIMIT = 65_536
BUDGET = 60_000  # leave room for the header, the findings and the cut note


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    group: str  # the bold sub-heading above it, or ""

    @property
    def reference(self) -> bool:
        """A file to look at, not a check to make: the item is a path in backticks, perhaps
        with a note (`/app/ws/manager.py` (MEGA CLASS)). Listed, never a box."""
        found = REFERENCE.match(self.text)
        return bool(found and PATH_LIKE.match(found[1]) and "/" in found[1].strip("/"))


@dataclass
class ChecklistSection:
    title: str
    always: bool
    paths: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    part: str = ""  # the `##` part it belongs to ("Module-Specific Checklists")
    gates: bool = True  # its boxes count in the commit status

    @property
    def boxes(self) -> list[Item]:
        return [i for i in self.items if not i.reference]


def item_id(section: str, text: str) -> str:
    """A stable id: the same section and text always give the same id."""
    return hashlib.sha1(f"{section}\0{text}".encode()).hexdigest()[:10]


def _paths(line: str) -> list[str]:
    return [p for p in BACKTICK.findall(line) if PATH_LIKE.match(p) and not p.startswith("python")]


def parse(
    text: str, *, omit: Iterable[str] = DEFAULT_OMIT, gate: Iterable[str] = ()
) -> list[ChecklistSection]:
    """The checklist's sections with their items (sections without items are dropped). A
    section whose title or part matches an `omit` glob is left out; module sections, and the
    sections whose title or part matches a `gate` glob, count in the commit status."""
    # the team's globs, matched in time linear in the title (hooks/globs.py: a pattern like
    # `*a*a*a*a*a*b` costs nothing), case-insensitively, `*` crossing `/` as in fnmatch
    omit_globs = [glob_tokens(p.lower()) for p in omit]
    gate_globs = [glob_tokens(p.lower()) for p in gate]

    def matches(patterns: list[tuple[globs.Token, ...]], section: ChecklistSection) -> bool:
        names = (section.title.lower(), section.part.lower())
        return any(globs.matches(p, n) for n in names for p in patterns)

    sections = [s for s in _parse(text) if not matches(omit_globs, s)]
    for section in sections:
        section.gates = not section.always or matches(gate_globs, section)
    return sections


def _parse(text: str) -> list[ChecklistSection]:
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
                current = ChecklistSection(title, always=True, part=title)
            else:
                modular = bool(MODULE_PART.search(part)) or bool(MODULE_PART.search(title))
                current = ChecklistSection(title, always=not modular, part=part)
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


def _item_lines(
    section: ChecklistSection,
    ticked: dict[str, bool],
    *,
    changed: Sequence[str] = (),
    source: str = "",
    link: Linker | None = None,
) -> list[str]:
    """A section's items under their groups: each group heading on its own paragraph (after a
    list, a bold line with no blank before it would be read as part of the last item), a
    checkbox per check, and the files to review as a plain list, those this change touches
    marked."""
    lines: list[str] = []
    group: str | None = None
    for item in section.items:
        if item.group != group:
            group = item.group
            if group:
                lines += ["", f"**{team_text(group)}:**", ""]
            elif lines:
                lines.append("")
        text = team_text(item.text, source=source, link=link)
        if item.reference:
            path = REFERENCE.match(item.text)[1].lstrip("/")  # type: ignore[index]
            mark = " **(changed here)**" if path_matches_any(path, changed) else ""
            lines.append(f"- {text}{mark}")
            continue
        box = "x" if ticked.get(item.id) else " "
        lines.append(f"- [{box}] {text} <!-- rb:{item.id} -->")
    return lines


def path_matches_any(path: str, files: Sequence[str]) -> bool:
    return any(f.lstrip("/") == path for f in files)


def _escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(
    sections: list[ChecklistSection],
    ticked: dict[str, bool],
    *,
    stale: Sequence[ChecklistSection] = (),
    findings_markdown: str = "",
    files: Sequence[str] = (),
    head: str | None = None,
    source: str = "",
    link: Linker | None = None,
) -> str:
    """The comment body, what is specific to the change first: the diff's findings, then the
    checklists of the modules it touches (up to EXPANDED_BOXES boxes open, further modules
    folded), then, folded, the parts that apply to every change, then sections that no longer
    apply. It records the commit status written with it (state, count, head commit): a push or
    a tick changes the record, and so the status is set again, on the new head, with the new
    count."""
    done, total = counts(sections, ticked)
    modules = [s for s in sections if not s.always]
    every = [s for s in sections if s.always]
    count = len(files)
    out = [
        MARKER,
        f"<!-- runbook-bot:status={status_record(sections, ticked, head)} -->",
        "## Definition of Done",
        "",
        f"**{done} of {total}** boxes ticked for the {count} changed file{'s' * (count != 1)}"
        f" ({len(modules)} module checklist{'s' * (len(modules) != 1)}). Tick each box when it"
        " is true; the status `runbook/definition-of-done` turns green when all are."
        if total
        else f"No module checklist applies to the {count} changed file{'s' * (count != 1)}:"
        " the status `runbook/definition-of-done` is green. What applies to every change is"
        " below.",
    ]
    if findings_markdown:
        out += ["", findings_markdown]

    def section_lines(section: ChecklistSection, level: str) -> list[str]:
        touched = [f for f in files if section_applies(section, [f])]
        lines = ["", f"{level} {team_text(section.title)}"]
        if touched and not section.always:
            lines += ["", "Changed here: " + ", ".join(f"`{f}`" for f in touched[:10])]
        return lines + _item_lines(section, ticked, changed=files, source=source, link=link)

    shown, boxes = [], 0
    for section in modules:
        if shown and boxes + len(section.boxes) > EXPANDED_BOXES:
            break
        shown.append(section)
        boxes += len(section.boxes)
    folded = modules[len(shown) :]
    if shown:
        out += ["", f"### {team_text(shown[0].part or 'Module checklists')}"]
        for section in shown:
            out += section_lines(section, "####")
    if folded:
        names = ", ".join(_escape_html(s.title) for s in folded)
        n = sum(len(s.boxes) for s in folded)
        out += [
            "",
            f"<details><summary>{len(folded)} more module checklist"
            f"{'s' * (len(folded) != 1)} for this change: {names} ({n} boxes)</summary>",
        ]
        for section in folded:
            out += section_lines(section, "####")
        out += ["", "</details>"]
    if every:
        parts = list(dict.fromkeys(s.part for s in every))
        n = sum(len(s.boxes) for s in every)
        counted = "" if any(s.gates for s in every) else ", not counted in the status"
        summary = _escape_html(", ".join(parts))
        out += ["", f"<details><summary>On every change: {summary} ({n} boxes{counted})</summary>"]
        part = None
        for section in every:
            if section.part != part:
                part = section.part
                out += ["", f"### {team_text(part)}"]
            if section.title != section.part:
                out += section_lines(section, "####")
            else:
                out += _item_lines(section, ticked, changed=files, source=source, link=link)
        out += ["", "</details>"]
    if stale:
        out += ["", "<details><summary>Sections that no longer apply</summary>"]
        for section in stale:
            out += section_lines(section, "####")
        out += ["", "</details>"]
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


def counts(sections: list[ChecklistSection], ticked: dict[str, bool]) -> tuple[int, int]:
    """(ticked, all) of the boxes that gate the status: those of the sections that gate it
    (module sections, and those the configuration names), ours only."""
    boxes = [i for s in sections if s.gates for i in s.boxes]
    return sum(1 for i in boxes if ticked.get(i.id)), len(boxes)


def status(sections: list[ChecklistSection], ticked: dict[str, bool]) -> tuple[str, str]:
    """(state, description) of the commit status."""
    done, total = counts(sections, ticked)
    if total == 0:
        return "success", "No module checklist applies to this change"
    if done == total:
        return "success", f"All {total} Definition-of-Done items ticked"
    return "pending", f"{done} of {total} Definition-of-Done items ticked"


def status_record(
    sections: list[ChecklistSection], ticked: dict[str, bool], head: str | None
) -> str:
    """The status as the comment records it: `pending/2/9/<head>`."""
    done, total = counts(sections, ticked)
    state = "success" if done == total else "pending"
    return f"{state}/{done}/{total}/{head or 'none'}"
