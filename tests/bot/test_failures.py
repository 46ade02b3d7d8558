"""CI results in: JUnit dialects, findings, SARIF, ruff JSON, logs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runbook_guard.bot.failures import (
    parse_findings,
    parse_junit,
    parse_log,
    parse_ruff,
    root_exception,
)
from runbook_guard.hooks.errors import UsageError

CHAINED = """Traceback (most recent call last):
  File "db.py", line 3, in connect
    raise ConnectionRefusedError("port 5432")
ConnectionRefusedError: port 5432

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "app.py", line 9, in start
    raise RuntimeError("startup failed")
RuntimeError: startup failed
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_junit_failures_errors_nested_suites_and_fake_tests(tmp_path: Path) -> None:
    xml = f"""<testsuites><testsuite name="outer"><testsuite name="inner">
      <testcase classname="tests.unit.test_db" name="test_connect" time="0.2">
        <failure message="RuntimeError: startup failed">{CHAINED}</failure></testcase>
      <testcase classname="tests.unit.test_db.TestPool" name="test_size" time="0.1">
        <error message="boom" type="KeyError">KeyError: 'size'</error></testcase>
      <testcase classname="tests.e2e.test_chat" name="test_reply" time="0.000"/>
      <testcase classname="tests.unit.test_ok" name="test_ok" time="0.000"/>
    </testsuite></testsuite></testsuites>"""
    failures = parse_junit(write(tmp_path, "junit.xml", xml))
    by_id = {f.id: f for f in failures}
    connect = by_id["tests/unit/test_db.py::test_connect"]
    assert (connect.error_type, connect.message) == ("ConnectionRefusedError", "port 5432")
    assert by_id["tests/unit/test_db.py::TestPool::test_size"].error_type == "KeyError"
    assert by_id["tests/e2e/test_chat.py::test_reply"].kind == "fake-test"
    assert "tests/unit/test_ok.py::test_ok" not in by_id


def test_an_error_in_a_fixture_is_read_through_pytests_wrapper(tmp_path: Path) -> None:
    """pytest writes a fixture's error as `failed on setup with "RuntimeError: ..."`: the
    exception is RuntimeError, not `failed on setup with "RuntimeError`."""
    xml = """<testsuite name="pytest">
      <testcase classname="tests.integration.test_api" name="test_boots" time="0.3">
        <error message='failed on setup with "RuntimeError: Event loop is closed"'>
    def loop():
&gt;       return asyncio.get_event_loop()
E       RuntimeError: Event loop is closed</error></testcase>
      <testcase classname="tests.integration.test_api" name="test_stops" time="0.1">
        <error message='failed on teardown with "KeyError: &apos;session&apos;"'>E KeyError</error>
      </testcase></testsuite>"""
    boots, stops = parse_junit(write(tmp_path, "junit.xml", xml))
    assert (boots.error_type, boots.message) == (
        "RuntimeError",
        "RuntimeError: Event loop is closed",
    )
    assert (stops.error_type, stops.message) == ("KeyError", "KeyError: 'session'")


def test_the_root_of_a_chain_is_found_in_pytests_own_format(tmp_path: Path) -> None:
    """pytest prints each exception of a chain behind its `E   ` margin: the first one is
    still the error behind the error."""
    xml = """<testsuite name="pytest">
      <testcase classname="tests.test_boot" name="test_start" time="0.3">
        <failure message="app.startup.StartupError: worker did not start">    def connect():
&gt;       raise ConnectionError("Not connected to ClickHouse")
E       ConnectionError: Not connected to ClickHouse

The above exception was the direct cause of the following exception:

    def test_start():
&gt;       start_worker()
E       app.startup.StartupError: worker did not start</failure></testcase></testsuite>"""
    [failure] = parse_junit(write(tmp_path, "junit.xml", xml))
    assert (failure.error_type, failure.message) == (
        "ConnectionError",
        "Not connected to ClickHouse",
    )


def test_a_tests_captured_output_is_read_after_its_traceback(tmp_path: Path) -> None:
    """pytest's `<system-err>` (captured stderr, or logs with junit_logging) can name the cause
    a bare `[Errno 111] Connection refused` does not; it is read after the traceback and never
    taken for the root exception."""
    xml = """<testsuite name="pytest">
      <testcase classname="tests.test_mail" name="test_queue" time="0.3">
        <failure message="OperationalError: [Errno 111] Connection refused">
OperationalError: [Errno 111] Connection refused</failure>
        <system-err>WARNING:kombu.connection:No hostname was supplied. Reverting to default
ValueError: not the root</system-err></testcase></testsuite>"""
    [failure] = parse_junit(write(tmp_path, "junit.xml", xml))
    assert (failure.error_type, failure.message) == (
        "OperationalError",
        "[Errno 111] Connection refused",
    )
    assert "Captured err:\nWARNING:kombu.connection:No hostname was supplied" in failure.details


def test_all_skipped_e2e_suite_is_suspected(tmp_path: Path) -> None:
    xml = """<testsuite name="e2e">
      <testcase classname="tests.e2e.test_a" name="test_a"><skipped/></testcase>
      <testcase classname="tests.e2e.test_b" name="test_b"><skipped/></testcase>
    </testsuite>"""
    [failure] = parse_junit(write(tmp_path, "j.xml", xml))
    assert failure.kind == "fake-test" and "skipped" in failure.message


def test_entity_expansion_is_refused(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
        "<testsuite>&b;</testsuite>"
    )
    with pytest.raises(UsageError):
        parse_junit(write(tmp_path, "bomb.xml", bomb))


def test_findings_sarif_and_ruff(tmp_path: Path) -> None:
    findings = {
        "version": 1,
        "findings": [
            {
                "rule": "no-direct-environ",
                "severity": "error",
                "path": "a.py",
                "line": 2,
                "column": 5,
                "message": "m",
                "fix": "f",
                "runbook": None,
            }
        ],
        "summary": {"files": 1, "findings": 1},
    }
    [f] = parse_findings(write(tmp_path, "f.json", json.dumps(findings)))
    assert (f.rule, f.location) == ("no-direct-environ", "a.py:2")
    sarif = {
        "version": "2.1.0",
        "runs": [
            {
                "results": [
                    {
                        "ruleId": "R1",
                        "level": "error",
                        "message": {"text": "t"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "b.py"},
                                    "region": {"startLine": 3},
                                }
                            }
                        ],
                    }
                ]
            }
        ],
    }
    [s] = parse_findings(write(tmp_path, "s.sarif", json.dumps(sarif)))
    assert (s.rule, s.location) == ("R1", "b.py:3")
    ruff = [
        {
            "code": "F821",
            "message": "Undefined name `MagicNone`",
            "filename": "t.py",
            "location": {"row": 4, "column": 1},
        }
    ]
    [r] = parse_ruff(write(tmp_path, "r.json", json.dumps(ruff)))
    assert (r.rule, r.location) == ("F821", "t.py:4")


def test_log_lines(tmp_path: Path) -> None:
    log = (
        "2025-09-09T01:33:32Z INFO all good\n"
        "2025-09-09T01:33:32Z ERROR WebSocket error: Invalid user_id format: e2e-staging_pipeline\n"
        "CRITICAL: Cannot deliver message for thread - no connections and no fallback available\n"
    )
    log += "[2021-09-07 19:53:30,107: ERROR/MainProcess] Task handler raised error: Boom\n"
    failures = parse_log(write(tmp_path, "app.log", log))
    assert [f.severity for f in failures] == ["error", "critical", "error"]
    assert "Invalid user_id format" in failures[0].message
    # Celery writes the process after the level: it is not part of the message
    assert failures[2].message == "Task handler raised error: Boom"


def test_a_python_ci_logs_failures_without_a_level(tmp_path: Path) -> None:
    """pytest's INTERNALERROR exception line (not its traceback), xdist losing or disagreeing
    with a worker, a conftest that cannot be imported and the Docker daemon refusing a command
    are failures though no level is printed; progress lines and traceback frames are not."""
    log = (
        " Container shop-ci-db-1  Started\n"
        "Error response from daemon: Bind for 0.0.0.0:6379 failed: port is already allocated\n"
        "INTERNALERROR> Traceback (most recent call last):\n"
        'INTERNALERROR>   File "/venv/lib/_pytest/main.py", line 270, in wrap_session\n'
        "INTERNALERROR> KeyError: 'markers'\n"
        "gw0 I / gw1 I\n"
        "[gw1] node down: Not properly terminated\n"
        "worker 'gw0' crashed while running 'tests/test_cart.py::test_total'\n"
        "Different tests were collected between gw0 and gw1. The difference is:\n"
        "ImportError while loading conftest '/src/tests/conftest.py'.\n"
    )
    failures = parse_log(write(tmp_path, "ci.log", log))
    assert [f.location for f in failures] == [
        "ci.log:2",
        "ci.log:5",
        "ci.log:7",
        "ci.log:8",
        "ci.log:9",
        "ci.log:10",
    ]
    assert (failures[1].error_type, failures[1].message) == ("KeyError", "'markers'")
    assert failures[0].message.startswith("Error response from daemon: Bind for")


def test_root_exception_without_chain() -> None:
    assert root_exception("ValueError: bad", "X", "y") == ("ValueError", "bad")
    assert root_exception("no exception here", "X", "y") == ("X", "y")


def test_structured_log_lines(tmp_path: Path) -> None:
    """logfmt (Go services, Docker, logrus) and JSON lines at error level or worse are failures,
    their `msg` (or structlog's `event`, ...) the message (escaped quotes undone); info lines
    and other fields are not."""
    log = (
        'time="2026-01-05T10:00:00Z" level=info msg="listening on :8080"\n'
        'time="2026-01-05T10:00:01Z" level=error msg="Handler for POST /v1/start returned error:'
        ' bind for 0.0.0.0:5432 failed: \\"port is already allocated\\"" module=api\n'
        '{"ts": 1, "level": "fatal", "msg": "cannot open ledger.db: disk I/O error"}\n'
        '{"ts": 2, "level": "warn", "msg": "slow query"}\n'
        "level=panic err=nil-map\n"
        '{"level": "error", "event": "payment webhook rejected", "logger": "shop"}\n'
        '{"level": "error", "msg": "", "content": "this action would add [2] shards"}\n'
    )
    failures = parse_log(write(tmp_path, "svc.log", log))
    assert [(f.location, f.severity) for f in failures] == [
        ("svc.log:2", "error"),
        ("svc.log:3", "critical"),
        ("svc.log:5", "critical"),
        ("svc.log:6", "error"),
        ("svc.log:7", "error"),
    ]
    # structlog's `event`, go-stash's `content`
    assert failures[3].message == "payment webhook rejected"
    assert failures[4].message == "this action would add [2] shards"
    assert failures[0].message.endswith('failed: "port is already allocated"')
    assert failures[1].message == "cannot open ledger.db: disk I/O error"


def test_command_line_tools_error_lines(tmp_path: Path) -> None:
    """`tool: error: ...` and `fatal: ...` (job schedulers, compilers, git) are failures; the
    word inside a sentence is not."""
    log = (
        "batchd: error: *** JOB 4411 ON node-7 CANCELLED AT 2026-01-05T02:00:00 ***\n"
        "fatal: could not read Username for 'https://example.com': terminal prompts disabled\n"
        "launcher[2231]: error: task 0: Out Of Memory\n"
        "the last run had no error: all good\n"
        "Error: Process completed with exit code 1.\n"
        "[error] [XCUITest] Unable to launch WebDriverAgent\n"
        "[8/30/2021, 7:19:12 PM] - error: Build creation failed\n"
        "[info] [XCUITest] no error: all good\n"
    )
    failures = parse_log(write(tmp_path, "jobs.log", log))
    assert [(f.location, f.severity) for f in failures] == [
        ("jobs.log:1", "error"),
        ("jobs.log:2", "critical"),
        ("jobs.log:3", "error"),
        ("jobs.log:5", "error"),
        ("jobs.log:6", "error"),
        ("jobs.log:7", "error"),
    ]
    assert failures[2].message == "task 0: Out Of Memory"


def test_a_log_records_traceback_is_its_evidence(tmp_path: Path) -> None:
    """`logger.exception` prints the traceback under the ERROR line, asyncio the failed task:
    those lines are the record's, shown as its evidence, and the traceback's root exception is
    the record's failure; the next record is not."""
    log = (
        "2025-09-03 12:00:01,001 - shop.jobs - ERROR - sync failed\n"
        "Traceback (most recent call last):\n"
        '  File "/app/shop/jobs.py", line 12, in sync\n'
        "    client.pull()\n"
        "ConnectionError: Not connected to ClickHouse\n"
        "2025-09-03 12:00:02,001 - shop.jobs - INFO - retrying\n"
        "ERROR:asyncio:Task exception was never retrieved\n"
        "future: <Task finished name='Task-7' exception=WebSocketDisconnect(1006)>\n"
        "ERROR:shop.api:request failed\n"
    )
    sync, task, api = parse_log(write(tmp_path, "app.log", log))
    assert sync.details.splitlines()[1:] == [
        "Traceback (most recent call last):",
        '  File "/app/shop/jobs.py", line 12, in sync',
        "    client.pull()",
        "ConnectionError: Not connected to ClickHouse",
    ]
    assert task.details.endswith("exception=WebSocketDisconnect(1006)>")
    assert api.details == "ERROR:shop.api:request failed"
    # the traceback's root exception is what failed; the line says where
    assert (sync.error_type, sync.message) == ("ConnectionError", "Not connected to ClickHouse")
    assert api.error_type == "ERROR"


def test_a_long_traceback_under_a_log_record_is_read_to_its_end(tmp_path: Path) -> None:
    """asyncpg's connect, under SQLAlchemy's pool and a retry loop, prints some seventy lines
    before its exception: the record's failure is that exception, not its log line."""
    frames = "".join(
        f'  File "/opt/venv/lib/python3.12/site-packages/pkg/mod{n}.py", line {n}, in f{n}\n'
        f"    return f{n + 1}()\n"
        for n in range(40)
    )
    log = (
        "2026-11-18 08:58:17,160 CRITICAL nimbus.db.engine database not reachable at startup\n"
        f"Traceback (most recent call last):\n{frames}"
        "ConnectionRefusedError: [Errno 111] Connect call failed ('172.19.0.3', 5432)\n"
        "2026-11-18 08:58:17,162 INFO uvicorn.error Waiting for application shutdown.\n"
    )
    [refused] = parse_log(write(tmp_path, "backend.log", log))
    assert refused.error_type == "ConnectionRefusedError"
    assert refused.message == "[Errno 111] Connect call failed ('172.19.0.3', 5432)"


def test_a_log_lines_thread_and_logger_are_not_what_failed(tmp_path: Path) -> None:
    """`[predict-api-batch-0] serving.device: RuntimeError: ...` failed with a RuntimeError; the
    thread and the logger say where, and differ from one worker to the next."""
    log = (
        "2025-03-04 05:38:55,902 ERROR    [predict-api-batch-0] serving.device: RuntimeError: "
        "The NVIDIA driver on your system is too old\n"
        "2025-03-04 05:42:31,276 ERROR    [predict-api-1] serving.loader: size mismatch for "
        "embeddings.weight\n"
    )
    driver, mismatch = parse_log(write(tmp_path, "server.log", log))
    assert (driver.error_type, driver.message) == (
        "RuntimeError",
        "The NVIDIA driver on your system is too old",
    )
    assert mismatch.message == "size mismatch for embeddings.weight"


def test_a_logger_name_before_the_message_is_not_what_failed(tmp_path: Path) -> None:
    """logging's `%(levelname)s %(name)s %(message)s` writes the logger with no colon: its
    name (`orbit.backend.auth_client`) says where; a file's name in the message stays."""
    log = (
        "2025-07-02 14:16:44,391 ERROR orbit.backend.auth_client session validation failed: "
        "Client error '403 Forbidden'\n"
        "2025-07-02 14:16:45,002 ERROR config.yaml not found in /etc/orbit\n"
    )
    validation, missing = parse_log(write(tmp_path, "auth.log", log))
    assert validation.message == "session validation failed: Client error '403 Forbidden'"
    assert missing.message == "config.yaml not found in /etc/orbit"


def test_an_exception_named_by_its_module_is_a_tracebacks_root(tmp_path: Path) -> None:
    """google-api-core, psycopg2 and SQLAlchemy name some exceptions without an `Error` suffix
    (`google.api_core.exceptions.PermissionDenied`, `psycopg2.errors.UniqueViolation`,
    `sqlalchemy.exc.MissingGreenlet`): the module they live in says what they are. Under a log
    record, such a root exception is the record's failure."""
    log = (
        "2025-10-14 02:05:06,417 ERROR google.cloud.logging_v2.handlers.transports."
        "background_thread Failed to submit 37 logs.\n"
        "Traceback (most recent call last):\n"
        '  File "/site-packages/google/api_core/grpc_helpers.py", line 78, in call\n'
        "    raise exceptions.from_grpc_error(exc) from exc\n"
        "google.api_core.exceptions.PermissionDenied: 403 Permission 'logging.logEntries.create'"
        " denied on resource (or it may not exist).\n"
        "2025-10-14 02:05:07,001 INFO halyard.nightly task 3 done\n"
    )
    [submit] = parse_log(write(tmp_path, "app.log", log))
    assert submit.error_type == "google.api_core.exceptions.PermissionDenied"
    assert submit.message.startswith("403 Permission 'logging.logEntries.create' denied")
    assert root_exception(
        'Traceback (most recent call last):\n  File "x.py", line 1\n'
        'psycopg2.errors.UniqueViolation: duplicate key value violates unique constraint "u"',
        "ERROR",
        "",
    ) == ("psycopg2.errors.UniqueViolation", 'duplicate key value violates unique constraint "u"')
    # a capitalised word after a dotted path is no exception when the module says nothing
    assert root_exception("app.models.User: saved", "ERROR", "") == ("ERROR", "")


def test_the_lines_under_a_timed_record_are_its_own(tmp_path: Path) -> None:
    """A record that starts with its time runs to the next one: a CI wrapper's `npm ci failed
    (exit 1); npm output follows` carries npm's lines under it, unindented. Without a time, a
    line is a record of its own or no part of one."""
    log = (
        "2025-10-14 07:12:44,951 ERROR corvid.ci.install npm ci failed (exit 1); output follows\n"
        "npm error code ERESOLVE\n"
        "npm error ERESOLVE could not resolve\n"
        "\n"
        "2025-10-14 07:12:45,002 INFO corvid.ci.install retrying with a clean cache\n"
        "ERROR: build failed\n"
        "npm error code E404\n"
    )
    install, build = parse_log(write(tmp_path, "ci.log", log))
    assert install.details.splitlines()[1:] == [
        "npm error code ERESOLVE",
        "npm error ERESOLVE could not resolve",
    ]
    assert build.details == "ERROR: build failed"
