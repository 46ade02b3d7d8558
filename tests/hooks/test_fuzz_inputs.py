"""Fuzzing the hook's other inputs: git's diff output, the configuration and runbook markdown.

Each target takes what a hostile or broken repository could hand it and must either answer or
refuse with one clear error (ConfigError: exit 2 naming the key or file), never raise anything
else. Bounded: the ci hypothesis profile draws the same examples every run; EXAMPLES says how
many per target.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runbook_guard.hooks import config, git, runbook
from runbook_guard.hooks.errors import ConfigError

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DIFF_LINES = st.sampled_from(
    [
        b"diff --git a/app/a.py b/app/a.py",
        b'diff --git "a/sp ace.py" "b/sp ace.py"',
        b"index 0000000000000000000000000000000000000000..1234567890abcdef1234567890abcdef12345678",
        b"index 1234567890abcdef1234567890abcdef12345678..0000000000000000000000000000000000000000",
        b"index abc..def 100644",
        b"new file mode 100644",
        b"deleted file mode 100644",
        b"old mode 100644",
        b"new mode 100755",
        b"similarity index 90%",
        b"rename from app/old.py",
        b"rename to app/new.py",
        b'rename to "app/na\\303\\257ve.py"',
        b"--- a/app/a.py",
        b"+++ b/app/a.py",
        b"--- /dev/null",
        b"+++ /dev/null",
        b"+++ b/name with space.py\t",
        b"@@ -1,2 +1,3 @@",
        b"@@ -0,0 +1 @@",
        b"@@ -5 +4,0 @@",
        b"@@ -1,99999999999999999999 +1,2 @@",
        b"@@ garbage @@",
        b"+import os",
        b"+",
        b"-removed line",
        b"\\ No newline at end of file",
        b"Binary files a/x.png and b/x.png differ",
        b"GIT binary patch",
        b"",
        b"\xff\xfe\x00",
        b'"unterminated',
    ]
)


@FUZZ
@given(st.lists(st.one_of(DIFF_LINES, st.binary(max_size=40)), max_size=40))
def test_any_diff_output_parses_into_sane_changes(lines: list[bytes]) -> None:
    for change in git.parse_diff(b"\n".join(lines)):
        assert change.path
        assert change.status in ("A", "M", "R", "D")
        assert change.added is not None and all(n >= 1 for n in change.added)
        assert all(n >= 1 for n, _text in change.removed)


KEYS = st.sampled_from(
    [
        "runbooks",
        "link-base",
        "select",
        "ignore",
        "per-file-ignores",
        "e2e-paths",
        "test-paths",
        "services",
        "environment",
        "named-values",
        "critical-events",
        "critical-tests",
        "bot",
        "links",
        "accessor-modules",
        "env-files",
        "required-keys",
        "index",
        "names",
        "labels",
        "max-new-issues",
        "definition-of-done",
        "selct",
        "",
        "ALL",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=20),
)
TABLES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.one_of(KEYS, st.text()), inner, max_size=5)
    ),
    max_leaves=20,
)


@FUZZ
@given(st.dictionaries(KEYS, TABLES, max_size=6))
def test_any_configuration_table_is_a_config_or_one_config_error(table: dict[str, Any]) -> None:
    try:
        loaded = config.parse(table, root=Path("/repo"), source=None, where="fuzz.toml")
    except ConfigError as e:
        assert str(e).startswith("fuzz.toml") and "\n" not in str(e)
    else:
        assert isinstance(loaded, config.Config)


TOML_BITS = st.sampled_from(
    [
        "[tool.runbook-guard]\n",
        "[bot]\n",
        "[services]\n",
        'runbooks = ["docs/*.md"]\n',
        "select = [\n",
        "max-new-issues = 1e999\n",
        'labels = "bug"\n',
        "a.b.c = 1\n",
        "= 1\n",
        '"\\u0000" = 2\n',
        "[[bot]]\n",
        "x = 1979-05-27T07:32:00Z\n",
        "\xff",
        "\r\n",
    ]
)


@FUZZ
@given(st.lists(TOML_BITS, max_size=10).map("".join), st.text(max_size=60))
def test_any_configuration_file_is_a_config_or_one_config_error(text: str, noise: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".runbook-guard.toml").write_bytes((text + noise).encode("utf-8", "surrogatepass"))
        try:
            loaded = config.load(root)
        except ConfigError as e:
            assert ".runbook-guard.toml" in str(e) and "\n" not in str(e).strip()
        else:
            assert isinstance(loaded, config.Config)


MARKDOWN_BITS = st.sampled_from(
    [
        "# Runbook\n",
        "## 1. Direct os.environ access\n",
        "### 🚨 Critical: `SERVICE_ID` drift!\n",
        "## Duplicate\n",
        "## Duplicate\n",
        "Setext title\n===\n",
        "Other\n---\n",
        '```bash\ngrep -r "os\\.environ" .\n',
        "```\n",
        "~~~\n# not a heading\n~~~\n",
        "**Symptom:** the service id changes\n",
        "- **Fix**: use the index\n",
        "#no-space heading\n",
        "####### seven\n",
        "    ## indented code\n",
        "## <b>html</b> &amp; [link](x.md)\n",
        "##\n",
        "text with \x00 nul\n",
        "| a | b |\n|---|---|\n",
    ]
)


@FUZZ
@given(st.lists(st.one_of(MARKDOWN_BITS, st.text(max_size=30)), max_size=25).map("".join))
def test_any_markdown_splits_into_sections_with_unique_anchors(text: str) -> None:
    sections = runbook.parse(text, "docs/RUNBOOK.md")
    anchors = [s.anchor for s in sections]
    assert len(anchors) == len(set(anchors))
    lines = text.splitlines()
    for section in sections:
        assert 1 <= section.line <= max(len(lines), 1)
        assert section.path == "docs/RUNBOOK.md"
    index = runbook.RunbookIndex.load([("docs/RUNBOOK.md", text)], "https://x/")
    for section in sections:
        assert index.find(section.ref) is not None
