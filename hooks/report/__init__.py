"""Reporters: one module per output format, each a pure `render(report) -> str`."""

from __future__ import annotations

import os
from types import ModuleType
from urllib.parse import quote

from runbook_guard.hooks.findings import Finding, Link, Note

FORMATS = ("text", "json", "sarif", "github")


class Report:
    """What a run found, for a reporter. (A plain class: hooks/config.py says why.)"""

    def __init__(
        self,
        findings: list[Finding],
        notes: list[Note] | None = None,
        files: int = 0,
        links: dict[str, Link | None] | None = None,  # rule id -> runbook section
        rules: dict[str, ModuleType] | None = None,
        color: bool = False,
    ) -> None:
        self.findings, self.notes, self.files = findings, notes or [], files
        self.links, self.rules, self.color = links or {}, rules or {}, color

    def fix(self, finding: Finding) -> str:
        if finding.fix:
            return finding.fix
        rule = self.rules.get(finding.rule)
        return getattr(rule, "FIX", "") if rule else ""

    def link(self, finding: Finding) -> Link | None:
        return self.links.get(finding.rule)


_C_ESCAPES = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}
_C_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\"})


def quoted(path: str) -> str:
    """A path as git prints it: as it is, or in double quotes with C escapes when it holds a
    control character, a quote, a backslash or bytes that are not UTF-8, so a file named
    `x.py<LF>y.py:1:1: ...` cannot forge a line of the report. (Unlike git's default, valid
    UTF-8 letters are kept readable, as `core.quotePath=false` does.)"""
    raw = os.fsencode(path)
    if not any(b < 0x20 or b == 0x7F or b in (0x22, 0x5C) for b in raw):
        try:
            raw.decode("utf-8")
            return path
        except UnicodeDecodeError:
            pass
    out, i = [], 0
    while i < len(raw):
        byte = raw[i]
        if byte in _C_ESCAPES:
            out.append(_C_ESCAPES[byte])
        elif byte < 0x20 or byte == 0x7F:
            out.append(f"\\{byte:03o}")
        elif byte < 0x80:
            out.append(chr(byte))
        else:  # a UTF-8 sequence kept whole, a stray byte in octal as git writes it
            for size in (4, 3, 2):
                try:
                    out.append(raw[i : i + size].decode("utf-8"))
                    i += size
                    break
                except UnicodeDecodeError:
                    continue
            else:
                out.append(f"\\{byte:03o}")
                i += 1
            continue
        i += 1
    return '"' + "".join(out) + '"'


def uri(path: str) -> str:
    """A path as a URI reference (SARIF's `artifactLocation.uri`): its bytes percent-encoded,
    so a name that is not UTF-8 stays exact."""
    return quote(os.fsencode(path), safe="/")


def valid_utf8(text: str) -> str:
    """Text that encodes as UTF-8: a byte of a file name that was not UTF-8 (kept by
    `os.fsdecode` as a lone surrogate) becomes U+FFFD, so JSON and annotations stay valid."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        from runbook_guard.hooks.report import json_format as module
    elif fmt == "sarif":
        from runbook_guard.hooks.report import sarif as module
    elif fmt == "github":
        from runbook_guard.hooks.report import github as module
    else:
        from runbook_guard.hooks.report import text as module
    text = module.render(report)
    if fmt in ("text", "github") and (report.findings or report.notes):
        from runbook_guard.hooks.secrets import redact_lines

        text = redact_lines(text)  # rule ids and section titles come from the team's runbook too
    return valid_utf8(text)
