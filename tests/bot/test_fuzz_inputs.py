"""Fuzzing the bot's inputs: JUnit XML (malformed, huge, entity-expansion and external-entity
attacks), the other report formats, and mutated real webhook payloads. Each must give failures
or a result, or exit 2 with one line; never another exception, never a local file's content.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runbook_guard.bot.cli import main
from runbook_guard.bot.failures import parse_findings, parse_junit, parse_log, parse_ruff
from runbook_guard.hooks.errors import UsageError
from tests.helpers import SHARED_DATA, need_shared

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SECRET_FILE_TEXT = "root:x:0:0:this-must-never-appear"

XML_BITS = st.sampled_from(
    [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<testsuites>",
        "</testsuites>",
        '<testsuite name="s" tests="2">',
        "</testsuite>",
        '<testcase classname="tests.e2e.test_x" name="test_a" time="0.000">',
        '<testcase file="tests/test_y.py" line="3" name="test_b[param-1]" time="1e9">',
        "</testcase>",
        '<failure message="AssertionError: boom">',
        "</failure>",
        '<error type="ValueError" message="">',
        "</error>",
        "<skipped/>",
        "<system-out>ok</system-out>",
        "Traceback (most recent call last):\n  File \"x.py\", line 1\nKeyError: 'k'\n",
        "\nThe above exception was the direct cause of the following exception:\n\n",
        "<![CDATA[ raw ]]>",
        "&lt;&amp;&gt;",
        "&undefined;",
        "<!-- comment -->",
        "<",
        ">",
        '"',
        "\x00",
        "\udcff",
        "@everyone ```",
    ]
)
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<testsuite><testcase name="t"><failure message="&lol3;"/></testcase></testsuite>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE t [<!ENTITY secret SYSTEM "file://{path}">]>
<testsuite><testcase name="t"><failure message="&secret;">&secret;</failure>
</testcase></testsuite>"""


def _parse(parser: Any, data: bytes) -> list[Any] | None:
    with tempfile.NamedTemporaryFile(suffix=".in", delete=False) as f:
        f.write(data)
    try:
        return parser(f.name)
    except UsageError as e:
        assert "\n" not in str(e) and f.name in str(e)
        return None
    finally:
        os.unlink(f.name)


@FUZZ
@given(st.lists(XML_BITS, max_size=30).map("".join), st.binary(max_size=60))
def test_any_junit_file_gives_failures_or_one_error(text: str, noise: bytes) -> None:
    data = text.encode("utf-8", "surrogatepass") + noise
    for failures in (
        _parse(parse_junit, data),
        _parse(parse_junit, text.encode("utf-8", "replace")),
    ):
        for failure in failures or []:
            assert failure.id is not None and failure.message is not None


@pytest.mark.parametrize(
    "document",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, "<testsuite>" * 100_000, "<a>" + "x" * 10_000_000 + "</a>"],
    ids=["billion-laughs", "external-entity", "deep", "huge"],
)
def test_xml_attacks_are_refused_or_harmless(document: str, tmp_path: Path) -> None:
    secret = tmp_path / "passwd"
    secret.write_text(SECRET_FILE_TEXT)
    data = document.replace("{path}", str(secret)).encode()
    failures = _parse(parse_junit, data)
    if document in (BILLION_LAUGHS, EXTERNAL_ENTITY):
        assert failures is None  # defusedxml refuses entity declarations outright
    assert SECRET_FILE_TEXT not in repr(failures)


JSON_BITS = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=15)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "findings",
                    "runs",
                    "results",
                    "rule",
                    "path",
                    "line",
                    "code",
                    "filename",
                    "location",
                    "row",
                    "message",
                    "locations",
                    "physicalLocation",
                    "ruleId",
                    "text",
                ]
            ),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=25,
)


@FUZZ
@given(JSON_BITS, st.binary(max_size=30))
def test_any_findings_or_ruff_file_gives_failures_or_one_error(document: Any, noise: bytes) -> None:
    for data in (json.dumps(document).encode(), noise):
        _parse(parse_findings, data)
        _parse(parse_ruff, data)


@FUZZ
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "2025-09-10 12:00:00 ERROR app: Invalid user_id format: e2e-123\n",
                    "CRITICAL: SERVICE_ID mismatch 0xdeadbeef\n",
                    "Traceback (most recent call last):\n",
                    "FATAL",
                    "\x00\xff",
                ]
            ),
            st.text(max_size=40),
        ),
        max_size=30,
    ).map("".join)
)
def test_any_log_gives_failures(text: str) -> None:
    failures = _parse(parse_log, text.encode("utf-8", "surrogatepass"))
    assert failures is not None


def _mutations(value: Any, draw: Any) -> Any:
    """A real payload with some keys dropped and some values replaced by the wrong type."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            choice = draw(st.integers(0, 9))
            if choice == 0:
                continue  # dropped
            if choice == 1:
                out[key] = draw(
                    st.one_of(st.none(), st.integers(), st.text(max_size=8), st.just([]))
                )
            else:
                out[key] = _mutations(item, draw)
        return out
    if isinstance(value, list):
        return [_mutations(item, draw) for item in value]
    return value


PAYLOADS = [
    "pull_request/opened.payload.json",
    "pull_request/synchronize.payload.json",
    "issue_comment/edited.payload.json",
    "workflow_run/completed.payload.json",
]


@pytest.fixture(scope="module")
def repo() -> Any:
    need_shared()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["git", "init", "-q", tmp], check=True)
        yield Path(tmp)


@settings(max_examples=EXAMPLES // 4, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(PAYLOADS), st.data(), st.sampled_from(["checklist", "report"]))
def test_mutated_webhook_payloads_give_a_result_or_exit_2(
    repo: Path, name: str, data: Any, command: str
) -> None:
    path = SHARED_DATA / "webhooks" / "payload-examples" / "api.github.com" / name
    if not path.is_file():
        pytest.skip(f"{name} is not among the shared payloads")
    payload = _mutations(json.loads(path.read_text()), data.draw)
    event = repo / "event.json"
    event.write_text(json.dumps(payload)[: data.draw(st.sampled_from([None, None, None, 40]))])
    environment = {
        "GITHUB_EVENT_NAME": name.split("/")[0],
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_STEP_SUMMARY": str(repo / "summary.md"),
    }
    err = io.StringIO()
    cwd, saved = os.getcwd(), {k: os.environ.get(k) for k in environment}
    os.chdir(repo)
    os.environ.update(environment)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = main([command, "--dry-run", "--format", "json"])
    finally:
        os.chdir(cwd)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert code in (0, 2), err.getvalue()
    assert "Traceback" not in err.getvalue()
