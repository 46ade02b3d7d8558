"""dotenv files: `KEY=value` entries with their line numbers.

Values are secrets. They are parsed so rules can compare them, and nothing built from this module
may ever put a value into a message, a fix or a note.
"""

from __future__ import annotations

import re
from typing import NamedTuple

LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$")


class Entry(NamedTuple):
    key: str
    value: str
    line: int  # 1-based


def _value(raw: str) -> str:
    if raw[:1] in ("'", '"'):
        quote = raw[0]
        end = raw.find(quote, 1)
        while end != -1 and quote == '"' and raw[end - 1] == "\\":
            end = raw.find(quote, end + 1)
        return raw[1:end] if end != -1 else raw[1:]
    # an unquoted value ends at ` #` (an inline comment)
    match = re.search(r"\s#", raw)
    return (raw[: match.start()] if match else raw).strip()


def parse(text: str) -> list[Entry]:
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = LINE.match(line)
        if match:
            entries.append(Entry(match[1], _value(match[2]), number))
    return entries


def removed_keys(removed: list[tuple[int, bytes]]) -> dict[str, int]:
    """Keys on removed lines, with the new-side line where each was removed."""
    keys: dict[str, int] = {}
    for line, raw in removed:
        match = LINE.match(raw.decode("utf-8", "replace"))
        if match:
            keys.setdefault(match[1], line)
    return keys
