"""CI results in, `Failure`s out: JUnit XML (pytest's and other tools' dialects), runbook-guard
JSON and SARIF, ruff JSON, and log files. Pure apart from reading the given files.

XML is parsed with defusedxml: entity expansion and external entities are refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runbook_guard.hooks.errors import UsageError

E2E = re.compile(r"(^|[/.])(e2e|end_to_end)([/._]|$)", re.I)
NEAR_ZERO = 0.01  # seconds: an end-to-end test this fast did not talk to a real service
# A level word and the message after it; Celery writes the process after the level
# (`[2021-09-07 19:53:30,107: ERROR/MainProcess] ...`)
LOG_LINE = re.compile(
    r"(?P<level>\bCRITICAL\b|\bERROR\b|\bFATAL\b)(?:/[\w.-]+)?[\]:|\s-]*\s*(?P<message>.+)$"
)
CHAIN = re.compile(
    r"^(?:The above exception was the direct cause|During handling of the above)", re.M
)
# An exception's name: by its suffix, or by the module that defines it, for the libraries whose
# classes carry none (`google.api_core.exceptions.PermissionDenied`, `psycopg2.errors.
# UniqueViolation`, `kafka.errors.NoBrokersAvailable`, `sqlalchemy.exc.NoSuchTableError`)
EXCEPTION_CLASS = (
    r"[A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt|Failure)\b"
    r"|(?:[A-Za-z_]\w*\.)*(?:exceptions|exc|errors)\.[A-Z]\w*\b"
)
EXCEPTION_LINE = re.compile(rf"^({EXCEPTION_CLASS})(?::\s*(.*))?$", re.M)


@dataclass(frozen=True)
class Failure:
    kind: str  # test, fake-test, finding, lint, log
    id: str  # tests/x/test_y.py::test_z, rule@path, logger line
    error_type: str
    message: str
    details: str = ""  # traceback or context
    path: str | None = None
    line: int | None = None
    severity: str = "error"
    rule: str | None = None  # a runbook-guard rule or ruff code
    url: str | None = None  # the runbook section a runbook-guard finding already links to

    @property
    def location(self) -> str:
        if self.path and self.line:
            return f"{self.path}:{self.line}"
        return self.path or self.id


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror}") from None


PYTEST_MARGIN = re.compile(r"^E {1,8}(?=[A-Za-z_])", re.M)


def root_exception(details: str, fallback_type: str, fallback_message: str) -> tuple[str, str]:
    """The exception that started a chain ("the error behind the error"): the first one printed.
    In a chain, pytest's `E   ` before an exception line is its margin, not part of it (one
    exception alone is left as it was read: its issue keeps its fingerprint)."""
    if CHAIN.search(details):
        details = PYTEST_MARGIN.sub("", details)
    for block in CHAIN.split(details):  # one block when nothing is chained
        found = EXCEPTION_LINE.findall(block)
        if found:
            error_type, message = found[-1]
            return error_type, message or ""
    return fallback_type, fallback_message


def _test_id(case: Any) -> str:
    file = case.get("file")
    name = case.get("name", "")
    classname = case.get("classname", "")
    if file:
        parts = classname.split(".")
        module = file.removesuffix(".py").replace("/", ".")
        cls = (
            [p for p in parts[len(module.split(".")) :] if p]
            if classname.startswith(module)
            else []
        )
        return "::".join([file, *cls, name])
    if classname:
        parts = classname.split(".")
        # pytest's classname: tests.x.test_y[.TestClass]
        split = next((i for i, p in enumerate(parts) if p.startswith("Test")), len(parts))
        return "::".join(["/".join(parts[:split]) + ".py", *parts[split:], name])
    return name


def parse_junit(path: str) -> list[Failure]:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(_read(path))
    except (ElementTree.ParseError, DefusedXmlException) as e:
        raise UsageError(f"{path}: not a JUnit XML file ({type(e).__name__}: {e})") from None
    failures: list[Failure] = []
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    for suite in suites:
        cases = suite.findall("testcase")
        for case in cases:
            failures.extend(_case_failures(case))
        skipped = [c for c in cases if c.find("skipped") is not None]
        if cases and len(skipped) == len(cases) and any(E2E.search(_test_id(c)) for c in cases):
            failures.append(
                Failure(
                    "fake-test",
                    suite.get("name", path),
                    "AllSkipped",
                    f"all {len(cases)} e2e tests of the suite were skipped: fake test suite",
                    severity="warning",
                )
            )
    return failures


CAPTURED_LIMIT = 4_000  # characters of a test's captured stderr or stdout read
PYTEST_PHASE = re.compile(r'^failed on (?:setup|teardown|call) with "(?P<message>.*?)"?$', re.S)


def _case_failures(case: Any) -> list[Failure]:
    test_id = _test_id(case)
    problem = case.find("failure")
    if problem is None:
        problem = case.find("error")
    if problem is not None:
        details = problem.text or ""
        last_lines = details.strip().splitlines()
        message = problem.get("message") or (last_lines[-1] if last_lines else "")
        # pytest's error in a fixture: `failed on setup with "RuntimeError: ..."`
        if wrapped := PYTEST_PHASE.match(message):
            message = wrapped["message"]
        declared = problem.get("type", "") or (message.split(":", 1)[0] if ":" in message else "")
        error_type, root_message = root_exception(details, declared or "Failure", message)
        # what the test printed and logged (pytest's junit_logging) can name the cause the
        # assertion does not: read after the traceback, never taken for the root exception
        captured = [
            f"Captured {tag.removeprefix('system-')}:\n{node.text.strip()[:CAPTURED_LIMIT]}"
            for tag in ("system-err", "system-out")
            if (node := case.find(tag)) is not None and (node.text or "").strip()
        ]
        return [
            Failure(
                "test",
                test_id,
                error_type,
                root_message or message,
                "\n\n".join([details, *captured]) if captured else details,
                case.get("file"),
                int(case.get("line")) if case.get("line", "").isdigit() else None,
            )
        ]
    time = case.get("time")
    if time is not None and case.find("skipped") is None and E2E.search(test_id):
        try:
            seconds = float(time)
        except ValueError:
            return []
        if seconds < NEAR_ZERO:
            return [
                Failure(
                    "fake-test",
                    test_id,
                    "NearZeroTime",
                    f"e2e test passed in {seconds:.3f} s (0.00s execution): "
                    "mocked, skipped or not awaited",
                    severity="warning",
                    path=case.get("file"),
                )
            ]
    return []


def get_typed(node: Any, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    """`node[key]` when `node` is an object and the value has the expected type, else `default`:
    reports come from other tools, and a malformed one gives fewer failures, never a crash."""
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, kind) and not isinstance(value, bool) else default


def parse_findings(path: str) -> list[Failure]:
    """runbook-guard's JSON (`--format json`) or any SARIF 2.1.0 file."""
    try:
        document = json.loads(_read(path))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: not JSON: {e}") from None
    if get_typed(document, "runs", list) is not None:
        return _sarif(document)
    findings = get_typed(document, "findings", list)
    if findings is None:
        raise UsageError(f"{path}: neither runbook-guard JSON (`findings`) nor SARIF (`runs`)")
    failures = []
    for f in findings:
        rule, where = get_typed(f, "rule", str), get_typed(f, "path", str)
        if rule is None or where is None:
            continue  # not a finding
        failures.append(
            Failure(
                "finding",
                f"{rule}@{where}",
                rule,
                get_typed(f, "message", str, ""),
                get_typed(f, "fix", str, ""),
                where,
                get_typed(f, "line", int),
                get_typed(f, "severity", str, "error"),
                rule,
                get_typed(get_typed(f, "runbook", dict, {}), "url", str),
            )
        )
    return failures


def _sarif(document: dict[str, Any]) -> list[Failure]:
    failures = []
    for run in get_typed(document, "runs", list, []):
        for result in get_typed(run, "results", list, []):
            locations = get_typed(result, "locations", list, [])
            physical = get_typed(locations[0] if locations else {}, "physicalLocation", dict, {})
            path = get_typed(get_typed(physical, "artifactLocation", dict, {}), "uri", str)
            line = get_typed(get_typed(physical, "region", dict, {}), "startLine", int)
            rule = get_typed(result, "ruleId", str, "sarif")
            level = get_typed(result, "level", str, "warning")
            failures.append(
                Failure(
                    "finding",
                    f"{rule}@{path}",
                    rule,
                    get_typed(get_typed(result, "message", dict, {}), "text", str, ""),
                    "",
                    path,
                    line,
                    "error" if level == "error" else "warning",
                    rule,
                )
            )
    return failures


def parse_ruff(path: str) -> list[Failure]:
    try:
        document = json.loads(_read(path))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: not ruff JSON: {e}") from None
    if not isinstance(document, list):
        raise UsageError(f"{path}: not ruff JSON (`ruff check --output-format json` is a list)")
    failures = []
    for d in document:
        if not isinstance(d, dict):
            continue
        code = get_typed(d, "code", str)
        filename = get_typed(d, "filename", str)
        failures.append(
            Failure(
                "lint",
                f"{code}@{filename}",
                code or "ruff",
                get_typed(d, "message", str, ""),
                "",
                filename,
                get_typed(get_typed(d, "location", dict, {}), "row", int),
                rule=code,
            )
        )
    return failures


# Structured lines: logfmt (`level=error msg="..."`: Go services, Docker, logrus) and JSON
LOGFMT_LEVEL = re.compile(
    r'(?:^|\s)(?:level|lvl|severity)="?(error|fatal|critical|panic)"?(?=\s|$)', re.I
)
LOGFMT_MESSAGE = re.compile(r'(?:^|\s)(?:msg|message|error|err)=(?:"((?:[^"\\]|\\.)*)"|(\S+))')
JSON_LEVELS = ("error", "fatal", "critical", "panic")
JSON_MESSAGES = ("msg", "message", "event", "error", "content", "text", "log")


def _structured(line: str) -> tuple[str, str] | None:
    """(level, message) of a logfmt or JSON log line at error level or worse, else None."""
    if line.lstrip().startswith("{"):
        try:
            record = json.loads(line)
        except ValueError:
            return None
        if not isinstance(record, dict):
            return None
        level = str(record.get("level") or record.get("levelname") or record.get("severity") or "")
        # structlog writes `event`, go-stash and others `content`
        message = next(
            (v for key in JSON_MESSAGES if isinstance(v := record.get(key), str) and v.strip()),
            None,
        )
        if level.lower() in JSON_LEVELS and message:
            return level.upper(), message
        return None
    level = LOGFMT_LEVEL.search(line)
    message = LOGFMT_MESSAGE.search(line)
    if level is None or message is None:
        return None
    quoted, bare = message.groups()
    text = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
    return (level[1].upper(), text) if text.strip() else None


# A command-line tool's own error line (`slurmstepd: error: ...`, `srun: error: ...`, `fatal: ...`),
# the `Error: ...` lines of CI runners (GitHub Actions' "Error: Process completed with ..."), and
# a lower-case level in brackets or after a bracketed time (`[error] [XCUITest] ...`,
# `[8/30/2021, 7:19:12 PM] - error: ...`: Node tools, Appium)
TOOL_ERROR = re.compile(
    r"^(?:\[[^\]]*\]\s*-?\s*)?(?:[\w.\-]+(?:\[\d+\])?: )?"
    r"(?:\[(?P<bracketed>(?i:error|fatal|critical))\]|(?P<level>(?i:error|fatal)):)\s*"
    r"(?P<message>.+)$"
)


# What a Python team's CI prints when it fails, with no level on the line: pytest's own crash
# (its exception line only, not the traceback's), pytest-xdist losing or disagreeing with a
# worker, a conftest that cannot be imported, and the Docker daemon refusing a command
CI_FAILURE = re.compile(
    r"^(?:INTERNALERROR> (?=[\w.]+(?:Error|Exception)\b)"
    r"|(?=\[gw\d+\] node down: |worker '?gw\d+'? crashed while running "
    r"|Different tests were collected between gw\d+ and gw\d+"
    r"|ImportError while loading conftest |Error response from daemon: ))"
    r"(?P<message>.+)$"
)


# A log message's thread and logger (`[predict-api-0] serving.loader: ...`, or logging's
# `%(name)s %(message)s`, `orbit.backend.auth_client session ...`): where, not what
LOGGER_PREFIX = re.compile(
    r"^(?:\[[\w.-]+\]\s+)?(?:[a-z_]\w*(?:\.[a-z_]\w*)+:\s+|[a-z_]\w*(?:\.[a-z_]\w*){2,}\s+(?=\w))?"
)
# An exception a log message carries after its own text (`... device: RuntimeError: ...`)
LOGGED_EXCEPTION = re.compile(
    r"(?<![\w.])((?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Failure)):\s+(\S.*)$"
)
# The lines a log record goes on with: its traceback (`Traceback ...`, indented frames, the
# exception lines, the chain between them) and asyncio's `future: <Task ... exception=...>`
CONTINUATION = re.compile(
    r"^(?:\s+\S|Traceback \(most recent call last\)|future: <|"
    rf"{EXCEPTION_CLASS}|"
    r"The above exception was|During handling of the above)"
)
CONTINUATION_LIMIT = 200  # lines of a record's traceback read (a chained one runs to 150)


# A record that starts with its time: the lines after it, up to the next record or a blank line,
# are its own (a multi-line message, or a tool's output the record says follows: `npm ci failed
# (exit 1); npm output follows`, then `npm error code ERESOLVE` ...)
TIMESTAMP = re.compile(r"^\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d")


def _continuation(lines: list[str], start: int) -> list[str]:
    """The lines after `lines[start]` that belong to its record (see CONTINUATION, and
    TIMESTAMP for a record that starts with its time)."""
    timed = bool(TIMESTAMP.match(lines[start]))
    found = []
    for line in lines[start + 1 : start + 1 + CONTINUATION_LIMIT]:
        if LOG_LINE.search(line) or _structured(line) or TIMESTAMP.match(line):
            break
        if not (CONTINUATION.match(line) or (timed and line.strip())):
            break
        found.append(line)
    return found


def parse_log(path: str) -> list[Failure]:
    failures = []
    lines = _read(path).decode("utf-8", "replace").splitlines()
    for number, line in enumerate(lines, start=1):
        structured = _structured(line)
        match = None
        if not structured:
            stripped = line.strip()
            match = (
                LOG_LINE.search(line) or TOOL_ERROR.match(stripped) or CI_FAILURE.match(stripped)
            )
        if structured:
            level, message = structured
        elif match:
            groups = match.groupdict()
            level = (groups.get("level") or groups.get("bracketed") or "ERROR").upper()
            message = match["message"].strip()
        else:
            continue
        # the thread and the logger differ from one worker to the next: not part of the message
        message = LOGGER_PREFIX.sub("", message) or message
        error_type, root = root_exception(message, level, message)
        if error_type == level and (inner := LOGGED_EXCEPTION.search(message)):
            error_type, root = inner[1], inner[2]
        continuation = _continuation(lines, number - 1)
        if error_type == level and continuation:
            # the traceback under the line: its root exception is what failed, the line where
            error_type, root = root_exception("\n".join(continuation), level, root or message)
        failures.append(
            Failure(
                "log",
                f"{Path(path).name}:{number}",
                error_type,
                root or message,
                "\n".join([line.strip(), *continuation]),
                severity="critical" if level in ("CRITICAL", "FATAL", "PANIC") else "error",
            )
        )
    return failures
