"""Markdown runbooks split into sections, with GitHub's heading anchors.

Pure: text in, `Section`s out. The anchors are the ones GitHub renders (github-slugger): the
heading's text lower-cased, every character that is not a letter, mark, number, `_`, space or `-`
dropped (emoji too), spaces turned into `-`, and a repeated anchor suffixed `-1`, `-2`, ...
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from runbook_guard.hooks.labels import PART_HEADINGS

ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
# "**Symptom**: text", "**Root Cause:** text", "- **Fix**: text"
FIELD = re.compile(r"^\s*(?:[-*]\s+)?\*\*([^*]+?):?\*\*:?\s*(.*)$")

# Each scan stops at the character that could start the next match (`[`, `(`, `<`, a backtick
# run), so a heading of 100,000 `[a](` costs one pass, not one per bracket (it took minutes).
_INLINE = [
    (re.compile(r"!\[([^\[\]]*)\]\([^()\s]*\)"), r"\1"),  # image -> alt text
    (re.compile(r"\[([^\[\]]*)\]\([^()\s]*\)"), r"\1"),  # link -> text
    (re.compile(r"\[([^\[\]]*)\]\[[^\[\]]*\]"), r"\1"),  # reference link -> text
    (re.compile(r"<[^<>\s]+>"), ""),  # inline html tags
    (re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)"), r"\2"),  # code span
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),  # strong
    (re.compile(r"(?<![\w*])([*_])(?!\s)(.+?)(?<!\s)\1(?![\w*])"), r"\2"),  # emphasis
    (re.compile(r"~~(.+?)~~"), r"\1"),  # strikethrough
]


@dataclass(frozen=True)
class CodeBlock:
    lang: str
    code: str
    line: int  # line of the opening fence, 1-based
    label: str = ""  # the last field label before it (`**How to Check**:` -> "how to check")


@dataclass(frozen=True)
class Section:
    path: str  # the runbook's path as configured (repo-relative), `/` separators
    title: str  # the heading as GitHub renders it, as plain text
    anchor: str
    level: int
    line: int  # 1-based line of the heading
    body: str  # the section's own text, up to the next heading of any level
    fields: dict[str, str] = field(default_factory=dict)  # "symptom" -> text, ...
    code_blocks: tuple[CodeBlock, ...] = ()
    heading: str = ""  # the heading as written, its markdown kept (`a `quoted` error`)

    @property
    def ref(self) -> str:
        return f"{self.path}#{self.anchor}"


def heading_text(raw: str) -> str:
    """The plain text GitHub renders for a heading's markdown."""
    text = raw.strip()
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    return text.replace("\\", "").strip()


def slug(text: str) -> str:
    """GitHub's anchor for a heading's rendered text (before de-duplication)."""
    kept = []
    for ch in text.lower():
        category = unicodedata.category(ch)
        if ch in " -" or category[0] in "LMN" or category == "Pc":
            kept.append(ch)
    return "".join(kept).replace(" ", "-")


class Slugger:
    """Hands out GitHub's de-duplicated anchors within one document."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def __call__(self, text: str) -> str:
        base = slug(text)
        anchor = base
        while anchor in self.seen:
            self.seen[base] += 1
            anchor = f"{base}-{self.seen[base]}"
        self.seen.setdefault(anchor, 0)
        return anchor


def _headings(lines: list[str]) -> Iterator[tuple[int, int, str, int]]:
    """(line index, level, raw text, index of the first body line) for each heading."""
    fence: str | None = None
    for i, line in enumerate(lines):
        match = FENCE.match(line)
        if fence is not None:
            if (
                match
                and match[1][0] == fence[0]
                and len(match[1]) >= len(fence)
                and not match[2].strip()
            ):
                fence = None
            continue
        if match and not (match[1][0] == "`" and "`" in match[2]):
            fence = match[1]
            continue
        atx = ATX.match(line)
        if atx:
            yield i, len(atx[1]), atx[2] or "", i + 1
            continue
        setext = SETEXT.match(line)
        prev = lines[i - 1] if i else ""
        if (
            setext
            and i
            and prev.strip()
            and not ATX.match(prev)
            and not FENCE.match(prev)
            and not prev.lstrip().startswith(("-", "*", "+", ">", "|"))
            and not (i >= 2 and lines[i - 2].strip() and not ATX.match(lines[i - 2]))
        ):
            yield i - 1, 1 if setext[1][0] == "=" else 2, prev, i + 1


def _code_blocks(lines: list[str], offset: int) -> tuple[CodeBlock, ...]:
    blocks: list[CodeBlock] = []
    fence: str | None = None
    lang, start, body = "", 0, []  # type: ignore[var-annotated]
    label = ""
    for i, line in enumerate(lines):
        match = FENCE.match(line)
        if fence is None:
            if match and not (match[1][0] == "`" and "`" in match[2]):
                fence, lang, start, body = match[1], match[2].strip().split(" ")[0], i, []
            elif field := FIELD.match(line):
                label = field[1].strip().lower()
            continue
        if (
            match
            and match[1][0] == fence[0]
            and len(match[1]) >= len(fence)
            and not match[2].strip()
        ):
            blocks.append(CodeBlock(lang.lower(), "\n".join(body), offset + start + 1, label))
            fence = None
            continue
        body.append(line)
    return tuple(blocks)


LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def _fields(lines: list[str]) -> dict[str, str]:
    """`**Fix**: ...` and the like: the text on the label's line, what the matcher weighs."""
    fields: dict[str, str] = {}
    for line in lines:
        match = FIELD.match(line)
        if match:
            fields.setdefault(match[1].strip().lower(), match[2].strip())
    return fields


# A label in plain text at the start of a line or list item: `Steps:`, `- Do: ...`
PLAIN_FIELD = re.compile(r"^\s*(?:[-*+]\s+)?([A-Z][a-z]+(?: [a-z]+){0,3}):(?:\s+(.*))?$")


def _field(line: str) -> re.Match[str] | None:
    return FIELD.match(line) or PLAIN_FIELD.match(line)


def whole_fields(body: str) -> dict[str, str]:
    """`**Fix**: ...`, `Steps:` and the like, each whole, for a reader: the paragraph it opens
    (a wrapped line goes on on the next), or the list under it when the label stands alone.
    Keys are lower case, without the label's closing `.` or `:` (`**Do.**` is "do")."""
    lines = body.splitlines()
    fields: dict[str, str] = {}
    for i, line in enumerate(lines):
        match = _field(line)
        if not match:
            continue
        rest = (match[2] or "").strip()
        value = [rest] if rest else []
        in_list = not value
        for following in lines[i + 1 :]:
            if _field(following) and not (in_list and following[:1].isspace()):
                break
            if not following.strip():
                if value and not in_list:
                    break  # the end of the paragraph
                continue  # blank lines before or inside the list
            if in_list and not value and not LIST_ITEM.match(following):
                in_list = False  # `**Fix**:` with the paragraph on the next line
            elif in_list and not (LIST_ITEM.match(following) or following[:1].isspace()):
                break
            value.append(following.rstrip())
        key = match[1].strip().rstrip(".:").strip().lower()
        fields.setdefault(key, "\n".join(value).strip())
    return fields


# a line that opens a list, table, quote, heading or code block: not a paragraph's first line
BLOCK_START = re.compile(r"\s*(?:[-*+|>#]|\d+[.)]\s|```|~~~)")


def _part_heading(title: str) -> bool:
    """Is the heading a part's label (`What you see`, `🔍 Why?`, `Fix:`)? A team that writes
    `## Search cluster unreachable` then `#### What you see` / `#### Why` / `#### What to do` has
    one entry, whose parts are read as the fields `**What you see**: ...` would be."""
    label = re.sub(r"^[^A-Za-z]+|[\s:?.!]+$", "", title).lower()
    return " ".join(label.split()) in PART_HEADINGS


def _parts(found: list[tuple[int, int, str, int]]) -> set[int]:
    """The headings (by position in `found`) that are parts of the entry above them: a part
    heading under a heading of a higher level, when that entry has two parts or more (one
    lone `### Fix` may be a section of its own) and is no label itself."""
    parents: dict[int, list[int]] = {}
    entry: int | None = None
    for n, (_, level, raw, _) in enumerate(found):
        if (
            entry is not None
            and level > found[entry][1]
            and _part_heading(heading_text(raw))
            and not _part_heading(heading_text(found[entry][2]))
        ):
            parents[entry].append(n)
            continue
        entry = n
        parents[n] = []
    return {n for members in parents.values() if len(members) >= 2 for n in members}


def parse(text: str, path: str) -> list[Section]:
    """Split one markdown document into its sections."""
    lines = text.splitlines()
    found = list(_headings(lines))
    parts = _parts(found)
    for n in parts:
        # `#### What you see` becomes `**What you see**:` with its paragraph's first line, in
        # place (the line count is kept: code blocks keep their line numbers)
        index, _, raw, _ = found[n]
        label = f"**{heading_text(raw)}**:"
        following = index + 1
        while following < len(lines) and not lines[following].strip():
            following += 1
        if following < len(lines) and not BLOCK_START.match(lines[following]):
            lines[index] = f"{label} {lines[following].strip()}"
            lines[following] = ""
        else:
            lines[index] = label
    # a section runs to the next heading that is not one of its parts
    ends = [len(lines)] * len(found)
    for n in range(len(found) - 2, -1, -1):
        ends[n] = ends[n + 1] if n + 1 in parts else found[n + 1][0]
    slugger = Slugger()
    sections: list[Section] = []
    for n, (index, level, raw, body_start) in enumerate(found):
        title = heading_text(raw)
        anchor = slugger(title)  # a part's heading still takes its anchor on GitHub
        if n in parts:
            continue
        body_lines = lines[body_start : ends[n]]
        sections.append(
            Section(
                path=path,
                title=title,
                anchor=anchor,
                level=level,
                line=index + 1,
                body="\n".join(body_lines).strip("\n"),
                fields=_fields(body_lines),
                code_blocks=_code_blocks(body_lines, body_start),
                heading=raw.strip(),
            )
        )
    return sections


def section_text(section: Section, sections: list[Section]) -> str:
    """A section's own text plus that of its subsections (for `explain`)."""
    start = sections.index(section)
    parts = [section.body]
    for sub in sections[start + 1 :]:
        if sub.path != section.path or sub.level <= section.level:
            break
        parts.append(f"{'#' * sub.level} {sub.title}\n{sub.body}")
    return "\n\n".join(p for p in parts if p)


@dataclass
class RunbookIndex:
    """Every section of the configured runbooks, looked up by `path#anchor`."""

    sections: list[Section]
    link_base: str | None = None

    @classmethod
    def load(cls, files: Iterable[tuple[str, str]], link_base: str | None = None) -> RunbookIndex:
        sections: list[Section] = []
        for path, text in files:
            sections.extend(parse(text, path))
        return cls(sections, link_base)

    def find(self, ref: str) -> Section | None:
        """The section `path#anchor` names (a bare `#anchor` searches every runbook)."""
        path, _, anchor = ref.partition("#")
        path = path.lstrip("./") if path.startswith("./") else path
        for section in self.sections:
            if path and section.path != path and not section.path.endswith("/" + path):
                continue
            if not anchor or section.anchor == anchor:
                return section
        return None

    def url(self, section: Section) -> str:
        base = self.link_base or ""
        if base and not base.endswith("/"):
            base += "/"
        return f"{base}{section.path}#{section.anchor}"

    def paths(self) -> list[str]:
        return list(dict.fromkeys(s.path for s in self.sections))


def read_runbooks(root: Path, patterns: Iterable[str]) -> list[tuple[str, str]]:
    """(repo-relative path, text) of every runbook the glob patterns name, in a stable order.
    A pattern that names no file is a configuration error: falling back to the shipped runbook
    without a word would send every link to the wrong place. Runbooks are the repository's own:
    a pattern outside it (absolute, or climbing out with `..`) is refused, never read."""
    from runbook_guard.hooks import globs
    from runbook_guard.hooks.errors import ConfigError

    found: dict[str, str] = {}
    for pattern in patterns:
        if Path(pattern).is_absolute() or ".." in pattern.replace("\\", "/").split("/"):
            raise ConfigError(
                f"runbooks: {pattern!r} is outside the repository; runbooks are read from the "
                "repository's own files"
            )
        names = globs.files(os.fspath(root), pattern)
        if not names:
            # a sparse checkout leaves the runbooks' folder out of the work tree, not out of
            # the repository: read them as the index holds them
            for name, text in _sparse_texts(root, pattern).items():
                found.setdefault(name, text)
                names.append(name)
        if not names:
            raise ConfigError(
                f"runbooks: {pattern!r} names no file under {root}; fix the pattern in the "
                "configuration (or remove it to use the shipped runbook)"
            )
        for name in names:
            if name not in found:
                found[name] = (root / name).read_text(encoding="utf-8", errors="replace")
    return list(found.items())


def sparse_runbooks(root: Path, pattern: str) -> dict[str, str]:
    """path -> blob of the files `pattern` names among those a sparse checkout left out."""
    from runbook_guard.hooks import git, globs

    tokens = globs.path_glob("/".join(p for p in pattern.split("/") if p not in ("", ".")))
    skipped = git.skipped_files(root)
    return {path: oid for path, oid in sorted(skipped.items()) if globs.matches(tokens, path)}


def _sparse_texts(root: Path, pattern: str) -> dict[str, str]:
    from runbook_guard.hooks import git

    wanted = sparse_runbooks(root, pattern)
    blobs = git.read_blobs(root, wanted.values())
    return {p: blobs[o].decode("utf-8", "replace") for p, o in wanted.items() if o in blobs}
