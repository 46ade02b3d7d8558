"""Fingerprints, plans and issue bodies."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from runbook_guard.bot import report
from runbook_guard.bot.failures import Failure
from runbook_guard.hooks.config import Config
from runbook_guard.hooks.links import Links, ruled_out, same_problem
from runbook_guard.hooks.matching import (
    contains_signature,
    explains,
    quoted_in,
    quoted_signatures,
    signature_text,
)
from runbook_guard.hooks.named_values import parse_xml
from runbook_guard.hooks.runbook import parse, whole_fields
from tests.browser import live_references, render
from tests.helpers import NETRA, need_shared


def failure(message: str, test: str = "tests/test_a.py::test_a", kind: str = "test") -> Failure:
    return Failure(kind, test, "ValueError", message, f"ValueError: {message}")


def test_fingerprint_ignores_run_specific_parts() -> None:
    a = failure(
        "user 123 at 0x7f3a9c2b1 in /tmp/run-1/x.py id 2f1c4e8a-1b2c-4d5e-8f90-123456789abc"
    )
    b = failure(
        "user 456 at 0x7f3a9c2ff in /tmp/run-2/x.py id 9a9a9a9a-1b2c-4d5e-8f90-123456789abc"
    )
    assert report.fingerprint(a) == report.fingerprint(b)
    # a Windows temporary folder's random suffix, as Python's repr writes it (backslashes doubled)
    win = "being used by another process: 'C:\\\\Users\\\\ci\\\\Temp\\\\app-{}\\\\cache.db'"
    assert report.fingerprint(failure(win.format("dd4_6dpx"))) == report.fingerprint(
        failure(win.format("q81zk0wm"))
    )
    # a retry's events are older or younger: `7m42s` then `13m`
    events = "pod not Ready: Scheduled {} ago, Unhealthy (x{} over {})"
    assert report.fingerprint(failure(events.format("7m42s", 3, "2m10s"))) == report.fingerprint(
        failure(events.format("13m", 11, "9m"))
    )
    # a generated name's random suffix: a Cloud Run revision, a pod of a deployment
    revision = "Revision 'billing-api-{}' is not ready and cannot serve traffic"
    assert report.fingerprint(failure(revision.format("00042-vq7"))) == report.fingerprint(
        failure(revision.format("00043-x2m"))
    )
    assert report.fingerprint(failure("pod web-5d8f7c9b6-x2m4p crashed")) == report.fingerprint(
        failure("pod web-7c9f8d6b5-q8r2t crashed")
    )
    # a word after a version is not a suffix: another image, another failure
    assert report.fingerprint(failure("no image python-3.11-slim")) != report.fingerprint(
        failure("no image python-3.11-alpine")
    )
    assert report.fingerprint(a) != report.fingerprint(failure("other message"))
    assert report.fingerprint(a) != report.fingerprint(
        failure(a.message, test="tests/test_b.py::test_b")
    )
    # a status is what failed: one client's `HTTP 400` and `HTTP 403` are two problems
    handshake = (
        "connect to ws://gw/ws/runs/{} failed: server rejected WebSocket connection: HTTP {}"
    )
    assert report.fingerprint(failure(handshake.format("run_9d41", 400), kind="log")) != (
        report.fingerprint(failure(handshake.format("run_1f9b", 403), kind="log"))
    )
    assert report.fingerprint(failure(handshake.format("run_9d41", 403), kind="log")) == (
        report.fingerprint(failure(handshake.format("run_1f9b", 403), kind="log"))
    )


def test_retries_merge_and_the_cap_summarises(tmp_path: Path) -> None:
    links = Links(tmp_path, Config(root=tmp_path))
    failures = [failure("flaky 1"), failure("flaky 2")] + [
        failure(f"m{i}", test=f"t{i}") for i in range(3)
    ]
    plan = report.plan(failures, links, cap=2)
    assert len(plan) == 4 and len(plan[0].failures) == 2
    assert [p.action for p in plan] == ["create", "create", "capped", "capped"]


def test_existing_issues_get_a_comment_or_are_reopened(tmp_path: Path) -> None:
    links = Links(tmp_path, Config(root=tmp_path))
    open_one, closed_one = failure("a"), failure("b", test="t2")
    existing = {
        report.fingerprint(open_one): (7, "open"),
        report.fingerprint(closed_one): (8, "closed"),
    }
    plan = report.plan([open_one, closed_one], links, existing=existing)
    assert [(p.action, p.issue) for p in plan] == [("comment", 7), ("reopen", 8)]
    assert "regression" in plan[1].labels


def test_linked_or_needs_runbook_with_labels_at_most_50_characters() -> None:
    need_shared()
    links = Links(NETRA, Config(root=NETRA, runbooks=("checklists/*.md",)))
    auth = Failure(
        "log",
        "app.log:3",
        "ERROR",
        "Service ID mismatch: received netra-auth-staging-1736 but expected netra-backend",
    )
    unknown = Failure("test", "tests/t.py::test_x", "ZeroDivisionError", "division by zero")
    # the named-values index's <logs_pattern>s are the signatures that tie the log line to it
    index = NETRA / "SPEC" / "MISSION_CRITICAL_NAMED_VALUES_INDEX.xml"
    patterns = parse_xml(index.read_bytes(), "index").log_patterns
    [linked, unlinked] = report.plan([auth, unknown], links, labels=["bug"], patterns=patterns)
    assert linked.runbook is not None and linked.runbook.section is not None
    assert linked.runbook.section.anchor == "1-service_id-with-timestamps"
    assert "runbook:1-service_id-with-timestamps" in linked.labels and "bug" in linked.labels
    assert report.NEEDS_RUNBOOK in unlinked.labels
    assert all(len(label) <= 50 for label in linked.labels + unlinked.labels)


def test_bodies_cannot_mention_or_break_out() -> None:
    evil = failure("@octocat please see ```\n</details><img src=x onerror=alert(1)>")
    entry = report.Planned("abc123abc123", "t", [], None, [evil])
    body = report.issue_body(entry, run_url="https://example/run/1", commit="deadbeef")
    page = render(body)  # as GitHub shows it
    assert live_references(page) == [] and "@octocat" in body  # shown, as code
    assert "<img" not in page and "</details>" not in page
    fences = [line for line in body.splitlines() if line.startswith("````")]
    assert len(fences) == 2  # the fence is longer than the ``` inside the evidence
    assert "<!-- runbook-bot:fingerprint=abc123abc123 -->" in body


@pytest.mark.parametrize(
    ("failed", "title"),
    [
        (  # pytest's JUnit repeats the type in the message: once in the title
            Failure(
                "test",
                "tests/api/test_login.py::TestLogin::test_redirect",
                "AssertionError",
                "AssertionError: assert 403 == 302",
            ),
            "test_login.py::test_redirect: AssertionError: assert 403 == 302",
        ),
        (  # a dotted type: its name, once
            Failure(
                "test",
                "tests/db/test_users.py::test_insert",
                "sqlalchemy.exc.IntegrityError",
                "sqlalchemy.exc.IntegrityError: duplicate key value violates unique",
            ),
            "test_users.py::test_insert: IntegrityError: duplicate key value violates unique",
        ),
        (  # an invisible character in the message is gone, not kept
            Failure("test", "tests/t.py::test_z", "ValueError", "bad\u200b value\u2060here"),
            "t.py::test_z: ValueError: bad value here",
        ),
        (
            Failure(
                "log",
                "netra_backend.app.db.clickhouse",
                "ConnectionError",
                "Not connected to ClickHouse",
            ),
            "netra_backend.app.db.clickhouse: ConnectionError: Not connected to ClickHouse",
        ),
    ],
)
def test_titles_name_the_test_and_the_exception_once(failed: Failure, title: str) -> None:
    assert report._title(failed) == title


def test_a_long_title_is_cut_between_words() -> None:
    words = "partition key collision detected while building the nightly rollup " * 4
    title = report._title(failure(words))
    assert len(title) <= report.TITLE_LENGTH and title.endswith("\u2026")
    assert title[:-1].split()[-1] in words.split()  # a whole word before the ellipsis


def test_the_issue_carries_the_sections_whole_fix(tmp_path: Path) -> None:
    """A wrapped Fix paragraph and a Fix that is a list reach the issue whole, as the team
    wrote them (its `#12` no live reference)."""
    runbook = tmp_path / "docs" / "RUNBOOK.md"
    runbook.parent.mkdir()
    runbook.write_text(
        "# Runbook\n\n## Partition keys collide\n\n**Symptom**: partition key collision\n"
        "**Fix**: build partition keys from the\ntenant id and the day (see #12).\n\n"
        "## Nightly rollup stalls\n\n**Symptom**: rollup stalled waiting for lock\n**Fix**:\n\n"
        "- release the advisory lock\n- rerun the rollup for the day\n"
    )
    config = Config(root=tmp_path, runbooks=("docs/RUNBOOK.md",))
    links = Links(tmp_path, config)
    plans = report.plan(
        [
            failure("partition key collision on tenant 7"),
            failure("rollup stalled waiting for lock", test="tests/test_b.py::test_b"),
        ],
        links,
    )
    bodies = [report.issue_body(p, run_url=None, commit=None) for p in plans]
    assert "**Fix**: build partition keys from the\ntenant id and the day (see `#12`)." in bodies[0]
    assert "**Fix**:\n\n- release the advisory lock\n- rerun the rollup for the day" in bodies[1]
    assert live_references(render(bodies[0])) == []


def test_a_fix_by_another_name_is_the_issues_fix(tmp_path: Path) -> None:
    """A wiki's `#### What to do` part (numbered steps) and a playbook's `**Resolution**:` are
    what the team calls the fix: the issue carries them as its Fix, rendered as written."""
    runbook = tmp_path / "docs" / "RUNBOOK.md"
    runbook.parent.mkdir()
    runbook.write_text(
        "# Search\n\n## Index blocked read-only\n\n#### What you see\n\n"
        "`cluster_block_exception` on every write to the listings index\n\n"
        "#### Why\n\nA node passed the flood-stage disk watermark.\n\n"
        "#### What to do\n\n1. Free disk on the node.\n2. Clear the block on the index.\n\n"
        "## Mapping explosion\n\n**Symptom**: `Limit of total fields [1000] has been exceeded`\n"
        "**Resolution**: map seller attributes as `flattened`.\n"
    )
    links = Links(tmp_path, Config(root=tmp_path, runbooks=("docs/RUNBOOK.md",)))
    plans = report.plan(
        [
            failure("cluster_block_exception: index [listings-v7] blocked by read-only"),
            failure(
                "Limit of total fields [1000] in index [listings-v8] has been exceeded",
                test="tests/test_b.py::test_b",
            ),
        ],
        links,
    )
    assert [p.runbook.section.anchor for p in plans if p.runbook and p.runbook.section] == [
        "index-blocked-read-only",
        "mapping-explosion",
    ]
    bodies = [report.issue_body(p, run_url=None, commit=None) for p in plans]
    assert "**Fix**:\n\n1. Free disk on the node.\n2. Clear the block on the index." in bodies[0]
    assert "<ol>\n<li>Free disk on the node.</li>" in render(bodies[0])
    assert "**Fix**: map seller attributes as `flattened`." in bodies[1]


def test_what_to_try_is_the_issues_fix(tmp_path: Path) -> None:
    """A team that lists what to `Try:` under a symptom gives its fix that name: the issue
    carries the list."""
    runbook = tmp_path / "RUNBOOK.md"
    runbook.write_text(
        "# Desktop\n\n#### Symptom: Qt finds the xcb plugin but cannot load it\n\n"
        "Likely cause: an X11 client library is missing on the runner.\n\nTry:\n"
        "- Run again with `QT_DEBUG_PLUGINS=1`.\n- Add the package to the runner image.\n"
    )
    links = Links(tmp_path, Config(root=tmp_path, runbooks=("RUNBOOK.md",)))
    [plan] = report.plan([failure("Qt finds the xcb plugin but cannot load it")], links)
    body = report.issue_body(plan, run_url=None, commit=None)
    assert "**Fix**:\n\n- Run again with `QT_DEBUG_PLUGINS=1`.\n- Add the package" in body


def test_a_fix_under_a_plain_or_dotted_label_is_read_whole() -> None:
    """`Steps:` in plain text over a list, `- Do: ...` in a list of fields and `**Do.**` with
    its full stop are labels as much as `**Fix**:` is; a label's own `.` or `:` is no part of
    its name."""
    fields = whole_fields(
        "Signal: `Introspection is disabled`\nReason: the gateway hides the schema.\n"
        "Steps:\n\n1. Use the registry's schema.\n2. Re-run the codegen.\n"
    )
    assert fields["steps"] == "1. Use the registry's schema.\n2. Re-run the codegen."
    assert fields["reason"] == "the gateway hides the schema."
    listed = whole_fields(
        "- Message: `surrogates not allowed`\n- Do: decode with\n  errors=replace\n"
    )
    assert listed["do"] == "decode with\n  errors=replace"
    assert whole_fields("**Seen as.** spans dropped\n**Do.** raise the queue size\n") == {
        "seen as": "spans dropped",
        "do": "raise the queue size",
    }


RUNBOOK = """# Service runbook

## Sessions expire during long uploads

**Symptom**: uploads over ten minutes fail with "Token validation failed" in the gateway log
**Cause**: the upload outlives the access token
**Fix**: refresh the token before each chunk

## Analytics writes are dropped

**Symptom**: the nightly export is empty; the worker logs `Not connected to ClickHouse`
**Fix**: start the worker after the warehouse is reachable

## Token rotation

The token rotation job replaces signing keys weekly; token validation in the gateway reads
the new key within a minute. A failed rotation pages the on-call engineer.

## Validation of upload sessions

Session validation rejects an upload whose session was closed; a failed validation is logged.

## Classes to verify on every change

- `UploadGateway`
- `SessionManager`
- `TokenRefresher`
- `AnalyticsWorker`
"""


def _linked(tmp_path: Path, failed: Failure) -> str | None:
    (tmp_path / "docs").mkdir(exist_ok=True)
    (tmp_path / "docs" / "RUNBOOK.md").write_text(RUNBOOK)
    links = Links(tmp_path, Config(root=tmp_path, runbooks=("docs/RUNBOOK.md",)))
    [planned] = report.plan([failed], links)
    return planned.runbook.section.anchor if planned.runbook else None


def linker(
    tmp_path: Path, runbook: str, name: str = "RUNBOOK", error_type: str = "Error"
) -> Callable[..., str | None]:
    """Writes `runbook` as docs/<name>.md and returns `linked(message, error_type, kind="test")`:
    the anchor of the section the bot links that failure to, or None."""
    default_type = error_type
    (tmp_path / "docs").mkdir(exist_ok=True)
    (tmp_path / "docs" / f"{name}.md").write_text(runbook)
    links = Links(tmp_path, Config(root=tmp_path, runbooks=("docs/*.md",)))

    def linked(
        message: str, error_type: str = default_type, kind: str = "test", details: str = ""
    ) -> str | None:
        failed = Failure(kind, "tests/test_x.py::test_x", error_type, message, details)
        [planned] = report.plan([failed], links)
        return planned.runbook.section.anchor if planned.runbook else None

    return linked


def test_a_failure_holding_a_runbooks_quoted_error_text_is_linked(tmp_path: Path) -> None:
    """The quote is the runbook's strongest signature: ids, numbers and the words around it
    do not matter, nor does it being the cause at the bottom of a chain."""
    assert (
        _linked(
            tmp_path,
            Failure(
                "test",
                "tests/test_up.py::test_big",
                "AuthError",
                "Token validation failed for session 8f3a-22 after 612 s",
            ),
        )
        == "sessions-expire-during-long-uploads"
    )
    chained = Failure(
        "test",
        "tests/test_boot.py::test_start",
        "StartupError",
        "worker did not start",
        "Traceback (most recent call last):\n  ...\nConnectionError: Not connected to "
        "ClickHouse\n\nThe above exception was the direct cause of the following exception:\n"
        "StartupError: worker did not start",
    )
    assert _linked(tmp_path, chained) == "analytics-writes-are-dropped"


def test_a_list_of_names_to_verify_explains_no_failure(tmp_path: Path) -> None:
    """A failure naming classes a verification list names is not explained by that list."""
    failed = Failure(
        "test",
        "tests/test_gw.py::test_gw",
        "AttributeError",
        "UploadGateway SessionManager TokenRefresher AnalyticsWorker has no attribute x",
    )
    assert _linked(tmp_path, failed) != "classes-to-verify-on-every-change"


def test_a_section_titled_with_the_exceptions_name_explains_it(tmp_path: Path) -> None:
    """`ImportError: cannot import name ...` shares few words with a section whose symptom is
    `ModuleNotFoundError`, but the section's title is the exception's name in words."""
    linked = linker(
        tmp_path,
        "# Tests\n\n## 4. Import Errors\n\n**Symptom**: ModuleNotFoundError\n"
        "**Cause**: a relative import\n**Fix**: import from the package root\n\n"
        "## 5. Slow fixtures\n\n**Symptom**: the suite takes minutes\n**Fix**: scope fixtures\n",
    )
    message = "cannot import name 'Widget' from 'shop.models'"
    assert linked(message, "ImportError") == "4-import-errors"


def test_a_status_code_the_symptom_names_links_when_nothing_else_does(tmp_path: Path) -> None:
    """`assert 403 == 302` on a WebSocket handshake shares no word with "Authentication
    failures", but its symptom names the 403; a number that is not a status links nothing."""
    linked = linker(
        tmp_path,
        "# Tests\n\n## 2. Authentication failures\n\n**Symptom**: 401/403 errors in tests\n"
        "**Fix**: log in through the shared helper\n\n"
        "## 3. Slow suites\n\n**Symptom**: the suite takes 500 seconds\n"
        "**Fix**: scope fixtures\n\n## 8. Trailing slash: 307 redirect\n\n**Symptom**: the "
        "client gets a 307 to the same path with a slash\n**Fix**: call the canonical path\n",
        error_type="AssertionError",
    )

    assert linked("assert 403 == 302") == "2-authentication-failures"
    # a redirect's status is as telling as an error's
    assert linked("assert 307 == 200") == "8-trailing-slash-307-redirect"
    assert linked("assert 40312 == 302") is None  # an id, not a status
    assert linked("assert 1 == 2") is None


def test_a_quoted_id_in_a_message_is_not_its_words(tmp_path: Path) -> None:
    """`Unable to restore job "b'reminder-4471'" -- removing it`: the quoted id is the run's
    own value; that the section is about reminders' ids says nothing of this failure."""
    linked = linker(
        tmp_path,
        "# Scheduling\n\n## AP-6 Job id not found when cancelling\n\nSymptom: `remove_job()` "
        "raises the job lookup error: no job by that id.\n\nCause: one-shot reminders are "
        "removed once they ran; a cancel after that finds nothing.\n\nFix: ignore the lookup "
        "error for reminders.\n\n## AP-1 Job id already exists\n\nSymptom: adding a job "
        "with a taken id fails.\n\nFix: pass replace_existing.\n",
    )
    assert (
        linked("Unable to restore job \"b'reminder-4471'\" -- removing it", "ERROR", "log") is None
    )


def test_websockets_words_for_1006_reach_the_section_naming_1006(tmp_path: Path) -> None:
    """The websockets library says "no close frame received or sent" for close code 1006; a
    runbook names the code ("browsers report 1006") and says the rest in its own words."""
    linked = linker(
        tmp_path,
        "# Gateway\n\n### 8. Idle socket dropped by the proxy (1006)\n**Symptom**: after a quiet "
        "minute the socket is gone and the next call fails; browsers report 1006.\n**Fix**: turn "
        "keepalive pings on\n\n### 9. Message too big (1009)\n**Symptom**: a big frame closes "
        "the socket\n**Fix**: raise max_size\n",
    )
    message = "no close frame received or sent"
    assert linked(message, "websockets.exceptions.ConnectionClosedError") == (
        "8-idle-socket-dropped-by-the-proxy-1006"
    )
    assert linked(
        "sent 1009 (message too big); no close frame received", "ConnectionClosedError"
    ) == ("9-message-too-big-1009")


def test_of_sections_naming_a_status_the_one_about_every_status_shown_wins(
    tmp_path: Path,
) -> None:
    """`assert 403 == 401` is a 403 where a 401 was wanted: "Missing token gives 403 instead of
    401" names both, the service identity's 403 only one. A failure showing one status two
    sections name is neither's."""
    linked = linker(
        tmp_path,
        "# Auth\n\n### 11. Auth service refuses the backend (403)\n**Symptom**: the internal "
        "call comes back 403\n**Fix**: register the service id\n\n### 15. Missing token gives "
        "403 instead of 401\n**Symptom**: a request with no token gets 403, tests expect 401\n"
        "**Fix**: raise 401 from the bearer dependency\n",
        error_type="AssertionError",
    )
    assert linked("assert 403 == 401") == "15-missing-token-gives-403-instead-of-401"
    assert linked("assert 403 == 200") is None


def test_a_quotes_host_and_port_are_its_example_not_its_words(tmp_path: Path) -> None:
    """A runbook quotes the refusal with its example host, `Connection refused (localhost:9000)`:
    inside compose the failure says `(clickhouse:9000)`, under the team's chained startup error.
    A sentence narrowing the entry ("Anything else after `Code: 210.` is another problem")
    turns nothing away."""
    linked = linker(
        tmp_path,
        "# Startup\n\n### 1. ClickHouse not accepting connections yet\n**Symptom**: "
        "clickhouse-driver raises `NetworkError: Code: 210. Connection refused (localhost:9000)`"
        ".\nOnly the *refused* form is this entry. Anything else after `Code: 210.` is another "
        "problem.\n**Fix**: wait for the healthcheck\n\n### 9. Postgres not ready\n**Symptom**: "
        "`StartupError: startup check 'postgres' failed` over asyncpg's refusal\n**Fix**: wait "
        "for the healthcheck\n",
        error_type="clickhouse_driver.errors.NetworkError",
    )
    chained = (
        "clickhouse_driver.errors.NetworkError: Code: 210. Connection refused (clickhouse:9000)"
        "\n\nThe above exception was the direct cause of the following exception:\n\n"
        "lattice.startup.StartupError: startup check 'clickhouse' failed after 5 attempts"
    )
    refused = "Code: 210. Connection refused (clickhouse:9000)"
    assert linked(refused, details=chained) == "1-clickhouse-not-accepting-connections-yet"


def test_a_code_after_a_colon_is_the_errors_own(tmp_path: Path) -> None:
    """`Error code: 404` is not `Error code: 529`: the number after "code:" is the error's,
    as after "code" it is."""
    linked = linker(
        tmp_path,
        "# Providers\n\n### 2. Anthropic overloaded (529)\n**Symptom**: `anthropic."
        "InternalServerError: Error code: 529` with an `overloaded_error` body\n**Fix**: wait\n",
        error_type="openai.NotFoundError",
    )
    assert linked("Error code: 404 - {'error': {'message': 'Resource not found'}}") is None
    overloaded = "Error code: 529 - {'type': 'error', 'error': {'type': 'overloaded_error'}}"
    assert linked(overloaded, "anthropic.InternalServerError") == "2-anthropic-overloaded-529"


def test_a_status_a_quick_reference_entry_names_goes_where_it_points(tmp_path: Path) -> None:
    """A README's "### Issue: E2E calls get 401/403" with its `**File**:` link names the 403
    too: it is the section it points to, not a second candidate."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.md").write_text(
        "# Runbooks\n\n## Quick Reference\n\n### Issue: E2E calls get 401/403\n"
        "**File**: [TESTS.md](./TESTS.md#2-authentication-failures)\n"
        "**Quick Fix**: log in through the helper\n"
    )
    linked = linker(
        tmp_path,
        "# Tests\n\n### 2. Authentication Failures\n**Symptom**: 401/403 errors in tests\n"
        "**Root Cause**: missing auth\n\n### 12. Routes return 404 in tests\n**Symptom**: 404 "
        "from every thread route\n**Root Cause**: the router is not mounted\n",
        name="TESTS",
        error_type="AssertionError",
    )
    assert linked("assert 403 == 200") == "2-authentication-failures"
    assert linked("assert 404 == 200") == "12-routes-return-404-in-tests"


PLAIN_RUNBOOK = """# Storage on-call notes

### Blob reads fail their checksum

Signs: readers stop with a checksum mismatch error; the replica logs LEASE EXPIRED for the
volume a minute before.

Cause: a replica was fenced while it still served reads.

Steps: drain the replica; rerun the scrub.

### Volume quota exhausted

Signs: writers stop with a disk quota exceeded message on the shared volume.

Cause: retention jobs did not run: the lease of their runner expired.

Steps: run the retention job by hand; raise the quota alert threshold.

### Settings loaded at start-up

Signs: the service refuses to start and exits with status 78.

Steps: compare the file with the schema in the configuration notes (docs/settings.md), then
restart; a port, a path or a secret left empty is the usual mistake.

### Cache nodes unreachable

Signs: `cache.ConnectionError` from every worker at once.

Steps: restart the cache proxy.
"""


def test_an_exception_name_is_matched_as_the_runbooks_words(tmp_path: Path) -> None:
    """`ChecksumMismatchError` is the "checksum mismatch error" a plain `Signs:` paragraph
    describes; a one-word name (`ConfigurationError`) counts only in what a section says a
    failure looks like, not wherever the word stands."""
    linked = linker(tmp_path, PLAIN_RUNBOOK)
    assert (
        linked("block 7 of 12", "blobstore.errors.ChecksumMismatchError")
        == "blob-reads-fail-their-checksum"
    )
    assert linked("port is 0", "ConfigurationError") is None


def test_a_messages_gist_links_where_its_particulars_drown_it(tmp_path: Path) -> None:
    """Messages put the problem first and the numbers after: the first clause, brackets left
    out, is matched alone and must stand clear of the next section."""
    linked = linker(tmp_path, PLAIN_RUNBOOK)
    assert report.message_gist(
        "Disk quota exceeded. Tried to write 512.00 MiB (volume 3; 1.90 GiB used) on node-a7"
    ) == ("Disk quota exceeded")
    long = (
        "Disk quota exceeded. Tried to write 512.00 MiB (volume 3; 1.90 GiB used; 0 bytes "
        "free; 2.00 GiB reserved by tenant acme-prod-eu-west) while flushing segment "
        "00042.log after 3 retries with backoff 0.5 s, 1.0 s, 2.0 s"
    )
    assert linked(long, "OSError") == "volume-quota-exhausted"
    endless = report.message_gist("word " * 400_000)  # one clause of 2 MB
    assert 0 < len(endless) <= report.GIST_LENGTH and endless.endswith("word")
    particulars = long.replace("Disk quota exceeded. ", "")
    assert linked(particulars, "OSError") is None


def test_a_message_a_symptom_says_word_for_word_is_linked(tmp_path: Path) -> None:
    """A log line's message (`LEASE EXPIRED (pid:4411)`), ids aside, standing in one section's
    signs links there; one standing in no section's signs links nothing."""
    linked = linker(tmp_path, PLAIN_RUNBOOK)
    assert (
        linked("LEASE EXPIRED (pid:4411)", "CRITICAL", kind="log")
        == "blob-reads-fail-their-checksum"
    )
    assert linked("LEASE RENEWED (pid:4411)", "CRITICAL", kind="log") is None


def test_a_builtin_exceptions_name_does_not_decide_a_short_message(tmp_path: Path) -> None:
    """`ConnectionError` from an HTTP client is not the `cache.ConnectionError` a section names:
    the message's gist ("HTTPConnectionPool : Max retries exceeded") says nothing of a cache."""
    linked = linker(tmp_path, PLAIN_RUNBOOK)
    message = "HTTPConnectionPool(host='localhost', port=8000): Max retries exceeded with url: /"
    assert linked(message, "ConnectionError") is None


ALERT_RUNBOOK = """# Scheduler alerts

## Lease renewals rejected

Alert: `lease-lost`. The coordinator refuses a renewal with `LeaseLost` when another worker
took the lease over.

Investigate:
- clock skew between the workers

## Job object already registered

Alert: `job-conflict`. Registering a job came back 409 Conflict: a job of that name exists.

Mitigate:
- give test jobs a per-run suffix

## Worker pool shrinking

Alert: `pool-low`. Fewer workers than the floor; the autoscaler logs `ScaleDenied`.

## Quota denials

Alert: `quota`. The cloud API answers with `ScaleDenied` when the project is over its quota.
"""


def test_an_error_code_the_runbook_quotes_as_code_links_to_it(tmp_path: Path) -> None:
    """`An error occurred (LeaseLost)` names the code one section quotes as `LeaseLost`; a code
    two sections quote (`ScaleDenied`) decides nothing by itself."""
    linked = linker(tmp_path, ALERT_RUNBOOK)
    message = "An error occurred (LeaseLost) when calling the Renew operation: 0x1f"
    assert linked(message, "ClientError") == "lease-renewals-rejected"
    message = "An error occurred (ScaleDenied) when calling the Grow operation"
    assert linked(message, "ClientError") is None


def test_a_status_with_its_reason_phrase_in_prose_names_it(tmp_path: Path) -> None:
    """ "came back 409 Conflict" in a section's prose names the status as a symptom line does;
    the multi-line message's first line is all particulars, its gist the next."""
    linked = linker(tmp_path, ALERT_RUNBOOK)
    assert report.message_gist("(409)\nReason: Conflict\nHTTP response headers: {}") == (
        "Reason: Conflict"
    )
    message = "(409)\nReason: Conflict\nHTTP response headers: {'Audit-Id': 'c41d'}"
    assert linked(message, "client.ApiException") == ("job-object-already-registered")
    assert linked("(4091)\nReason: unknown", "client.ApiException") is None


def test_pytests_location_line_is_no_view_of_the_failure() -> None:
    """`venv/.../rest.py:222: ApiException` holds the words of a path, not the cause."""
    failed = Failure(
        "test",
        "tests/test_k.py::test_k",
        "ApiException",
        "(409)",
        "E   ApiException: (409)\n\nvenv/lib/site-packages/kubernetes/client/rest.py:222: "
        "ApiException",
    )
    views = report._views(failed, [])
    assert "ApiException: (409)" in views
    assert "venv/lib/site-packages/kubernetes/client/rest.py:222: ApiException" not in views


def test_a_tracebacks_source_lines_are_no_view_of_the_failure() -> None:
    """`raise util.CommandError('Only a single head ...')` and the line under a `File "...",
    line N` frame are the code that raised, not what failed: the exception line says that."""
    failed = Failure(
        "test",
        "tests/test_m.py::test_m",
        "CommandError",
        "Only a single head is supported",
        "raise util.CommandError('Only a single head is supported. The '\n"
        'Traceback (most recent call last):\n  File "app/migrate.py", line 9, in upgrade\n'
        "    command.upgrade(config, 'head')  # raises CommandError when heads fork\n"
        "> assert revisions_applied(ConnectionError) == 3\n"
        "alembic.util.CommandError: Only a single head is supported.",
    )
    views = report._views(failed, [])
    assert "alembic.util.CommandError: Only a single head is supported." in views
    assert not [v for v in views[2:] if "raise" in v or "command.upgrade" in v or ">" in v]


def test_a_quote_wrapped_onto_the_next_line_or_holding_an_aside_is_a_signature(
    tmp_path: Path,
) -> None:
    """Markdown paragraphs wrap: a quote broken across two lines is one quote, and words in
    brackets inside it ("(due to forking)") are prose, not a call."""
    linked = linker(
        tmp_path,
        '# Migrations\n\n## Two branches merged at once\n\nOlder releases say "Only one tip is '
        'allowed. The history has several\ntips (due to forking)".\n\nFix: merge the '
        "branches' steps.\n\n## Pruning old history tips\n\nThe history keeps several tips "
        "after forking; only one tip is allowed per release, older tips are pruned nightly.\n\n"
        "Fix: run the pruning job.\n",
    )
    message = "Only one tip is allowed. The history has several tips (due to forking), run merge"
    assert linked(message, "StepError") == "two-branches-merged-at-once"


def test_a_quote_in_the_failures_own_message_outranks_one_in_its_traceback(
    tmp_path: Path,
) -> None:
    """Two sections quote text this failure shows: the one quoting its message explains it;
    the other quotes a line the traceback carries for both problems, however long."""
    linked = linker(
        tmp_path,
        "# Desktop\n\n## Plugin found but not loaded\n\nA system library is missing, so Qt "
        'refuses the plugin "even though it was found" and aborts.\n\n'
        '## No display\n\nNo X server is running; Qt then aborts as above with "no platform '
        'plugin could\nbe initialized, reinstalling may help".\n',
    )
    details = (
        'qt.qpa.plugin: Could not load the Qt platform plugin "xcb" even though it was found.\n'
        "This application failed to start because no platform plugin could be initialized, "
        "reinstalling may help."
    )
    message = 'Could not load the Qt platform plugin "xcb" even though it was found.'
    assert linked(message, "QtFatal", details=details) == "plugin-found-but-not-loaded"


def test_a_well_known_message_is_read_for_what_it_means(tmp_path: Path) -> None:
    """`'coroutine' object has no attribute 'json'` is a missing await, the problem a section
    describes as "coroutine never awaited", though the two share one word; a loop "attached to
    a different loop" is an event loop problem, one "timed out during opening handshake" a
    WebSocket connection failure."""
    linked = linker(
        tmp_path,
        "# Async services\n\n## Calls that return before they run\n\n"
        "**Symptom**: RuntimeWarning: coroutine never awaited in the worker log\n"
        "**Fix**: await the call, or schedule it with `asyncio.create_task`\n\n"
        "## Fixtures sharing one loop\n\n**Symptom**: event loop errors in the second test\n"
        "**Fix**: give async fixtures the test's own event loop\n\n"
        "## Slow coroutine pools\n\n**Symptom**: the coroutine pool is full for minutes\n"
        "**Fix**: bound the pool\n\n## Live updates\n\n"
        "**Symptom**: WebSocket connections time out in tests\n"
        "**Root cause**: the socket gateway is not started\n\n"
        "## Slow pages\n\n**Symptom**: pages time out under load\n**Fix**: cache the query\n",
    )

    assert linked("'coroutine' object has no attribute 'json'", "AttributeError") == (
        "calls-that-return-before-they-run"
    )
    message = "Task <Task pending> got Future attached to a different loop"
    assert linked(message, "RuntimeError") == "fixtures-sharing-one-loop"
    assert linked("'NoneType' object has no attribute 'json'", "AttributeError") is None
    # the websockets library's handshake timeout is a WebSocket connection failure
    assert linked("timed out during opening handshake", "TimeoutError") == "live-updates"


VENDOR_RUNBOOK = """# Messaging postmortems

## Incident 1: Mail refused after a key rotation

**Detection:** every send came back 401 Unauthorized from `mailer_client`.

**Root cause:** the old key was deleted before the workers restarted.

## Incident 2: Mail from an unverified sender

**Detection:** the provider returned 403 Forbidden for one sender address only.

**Root cause:** the new domain was never verified.

## Incident 3: Texts to landlines

**Detection:** the SMS provider refused the number with error 30006.

## Incident 4: Pushes to reinstalled apps

**Detection:** the push gateway answered `StaleDeviceToken` and, for web pushes,
`subscription_gone`.
"""


def test_a_status_the_chosen_section_does_not_name_gives_way(tmp_path: Path) -> None:
    """A 403 from the mail client goes to the one incident naming 403, a 401 to the one naming
    401. The client's name (`mailer_client`, quoted by the 401 incident) claims none of its
    errors: a 429 no section names is `needs-runbook`."""
    linked = linker(tmp_path, VENDOR_RUNBOOK)
    message = "mailer_client.exceptions.ForbiddenError: HTTP Error 403: Forbidden"
    assert linked(message, "ForbiddenError") == ("incident-2-mail-from-an-unverified-sender")
    message = "mailer_client.exceptions.UnauthorizedError: HTTP Error 401: Unauthorized"
    assert linked(message, "UnauthorizedError") == ("incident-1-mail-refused-after-a-key-rotation")
    # words that chose a section naming no status: only a section whose symptom is about the
    # status takes over, not one whose story mentions it ("came back 401 Unauthorized")
    message = "pushes to reinstalled apps: the push gateway answered HTTP Error 401"
    assert linked(message, "PushError") == "incident-4-pushes-to-reinstalled-apps"
    message = "mailer_client.exceptions.TooManyRequests: HTTP Error 429"
    assert linked(message, "TooManyRequests") is None


def test_error_codes_in_fields_whole_messages_and_numbers(tmp_path: Path) -> None:
    """A code as an error field's value, a message that is a code, and a vendor's numbered
    error link to the one section quoting them; errno numbers are everyone's."""
    linked = linker(tmp_path, VENDOR_RUNBOOK)
    body = "The server responded with: {'ok': False, 'error': 'subscription_gone'}"
    assert linked(body, "PushError") == "incident-4-pushes-to-reinstalled-apps"
    assert linked("StaleDeviceToken", "APNSError") == ("incident-4-pushes-to-reinstalled-apps")
    assert linked("Unable to create record: 30006 (landline)", "SmsError") == (
        "incident-3-texts-to-landlines"
    )
    assert linked("Unable to create record: 30007", "SmsError") is None


def test_an_operating_system_message_quoted_gives_way_to_the_failures_own_words(
    tmp_path: Path,
) -> None:
    """ "Resource temporarily unavailable" quoted by a file-locking section names no problem by
    itself: a thread pool that cannot start its threads says so in its own words. Alone, as the
    whole message, the quote still links."""
    linked = linker(
        tmp_path,
        "# KB\n\n## KB-1: Archive files cannot be locked\n\n"
        '**Symptoms**: opening an archive fails with "Resource temporarily unavailable" when '
        "another job holds its lock.\n\n**Resolution**: open archives read-only.\n\n"
        "## KB-2: The math library cannot start its threads\n\n"
        "**Symptoms**: importing the math library prints that the thread pool could not create "
        "its worker threads, on login nodes with a low process limit.\n\n"
        "**Resolution**: set the library's thread count to 1 in job scripts.\n",
        "KB",
        error_type="RuntimeError",
    )

    threads = (
        "math library thread pool: could not create worker threads 1 of 64: "
        "Resource temporarily unavailable"
    )
    assert linked(threads) == "kb-2-the-math-library-cannot-start-its-threads"
    assert linked("[Errno 11] Resource temporarily unavailable") == (
        "kb-1-archive-files-cannot-be-locked"
    )


def test_a_heading_that_only_groups_sections_explains_nothing(tmp_path: Path) -> None:
    """`## Scales` holds the sections under it and says nothing itself: a failure whose words
    are the group's title is not linked to the group."""
    linked = linker(
        tmp_path,
        "# Rig\n\n## Scales\n\n### Scale does not answer\n\nThe RS-485 scale stops answering "
        "register reads when its termination jumper is off; reads time out.\n\n"
        "Workaround: set the jumper and retry the read.\n\n## Meters\n\n### Meter reads zero\n\n"
        "The meter reads zero after a power cut until its clock is set.\n",
    )
    assert linked("scales offline on rig 3 since 02:00", "ScalesError") is None


def test_a_handshake_refused_with_a_status_goes_to_the_section_about_that_status(
    tmp_path: Path,
) -> None:
    """ "server rejected WebSocket connection: HTTP 403" shares its words with "WebSocket
    connection failures", which names no status; the section whose symptom is "401/403
    errors" explains it."""
    linked = linker(
        tmp_path,
        "# Tests\n\n## 2. Authentication failures\n\n**Symptom**: 401/403 errors in tests\n"
        "**Fix**: log in through the shared helper\n\n"
        "## 3. WebSocket connection failures\n\n**Symptom**: WebSocket tests time out; the "
        "server never accepts the connection\n**Fix**: start the WebSocket bridge before the "
        "server\n",
        error_type="InvalidStatus",
    )

    assert linked("server rejected WebSocket connection: HTTP 403") == "2-authentication-failures"
    assert linked("server never accepts the WebSocket connection: timed out") == (
        "3-websocket-connection-failures"
    )


def test_a_near_tie_between_two_problems_is_no_link(tmp_path: Path) -> None:
    """Two sections on different problems that a failure matches almost equally: a coin flip,
    so `needs-runbook`. Two on one problem (a quick-reference entry that links to the
    runbook's section, or the same title in two files) are no tie."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "RUNBOOK.md").write_text(
        "# Runbook\n\n## 3. Queue settings validation\n\n**Symptom**: the queue settings "
        "validation fails at start-up\n**Fix**: set QUEUE_URL\n\n"
        "## 4. Cache settings validation\n\n**Symptom**: the cache settings validation fails "
        "at start-up\n**Fix**: set CACHE_URL\n\n"
        "## 5. Missing signing keys\n\n**Symptom**: tokens rejected after a deploy\n"
        "**Fix**: mount the signing keys volume\n"
    )
    (tmp_path / "docs" / "QUICK.md").write_text(
        "# Quick reference\n\n### Issue: Missing signing keys\n"
        "**File**: [RUNBOOK.md](./RUNBOOK.md#5-missing-signing-keys)\n"
        "**Quick Fix**: mount the keys\n\n### Issue: Tokens rejected after a deploy\n"
        "**Quick Fix**: see the signing keys\n"
    )
    links = Links(tmp_path, Config(root=tmp_path, runbooks=("docs/*.md",)))

    def linked(message: str) -> str | None:
        failed = Failure("test", "tests/test_boot.py::test_boot", "StartupError", message)
        [planned] = report.plan([failed], links)
        return planned.runbook.section.anchor if planned.runbook else None

    assert linked("settings validation fails at start-up for the staging settings") is None
    assert linked("missing signing keys on the token issuer node") in {
        "5-missing-signing-keys",
        "issue-missing-signing-keys",
    }
    assert links.team is not None
    by_anchor = {section.anchor: section for section in links.team.sections}
    same = [
        ("5-missing-signing-keys", "issue-missing-signing-keys"),  # links to it; same title
        ("issue-tokens-rejected-after-a-deploy", "5-missing-signing-keys"),  # its symptom
    ]
    for a, b in same:
        assert same_problem(by_anchor[a], by_anchor[b])
    assert not same_problem(
        by_anchor["3-queue-settings-validation"], by_anchor["4-cache-settings-validation"]
    )


def test_an_error_number_a_title_names_links_to_it(tmp_path: Path) -> None:
    """`[WinError 206]` goes to the section whose title names WinError 206, however few its
    digits; the same number of another kind (`exit code 206`) does not."""
    linked = linker(
        tmp_path,
        "# Windows\n\n## Unpacking fails with WinError 206\n\nLikely cause: the update is "
        "unpacked too deep below the profile folder.\n\n## Installer hangs\n\nLikely cause: "
        "a dialog waits behind the main window.\n",
        "WINDOWS",
    )

    message = "[WinError 206] The filename or extension is too long: 'C:\\\\Users\\\\ci\\\\x'"
    assert linked(message, "FileNotFoundError") == "unpacking-fails-with-winerror-206"
    assert linked("Command 'pkg' returned exit code 206", "CalledProcessError") is None


def test_a_quote_two_problems_share_decides_only_with_the_failures_words(tmp_path: Path) -> None:
    """ "Ledger write rejected" quoted by the lock section and by the quota section names
    neither: the failure's other words choose, or nothing does."""
    linked = linker(
        tmp_path,
        "# Ledger\n\n## Writes blocked by a held lock\n\n"
        '**Symptom**: "Ledger write rejected" while the nightly lock is held by the archiver.\n'
        "**Fix**: wait for the archiver or release its lock.\n\n"
        "## Writes over the daily quota\n\n"
        '**Symptom**: "Ledger write rejected" once the tenant passed its daily quota.\n'
        "**Fix**: raise the tenant's quota.\n",
        "LEDGER",
        error_type="LedgerError",
    )

    assert linked("Ledger write rejected: archiver lock held since 02:00 (nightly lock)") == (
        "writes-blocked-by-a-held-lock"
    )
    assert linked("Ledger write rejected") is None


def test_a_quote_of_words_every_failure_prints_is_no_signature(tmp_path: Path) -> None:
    """A section noting that old drivers say "unknown error" does not take every failure that
    starts so; a quote with a word of its own still does."""
    linked = linker(
        tmp_path,
        "# UI tests\n\n## Browser dies at start\n\nSeen in CI as: old drivers report it as "
        '"unknown error", new ones as "Chrome failed to start".\n\nFix: pass --no-sandbox.\n\n'
        "## Clicks land on an overlay\n\nSeen in CI as: the click is intercepted because "
        "another element would receive the click.\n\nFix: wait for the overlay to go.\n",
        "UI",
        error_type="WebDriverException",
    )

    message = "unknown error: element click intercepted: another element would receive the click"
    assert linked(message) == "clicks-land-on-an-overlay"
    assert linked("unknown error: Chrome failed to start: exited abnormally") == (
        "browser-dies-at-start"
    )


def test_a_quoted_identifier_counts_in_the_message_not_in_the_traceback(tmp_path: Path) -> None:
    """`Image.load` quoted by the truncated-file section is a line of code in every traceback
    that opens an image: there it says nothing; in the message it is the failure's own word."""
    linked = linker(
        tmp_path,
        "# Images\n\n## Truncated files\n\nA half-uploaded file fails inside `Image.load` with a "
        "truncated-file message.\n\n## Images too large to open\n\nA scan of more than 180 "
        "million pixels is refused as a decompression bomb; raise the pixel limit for scans.\n",
        error_type="ImageError",
    )
    trace = '  File "scan.py", line 9, in load_scan\n    pixels = Image.load(path)\n'
    bomb = "Image size (255553344 pixels) exceeds limit: could be a decompression bomb attack"
    assert linked(bomb, details=trace + "ImageError: " + bomb) == "images-too-large-to-open"
    assert linked("Image.load gave up on scan 7") == "truncated-files"


def test_a_section_that_is_only_a_command_explains_nothing(tmp_path: Path) -> None:
    """`### Quick check` with a `curl` to run names the endpoint a failure names, but says
    nothing of why it failed; a section that is only a log excerpt shows the failure itself."""
    linked = linker(
        tmp_path,
        "# Agents\n\n## Validation commands\n\n### Quick check\n\n```bash\n"
        'curl -X POST http://localhost:8000/api/agents/execute -d \'{"agent": "analyst"}\'\n'
        "```\n\n### Rate limiter trips\n\n```text\n"
        "LimiterError: bucket agents-execute exhausted, retry in 30s\n```\n\n"
        "## Slow fixtures\n\n**Symptom**: the suite takes minutes\n**Fix**: scope fixtures\n",
    )
    message = "POST /api/agents/execute analyst: unexpected reply, charmap codec"
    assert linked(message, "AssertionError") is None
    assert linked("bucket agents-execute exhausted, retry in 12s", "LimiterError") == (
        "rate-limiter-trips"
    )


def test_a_command_under_a_heading_that_names_the_error_explains_it(tmp_path: Path) -> None:
    """`## QueueAlreadyDeclaredElsewhere in fixtures` over a command to run: the heading says
    which failure the command is for. A command under a heading naming no error (`## Reset
    the queues`) still explains nothing."""
    linked = linker(
        tmp_path,
        "# Queues\n\n## QueueAlreadyDeclaredElsewhere in fixtures\n\n```\nmake reset-queues\n"
        "```\n\n## Reset the broker\n\n```\nmake reset-broker\n```\n\n"
        "## Consumers fall behind\n\n**Symptom**: the backlog grows\n**Fix**: add consumers\n",
    )
    message = (
        "An error occurred (QueueAlreadyDeclaredElsewhere) when calling the DeclareQueue "
        "operation: the queue exists with other arguments"
    )
    assert linked(message, "broker.errors.QueueAlreadyDeclaredElsewhere") == (
        "queuealreadydeclaredelsewhere-in-fixtures"
    )
    assert linked("could not reset the broker: connection closed", "BrokerError") is None


def test_a_container_engine_that_is_down_goes_to_the_section_on_it(tmp_path: Path) -> None:
    """`### When the container engine won't start` over commands only: its heading names a
    failing state, so it explains. Docker's, Docker Desktop's and Podman's clients each say
    in their own words that the engine is not up; the database section that runs `docker ps`
    and blames a database "not running" shares more of those words, and is not it. Commands
    under a heading that names no failure (`### Rebuild the images`) still explain nothing."""
    linked = linker(
        tmp_path,
        "# Test services\n\n### 3. Database errors\n\n**Symptom**: OperationalError\n"
        "**Root Cause**: the database service is not running\n**Diagnosis**:\n```bash\n"
        "docker ps | grep postgres\ndocker logs test-postgres\n```\n\n"
        "### When Docker Won't Start\n\n```bash\n# is the engine up?\ndocker info\n"
        "# start it again\nsystemctl --user restart docker\n```\n\n"
        "### Rebuild the images\n\n```bash\ndocker compose build --no-cache\n```\n",
    )
    down = [
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
        "Is the docker daemon running?",
        "error during connect: Get http://%2F%2F.%2Fpipe%2FdockerDesktopLinuxEngine/v1.47/"
        "containers/json: open //./pipe/dockerDesktopLinuxEngine: no such file",
        "Docker Desktop service is not running",
        "Error: unable to connect to Podman socket: dial tcp 127.0.0.1:61001: connect: "
        "connection refused",
    ]
    for message in down:
        assert linked(message, "ServiceStartError", kind="log") == "when-docker-wont-start"
    assert linked("docker compose build failed: no space left on device", "BuildError") is None


def test_a_title_saying_what_a_well_known_message_means_is_its_section(tmp_path: Path) -> None:
    """A WebSocket close code (`received 1011 (internal error)`) means a WebSocket connection
    failure: the one section titled so explains it, though the database and cache sections
    share the message's "connection" and every section its "WebSocket"."""
    linked = linker(
        tmp_path,
        "# Suite\n\n### 2. WebSocket Connection Failures\n**Symptom**: WebSocket tests time "
        "out\n**Root Cause**: WebSocket not initialized\n**Fix**: start the WebSocket bridge "
        "first\n\n### 3. Database Connection Errors\n**Symptom**: psycopg2.OperationalError\n"
        "**Root Cause**: Database not running\n\n### 4. Cache Connection Errors\n"
        "**Symptom**: redis.ConnectionError\n**Root Cause**: Redis not running\n\n"
        "### Issue: No WebSocket Events\n**Problem**: the agent runs, the WebSocket gets no "
        "events\n**Fix**: emit through the bridge\n\n### Issue: WebSocket Events Out of Order\n"
        "**Problem**: events reach the WebSocket in the wrong order\n**Fix**: send them from "
        "one task\n\n### Issue: Events Sent to Wrong User\n**Problem**: a WebSocket event "
        "reaches another user's connection\n**Fix**: route by the user's connection id\n",
        error_type="ConnectionClosedError",
    )

    closed = "received 1011 (internal error) Internal error; then sent 1011 (internal error)"
    assert linked(closed) == "2-websocket-connection-failures"
    assert linked("no close frame received or sent") == "2-websocket-connection-failures"
    # the close as websockets before version 10 wrote it, and as a report quotes it
    older = "code = 1011 (unexpected error), reason = Internal error"
    assert linked(older) == "2-websocket-connection-failures"
    assert linked("code=1011 reason='internal error'") == "2-websocket-connection-failures"
    assert linked("code = 1000 (OK), reason = bye") is None
    # a client's or a script's words for the close ("Close code: 1011", "closed with code 1006")
    assert linked("[ERROR] CONNECTION CLOSED after 0.063s\nClose code: 1011", "Failure") == (
        "2-websocket-connection-failures"
    )
    assert linked("socket closed with code 1006", "Failure") == "2-websocket-connection-failures"
    assert linked("socket closed with code 1000", "Failure") is None
    # a message meaning nothing well known is the words' to link, or not
    assert linked("sent 1000 (OK); then received 1000 (OK) bye") is None


def test_a_websocket_handshake_timeout_is_a_websocket_connection_failure(tmp_path: Path) -> None:
    """websockets says "timed out during handshake" when the server never answers the upgrade:
    a WebSocket connection failure, not the suite's slow tests, whose words ("timed out") it
    shares."""
    linked = linker(
        tmp_path,
        "# Suite\n\n### 3. WebSocket Tests Hang on Connect\n**Symptom**: WebSocket tests time "
        "out\n**Root Cause**: the backend is not yet accepting WebSocket connections\n\n"
        "### 5. Slow Tests\n**Symptom**: a test timed out during setup after 30 s\n"
        "**Root Cause**: a fixture waits on a real service\n",
        error_type="TimeoutError",
    )
    assert linked("timed out during handshake") == "3-websocket-tests-hang-on-connect"


def test_starlettes_socket_not_accepted_is_a_websocket_connection_failure(tmp_path: Path) -> None:
    """Starlette (FastAPI) raises `WebSocket is not connected. Need to call "accept" first.`
    for a socket used before its handshake completed or after it dropped: a WebSocket
    connection failure, though it shares no word with the section's title."""
    linked = linker(
        tmp_path,
        "# Chat\n\n### 2. Reconnect Storms\n**Symptom**: clients reconnect every second\n"
        "**Root Cause**: the load balancer drops idle sockets\n\n"
        "### 4. WebSocket Connection Failures\n**Symptom**: chat tests hang on connect\n"
        "**Root Cause**: the handler runs before the handshake is complete\n",
        error_type="RuntimeError",
    )
    assert linked('WebSocket is not connected. Need to call "accept" first.') == (
        "4-websocket-connection-failures"
    )
    assert linked('Error: "Need to call accept first"', "Error") == (
        "4-websocket-connection-failures"
    )
    assert linked('Cannot call "send" once a close message has been sent.') == (
        "4-websocket-connection-failures"
    )
    # the same words about something other than a socket are no such failure
    assert linked("Need to call setup first") is None


TEST_RUNBOOK_SECTIONS = (
    "# Suite\n\n### 3. WebSocket Connection Failures\n**Symptom**: chat tests time out\n"
    "**Root Cause**: the socket bridge never started\n\n"
    "### 4. Database Connection Errors\n**Symptom**: psycopg2.OperationalError\n"
    "**Root Cause**: the database is not running\n\n"
    "### 5. Redis Connection Errors\n**Symptom**: redis.ConnectionError\n"
    "**Root Cause**: Redis is not running\n\n"
    "### 6. Import Errors\n**Symptom**: ModuleNotFoundError\n**Root Cause**: wrong import "
    "paths\n**Fix**: use absolute imports\n"
)


def test_a_message_saying_a_sections_title_is_that_sections(tmp_path: Path) -> None:
    """A message that says a section's title in its own words ("WebSocket connection
    failed") is that section's, with no exception name to go by; names of code and quoted
    values in a message are not its words."""
    linked = linker(tmp_path, TEST_RUNBOOK_SECTIONS, error_type="Failure")

    assert linked("WebSocket connection failed", kind="log") == ("3-websocket-connection-failures")
    message = "from_request() got an unexpected keyword argument 'websocket_connection_id'"
    assert linked(message, "TypeError") is None
    # the title said after the message's first clause ("Error: ..."), or as a quoted sentence
    # a check's name before the message says what was checked
    assert linked("websocket_validation: Connection failed", kind="log") == (
        "3-websocket-connection-failures"
    )
    threads = "Failed to list threads. Error: Database connection failed"
    assert linked(threads, kind="log") == "4-database-connection-errors"
    assert linked(f"Detailed error: '{threads}'", kind="log") == "4-database-connection-errors"
    # the title's words must stand together: scattered over a message they say another thing
    linked = linker(
        tmp_path,
        TEST_RUNBOOK_SECTIONS
        + "\n### 8. WebSocket Event Delivery\n**Symptom**: websocket events arrive late\n"
        "**Root Cause**: a slow consumer\n\n### 9. Connection Pool Exhaustion\n**Symptom**: "
        "every pooled connection is in use\n**Root Cause**: leaked sessions\n",
        error_type="Failure",
    )
    limit = (
        "User 42 has reached the maximum number of WebSocket managers (5). Please close "
        "existing connections first."
    )
    assert linked(limit, kind="log") is None


def test_well_known_library_messages_are_read_without_their_exception(tmp_path: Path) -> None:
    """Logged without the exception's name, Python's "cannot import name" is an import error
    and redis-py's "Error 111 connecting to host:port." a Redis connection error, though the
    database section shares the words "connection" and "not running"."""
    linked = linker(tmp_path, TEST_RUNBOOK_SECTIONS, error_type="Failure")

    plugin = "could not load plugin: cannot import name 'Exporter' from 'metrics.sinks'"
    assert linked(plugin, kind="log") == "6-import-errors"
    refused = "Error 111 connecting to cache-0:6390. Connection refused."
    assert linked(refused, kind="log") == "5-redis-connection-errors"


def test_a_quote_in_a_numbered_step_is_what_to_do_not_what_fails(tmp_path: Path) -> None:
    """ "1. Take the index name and the `conflict key` value from the message" quotes what to
    look at, in every conflict the store reports: not a signature of that section. The other
    section's words explain a conflict on the primary key."""
    linked = linker(
        tmp_path,
        "# Store\n\n## Duplicate id from a reused payload\n\n**Looks like:** a conflict on "
        "the primary key index, for an id our code never chose.\n\n**Cause:** the same "
        "payload object is sent twice; the client filled in its id on the first send.\n\n"
        "**Steps:**\n\n1. Build a fresh payload per insert.\n\n"
        "## Duplicate value on a unique field\n\n**Looks like:** a conflict on one of our "
        "unique indexes (sku, slug).\n\n**Steps:**\n\n1. Take the index name and the "
        "`conflict key` value from the message and find the record that holds it.\n"
        "2. Reject the duplicate row in the importer.\n",
        error_type="store.errors.ConflictError",
    )

    assert linked("E409 conflict on index primary_key: conflict key { id: 6560a1 }") == (
        "duplicate-id-from-a-reused-payload"
    )
    assert linked("E409 conflict on index sku_unique: conflict key { sku: 'A-1' }") == (
        "duplicate-value-on-a-unique-field"
    )


def test_a_wrapper_naming_the_command_that_failed_is_read_as_what_it_printed(
    tmp_path: Path,
) -> None:
    """`BuildError: imagetool build --platform linux/amd64 exited 1` says which command failed,
    not what went wrong; the section about multi-platform builds shares the command's words.
    What the command printed under it decides."""
    linked = linker(
        tmp_path,
        "# Images\n\n## Multi-platform build on the default driver\n\n**Symptom:** an "
        "imagetool build for more than one platform (`--platform linux/amd64,linux/arm64`) "
        "stops at once on the default builder.\n\n**Fix:** create a multi-platform builder "
        "first.\n\n## A file the build copies is missing\n\n**Symptom:** the build cannot "
        "compute the cache key: a file it copies is not found in the build context.\n\n"
        "**Fix:** add the file to the build context, or fix its path.\n",
        error_type="ci.images.BuildError",
    )

    message = "ci.images.BuildError: imagetool build --platform linux/amd64 exited 1"
    details = (
        "tests/test_images.py:12: in test_worker_image\n    images.build('worker')\n"
        f"E   {message}\nE   stderr:\nE   ERROR: failed to solve: failed to compute cache "
        'key: failed to calculate checksum of ref: "/requirements/worker.txt": not found'
    )
    assert linked(message, details=details) == "a-file-the-build-copies-is-missing"


def test_a_refused_token_is_an_authentication_failure(tmp_path: Path) -> None:
    """ "Invalid JWT token", "JWT signature verification failed", "Authentication failed: ...",
    "Token refresh failed" are a token or credentials refused: the one section titled
    "Authentication Failures" explains them, though the WebSocket section shares "WebSocket
    connection". A service that cannot start because its own auth settings fail validation is
    not a refused token."""
    linked = linker(
        tmp_path,
        "# Suite\n\n### 2. Authentication Failures\n**Symptom**: 401/403 errors in tests\n"
        "**Root Cause**: missing or invalid auth\n**Fix**: log in through the shared helper\n\n"
        "### 3. WebSocket Connection Failures\n**Symptom**: WebSocket tests time out\n"
        "**Root Cause**: the WebSocket connection is never accepted\n\n"
        "### When Docker Won't Start\n\n```bash\ndocker info\n```\n",
        error_type="Failure",
    )

    refused = [
        "WebSocket connection rejected in staging: Invalid JWT token",
        "JWT signature verification failed",
        "Authentication failed: Valid JWT token required for WebSocket connection",
        "Token refresh failed during auth error recovery",
    ]
    for message in refused:
        assert linked(message) == "2-authentication-failures"
    assert linked("STARTUP FAILURE: Auth validation failed - service cannot start") is None
    assert linked("Cannot run browser tests: Docker Desktop not running") == (
        "when-docker-wont-start"
    )


def test_a_missing_token_is_an_authentication_failure(tmp_path: Path) -> None:
    """A request or socket that came without credentials ("No JWT in WebSocket headers",
    FastAPI's "Not authenticated", a close with "1008: Authentication required") is what an
    "Authentication Failures" section explains, though the message names the WebSocket."""
    linked = linker(
        tmp_path,
        "# Suite\n\n### 2. Authentication Failures\n**Symptom**: 401/403 errors in tests\n"
        "**Root Cause**: missing or invalid auth\n**Fix**: log in through the shared helper\n\n"
        "### 3. WebSocket Connection Failures\n**Symptom**: WebSocket tests time out\n"
        "**Root Cause**: the WebSocket connection is never accepted\n",
        error_type="Failure",
    )
    missing = [
        "No JWT in WebSocket headers or subprotocols",
        "Secure WebSocket context error: 1008: Authentication required",
        "Not authenticated",
        "No token provided for user session 77",
        "Missing Authorization header",
    ]
    for message in missing:
        assert linked(message) == "2-authentication-failures", message
    # a token that is present and used is no missing credential
    assert linked("No tokens left in the rate limiter bucket") is None


def test_a_table_whose_rows_name_the_fields_explains(tmp_path: Path) -> None:
    """`| **Symptom** | ... |` and `| **Remedy** | ... |` under an empty header is the section's
    symptom and fix, not a table of values; a table of values (ports, owners) still explains
    nothing, whatever a failure shares with it."""
    linked = linker(
        tmp_path,
        "# Relay\n\n## 2.1 Frames over the size limit\n\n| | |\n|---|---|\n"
        "| **Symptom** | The relay client refuses a frame larger than it allows. |\n"
        "| **Root cause** | A batch endpoint sends every row in one frame. |\n"
        "| **Remedy** | Page the batch; raise `max_frame` only for the export relay. |\n\n"
        "## 2.2 Relay ports\n\n| relay | port | owner |\n|---|---|---|\n"
        "| export relay frame gateway | 7443 | data |\n| batch relay | 7444 | data |\n\n"
        "## 2.3 Relays answer late\n\n**Symptom:** calls wait seconds for a relay.\n"
        "**Fix:** scale the relays out.\n",
    )
    message = "relay client refused frame: larger than allowed (901233 bytes)"
    assert linked(message, "relay.FrameError") == "21-frames-over-the-size-limit"
    assert linked("owner data: relay ports 7443 and 7444 unreachable", "RelayError") != (
        "22-relay-ports"
    )


def test_a_table_of_fields_in_the_teams_own_labels_explains(tmp_path: Path) -> None:
    """`| What you get | ... |` and `| Meaning | ... |`, a label and a sentence on each row, are
    the section's fields in the team's words; a two-column table of names and values (a code
    name down the first column, or no sentence beside the labels) still explains nothing."""
    linked = linker(
        tmp_path,
        "# Feeds\n\n## F-6: Large snapshots\n\n| | |\n| --- | --- |\n"
        "| What you get | the feed socket closes with 4009 oversized frame after one large "
        "snapshot went through |\n"
        "| Meaning | our side refused a frame bigger than the limit we set for that feed |\n"
        "| Steps | 1. Find the feed. 2. Raise `max_frame` for that feed only. |\n\n"
        "## Feed limits\n\n| Feed | Limit |\n| --- | --- |\n"
        "| `quotes-l2` | oversized frame limit is 16 MiB for the snapshot of every book we "
        "keep |\n| `trades` | 1 MiB |\n\n"
        "## Feed owners\n\n| Feed | Owner |\n| --- | --- |\n"
        "| oversized frames | data team |\n| snapshots | market team |\n\n"
        "## F-7: Feed lags\n\n**Symptom:** quotes arrive seconds late.\n"
        "**Fix:** scale the feed relays out.\n",
    )
    message = "feed closed: 4009 (oversized frame); snapshot dropped"
    assert linked(message, "feeds.FeedClosed") == "f-6-large-snapshots"
    links = Links(tmp_path, Config(root=tmp_path, runbooks=("docs/*.md",)))
    explaining = {s.anchor for s in links.team.sections if explains(s)}
    assert explaining == {"f-6-large-snapshots", "f-7-feed-lags"}


def test_a_table_of_fields_quoting_the_error_beside_its_label_explains(tmp_path: Path) -> None:
    """`| Text | `... fatal error: ffi.h: No such file or directory` |`: the error itself,
    quoted beside a label, makes a table the entry's fields, as a sentence does; a table of
    names and commands beside labels still explains nothing."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "R.md").write_text(
        "# Wheels\n\n## W-3 ffi.h missing\n\n| | |\n| --- | --- |\n| Seen in | `tests/build/` |"
        "\n| Text | `c/_backend.c:15:10: fatal error: ffi.h: No such file or directory` |\n"
        "| Then | `Failed building wheel for cffi` |\n\n1. Add `libffi-dev` to the image.\n"
        "2. Rebuild the lane.\n\n## Lanes\n\n| | |\n| --- | --- |\n| Linux | `cp311-linux` |\n"
        "| Rebuild | `make wheels LANE=cp311-linux` |\n"
    )
    links = Links(tmp_path, Config(root=tmp_path, runbooks=("docs/*.md",)))
    assert {s.anchor for s in links.team.sections if explains(s)} == {"w-3-ffih-missing"}


def test_a_quoted_sentence_in_single_quotes_is_the_message_not_a_name(tmp_path: Path) -> None:
    """`(1071, 'Specified key was too long; max key length is 767 bytes')` quotes the
    server's message inside the driver's tuple: the sentence is the signature. A name in
    single quotes (`'reports'`) still stands for any name."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "R.md").write_text(
        "# Ledger\n\n## Ledger index too long\n\n| Signal | `(4071, 'Index entry is longer "
        "than the page allows')` from `ledger migrate` on `'reports'` |\n| --- | --- |\n"
        "| Why | indexed text columns in the ledger are wider than the legacy engine can key |\n"
    )
    links = Links(tmp_path, Config(root=tmp_path, runbooks=("docs/*.md",)))
    [section] = [s for s in links.team.sections if s.anchor == "ledger-index-too-long"]
    assert ("(0, 'index entry is longer than the page allows')",) in quoted_signatures(section)
    assert quoted_in("Symptom: `table 'ledger_rows' is full`") == [("table", "is full")]


def test_a_plain_cause_label_under_a_table_of_messages_explains(tmp_path: Path) -> None:
    """`| Library | Message |` lists what the failure prints, `Cause:` in plain words says why,
    numbered steps say what to do: the section explains, though most of its lines are table
    rows and list items. A table and a list with no such label (owners, steps alone) do not."""
    linked = linker(
        tmp_path,
        "# Exports\n\n## E-4 The archive will not take the folder name\n\n"
        "| Library | Message |\n| --- | --- |\n"
        "| zipper | `ArchiveNameError: folder name holds a character the archive refuses` |\n"
        "| tarrow | `ValueError: Folder name too long for the archive index` |\n\n"
        "Cause: we name folders after customers.\n\n1. Route names through the helper.\n"
        "2. Tell the owner.\n\n"
        "## E-5 Archive owners\n\n| Library | Owner |\n| --- | --- |\n"
        "| zipper | exports team |\n| tarrow | archive name desk |\n\n"
        "1. Ask the owner.\n2. Wait.\n\n"
        "## E-6 Exports run late\n\n**Symptom:** the nightly export ends after 7am.\n",
    )
    message = "Folder name too long for the archive index"
    assert linked(message, "ValueError") == "e-4-the-archive-will-not-take-the-folder-name"
    links = Links(tmp_path, Config(root=tmp_path, runbooks=("docs/*.md",)))
    assert not explains(next(s for s in links.team.sections if s.anchor == "e-5-archive-owners"))


def test_a_slash_between_words_is_a_path_one_standing_alone_is_the_message(
    tmp_path: Path,
) -> None:
    """`Invalid character / found in sheet title` prints the character it found: a signature.
    `/var/lib/sheets` and `exports/daily` are paths, and a quoted set of characters
    (`'[]:*?/\\'`) stands for whichever the failure shows."""
    assert quoted_in("`ValueError: Invalid character / found in sheet title`") == [
        ("valueerror: invalid character / found in sheet title",)
    ]
    assert quoted_in("`cannot open exports/daily for writing`") == []
    assert quoted_in("`Invalid Excel character '[]:*?/\\' in sheetname`") == [
        ("invalid excel character", "in sheetname")
    ]


def test_a_class_with_only_a_number_or_a_blank_after_it_quotes_no_message(
    tmp_path: Path,
) -> None:
    """`metrics_client.rest.ApiException: (401)` is every status of that class once numbers
    are masked, and `sqlalchemy.exc.<Class>: (psycopg2.errors.<Class>) <message>` every
    database error: neither is a signature. A code name the failure prints (`StatusCode.
    RESOURCE_EXHAUSTED`), a host and port, and a class with words after it still are."""
    assert quoted_in("`metrics_client.rest.ApiException: (401)`") == []
    assert quoted_in("`sqlalchemy.exc.<Class>: (psycopg2.errors.<Class>) <message>`") == []
    assert quoted_in("`StatusCode.RESOURCE_EXHAUSTED`") == [("statuscode.resource_exhausted",)]
    assert quoted_in("`cache.build.internal:5000`") == [("cache.build.internal:0",)]
    # (an exception's module path is left out on both sides: a log may print the class alone)
    assert quoted_in("`metrics_client.rest.ApiException: (401) Unauthorized`") == [
        ("apiexception: (0) unauthorized",)
    ]
    linked = linker(
        tmp_path,
        "# Metrics\n\n## M-1 Token refused\n\n**Looks like**\n\n```\n"
        "metrics_client.rest.ApiException: (401)\nReason: Unauthorized\n```\n\n"
        "**Why.** The token was deleted or belongs to the other instance.\n\n"
        "## M-3 Field type conflict\n\n**Looks like:** the write is refused with 422 and "
        "`partial write: field type conflict`.\n\n"
        "**Why.** One writer sends integers for a field another wrote as floats.\n",
    )
    message = "(422)\nReason: Unprocessable Entity\npartial write: field type conflict: input field"
    assert linked(message, "metrics_client.rest.ApiException") == "m-3-field-type-conflict"


def test_a_retrying_clients_wrapper_is_read_as_the_error_it_gave_up_on(tmp_path: Path) -> None:
    """urllib3 prints `Max retries exceeded with url: ... (Caused by ConnectTimeoutError(...,
    'Connection to x timed out. (connect timeout=10)'))` for every connection that failed: the
    cause in its brackets is the failure, and a section quoting the wrapper's words ("arrives
    wrapped in a `Max retries exceeded`") names no problem."""
    assert quoted_in("it arrives wrapped in a `Max retries exceeded`") == []
    assert quoted_in("`The above exception was the direct cause of the following exception`") == []
    # uvicorn's line over every exception an app raises names no problem either
    assert quoted_in('uvicorn logs "Exception in ASGI application" and the traceback') == []
    # nor asyncio's over every exception of a task nobody awaited
    assert quoted_in('it shows up as an asyncio "Task exception was never retrieved"') == []
    assert (
        report.retries_cause(
            "HTTPConnectionPool(host='stub', port=8712): Max retries exceeded with url: /echo "
            "(Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f>: "
            "Failed to establish a new connection: [Errno 111] Connection refused'))"
        )
        == "NewConnectionError: Failed to establish a new connection: "
        "[Errno 111] Connection refused"
    )
    linked = linker(
        tmp_path,
        "# Relay\n\n## Partner chain incomplete\n\n**Looks like:** `[SSL: "
        "CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer "
        "certificate`, from requests wrapped in a `Max retries exceeded`.\n\n"
        "**Why.** The partner serves its leaf without the intermediate.\n\n"
        "## Partner connect timeout\n\n**Looks like:** the connection to the partner timed "
        "out before any answer (connect timeout).\n\n**Why.** Their firewall drops our SYN.\n",
    )
    message = (
        "HTTPSConnectionPool(host='api.pay.example', port=443): Max retries exceeded with url: "
        "/v1/payouts/42 (Caused by ConnectTimeoutError(<urllib3.connection.HTTPSConnection "
        "object at 0x7f2>, 'Connection to api.pay.example timed out. (connect timeout=10)'))"
    )
    assert linked(message, "requests.exceptions.ConnectTimeout") == "partner-connect-timeout"


def test_a_title_naming_a_code_the_failure_shows_is_its_section(tmp_path: Path) -> None:
    """Two sections about one refusal, told apart by the sub-code their titles name (`sub
    61f`, `sub 74d`): the failure showing `sub 61f` is the first's. A name with a digit in it
    (`oauth2`) is no code, nor is a number alone."""
    linked = linker(
        tmp_path,
        "# Directory\n\n## Login refused: sub 61f, wrong secret\n\n**Symptom:** the "
        "directory answers 49 with the handshake error.\n\n**Fix:** re-sync the secret.\n\n"
        "## Login refused: sub 74d, account frozen\n\n**Symptom:** the same 49 result, "
        "HandshakeErr comment AcceptHandshake error, DSX message, with sub 74d.\n\n"
        "**Fix:** find what kept retrying, then unfreeze.\n\n"
        "## oauth2 tokens refused\n\n**Symptom:** the gateway answers 401.\n",
    )
    message = (
        "{'result': 49, 'message': 'DSX: HandshakeErr: comment: AcceptHandshake error, "
        "sub 61f, v1200'}"
    )
    assert linked(message, "AssertionError") == "login-refused-sub-61f-wrong-secret"
    assert linked("oauth2 session closed by peer", "RuntimeError") != "oauth2-tokens-refused"


def test_a_quoting_section_titled_with_another_code_gives_way(tmp_path: Path) -> None:
    """The section quoting `Can't find pipeline` is titled with the code `P050`; the failure
    shows `[P941]`, the code the other section's title names: that one explains it."""
    linked = linker(
        tmp_path,
        "# Pipelines\n\n## PL-1: Pipeline package not installed (P050)\n\n**Looks like:** "
        "`OSError: [P050] Can't find pipeline 'web_small'`.\n\n**Why.** The image lacks the "
        "package.\n\n## PL-2: Old short name still used (P941)\n\n**Looks like:** the "
        "loader refuses a two-letter name from before version 3.\n\n**Why.** Old code "
        "passes the short alias.\n",
    )
    message = "[P941] Can't find pipeline 'en'. Short names are deprecated as of version 3."
    assert linked(message, "OSError") == "pl-2-old-short-name-still-used-p941"
    other = "[P050] Can't find pipeline 'web_small'. It is not a package or a directory."
    assert linked(other, "OSError") == "pl-1-pipeline-package-not-installed-p050"


def test_a_shared_quote_the_words_cannot_settle_gives_way_to_the_next(tmp_path: Path) -> None:
    """Two sections quote the line every failed native build ends with; one of them also
    quotes the line only a missing compiler prints. The failure shows both: the second
    decides."""
    linked = linker(
        tmp_path,
        "# Builds\n\n## No compiler\n\n**Symptom:** `unable to execute cc: No such file or "
        "directory`, then `error: step 'cc' failed with exit status 1`.\n**Fix:** use the "
        "image that ships a toolchain.\n\n## No headers\n\n**Symptom:** `fatal error: "
        "Python.h: No such file or directory`, then `error: step 'cc' failed with exit "
        "status 1`.\n"
        "**Fix:** install the python3-dev package.\n",
    )
    details = (
        "E   building 'fastparse' extension\n"
        "E   running build_ext\n"
        "E   cc -pthread -fno-strict-aliasing -DNDEBUG -g -fwrapv -O2 -Wall -Wstrict-prototypes "
        "-fPIC -Iparser -I/usr/include/python3.9 -c fastparse/parser.c -o build/temp.linux-x86_64"
        "-3.9/fastparse/parser.o\n"
        "E   unable to execute cc: No such file or directory\n"
        "E   error: step 'cc' failed with exit status 1\n"
    )
    message = "error: step 'cc' failed with exit status 1"
    assert linked(message, "pkg.BuildFailed", details=details) == "no-compiler"


def test_a_settings_name_in_a_failure_is_read_as_its_words(tmp_path: Path) -> None:
    """`STRIPE_WEBHOOK_SECRET_TEST` is "stripe webhook secret": three words the section about
    that secret shares, not one opaque name."""
    linked = linker(
        tmp_path,
        "# Payments\n\n### 1. Missing webhook secret\n\n**Symptom**: 500 on every webhook\n"
        "**Fix**:\n```bash\nSTRIPE_WEBHOOK_SECRET=whsec_...\n```\n\n"
        "### 2. Test clock drift\n\n**Symptom**: subscriptions renew early in tests\n"
        "**Fix**: freeze the test clock\n\n### 3. Variable leaks between environments\n\n"
        "**Symptom**: staging reads production values\n**Fix**: one env file per environment\n",
    )
    message = "Expected variable for test: STRIPE_WEBHOOK_SECRET_TEST"
    assert linked(message, "ConfigError", kind="log") == "1-missing-webhook-secret"


def test_a_clear_winner_below_the_threshold_is_linked(tmp_path: Path) -> None:
    """A message long with particulars (a board, a baud rate, a pid) scores low everywhere;
    a section scoring twice the next is still the one that explains it."""
    linked = linker(
        tmp_path,
        "# Rig\n\n### Console reads fail because another process holds the port\n\n"
        "A second reader (a leftover `screen`, ModemManager probing the device) has the serial "
        "port open.\nReads then come back empty: the device reports it is ready but returns "
        "no data, as if it had\nbeen unplugged.\n\nWorkaround: stop ModemManager on the bench "
        "and kill stray `screen` sessions.\n\n### Serial port refused to the CI user\n\n"
        "Opening `/dev/ttyUSB0` fails with permission denied: the CI user is not in "
        "`dialout`.\n\nWorkaround: add the runner's user to `dialout` and log in again.\n\n"
        "### Modbus slave does not answer\n\nRegister reads time out when the RS-485 "
        "termination jumper is off.\n\nWorkaround: set the jumper.\n",
    )
    message = (
        "device reports readiness to read but returned no data (device disconnected or "
        "multiple access on port?) while streaming boot log of dut-7 at 115200 baud, firmware "
        "4.2.1 rc3, harness pid 8812"
    )
    assert linked(message, "serial.serialutil.SerialException") == (
        "console-reads-fail-because-another-process-holds-the-port"
    )


def test_a_quoted_file_name_is_no_signature(tmp_path: Path) -> None:
    """ "Add the package to `requirements.txt`" names a file to edit, not an error: a build
    failure that prints the file's name is the build section's, not the import section's."""
    linked = linker(
        tmp_path,
        "# Images\n\n## Image build stops at the dependency layer\n\n**Symptom**: the docker "
        "build fails to solve: the pip install process does not complete successfully\n"
        "**Fix**: add the compiler to the builder stage\n\n## Worker cannot import the app\n\n"
        "**Symptom**: `No module named 'shop'` in the worker log\n"
        "**Fix**: add the package to `requirements.txt` and rebuild\n",
    )
    message = (
        'failed to solve: process "/bin/sh -c pip install -r requirements.txt" did not '
        "complete successfully: exit code: 1"
    )
    assert linked(message, "ERROR", kind="log") == "image-build-stops-at-the-dependency-layer"
    assert linked("boot failed, see requirements.txt", "ERROR", kind="log") is None


def test_an_error_a_symptoms_code_block_shows_is_a_signature(tmp_path: Path) -> None:
    """Under **Symptoms** a fenced line is the error itself, `<user>` standing for any user:
    a failure showing it belongs to that section even where a look-alike shares more words."""
    linked = linker(
        tmp_path,
        "# Database\n\n### Database refuses the connection\n\n**Symptoms**\n- the driver asks "
        "whether the database server is running and accepting connections for the user:\n\n"
        "```\nconnection to server failed: Connection refused\n```\n\n**Fix**: start the "
        "database service before the tests\n\n### Database rejects the login\n\n**Symptoms**\n"
        "- the server answers but refuses us:\n\n```\nFATAL:  password authentication failed "
        'for user "<user>"\n```\n\n**Fix**: redeploy after rotating the password\n',
    )
    message = (
        'connection to server at "db" (10.0.0.5), port 5432 failed: FATAL:  password '
        'authentication failed for user "orders_app"'
    )
    assert linked(message, "psycopg2.OperationalError") == "database-rejects-the-login"


def test_a_placeholder_stands_for_what_varies_and_is_no_word(tmp_path: Path) -> None:
    """`Cannot read "<path>"` is two parts found in order; `file <path>` (a command to run) is
    one word besides its placeholder, no signature."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "R.md").write_text(
        '# Scans\n\n## Unreadable scan\n\nTypical message: `ScanError: Cannot read "<path>" as '
        "a scan`.\n\nRemedy: run `file <path>` and re-export the scan.\n"
    )
    links = Links(tmp_path, Config(root=tmp_path, runbooks=("docs/*.md",)))
    [section] = [s for s in links.team.sections if s.anchor == "unreadable-scan"]
    assert quoted_signatures(section) == [('scanerror: cannot read "', '" as a scan')]


def test_a_quote_is_found_through_typed_apostrophes_and_its_full_stop(tmp_path: Path) -> None:
    """A runbook's editor curls the apostrophe and ends the sentence with a full stop the
    program never printed; of two quotes as long, the later in the message is the cause."""
    linked = linker(
        tmp_path,
        "# Gateway\n\n## Provider unreachable\n\nThe client gives up with \u201cCan\u2019t reach "
        "provider.\u201d and nothing else.\n\n## Gateway wrapper\n\nEvery provider failure is "
        'logged as "Upstream call failed" first, whatever the cause.\n',
    )
    message = "Upstream call failed: Can't reach provider"
    assert linked(message, "GatewayError", kind="log") == "provider-unreachable"


QUICK_REFERENCE = """# Agents

## Quick reference

| You see | Go to |
| --- | --- |
| "Step budget of N spent without an answer" | 1 |
| Tool took longer than allowed | 2 |
| "Planner state was not saved" | [Saving state](#3-saving-state) |

### 1. Planner loops between two agents

**Symptom**: the planner hands the task back and forth until the budget runs out.
**Fix**: give the critic a stop condition.

### 2. Tool timeouts

**Symptom**: a tool call is cancelled after 30 s.
**Fix**: raise the tool's own timeout, not the planner's.

### 3. Saving state

**Symptom**: the run ends but the next one starts from scratch.
**Fix**: check the store's credentials.
"""


def test_a_quick_reference_row_links_the_section_it_points_to(tmp_path: Path) -> None:
    """A table of "you see" / "go to" explains nothing itself: a quote in a row is the
    signature of the section the row names, by number or by link."""
    linked = linker(tmp_path, QUICK_REFERENCE)
    message = "Step budget of 25 spent without an answer (agent: triage)"
    assert linked(message, "BudgetExceeded") == "1-planner-loops-between-two-agents"
    assert linked("Planner state was not saved: 503", "StoreError") == "3-saving-state"
    assert linked("tool took longer than allowed", "ToolTimeout") != "quick-reference"


def test_a_quick_reference_row_links_a_section_of_another_file(tmp_path: Path) -> None:
    """A README's table (`| Seeing | Go to | Quick fix |`) whose links go into another runbook
    explains nothing itself: the quote in a row is the signature of the section it links, in
    whichever column the link stands."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.md").write_text(
        "# Runbooks\n\n## Quick Reference - Most Common Issues\n\n"
        "| Seeing | Go to | Quick fix |\n| --- | --- | --- |\n"
        "| `Field required` at startup | [Issue 1: Setting missing](./CONFIG.md#issue-1-setting-"
        "missing) | add the key |\n| `error parsing value for field` | [Issue 2: List setting "
        "as a string](./CONFIG.md#issue-2-list-setting-as-a-string) | JSON arrays |\n"
    )
    linked = linker(
        tmp_path,
        "# Configuration\n\n### Issue 1: Setting missing\n**Symptom**: settings fail to load at "
        "startup\n**Fix**: add the key to the env file\n\n### Issue 2: List setting as a "
        "string\n**Symptom**: settings fail to load for a list field\n**Fix**: write the list "
        "as a JSON array\n",
        name="CONFIG",
    )
    message = 'error parsing value for field "CORS_ORIGINS" from source "DotEnvSettingsSource"'
    assert linked(message, "SettingsError") == "issue-2-list-setting-as-a-string"


def test_a_well_known_messages_meaning_is_matched_not_taken_as_its_words(
    tmp_path: Path,
) -> None:
    """ "attached to a different loop" means an event loop problem, but the failure never said
    "event loop": a section whose symptom says those two words does not describe it."""
    linked = linker(
        tmp_path,
        "# Async tests\n\n### 6. Future attached to a different loop\n\n**Symptom**: a task got "
        "a Future attached to a different loop in fixtures\n**Fix**: one loop per session\n\n"
        "### 7. Unclosed resources\n\n**Symptom**: warnings about an unclosed event loop after "
        "the run\n**Fix**: close clients in teardown\n",
    )
    message = "Task <Task pending> got Future <Future pending> attached to a different loop"
    assert linked(message, "RuntimeError") == "6-future-attached-to-a-different-loop"


def test_a_quoted_exception_name_is_no_signature(tmp_path: Path) -> None:
    """A part's intro saying "our middleware raises `shop.errors.TokenRejected`" names one
    class for every rejection: its name says nothing of which one, the chained error does."""
    linked = linker(
        tmp_path,
        "# Tokens\n\n## Part 1: Tokens we issue\n\nWhen verification fails our middleware raises "
        "`shop.errors.TokenRejected` with the library exception chained underneath; read the "
        "chained part to see which entry below you are in.\n\n### Issue 1: Signature does not "
        "verify\n\n**Symptoms**: `JWSError: Signature verification failed`\n"
        "**Fix**: the token was signed with another environment's key\n\n### Issue 2: Token "
        "expired\n\n**Symptoms**: signature has expired\n**Fix**: sync the clock\n",
    )
    details = (
        "jose.exceptions.JWSSignatureError\n\nThe above exception was the direct cause of the "
        "following exception:\n\n"
        "jose.exceptions.JWSError: Signature verification failed.\n\nThe above exception was the "
        "direct cause of the following exception:\n\n"
        "shop.errors.TokenRejected: access token rejected"
    )
    # as a JUnit file gives it: the chain's root exception printed bare, the wrapper's message
    message = "shop.errors.TokenRejected: access token rejected"
    root = linked(message, "jose.exceptions.JWSSignatureError", details=details)
    assert root == "issue-1-signature-does-not-verify"


def test_a_checklist_with_a_table_of_values_explains_nothing(tmp_path: Path) -> None:
    """A table of clients per environment and boxes to tick list what to verify; a table
    whose columns are symptom, cause and fix explains."""
    linked = linker(
        tmp_path,
        "# Config\n\n## Step 3: OAuth clients per environment\n\n| Environment | Client |\n"
        "| --- | --- |\n| dev | `shop-dev` |\n| staging | `shop-staging` |\n| prod | `shop` |\n\n"
        "- [ ] the client id ends in the provider's domain\n- [ ] the scopes match\n\n"
        "## Known problems\n\n| Symptom | Cause | Fix |\n| --- | --- | --- |\n"
        "| OAuth scope has changed from what we asked for | the provider added openid to the "
        "client's scopes | accept the new scopes |\n| login loops | cookie domain | set the "
        "domain |\n",
    )
    message = 'Scope has changed from "email profile" to "openid email profile" for client shop-dev'
    assert linked(message, "Warning") == "known-problems"


def test_a_quick_reference_entry_sends_the_failure_to_the_section_it_points_to(
    tmp_path: Path,
) -> None:
    """`### Issue: ...` then `**File**: [X.md](./X.md#anchor)` and a quick fix: the reader of
    the issue wants the section the reference points to, not the pointer."""
    linker(
        tmp_path,
        "# Mistakes\n\n### 4. Prices Cached Across Shops\n**Symptom**: a shop's page shows "
        "another shop's prices\n**Root Cause**: the price cache is keyed by product only\n"
        "**Fix**: key the price cache by shop and product\n\n### 5. Slow Checkout\n"
        "**Symptom**: checkout takes seconds\n**Root Cause**: one query per cart line\n"
        "**Fix**: load the cart lines in one query\n",
        name="MISTAKES",
    )
    linked = linker(
        tmp_path,
        "# Runbooks\n\n## Quick Reference\n\n### Issue: Shop Shows Another Shop's Prices\n"
        "**File**: [MISTAKES.md](./MISTAKES.md#4-prices-cached-across-shops)\n"
        "**Quick Fix**: key the cache by shop\n",
        name="README",
    )
    message = "shop 12 shows another shop's prices after the cache warmed up"
    assert linked(message, "AssertionError") == "4-prices-cached-across-shops"


def test_an_error_quoted_in_a_heading_is_its_sections_signature(tmp_path: Path) -> None:
    """`### Why does a retry fail with `cannot reuse a consumed request body`?`: the heading
    quotes the error, as a symptom line would, though the look-alike above it shares nearly
    all its words and shows its own error in a code block."""
    linked = linker(
        tmp_path,
        "# Client FAQ\n\n### Why does a retry fail with `cannot reuse a closed request "
        "connection`?\n\nThe pool handed a retry of the request a connection the server had "
        "closed; the request body was consumed by the first attempt. You will see:\n\n```\n"
        "ClientError: cannot reuse a closed request connection\n```\n\nDo this: turn on the "
        "pool's liveness check before each retry of a request.\n\n"
        "### Why does a retry fail with `cannot reuse a consumed request body`?\n\n"
        "Same root as the question above.\n",
    )
    message = "ClientError: cannot reuse a consumed request body"
    assert linked(message, "ClientError") == (
        "why-does-a-retry-fail-with-cannot-reuse-a-consumed-request-body"
    )


def test_a_table_row_naming_an_alert_belongs_to_that_alert(tmp_path: Path) -> None:
    """`| `BucketQuotaExceeded` on upload | StorageQuotaReached |`: a row that names the section
    it belongs to by its name is a pointer, as a row naming a section's number is; the table is
    an index, and what its rows quote belongs to the named section."""
    linked = linker(
        tmp_path,
        "# Storage alerts\n\n## Error to alert\n\n| What the error says | Alert |\n"
        "| --- | --- |\n| `BucketQuotaExceeded` on an upload | StorageQuotaReached |\n"
        "| `SlowDown` from the object store | StorageThrottled |\n\n"
        "## ALERT: StorageQuotaReached\n\nWhat it means: the tenant's bucket is full and "
        "uploads are refused until old exports are pruned.\n\nResolution: prune exports older "
        "than 30 days.\n\n## ALERT: StorageThrottled\n\nWhat it means: we send more "
        "requests than the store allows per prefix.\n\nResolution: spread keys over prefixes.\n",
    )
    message = "storage.UploadFailed: BucketQuotaExceeded (tenant 42, 10.0 GiB)"
    assert linked(message, "UploadFailed") == "alert-storagequotareached"


def test_a_name_in_a_folder_of_a_path_is_not_the_error(tmp_path: Path) -> None:
    """A project's name the runbook quotes (`billing-docs`) is in every path of its build
    (`/builds/billing-docs/docs/...`): there it says where, not what went wrong. The last part
    of a path, a file or an API method, still names it."""
    linked = linker(
        tmp_path,
        "# Docs builds\n\n## Duplicate descriptions\n\nSeen in: the `billing-docs` build.\n\n"
        "Cause: a class described by hand and by the generated API pages.\n\n"
        "## Missing theme file\n\nSeen in: `layout.html` lookups.\n\n"
        "Cause: the theme package is older than the templates we override.\n",
    )
    message = "/builds/billing-docs/docs/notes/2025_03.rst: document isn't included in any toctree"
    assert linked(message, "SphinxWarning") is None
    message = "TemplateNotFound: /builds/site/_templates/layout.html"
    assert linked(message, "TemplateNotFound") == "missing-theme-file"


def test_entries_written_as_lists_of_the_teams_own_fields_explain(tmp_path: Path) -> None:
    """`## If you see ...` entries made of `- Message:` / `- Usually means:` / `- Do:` items,
    or of numbered steps only, explain; an inventory's list of labelled facts (`- Proxy:`,
    `- Allowlist:`) does not, so a failure naming its feed is not sent there when no entry
    explains it."""
    runbook = (
        "# Intake\n\n## If you see a decode error in a partner file\n\n- Message: `'utf-8' "
        "codec can't decode byte 0xe9 in position 88: invalid continuation byte`\n- Usually "
        "means: the partner saved the file as Windows-1252 and we read it\n  as UTF-8.\n"
        "- Do: set the feed's encoding to cp1252.\n\n## If you see unsupported locale setting"
        "\n\n1. Run `locale -a` in the image.\n2. Add the locale to the base image.\n\n"
        "# Sources\n\n## Feeds\n\n- Proxy: `http://egress.internal:3128` for every partner "
        "pull, the account rotated every ninety days by the platform team.\n- Allowlist: "
        "`vendor-media` and `acme-orders` only.\n"
    )
    linked = linker(tmp_path, runbook)
    links = Links(tmp_path, Config(root=tmp_path, runbooks=("docs/*.md",)))
    explaining = {s.anchor for s in links.team.sections if explains(s)}
    assert explaining == {
        "if-you-see-a-decode-error-in-a-partner-file",
        "if-you-see-unsupported-locale-setting",
    }
    message = "vendor-media: 'latin-1' codec can't encode character in position 9"
    assert linked(message, "UnicodeEncodeError") is None
    message = "'utf-8' codec can't decode byte 0xe9 in position 1187: invalid continuation byte"
    assert linked(message, "UnicodeDecodeError") == "if-you-see-a-decode-error-in-a-partner-file"


def test_a_quoted_command_is_not_an_error(tmp_path: Path) -> None:
    """`pip install certifi-internal` and `import certifi` in a section are what to type, not
    what a failure prints: a failure whose hint says "pip install ..." is not that section's."""
    linked = linker(
        tmp_path,
        "# TLS\n\n## INC-4: CI downloads fail behind the gateway\n\nWhat happened: jobs failed "
        "verifying the gateway's certificate.\n\nPrevention: run `pip install certifi-internal` "
        "in the image and check with `import certifi` that the bundle is the internal one.\n",
    )
    message = "Using http2=True, but the 'h2' package is not installed: `pip install httpx[http2]`"
    assert linked(message, "ImportError") is None
    assert quoted_in("run `pip install certifi-internal`, then `import certifi`") == []


def test_an_exception_printed_as_its_repr_is_the_error_it_quotes(tmp_path: Path) -> None:
    """A worker logs `raised unexpected: StaleReplicaError("You can't write to a stale
    replica.")`: the repr is the runbook's `StaleReplicaError: You can't write to a stale
    replica.`, printed another way."""
    linked = linker(
        tmp_path,
        "# Jobs\n\n### 7. Writes fail on a demoted node\n**Symptom**:\n```\n"
        "StaleReplicaError: You can't write to a stale replica.\n```\n"
        "**Root Cause**: a failover demoted the node we pinned.\n\n"
        "### 8. Reads time out\n**Symptom**: reads of the stale replica wait and time out\n"
        "**Root Cause**: the node we pinned is being synced.\n",
    )
    message = (
        "Task jobs.mark_sent[e7eb] raised unexpected: StaleReplicaError(\"You can't write to a "
        'stale replica.")'
    )
    assert linked(message, "ERROR", kind="log") == "7-writes-fail-on-a-demoted-node"


def test_a_table_of_settings_whose_names_hold_error_explains_nothing(tmp_path: Path) -> None:
    """`| `QUEUE_ERROR_RETRY_LIMIT` | 3 | ... |`: a setting's name down the first column is a
    value's name, not a field saying what went wrong, though it holds the word "error"."""
    linked = linker(
        tmp_path,
        "# Queue\n\n## Q-2 Worker ran out of memory\n\nSymptom: `MemoryError` while a batch "
        "of large messages decodes.\n\nFix: lower `QUEUE_PREFETCH` for that queue.\n\n"
        "# Defaults\n\n## Worker defaults set by the launcher\n\n| Setting | Value | Why |\n"
        "| --- | --- | --- |\n| `QUEUE_ERROR_RETRY_LIMIT` | 3 | retry a failed batch three "
        "times |\n| QUEUE_PREFETCH | 64 | one batch of large messages in memory per worker |\n"
        "| QUEUE_MEMORY_LIMIT_MB | 2048 | memory per worker |\n",
    )
    message = "MemoryError: worker memory limit reached decoding batch of large messages"
    assert linked(message, "MemoryError") == "q-2-worker-ran-out-of-memory"
    links = Links(tmp_path, Config(root=tmp_path, runbooks=("docs/*.md",)))
    explaining = {s.anchor for s in links.team.sections if explains(s)}
    assert explaining == {"q-2-worker-ran-out-of-memory"}


def test_a_list_whose_items_wrap_onto_indented_lines_explains_nothing(tmp_path: Path) -> None:
    """An inventory's list of facts, each item wrapped onto an indented line, is a list: the
    wrapped lines are its items', not prose that explains. Its quoted names (a build lane)
    are in many failures and explain none of them."""
    linked = linker(
        tmp_path,
        "# Wheels\n\n## W-1 Compiler missing from the image\n\nSymptom: `error: command "
        "'gcc' failed: No such file or directory`.\n\nCause: the build ran in a runtime image."
        "\n\n# Build matrix\n\n## Schedule\n\n* The nightly rebuild of every lane starts at "
        "01:00 and must finish by\n  06:00; results go to the build log and the channel.\n"
        "* A new lane opens within 60 days of its release; `cp314-linux` is inside\n  that "
        "window now and its failures do not page.\n* The pager covers `cp311-linux` and\n"
        "  `cp312-linux`; everything else is business hours.\n",
    )
    message = "pip wheel yarl==1.7.2 failed on cp311-linux (exit 1): Cython.Compiler error"
    assert linked(message, "Failed") is None
    message = "error: command 'gcc' failed: No such file or directory (lane cp311-linux)"
    assert linked(message, "Failed") == "w-1-compiler-missing-from-the-image"


def test_a_code_span_opened_with_two_backticks_is_one_quote(tmp_path: Path) -> None:
    """``version `GLIBC_2.29' not found`` holds backticks of its own: it is one quote, not
    three (one of them "not found", in every failure that finds nothing)."""
    assert quoted_in("Says ``error: linker `cc` not found`` when no linker is installed.") == [
        ("error: linker `cc` not found",)
    ]
    linked = linker(
        tmp_path,
        "# Wheels\n\n## W-4 No linker in the image\n\nSymptom: cargo says ``error: linker "
        "`cc` not found``.\n\nCause: a runtime image has no toolchain.\n\n"
        "## W-15 Wheel needs a newer glibc\n\n**Looks like:** ``version `GLIBC_2.29' not found "
        "(required by .../<ext>.so)``\n\n**Why.** The wheel was linked on a newer distribution.\n",
    )
    message = (
        "/lib/arm-linux-gnueabihf/libc.so.6: version `GLIBC_2.28' not found (required by "
        "/usr/lib/python3.9/site-packages/_crt.cpython-39-arm-linux-gnueabihf.so)"
    )
    assert linked(message, "ImportError") == "w-15-wheel-needs-a-newer-glibc"


def test_a_quoted_url_and_a_path_before_a_compilers_error_are_the_runs_own(
    tmp_path: Path,
) -> None:
    """A URL in quotes inside a quoted error stands for any URL, as a quoted name does; a
    compiler's message is a message though a path comes before it (`c/_backend.c:15:10: fatal
    error: ffi.h: ...`), where a quote holding a path is otherwise code."""
    assert quoted_in(
        'Looks like `HTTP Error: Failed to download extension "<name>" at URL '
        '"http://extensions.example.org/<version>/<name>.gz" (HTTP 403)`'
    ) == [('http error: failed to download extension "', '" at url', "(http 0)")]
    assert quoted_in("| Text | `c/_backend.c:15:10: fatal error: ffi.h: No such file` |") == [
        ("c/_backend.c:0:0: fatal error: ffi.h: no such file",)
    ]
    assert quoted_in("Run `tools/fetch.sh --all` first.") == []
    linked = linker(
        tmp_path,
        "# Lake\n\n## L-7 The bucket refuses the read (HTTP 403)\n\nSignal: `HTTP Error: HTTP "
        "GET error on 'https://<bucket>/<key>' (HTTP 403)` when a job reads s3:// paths.\n\n"
        "Cause: the job's keys are for another account; the extension download of the job "
        "fails with the same HTTP 403 error when the keys are wrong.\n\n"
        "## L-8 An extension cannot be downloaded\n\n**Looks like:** `HTTP Error: Failed to "
        'download extension "<name>" at URL "http://extensions.example.org/<version>/<name>.gz"'
        " (HTTP 403)`\n\n**Cause.** The build for this version is not published.\n",
    )
    message = (
        'HTTP Error: Failed to download extension "uc_catalog" at URL '
        '"http://nightly.example.org/v1.1.3/linux_amd64/uc_catalog.gz" (HTTP 403)'
    )
    assert linked(message, "HTTPException") == "l-8-an-extension-cannot-be-downloaded"


def test_a_digit_and_xs_in_a_quote_stand_for_a_number(tmp_path: Path) -> None:
    """`cpython-3XX` and `HTTP 5xx` in a quoted error stand for a number of as many digits, as
    `N` does for any number: the quote is found in the failure that shows `cpython-311`."""
    assert quoted_in(
        "Looks like `ImportError: <module>.cpython-3XX.so: undefined symbol: omp_x`"
    ) == [("importerror:", ".cpython-0.so: undefined symbol: omp_x")]
    linked = linker(
        tmp_path,
        "# Wheels\n\n## W-12 Undefined OpenMP symbol\n\n**Looks like:** `ImportError: "
        ".../<module>.cpython-3XX-x86_64-linux-gnu.so: undefined symbol: omp_get_thread_num`"
        "\n\n**Why.** Compiled with -fopenmp, linked without it.\n\n"
        "## W-13 Undefined Python C-API symbol\n\nSignal: `undefined symbol:` followed by a "
        "CPython name.\n\nCause: built against another Python's headers; an ImportError at "
        "import of the .so, an undefined symbol of the module.\n",
    )
    message = (
        "/opt/venvs/cp311/lib/python3.11/site-packages/mesh/_core.cpython-311-x86_64-linux-gnu"
        ".so: undefined symbol: omp_get_thread_num"
    )
    assert linked(message, "ImportError") == "w-12-undefined-openmp-symbol"


def test_names_in_pythons_own_message_are_the_quotes_not_any_name(tmp_path: Path) -> None:
    """`'Adapter' object has no attribute 'update_policy'` says nothing but its names: a quote
    of Python's own message keeps them (another attribute is another problem), where a quoted
    name in a team's own message stands for any name."""
    linked = linker(
        tmp_path,
        "# Access\n\n## CAS-5 Adapter has no update_policy\n\nSymptom: `AttributeError: "
        "'Adapter' object has no attribute 'update_policy'` when a policy is edited.\n\n"
        "Cause: the adapter package is older than the enforcer.\n\n"
        "## CAS-6 Unreadable model\n\nSymptom: `ModelError: cannot read 'rbac.conf' as a "
        "model`.\n\nCause: the model file is not in the image.\n",
    )
    assert (
        linked("'Adapter' object has no attribute 'update_policy'", "AttributeError")
        == "cas-5-adapter-has-no-update_policy"
    )
    assert linked("'Adapter' object has no attribute '_filtered'", "AttributeError") is None
    assert linked("cannot read 'abac.conf' as a model", "ModelError") == "cas-6-unreadable-model"


def test_the_message_in_a_quoted_piece_of_code_is_quoted_error_text(tmp_path: Path) -> None:
    """A runbook that quotes code, a payload (`{"errorMessage": "..."}`) or a `raise`, quotes
    the message in it: the string is what the failure prints, its `N.NN` any number. The
    words of another section ("task", "seconds", "timed out") do not outweigh it."""
    linked = linker(
        tmp_path,
        "# Functions\n\n## FN-8\n\nSignal: the invoke returns "
        '`{"errorMessage": "<timestamp> <request id> Task timed out after N.NN seconds"}`.\n\n'
        "Fix: raise the function's configured limit.\n\n## FN-9\n\nSignal: the gateway "
        '`raise TokenError("token validation failed for session")`.\n\nFix: renew the key.\n\n'
        "## Cold start waits\n\nSignal: the task of the first invoke after a deploy timed out "
        "waiting seconds for its session; token refresh after it.\n\nFix: keep one instance "
        "warm.\n",
    )
    assert linked("2025-05-20T02:04:13.205Z 54b3cd6e Task timed out after 30.03 seconds") == "fn-8"
    assert linked("token validation failed for session 8f3a after 612 s") == "fn-9"
    # the code around the string is no message: `{"errorMessage": ...}` alone links nothing
    assert linked("errorMessage missing from the payload") is None


def test_of_two_quotes_as_long_the_section_with_more_of_them_shown_wins(tmp_path: Path) -> None:
    """A failure whose captured log shows one section's quote and two of another's, each as
    long, belongs to the one it shows more of."""
    linked = linker(
        tmp_path,
        "# Directory\n\n## Domain controller unreachable\n\n**Error:** `SERVER_DOWN` with "
        'desc "Can\'t contact LDAP server" and an empty info.\n\n**Fix:** check the route.\n\n'
        '## LDAPS certificate not trusted\n\n**Error:** "certificate verify failed", often '
        '"certificate has expired".\n\n**Fix:** renew the DC\'s certificate.\n',
    )
    captured = (
        "WARNING django_auth_ldap Caught LDAPError while authenticating qa7: SERVER_DOWN({'info': "
        "'error:14090086:SSL routines:certificate verify failed (certificate has expired)', "
        "'desc': \"Can't contact LDAP server\"})"
    )
    message = "authenticate() returned None for qa7"
    assert linked(message, "AssertionError", details=captured) == "ldaps-certificate-not-trusted"
    alone = "WARNING Caught LDAPError: SERVER_DOWN({'desc': \"Can't contact LDAP server\"})"
    assert linked(message, "AssertionError", details=alone) == "domain-controller-unreachable"


def test_a_modules_missing_attribute_is_one_of_pythons_messages_about_names(
    tmp_path: Path,
) -> None:
    """`module 'PIL.Image' has no attribute 'ANTIALIAS'` is Python's message about names, as
    the object's and the type object's are: another module's missing name (`numpy.bool`) is
    another problem, not the section that quotes the first."""
    linked = linker(
        tmp_path,
        "# Images\n\n## Pillow 10 removed ANTIALIAS\n\nError: `AttributeError: module "
        "'PIL.Image' has no attribute 'ANTIALIAS'`\n\nMeaning: removed in Pillow 10.\n\n"
        "## Empty image\n\nError: `cvtColor` gets an empty array.\n\nMeaning: the read "
        "failed.\n",
    )
    assert (
        linked("module 'PIL.Image' has no attribute 'ANTIALIAS'", "AttributeError")
        == "pillow-10-removed-antialias"
    )
    assert linked("module 'numpy' has no attribute 'bool'", "AttributeError") is None
    assert linked("type object 'Image' has no attribute 'LINEAR'", "AttributeError") is None


def test_a_pages_introduction_explains_no_failure(tmp_path: Path) -> None:
    """The page's title and introduction (which helpers the suites use, `shop.helm`) describe
    the whole page: a failure raised from `shop.helm` belongs to the entry on its problem."""
    linked = linker(
        tmp_path,
        "# Deploy runbook\n\nThe suites call the cluster through our helpers (`shop.helm`, "
        "`shop.smoke`) and the kubernetes client. Several problems look alike: read the whole "
        "entry.\n\n## 3. Release locked by an unfinished operation\n\n**Symptom**: helm "
        "refuses: another operation is in progress\n**Fix**: roll back the pending release\n\n"
        "## 4. Release name still in use\n\n**Symptom**: cannot re-use a name\n"
        "**Fix**: uninstall the old release\n",
    )
    message = (
        "shop.helm.HelmError: Error: UPGRADE FAILED: another operation "
        "(install/upgrade/rollback) is in progress"
    )
    assert linked(message, "shop.helm.HelmError") == "3-release-locked-by-an-unfinished-operation"


def test_a_quote_in_a_paragraph_pointing_elsewhere_belongs_there(tmp_path: Path) -> None:
    """A paragraph saying 'not the same as a refresh token "expired or revoked": that comes
    back as `invalid_grant` and is Issue 10' gives Issue 10 the quote, not this entry; "same
    pod status as entry 1, but ..." compares and keeps its quotes."""
    linked = linker(
        tmp_path,
        "# Auth\n\n### Issue 1: Access token expired\n\n**Symptoms**: the verifier says the "
        "signature has expired.\n\nNot the same thing as the provider telling us a refresh "
        'token is "expired or revoked". That comes back from the token endpoint and is '
        "Issue 2.\n\n**Fix**: refresh on 401.\n\n### Issue 2: Refresh token refused\n\n"
        "**Symptoms**: the token endpoint refuses the grant.\n**Fix**: ask the user to log in "
        'again.\n\n### Issue 3: Pull refused\n\nSame status as Issue 1, but the message says "pull '
        'access denied".\n',
    )
    message = "('invalid_grant: Token has been expired or revoked.', {'error': 'invalid_grant'})"
    assert linked(message, "RefreshError") == "issue-2-refresh-token-refused"
    assert linked("pull access denied for shop/api", "PullError") == "issue-3-pull-refused"


def test_a_cause_pointing_elsewhere_keeps_the_symptoms_quote(tmp_path: Path) -> None:
    """A root cause saying "(see entry 1)" for one of its causes does not send away the quote of
    the symptom on the line above it: each bold field is a paragraph of its own. A list item
    pointing elsewhere sends only its own quote."""
    linked = linker(
        tmp_path,
        "# Login\n\n### 1. Callback URL rejected\n**Symptom**: `redirect_uri_mismatch` from "
        "the provider\n**Fix**: trust the proxy headers\n\n### 11. OAuth refuses plain HTTP\n"
        "**Symptom**: `InsecureTransportError: (insecure_transport) OAuth 2 MUST utilize https.`\n"
        "**Root Cause**: the callback URL we pass is `http://` when the proxy headers are not "
        "trusted (see entry 1).\n**Fix**: use https; locally set the insecure-transport flag\n\n"
        "### 12. Unparsable database URL\n**Symptoms**:\n- `Could not parse rfc1738 URL from "
        "string` with a quoted value\n- If the string is empty (`''`), see Issue 13.\n\n"
        "### 13. Variable present but empty\n**Symptoms**: the variable exists and is blank\n",
    )
    message = "(insecure_transport) OAuth 2 MUST utilize https."
    assert linked(message, "InsecureTransportError") == "11-oauth-refuses-plain-http"
    parse = "Could not parse rfc1738 URL from string 'sqlite:///data/app.db'"
    assert linked(parse, "ArgumentError") == "12-unparsable-database-url"


def test_a_quote_wrapped_over_three_lines_is_still_the_sections_quote(tmp_path: Path) -> None:
    """A long message quoted in a code span runs over the paragraph's lines as written: it is
    the section's quote all the same, and a failure with that exception and another message
    is not that section's problem."""
    linked = linker(
        tmp_path,
        "# Sync\n\n### 8. Stored Credentials Cannot Be Refreshed\n**Symptom**: the sync fails "
        "with `google.auth.exceptions.RefreshError: The\ncredentials do not contain the "
        "necessary fields need to refresh the access token. You must specify\nrefresh_token, "
        "token_uri, client_id, and client_secret.`\n**Fix**: store all four fields\n\n"
        "### 9. Slow Drive Listing\n**Symptom**: listing a folder takes minutes\n",
        error_type="google.auth.exceptions.RefreshError",
    )
    message = (
        "The credentials do not contain the necessary fields need to refresh the access "
        "token. You must specify refresh_token, token_uri, client_id, and client_secret."
    )
    assert linked(message) == "8-stored-credentials-cannot-be-refreshed"
    other = "('invalid_grant: Token has been expired or revoked.', {'error': 'invalid_grant'})"
    assert linked(other) is None


def test_a_note_sending_a_quote_to_entry_hash_n_gives_it_there(tmp_path: Path) -> None:
    """ "Not this entry: the client being unknown (`invalid_client`) is #10": the team numbers its
    entries as `#10` too; the quote belongs to entry 10, which says the same in words only."""
    linked = linker(
        tmp_path,
        "# Auth\n\n### 8. Google rejects the grant\n**Symptom**: `invalid_grant` from the token "
        "endpoint.\n**Not this entry**: the client being unknown (`invalid_client`) is #10, even "
        "in the same exception class.\n**Fix**: reconnect the user.\n\n### 10. OAuth client id "
        "missing in an environment\n**Symptom**: Google says the client cannot be found.\n"
        "**Fix**: set the id in the environment.\n",
    )
    message = "('invalid_client: The OAuth client was not found.', {'error': 'invalid_client'})"
    assert linked(message, "RefreshError") == "10-oauth-client-id-missing-in-an-environment"


def test_a_builtin_exceptions_name_on_a_sections_line_is_no_evidence(tmp_path: Path) -> None:
    """`RuntimeError: Already instantiated!` shares "already" with a section whose symptom
    line happens to start `RuntimeError:`; a built-in class is raised for every problem."""
    linked = linker(
        tmp_path,
        "# Sockets\n\n### 4. Sending on a socket that is already closed\n\n**Symptom**: "
        '`RuntimeError: Cannot call "send" once a close message has been sent.`\n'
        "**Fix**: check the state before sending\n\n### 5. Pool exhausted\n\n**Symptom**: "
        "QueuePool limit reached\n**Fix**: close sessions\n",
    )
    assert linked("Already instantiated!", "RuntimeError") is None


def test_a_quotes_n_stands_for_any_number(tmp_path: Path) -> None:
    """ "Hard time limit (Ns) exceeded" is the log's `Hard time limit (12000.0s) exceeded`; a
    section saying "Hard time limit" only to send the reader on does not take it."""
    linked = linker(
        tmp_path,
        "# Jobs\n\n## Problem: Worker killed by the kernel\n\nThe pool child exits with signal "
        '9 when the host runs out of memory. If the line before says "Hard time limit", read '
        "the next entry instead.\n\n## Problem: Task killed at its hard time limit\n\nThe "
        "worker logs `Hard time limit (Ns) exceeded for <task>[<id>]` and kills the child.\n",
    )
    message = "Hard time limit (12000.0s) exceeded for shop.tasks.rebuild[d391b2e6-c3cc]"
    assert linked(message, "ERROR", kind="log") == "problem-task-killed-at-its-hard-time-limit"


def test_a_quotes_x_and_y_stand_for_numbers(tmp_path: Path) -> None:
    """`Unsupported schema version: X, max supported schema version: Y`: X and Y are numbers,
    as N is; the log's `... version: 9, max supported schema version: 8` is that error, though
    the loader's frames around it share more words with the other area."""
    linked = linker(
        tmp_path,
        "# Loader\n\n## Export\n\n| Symptom | Likely cause | Fix |\n| --- | --- | --- |\n"
        "| `Unsupported schema version: X, max supported schema version: Y` | the writer is "
        "newer than the reader | upgrade the reader first |\n\n## Serving\n\n| Symptom | "
        "Likely cause | Fix |\n| --- | --- | --- |\n| the model loader fails to load the "
        "model graph from its path | the graph file is missing from the model path | "
        "copy the graph into the model path |\n",
    )
    message = (
        "Load model from /var/lib/models/ranker/22/model.graph failed:/src/core/graph/model.cc:146"
        " loader::Model::Model(graph::ModelProto&&, const PathString&) Unsupported schema "
        "version: 9, max supported schema version: 8"
    )
    assert linked(message, "ERROR", kind="log") == "export"


def test_a_checklist_with_a_form_to_fill_explains_nothing(tmp_path: Path) -> None:
    """ "When a test fails: [ ] read the whole error ... Root Cause: ______" is a form for the
    engineer, not a description of any failure."""
    linked = linker(
        tmp_path,
        "# Data\n\n### 7. Insert value does not match the column type\n\n**Symptom**: the "
        "insert is refused with a type mismatch for a column\n**Fix**: cast before insert\n\n"
        "## Failure checklist\n\nWhen a test or job fails:\n- [ ] Read the whole error\n"
        "- [ ] Which store: ClickHouse, Postgres or Redis?\n- [ ] Does it fail again?\n\n"
        "Failure: _______________\nRoot Cause: _______________\n"
        "**Fix applied**: _______________\n",
    )
    message = "ClickHouse store refused the job again: type mismatch for column"
    assert linked(message, "StoreError") == "7-insert-value-does-not-match-the-column-type"
    assert linked("which store: the job fails again, ClickHouse or Redis", "Error") is None


def test_an_error_number_quoted_as_code_links_to_its_section(tmp_path: Path) -> None:
    """ClickHouse's `Code: 241` is the memory limit, whatever the driver's class: the section
    quoting `Code: 241` (or whose symptom says "Code 60") explains it, not the one naming the
    driver's `ServerException`."""
    linked = linker(
        tmp_path,
        "# Warehouse\n\n### 2. Credentials rejected\n\n**Symptom**: clickhouse_driver raises "
        "`ServerException` with `Code: 516` for the user\n**Fix**: rotate the password\n\n"
        "### 4. Query killed by the memory limit\n\n**Symptom**: `Code: 241`, the server's "
        "memory limit\n**Fix**: insert smaller batches\n\n### 6. Table missing\n\n"
        "**Symptom**: Code 60 (UNKNOWN_TABLE) on a fresh database\n**Fix**: run the DDL\n",
    )
    assert linked("Code: 241.", "clickhouse_driver.errors.ServerException") == (
        "4-query-killed-by-the-memory-limit"
    )
    # named in a symptom, not quoted
    assert linked("Code: 60.", "clickhouse_driver.errors.ServerException") == "6-table-missing"


def test_pydantics_error_lines_are_read_with_its_header(tmp_path: Path) -> None:
    """`1 validation error for Settings` says nothing; the lines under it ("Input should be a
    valid integer ... [type=int_parsing, input_value='True']") do, and a runbook quotes them,
    `=` and all, wrapped onto its next line."""
    linked = linker(
        tmp_path,
        "# Config\n\n### Issue 4: Integer setting holds a word\n\n**Symptoms**: `Input should "
        "be a valid integer, unable to parse string as an integer\n  [type=int_parsing, "
        "input_value='<the value>', input_type=str]`\n**Fix**: put a number in the variable\n\n"
        "### Issue 5: Boolean setting will not parse\n\n**Symptoms**: `Input should be a valid "
        "boolean` when the settings string is unable to parse: an integer, or True in the "
        "wrong field, for RETRIES and other settings\n**Fix**: use true or false\n",
    )
    details = (
        '  File "/app/settings.py", line 9, in load\n    return Settings()\n'
        "pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings\n"
        "RETRIES\n  Input should be a valid integer, unable to parse string as an integer "
        "[type=int_parsing, input_value='True', input_type=str]\n"
        "    For further information visit https://errors.pydantic.dev/2.6/v/int_parsing"
    )
    failure = Failure(
        "test",
        "tests/test_settings.py::test_retries",
        "pydantic_core._pydantic_core.ValidationError",
        "1 validation error for Settings",
        details,
    )
    views = report._views(failure, [])
    assert any("Input should be a valid integer" in v and "File" not in v for v in views)
    assert linked(failure.message, failure.error_type, details=details) == (
        "issue-4-integer-setting-holds-a-word"
    )


def test_an_errors_own_equals_signs_are_not_an_assignment(tmp_path: Path) -> None:
    """`[type=int_parsing, input_value='<v>']`, wrapped onto the next line, is an error's text;
    `HTTP_TIMEOUT=30` is an assignment and `a == b` a comparison: code."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "R.md").write_text(
        "# Config\n\n## Integer setting\n\nSymptom: `Input should be a valid integer\n"
        "  [type=int_parsing, input_value='<v>', input_type=str]`. Check `HTTP_TIMEOUT=30`\n"
        "and `retries == 3` in the env file.\n"
    )
    links = Links(tmp_path, Config(root=tmp_path, runbooks=("docs/*.md",)))
    [section] = [s for s in links.team.sections if s.anchor == "integer-setting"]
    assert quoted_signatures(section) == [
        ("input should be a valid integer [type=int_parsing, input_value=", ", input_type=str]")
    ]


def test_a_library_wrapping_an_operating_system_error_says_which_service(
    tmp_path: Path,
) -> None:
    """The root `ConnectionRefusedError: [Errno 111] Connection refused` is every service's;
    `redis.exceptions.ConnectionError` above it says it was the cache that refused."""
    linked = linker(
        tmp_path,
        "# Services\n\n### 1. Connection refused by the warehouse\n\n**Symptom**: "
        '"Connection refused" (Errno 111) when the connection is refused\n'
        "**Fix**: start the warehouse\n\n"
        "### 18. Redis cache refuses connections\n\n**Symptom**: the redis client cannot "
        "connect to localhost:6379\n**Fix**: start redis\n",
    )
    details = (
        "ConnectionRefusedError: [Errno 111] Connection refused\n\nDuring handling of the above "
        "exception, another exception occurred:\n\nredis.exceptions.ConnectionError: Error 111 "
        "connecting to localhost:6379. Connection refused."
    )
    message = "[Errno 111] Connection refused"
    assert linked(message, "ConnectionRefusedError", details=details) == (
        "18-redis-cache-refuses-connections"
    )


def test_a_quoted_name_in_single_quotes_stands_for_any_name(tmp_path: Path) -> None:
    """A runbook writes "cannot import name 'X' from partially initialized module 'shop.y'":
    the names vary from one failure to the next, the words around them do not."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "R.md").write_text(
        "# Engine\n\n## Circular import\n\nSymptom: `ImportError: cannot import name 'X' from "
        "partially initialized module 'shop.y' (most likely due to a circular import)`.\n"
    )
    links = Links(tmp_path, Config(root=tmp_path, runbooks=("docs/*.md",)))
    [section] = [s for s in links.team.sections if s.anchor == "circular-import"]
    assert quoted_signatures(section) == [
        (
            "importerror: cannot import name",
            "from partially initialized module",
            "(most likely due to a circular import)",
        )
    ]


def test_a_section_sharing_only_names_of_code_explains_nothing(tmp_path: Path) -> None:
    """A constructor called with the wrong arguments names a class that a section's fix also
    names; the section is about something else (events that never arrive). The words of
    Python's message about the arguments ("missing", "required") are no evidence either.
    A failure that says what went wrong in words the section uses is still linked."""
    linked = linker(
        tmp_path,
        "# Pipeline\n\n### Issue: missing progress events\n\n"
        "**Check**: the `EventRelay` wrapper is installed around the worker.\n"
        "**Fix**: verify `JobScheduler.set_event_relay()` is called before the first job; "
        "events are missing when the relay_manager is unset.\n\n"
        "### Issue: jobs run twice\n\n**Symptom**: duplicate rows after a retry\n"
        "**Fix**: make the job idempotent\n\n### Issue: stale cache\n\n"
        "**Symptom**: old values after a deploy\n**Fix**: bump the cache version\n",
    )
    message = "JobScheduler.__init__() missing 1 required positional argument: 'relay_manager'"
    assert linked(message, "TypeError") is None
    said = "JobScheduler: progress events missing for job 12, relay_manager unset"
    assert linked(said, "SchedulerError") == "issue-missing-progress-events"


def test_an_exception_that_only_carries_another_is_read_as_the_one_it_carries(
    tmp_path: Path,
) -> None:
    """PySpark raises `Py4JJavaError: An error occurred while calling o7.save.` over whatever
    the JVM threw: that sentence is the same for every failure, so a section quoting it explains
    none of them. The Java exception on the lines under it is the failure, in the title too."""
    runbook = (
        "# Jobs\n\n## The JVM refuses Java 17 module access\n\n"
        "**Looks like:** `Py4JJavaError: An error occurred while calling "
        "None.org.apache.spark.api.java.JavaSparkContext` with an `IllegalAccessError` about "
        "`sun.nio.ch`.\n**Fix:** pass the `--add-opens` flags.\n\n"
        "## Executor heap exhausted\n\n**Looks like:** `java.lang.OutOfMemoryError: Java heap "
        "space` in a task.\n**Fix:** raise spark.executor.memory or repartition.\n\n"
        "## Shuffle files lost\n\n**Looks like:** `FetchFailedException` after an executor "
        "died.\n**Fix:** enable the external shuffle service.\n"
    )
    linked = linker(tmp_path, runbook, error_type="py4j.protocol.Py4JJavaError")

    def carrying(line: str) -> str:
        return (
            "tests/jobs/test_w.py:9: in test_w\n    df.write.save(path)\n"
            "E   py4j.protocol.Py4JJavaError: An error occurred while calling o7.save.\n"
            f"E   : {line}\nE   \tat org.apache.spark.sql.Dataset.save(Dataset.scala:1)\n"
        )

    message = "An error occurred while calling o7.save."
    unexplained = carrying("io.delta.exceptions.MetadataChangedException: The metadata changed")
    assert linked(message, details=unexplained) is None
    heap = carrying("org.apache.spark.SparkException: Task failed: java.lang.OutOfMemoryError")
    heap += "E   Caused by: java.lang.OutOfMemoryError: Java heap space\n"
    assert linked(message, details=heap) == "executor-heap-exhausted"
    # pytest's message attribute holds str(exception) whole: the Java lines follow the sentence
    whole = f"{message}\n: org.apache.spark.SparkException: Task failed\n\tat x.y(Z.scala:1)"
    assert linked(whole, details=heap) == "executor-heap-exhausted"
    assert linked(whole, details=unexplained) is None
    failed = Failure("test", "tests/jobs/test_w.py::test_w", "Py4JJavaError", message, unexplained)
    links = Links(tmp_path, Config(root=tmp_path, runbooks=("docs/*.md",)))
    [planned] = report.plan([failed], links)
    assert planned.title == "test_w.py::test_w: MetadataChangedException: The metadata changed"
    body = report.issue_body(planned, run_url=None, commit=None)
    assert "`io.delta.exceptions.MetadataChangedException`: `The metadata changed`" in body
    assert "An error occurred while calling o7.save." in body  # the evidence, whole


def test_a_setting_the_runbook_names_spelled_out_in_words_is_a_signature(
    tmp_path: Path,
) -> None:
    """A service that logs "No Stripe Publishable Key found" names `STRIPE_PUBLISHABLE_KEY`,
    which only the section's fix shows (in a code block); the words alone ("key", "found") are
    shared with sections about other things."""
    linked = linker(
        tmp_path,
        "# Config\n\n### Issue 1: Missing payment credentials\n\n"
        "**Symptoms**: 503 from checkout, the payments service will not start\n"
        "**Fix**:\n```bash\nSTRIPE_PUBLISHABLE_KEY=pk_test_...\nSTRIPE_SECRET_KEY=sk_test_...\n```\n\n"
        "### Issue 2: Import errors\n\n**Symptom**: ModuleNotFoundError, a key module not found\n"
        "**Fix**: absolute imports only\n\n### Issue 3: Environment leakage\n\n"
        "**Symptom**: the test environment reads staging values\n"
        "**Fix**: one env file per environment\n",
    )
    message = "CRITICAL: No Stripe Publishable Key found for test environment"
    assert linked(message, "ERROR", kind="log") == "issue-1-missing-payment-credentials"
    # two words of a longer setting's name are not that setting
    assert linked("No Stripe key found for test environment", "ERROR", kind="log") is None


def test_a_quoted_kind_of_error_is_no_signature(tmp_path: Path) -> None:
    """A tool that heads every failure with the same words (dbt's `Database Error in model
    ...`) gives a runbook quoting those words no signature: the message after them decides."""
    linked = linker(
        tmp_path,
        "# Warehouse\n\n## W-1 The loader's password was rotated\n\n"
        "**Error looks like.** `Incorrect username or password was specified.` The pipeline tool "
        "shows the same text under `Pipeline Error`.\n**Fix it.** Update the CI secret.\n\n"
        "## W-2 A column is gone upstream\n\n"
        "**Error looks like.** the warehouse says a column a model selects is an invalid "
        "identifier.\n"
        "**Fix it.** Rename the column in the staging model, then rebuild downstream.\n\n"
        "## W-3 The query ran too long\n\n**Error looks like.** the statement reached its "
        "timeout and was canceled.\n**Fix it.** Split the model or raise the timeout.\n",
    )
    message = (
        "Pipeline Error in model stg_orders: SQL compilation error: invalid identifier 'AMOUNT'"
    )
    assert linked(message, "ERROR", kind="log") == "w-2-a-column-is-gone-upstream"


def test_a_code_block_labelled_seen_in_ci_shows_the_error(tmp_path: Path) -> None:
    """ "Seen in CI" (or "Looks like") over a code block is what a failure looks like, as
    "Symptom" is: its lines are signatures, found in the failure's report under its message."""
    linked = linker(
        tmp_path,
        "# Docs CI\n\n### D-1 · The layout moved under a dependency bump\n\n"
        "**Seen in CI**\n```\nSnapshot comparison failed\nPage 3: Rendered blocks differ\n```\n\n"
        "**Why.** A dependency changed the layout.\n\n"
        "### D-2 · The renderer cannot import a theme\n\n**Seen in CI**\n```\n"
        "ModuleNotFoundError: No module named 'sphinx_book_theme'\n```\n\n"
        "**Why.** Without its theme the snapshot comparison of every page fails: each page is "
        "rendered blank, so the rendered blocks of the page differ from the stored ones.\n",
    )
    details = "Snapshot comparison failed\nPage 7: Rendered blocks differ\n\nExpected: ...\n"
    assert (
        linked("Snapshot comparison failed", "Failure", details=details)
        == "d-1--the-layout-moved-under-a-dependency-bump"
    )


def test_an_exception_line_in_an_unlabelled_code_block_is_the_error(tmp_path: Path) -> None:
    """A code block under no label whose line begins with an exception's name (right under
    the heading, as many runbooks open an entry) shows the error: a failure showing it is that
    entry's, though a look-alike shares more of its words."""
    linked = linker(
        tmp_path,
        "# Contracts\n\n## C-2. A remote reference cannot be fetched\n\n```\n"
        "ResolveError: HTTPSConnectionPool(host='...', port=443): Max retries exceeded\n```\n\n"
        "Why: the schema points at a URL and the runner has no network.\n\n"
        "## C-3. A relative reference is resolved without a base\n\n```\n"
        "ResolveError: unknown url type: 'common.json'\n```\n\n"
        "Why: a relative reference to a sibling file is read as a URL with no scheme, or the "
        "resolver builds a URL with the wrong host for it: the resolve error then says max "
        "retries were exceeded with that url, an HTTPS connection pool error, host and port "
        "of a schema server that has no such file.\n",
    )
    message = (
        "ResolveError: HTTPSConnectionPool(host='schemas.example.org', port=443): Max retries "
        "exceeded with url: /v3/common.json"
    )
    assert linked(message, "ResolveError") == "c-2-a-remote-reference-cannot-be-fetched"


def test_names_in_a_bare_assertion_are_the_expectation_not_the_error(tmp_path: Path) -> None:
    """`assert <JobState.FAILED> is <JobState.DONE>` names what the test expected; a section
    quoting `JobState.DONE` is not thereby the one that explains it. The log the test captured
    says what went wrong."""
    linked = linker(
        tmp_path,
        "# Jobs\n\n### J-1 Job stays queued: the worker is offline\n\n"
        "**Symptom**: the job never reaches `JobState.DONE`; the scheduler logs "
        "`worker not reachable; retrying in background`.\n**Fix**: restart the worker.\n\n"
        "### J-2 Expired worker token\n\n**Symptom**: the scheduler logs "
        "`worker pool for <queue> could not authenticate:` and the job fails at once.\n"
        "**Fix**: rotate the worker token.\n",
    )
    message = "assert <JobState.FAILED: 'failed'> is <JobState.DONE: 'done'>"
    details = (
        "tests/test_jobs.py:20: in test_job_runs\n    assert job.state is JobState.DONE\n"
        f"E   AssertionError: {message}\n"
        "------------------------------ Captured log call -------------------------------\n"
        "ERROR    scheduler:pool.py:88 worker pool for nightly could not authenticate: "
        "token expired\n"
    )
    assert linked(message, "AssertionError", details=details) == "j-2-expired-worker-token"


def test_a_number_after_code_or_data_is_the_errors_own_code(tmp_path: Path) -> None:
    """Numbers in a failure are this run's values (ports, ids, durations), except the one an
    error names itself by: Active Directory's `data 532` (password expired) is not its
    `data 775` (account locked). A quote's `N` still stands for any number."""
    linked = linker(
        tmp_path,
        "# Directory\n\n## D-1: bind refused, password expired (data 532)\n\n"
        "**Error:** `80090308: LdapErr: DSID-..., comment: AcceptSecurityContext error, data 532, "
        "v...`\n\nReset the service account's password.\n\n"
        "## D-2: bind refused, account locked (data 775)\n\n"
        "**Error:** `80090308: LdapErr: DSID-..., comment: AcceptSecurityContext error, data 775, "
        "v...`\n\nWait for the lockout window, then find what retried the old password.\n\n"
        "## D-3: the sync job was killed\n\n**Error:** `sync finished with exit code N (killed)`"
        "\n\nRaise the job's memory limit.\n",
    )
    message = (
        "invalidCredentials - None - 80090308: LdapErr: DSID-0C09030B, comment: "
        "AcceptSecurityContext error, data 775, v893 - bindResponse"
    )
    assert linked(message, "LDAPInvalidCredentialsResult") == (
        "d-2-bind-refused-account-locked-data-775"
    )
    assert linked(message.replace("775", "532"), "LDAPInvalidCredentialsResult") == (
        "d-1-bind-refused-password-expired-data-532"
    )
    [exit_code_n] = quoted_in("**Error:** `sync finished with exit code N (killed)`")
    killed = signature_text("sync finished with exit code 137 (killed) after 812 s")
    assert contains_signature(killed, exit_code_n)


def test_a_word_quoted_alone_is_a_name_not_what_the_failure_says(tmp_path: Path) -> None:
    """`create_connection() got an unexpected keyword argument 'timeout'` is a call's signature
    changing under an upgrade; 'timeout' is the argument's name, not a timeout that happened."""
    linked = linker(
        tmp_path,
        "# Tests\n\n### 3. Stream connection failures\n\n"
        "**Symptom**: stream tests timeout\n**Root Cause**: the stream bridge is not started\n"
        "**Fix**: start the bridge before the test connects\n\n### 4. Database errors\n\n"
        "**Symptom**: psycopg2.OperationalError\n**Fix**: start the database\n",
    )
    message = "BaseEventLoop.create_connection() got an unexpected keyword argument 'timeout'"
    assert linked(message, "ERROR", kind="log") is None
    # said in words, a timeout of the stream's connection is that section's
    assert linked("stream connection timeout after 30 s", "ERROR", kind="log") == (
        "3-stream-connection-failures"
    )


def test_a_quoted_package_name_is_no_signature_of_its_errors(tmp_path: Path) -> None:
    """A section that names the client library (`acme_sdk`) is not the one every error of that
    library belongs to: `acme_sdk.errors.ApiError` names something inside the package. A quoted
    function still counts under its module's name (`get_token` in `acme_sdk.auth.get_token`)."""
    linked = linker(
        tmp_path,
        "# Acme\n\n### 1. Socket mode drops\n\n**Symptom**: the `acme_sdk` socket client logs "
        "that the connection to the remote host was lost and never reconnects.\n"
        "**Fix**: upgrade the client.\n\n### 2. Daily quota used up\n\n"
        "**Symptom**: every call fails until midnight UTC, the project's daily quota is used.\n"
        "**Fix**: batch the calls; ask for a higher quota.\n\n### 3. Token never fetched\n\n"
        "**Symptom**: `get_token` was never called before the first request.\n"
        "**Fix**: call it in the app factory.\n",
    )
    quota = "acme_sdk.errors.ApiError: daily quota used up for project 12, retry after midnight"
    assert linked(quota, "ApiError") == "2-daily-quota-used-up"
    token = "TokenMissing: no token for this client, call `acme_sdk.auth.get_token` first"
    assert linked(token, "TokenMissing") == "3-token-never-fetched"


def test_a_title_naming_one_error_number_explains_no_other(tmp_path: Path) -> None:
    """A title that names its error's number is about that error only: the same family's
    other numbers ("error code: 50001" against "error code 50013"; a vendor's `(4032, ...)`
    against "4031 Disk quota reached") are `needs-runbook`, by the words and by the status."""
    linked = linker(
        tmp_path,
        "# Relay\n\n## Refused by the chat API (403, error code 50013)\n\n**Symptom.** The "
        "bot may not post in the channel: a role it lacks.\n**Fix.** Grant the bot role "
        "the post permission.\n\n"
        "## 4031 Disk quota reached on the archive volume\n\n**Symptom.** Archive writes "
        "stop; the archive volume refuses every write.\n**Fix.** Prune the archive.\n",
        error_type="RelayError",
    )

    assert linked("403 Forbidden (error code: 50013): Missing Permissions") == (
        "refused-by-the-chat-api-403-error-code-50013"
    )
    assert linked("403 Forbidden (error code: 50001): Missing Access") is None
    assert linked("FORBIDDEN (status code: 403): Cannot send messages to this user") is None
    assert linked("(4031, 'Disk quota reached on the archive volume')") == (
        "4031-disk-quota-reached-on-the-archive-volume"
    )
    assert linked("(4032, 'Archive volume is read-only; write refused')") is None


def test_a_section_quoting_its_exceptions_message_explains_no_other_message(
    tmp_path: Path,
) -> None:
    """One exception class carries many problems. A section that quotes it with its message
    (`TransferRefused: quota exceeded for the tenant`) is about that message: the same class
    with another message is `needs-runbook`, though it shares the section's words. The same
    message printed another way (other values, a wrapper's prefix) is still the section's."""
    linked = linker(
        tmp_path,
        "# Transfers\n\n## Uploads to the partner drop are refused\n\n"
        "**Looks like:** `TransferRefused: quota exceeded for the tenant (used 9 of 5 GB)`\n\n"
        "**Cause:** the partner drop counts every upload of the tenant against one quota; "
        "the nightly upload of partner exports fills it.\n\n"
        "**Do:** ask the partner to raise the upload quota, or prune old exports.\n\n"
        "## Partner drop host keys rotated\n\n**Looks like:** the upload hangs at the "
        "host key prompt.\n\n**Do:** refresh known_hosts from the partner's published "
        "keys.\n",
        error_type="drop.errors.TransferRefused",
    )

    assert linked("TransferRefused: quota exceeded for the tenant (used 12 of 10 GB)") == (
        "uploads-to-the-partner-drop-are-refused"
    )
    assert linked(
        "TransferRefused: drop-eu-2: quota exceeded for tenant (used 12 GB of 10 GB)"
    ) == ("uploads-to-the-partner-drop-are-refused")
    assert linked("TransferRefused: partner drop refused the upload: tenant suspended") is None


def test_the_bundled_examples_failures_link_as_the_demo_shows(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make demo` files examples/junit.xml against the shipped runbook: the clock-built service
    id is that section's (its `SERVICE_ID` is also in the named-values section: a setting named
    in the message must not lift both into a tie), the near-zero test time its own, and the
    user-id format error no section's."""
    from runbook_guard.bot.cli import main

    root = Path(__file__).parents[2]
    monkeypatch.chdir(root)
    for name in [n for n in os.environ if n.startswith("GITHUB_")]:
        monkeypatch.delenv(name)
    junit = str(root / "examples" / "junit.xml")
    assert main(["report", "--dry-run", "--format", "json", "--junit", junit]) == 0
    issues = json.loads(capsys.readouterr().out)["issues"]
    linked = {i["failures"][0]: (i["runbook"] or "").partition("#")[2] for i in issues}
    assert linked == {
        "tests/e2e/test_websocket.py::test_agent_events": "tests-that-finish-in-no-time",
        "tests/unit/test_ids.py::test_user_id_format": "",
        "tests/integration/test_auth.py::test_service_auth": "service-id-built-from-the-clock",
    }


def test_a_look_alike_the_section_turns_away_is_no_link(tmp_path: Path) -> None:
    """A runbook that says in so many words what its entry is not ("a *type* error on a
    header value is a different bug") is believed: a failure with those words gets
    needs-runbook, while the entry's own case, and a sentence that only narrows the entry
    ("other `ValueError`s are not this entry"), still link."""
    linked = linker(
        tmp_path,
        "# HTTP clients\n\n### 10. Secret With a Trailing Newline\n"
        "**Symptom**: the call fails before it leaves: `Invalid header value b'Bearer ...\\n'`, "
        "or `Invalid return character or leading space in header: Authorization`\n"
        "**Root Cause**: the token file ends in a newline that the settings keep.\n"
        "**Fix**: strip secrets when they are read.\n"
        "If requests complains about the *type* of a header value (int, None) it is a "
        "different bug.\n\n"
        "### 11. Float16 on a CPU Runner\n"
        "**Symptom**: `ValueError: Requested float16 compute type, but the target device "
        "does not support efficient float16 computation.`\n"
        "**Root Cause**: the GPU setting reached a CPU runner.\n"
        "**Fix**: use int8 on CPU.\n"
        "Other `ValueError`s from the model loader are not this entry.\n",
        error_type="requests.exceptions.InvalidHeader",
    )
    own = "Invalid return character or leading space in header: Authorization"
    assert linked(own) == "10-secret-with-a-trailing-newline"
    turned_away = "Header value 3 must be of type str or bytes, not <type 'int'>"
    assert linked(turned_away) is None
    float16 = (
        "Requested float16 compute type, but the target device or backend do not support "
        "efficient float16 computation."
    )
    assert linked(float16, error_type="ValueError") == "11-float16-on-a-cpu-runner"


def test_a_name_many_sections_write_is_no_signature(tmp_path: Path) -> None:
    """`helio-staging`, the project every entry names, quoted in one: a Cloud SQL socket path
    under that project (`/cloudsql/helio-staging:...`) is not that entry's failure."""
    linked = linker(
        tmp_path,
        "# Config\n\n### Issue 6: Compose host names in staging\n**Symptom**: `db` does not "
        "resolve in helio-staging\n**Fix**: use the Cloud SQL socket\n\n### Issue 7: Cloud "
        "SQL socket not mounted\n**Symptom**: psycopg2 finds no file at the socket path\n"
        "**Fix**: deploy with the instance attached in helio-staging\n\n### Issue 13: OAuth "
        "client from another project\n**Symptom**: Google cannot find the client\n**Fix**: use "
        "the staging client of `helio-staging`\n",
        error_type="psycopg2.OperationalError",
    )
    message = (
        "could not connect to server: No such file or directory\n\tIs the server running locally "
        'and accepting connections on Unix domain socket "/cloudsql/helio-staging:europe-west1:'
        'helio-pg/.s.PGSQL.5432"?'
    )
    assert linked(message) != "issue-13-oauth-client-from-another-project"


def test_a_name_only_the_sections_on_its_problem_write_is_a_signature(tmp_path: Path) -> None:
    """`netra-backend`, the one right SERVICE_ID, written by the three sections on that
    problem among many: a header value `b'netra-backend\\n'` is that problem."""
    others = "".join(
        f"### {n}. Problem {n}\n**Symptom**: widget {n} fails\n**Fix**: restart widget {n}\n\n"
        for n in range(2, 12)
    )
    linked = linker(
        tmp_path,
        "# Mistakes\n\n### 1. SERVICE_ID with timestamps\n**Symptom**: auth fails every minute\n"
        '**Fix**: SERVICE_ID must always be "netra-backend"\n\n' + others + "### 12. SERVICE_ID "
        "instability\n**Symptom**: service auth flaps\n**Fix**: set `netra-backend`\n\n### Issue: "
        "Auth fails every minute\n**File**: [mistakes](#1-service_id-with-timestamps)\n"
        "**Quick Fix**: `netra-backend`, no timestamps\n",
    )
    message = "Atomic blacklist check failed: Illegal header value b'netra-backend\\n'"
    assert linked(message, "ERROR", "log") == "1-service_id-with-timestamps"


def test_a_look_alike_named_in_one_word_is_turned_away(tmp_path: Path) -> None:
    """ "An expired token is not this entry": one word the rest of the section never uses is
    all the sentence says of its look-alike; a failure saying it is that look-alike."""
    linked = linker(
        tmp_path,
        "# Config\n\n### Issue 14: JWT secret differs between services\n**Symptom**: "
        '"Signature verification failed" for every service token\n**Fix**: deploy both '
        "services with the same secret version. An expired token is not this entry.\n",
        error_type="jwt.exceptions.InvalidSignatureError",
    )
    assert linked("Signature verification failed") == "issue-14-jwt-secret-differs-between-services"
    expired = "Signature has expired"
    assert linked(expired, error_type="jwt.exceptions.ExpiredSignatureError") is None


def test_a_failures_address_is_not_its_words_for_a_look_alike(tmp_path: Path) -> None:
    """ "If the 429 says the *quota* is exceeded ..., that's the org's billing, not this": a
    rate limit whose message links to `.../account/billing` says nothing of billing; the
    quota 429 itself is turned away."""
    linked = linker(
        tmp_path,
        "# LLM calls\n\n### 3. Rate limits hit by parallel workers\n**Symptom**: OpenAI answers "
        '429 with "Rate limit reached for ... on requests per min (RPM)"\n**Fix**: run fewer '
        "workers.\nIf the 429 says the *quota* is exceeded rather than a rate limit, fewer "
        "workers won't help: that's the org's billing, not this.\n",
        error_type="openai.RateLimitError",
    )
    limit = (
        "Error code: 429 - {'error': {'message': 'Rate limit reached for gpt-4o-mini on requests "
        "per min (RPM): Limit 3. You can increase your rate limit by adding a payment method at "
        "https://platform.openai.com/account/billing.', 'code': 'rate_limit_exceeded'}}"
    )
    assert linked(limit) == "3-rate-limits-hit-by-parallel-workers"
    quota = "Error code: 429 - You exceeded your current quota, please check your plan and billing"
    assert linked(quota) is None


def test_an_entry_written_in_part_headings_is_linked_whole(tmp_path: Path) -> None:
    """A wiki page whose entries are `## problem` then `#### What you see` / `#### Why` /
    `#### What to do` links a failure to the problem, not to one of its parts."""
    linked = linker(
        tmp_path,
        "# Search platform\n\n"
        "## Index blocked read-only after a disk filled\n\nWrites stop; reads work.\n\n"
        "#### What you see\n\n`cluster_block_exception` with "
        "`index [listings] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded "
        "flood-stage watermark, index has read-only-allow-delete block]`\n\n"
        "#### Why\n\nA node passed the flood-stage watermark.\n\n"
        "#### What to do\n\nFree disk, then clear `index.blocks.read_only_allow_delete`.\n\n"
        "## Mapping explosion\n\n#### What you see\n\n"
        "`Limit of total fields [1000] has been exceeded`\n\n"
        "#### Why\n\nSellers' free-form attributes became fields.\n\n"
        "#### What to do\n\nMap attributes as `flattened`.\n",
        error_type="elasticsearch.exceptions.AuthorizationException",
    )
    message = (
        "AuthorizationException(403, 'cluster_block_exception', 'index [listings-v7] blocked "
        "by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has "
        "read-only-allow-delete block];')"
    )
    assert linked(message) == "index-blocked-read-only-after-a-disk-filled"
    fields = "Limit of total fields [1000] in index [listings-v8] has been exceeded"
    assert linked(fields, error_type="BulkIndexError") == "mapping-explosion"


def test_a_turned_away_look_alike_named_by_its_quote_or_its_stressed_word(
    tmp_path: Path,
) -> None:
    """ "Not this entry: `rq.timeouts.HorseMonitorTimeoutException` ... followed by `found an
    unhandled exception`" turns that failure away (an "exception" is no "except ..." that
    narrows the entry); "the database is *readonly*" turns away the one failure with that word,
    while the entry's own `database is locked` still links."""
    linked = linker(
        tmp_path,
        "# Queues\n\n### 1. RQ Job Killed at Its Timeout\n"
        "**Symptom**: `JobTimeoutException: Task exceeded maximum timeout value (180 seconds)`\n"
        "**Root Cause**: the export queue's default timeout is too short for big exports.\n"
        "**Fix**: give long jobs an explicit `job_timeout`.\n"
        "Not this entry: `rq.timeouts.HorseMonitorTimeoutException` with the same words raised "
        "in the worker's `monitor_work_horse` and followed by `found an unhandled exception, "
        "quitting...`. That is the worker's own wake-up escaping.\n\n"
        "### 15. SqliteHuey Storage Locked\n"
        "**Symptom**: `sqlite3.OperationalError: database is locked` from the edge consumer.\n"
        "**Root Cause**: two processes write the same SQLite file without WAL.\n"
        '**Fix**: `SqliteHuey(..., journal_mode="wal", timeout=30)`.\n'
        "Not this entry: SQLite saying it can't write because the database is *readonly*, "
        "that's file or mount permissions, not contention.\n",
        error_type="sqlite3.OperationalError",
    )
    assert linked("database is locked") == "15-sqlitehuey-storage-locked"
    [_, locked] = [s for s in parse((tmp_path / "docs" / "RUNBOOK.md").read_text(), "r.md")][1:]
    assert ruled_out(locked, "sqlite3.OperationalError: attempt to write a readonly database")
    assert not ruled_out(locked, "sqlite3.OperationalError: database is locked")
    assert not ruled_out(locked, "sqlite3.OperationalError: unable to open database file")
    timeout = "Task exceeded maximum timeout value (180 seconds)"
    assert linked(timeout, error_type="rq.timeouts.JobTimeoutException") == (
        "1-rq-job-killed-at-its-timeout"
    )
    monitor = "Task exceeded maximum timeout value (30 seconds)"
    assert linked(monitor, error_type="rq.timeouts.HorseMonitorTimeoutException") is None


def test_a_quoted_exception_line_matches_without_its_module_path(tmp_path: Path) -> None:
    """A runbook quotes `openpyxl.utils.exceptions.IllegalCharacterError: <value> cannot be used
    in worksheets.`; Celery logs the same error as its repr, without the module. It is the same
    error, and so is the qualified one."""
    linked = linker(
        tmp_path,
        "# Exports\n\n### 9. Control Characters in Cell Values\n**Symptom**:\n```\n"
        "openpyxl.utils.exceptions.IllegalCharacterError: <value> cannot be used in "
        "worksheets.\n```\non `ws.append()`.\n"
        "**Root Cause**: XML 1.0 forbids most control characters.\n"
        "**Fix**: strip them with `ILLEGAL_CHARACTERS_RE`.\n\n"
        "### 10. Report Too Large\n**Symptom**: the S3 upload times out.\n"
        "**Fix**: stream the upload.\n",
        error_type="ERROR",
    )
    celery = (
        "celery.app.trace Task exports.export_xlsx[8c2d7b40-1e9f-4a36-b5d2-0f8e3a6c9b71] raised "
        "unexpected: IllegalCharacterError('kr 400 000,- cannot be used in worksheets.')"
    )
    assert linked(celery, kind="log") == "9-control-characters-in-cell-values"
    qualified = "kr 400 000,- cannot be used in worksheets."
    assert linked(qualified, error_type="openpyxl.utils.exceptions.IllegalCharacterError") == (
        "9-control-characters-in-cell-values"
    )


def test_a_host_name_that_does_not_resolve_is_read_for_what_it_means(tmp_path: Path) -> None:
    """`Name or service not known` is the operating system saying a host name did not resolve:
    it goes to the section that says so in its own words, not to the one about a server that
    refuses connections."""
    linked = linker(
        tmp_path,
        "# Start-up\n\n### 1. Postgres Not Accepting Connections Yet\n"
        "**Symptom**: `OSError: Multiple exceptions: [Errno 111] Connect call failed "
        "('127.0.0.1', 5432)` while the database container is still starting.\n"
        "**Fix**: wait on the healthcheck before starting the app.\n\n"
        "### 2. Host Name That Only Exists Inside Compose\n"
        "**Symptom**: the connection never gets as far as a refusal: the DNS lookup of the host "
        "name itself fails, so no address is ever tried.\n"
        "**Fix**: use `localhost` outside compose, the service name inside it.\n",
        error_type="socket.gaierror",
    )
    message = (
        "startup: database connection failed: socket.gaierror: [Errno -2] Name or service "
        "not known (host=postgres port=5432)"
    )
    assert linked(message, kind="log") == "2-host-name-that-only-exists-inside-compose"


def test_a_setting_not_set_is_not_the_problem_of_a_section_about_other_settings(
    tmp_path: Path,
) -> None:
    """`SERVICE_SECRET must be set in production/staging` shares "staging", "production" and the
    service's name with a section about missing OAuth settings, but names a setting that
    section never names: it is not that problem. A setting of the section's family is."""
    linked = linker(
        tmp_path,
        "# Config\n\n### Issue 1: Missing OAuth Credentials\n**Symptoms**: 503 errors, the "
        "auth_service won't start in staging or production\n**Diagnosis**: `grep GOOGLE_CLIENT "
        "auth_service/.env.staging`\n**Fix**: set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET\n\n"
        "### Issue 2: Slow Start\n**Symptoms**: the first request takes a minute\n",
        error_type="ConfigError",
    )
    assert linked("SERVICE_SECRET must be set in production/staging (auth_service)") is None
    assert linked("Expected variable for staging: GOOGLE_OAUTH_CLIENT_ID_STAGING") == (
        "issue-1-missing-oauth-credentials"
    )
    # a name that is no setting amiss (a column, a type variable) leaves the words to decide
    assert linked("auth_service won't start in staging: column SIGNUP_TS unknown") == (
        "issue-1-missing-oauth-credentials"
    )


def test_a_count_of_things_is_no_status(tmp_path: Path) -> None:
    """ "Failed to submit 500 logs." counts log entries; it shows no HTTP 500, so a section
    naming 500 does not take it from the section quoting the message. "401/403 errors" and a
    bare 503 are statuses."""
    linked = linker(
        tmp_path,
        "# Logging\n\n### 2. Handler crashes on a 500 from the API\n**Symptom**: the API answers "
        "500 and the handler's thread dies\n**Fix**: catch and retry\n\n### 8. Write quota "
        "exhausted\n**Symptom**: the background thread logs `Failed to submit N logs.` and 429 "
        "Quota exceeded\n**Fix**: batch fewer writes\n\n### 9. Gateway down\n**Symptom**: 503 "
        "from the gateway\n**Fix**: restart it\n",
        error_type="ERROR",
    )
    assert linked("Failed to submit 500 logs.", kind="log") == "8-write-quota-exhausted"
    assert linked("assert 503 == 200", "AssertionError") == "9-gateway-down"


def test_a_logged_message_matches_the_quote_of_its_exception(tmp_path: Path) -> None:
    """A runbook quotes `ValueError: Token used too early, <now> < <iat>`; a service logging the
    error prints its message alone (`id token rejected: Token used too early, 17634 < 17639`):
    the quote, its exception's name aside, is the signature. Not for a wrapper's message, which
    every failure of the library prints, nor for a failure naming another exception."""
    linked = linker(
        tmp_path,
        "# Login\n\n### 5. One Tap Token Rejected\n**Symptom**: the onetap id token is rejected "
        "by the API for a user whose account is locked\n**Fix**: unlock the account\n\n"
        "### 6. Server Clock Skew\n**Symptom**: `ValueError: Token used too early, "
        "<now> < <iat>. Check that your computer's clock is set correctly.`\n**Fix**: sync the "
        "clock\n\n### 7. Partner Throttles Us\n```\nrequests.exceptions.RetryError: "
        "HTTPSConnectionPool(...): Max retries exceeded with url: ...\n```\n**Fix**: wait\n\n"
        "### 8. Partner Host Does Not Resolve\n**Symptom**: the delivery log says the partner's "
        "host name does not resolve (no such host)\n**Fix**: ask the partner for the new host\n",
    )
    logged = (
        "lumen.api.onetap id token rejected: Token used too early, 1763458912 < 1763458917. "
        "Check that your computer's clock is set correctly."
    )
    assert linked(logged, "ERROR", kind="log") == "6-server-clock-skew"
    wrapped = (
        "hookrelay.delivery HTTPSConnectionPool(host='hooks.example.com', port=443): Max "
        "retries exceeded with url: /hook (Caused by NameResolutionError('no such host'))"
    )
    assert linked(wrapped, "ERROR", kind="log") == "8-partner-host-does-not-resolve"
