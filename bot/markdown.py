"""The team's own markdown (checklist items, a runbook section's fix) as the bot posts it:
its relative links made absolute, and nothing in it that GitHub would turn into a reference or
a mention on every pull request or issue the bot writes to. (Failure text, which anyone can
write, goes through bot/report.py's `neutralise` instead.)"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

Linker = Callable[[str], str]  # a repository path -> its web address at the base commit

MARKDOWN_LINK = re.compile(r"(!?)\[([^\]\n]{0,500})\]\(([^()\s]{1,2000})\)")
CODE_SPAN = re.compile(r"(`+)[^`]*?\1")
REFERENCE_TEXT = re.compile(r"(?<![\w`/.-])((?:[\w.-]+/[\w.-]+)?#\d+|@[A-Za-z0-9][\w-]*)")


def team_text(text: str, *, source: str = "", link: Linker | None = None) -> str:
    """The team's markdown as the comment shows it: a relative link made absolute (at the base
    commit: under the pull request's address it would be a 404), and no `#4`, `owner/repo#4`
    or `@name` that GitHub would turn into a reference or a mention on every pull request
    (shown as code instead). Code spans are left as they are; a link's label may hold one."""
    code = [span.span() for span in CODE_SPAN.finditer(text)]
    out, last = [], 0
    for found in MARKDOWN_LINK.finditer(text):
        if any(start <= found.start() < end for start, end in code):
            continue  # `[a](b)` written in code is code
        out.append(_inert(text[last : found.start()]))
        label, address = _inert(found[2]), _absolute(found[3], source, link)
        out.append(f"{found[1]}[{label}]({address})" if address else label)
        last = found.end()
    out.append(_inert(text[last:]))
    return "".join(out)


def _inert(text: str) -> str:
    """References and mentions outside code spans shown as code."""
    out, last = [], 0
    for span in CODE_SPAN.finditer(text):
        out += [REFERENCE_TEXT.sub(r"`\1`", text[last : span.start()]), span[0]]
        last = span.end()
    out.append(REFERENCE_TEXT.sub(r"`\1`", text[last:]))
    return "".join(out)


def _absolute(target: str, source: str, link: Linker | None) -> str | None:
    """Where a link of the team's file points, as an absolute address; None when it cannot be
    said (a relative link with no repository address known, or one that leaves it)."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
        return target if target.startswith(("http://", "https://", "mailto:")) else None
    path, _, anchor = target.partition("#")
    if path.startswith("/"):
        resolved = path.lstrip("/")
    else:
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
    if link is None or resolved.startswith("../") or resolved == "..":
        return None
    return link(resolved) + (f"#{anchor}" if anchor else "")
