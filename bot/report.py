"""Failures to issues: fingerprint, link to a runbook section, plan create/comment/reopen, render
bodies that failure text cannot break out of. Pure: `bot/github.py` executes the plan."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from runbook_guard.bot.failures import CHAIN, EXCEPTION_LINE, Failure
from runbook_guard.bot.markdown import team_text
from runbook_guard.hooks.labels import FIX_LABELS
from runbook_guard.hooks.links import Links, Resolution
from runbook_guard.hooks.matching import BUILTIN_NAMES, tokens
from runbook_guard.hooks.named_values import LogPattern
from runbook_guard.hooks.runbook import whole_fields

MARKER = "<!-- runbook-bot:fingerprint={} -->"
MARKER_RE = re.compile(r"<!-- runbook-bot:fingerprint=([0-9a-f]{12}) -->")
BOT_LABEL, NEEDS_RUNBOOK, REGRESSION = "runbook-bot", "needs-runbook", "regression"
EVIDENCE_LIMIT = 4_000

_NORMALISE = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I), "<uuid>"),
    (
        re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?"),
        "<time>",
    ),
    # a generated name's random suffix after its number: Cloud Run's revision
    # `orders-api-00042-vq7` is `orders-api-00043-x2m` on the retry, a pod `web-5d8f7c9b6-x2m4p`
    (re.compile(r"(?<=\d-)(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]{2,6}\b"), "<id>"),
    (re.compile(r"\b0x[0-9a-f]+\b|\b[0-9a-f]{7,}\b", re.I), "<hex>"),
    # POSIX and Windows paths (`C:\\Users\\...\\Temp\\basedir-dd4_6dpx`, backslashes doubled or not)
    (re.compile(r"(?:[A-Za-z]:)?(?:[\\/]+[\w.@+~-]+){2,}[\\/]?"), "<path>"),
    # durations, whatever their units: `7m42s` in one run is `13m` in the next
    (re.compile(r"\b(?:\d+(?:\.\d+)?(?:ms|us|µs|ns|[dhms])){1,4}\b"), "<duration>"),
    # a number, not the error's own: a status or code is what failed (`HTTP 400` and `HTTP 403`
    # from one client are two problems)
    (re.compile(r"(?<!\d)(?<!http )(?<!status )(?<!code )(?<!errno )\d+(?:\.\d+)?", re.I), "<n>"),
]


def normalise(text: str) -> str:
    """A message with its run-specific parts (numbers, ids, uuids, hex, paths) replaced."""
    for pattern, replacement in _NORMALISE:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


def fingerprint(failure: Failure) -> str:
    """Test id (or rule and path), error type, and the message with run-specific parts removed."""
    if failure.kind == "finding" and failure.path:
        subject = f"{failure.rule}@{failure.path}"
    elif failure.kind == "log":
        subject = ""  # a log line's position changes every run; its message is what recurs
    else:
        subject = failure.id
    key = "\0".join([failure.kind, subject, failure.error_type, normalise(failure.message)])
    return hashlib.sha1(key.encode()).hexdigest()[:12]


# What GitHub turns into a link, a reference or a mention in plain text: bare URLs (GFM's
# autolinks), `#12`, `owner/repo#12`, `GH-12`, `@name`.
LIVE = re.compile(
    r"(?:https?://|www\.)[^\s<>`]+"
    r"|(?<![\w/.-])(?:[\w.-]+/[\w.-]+)?#\d+\b"
    r"|\bGH-\d+\b"
    r"|(?<![\w`])@[A-Za-z0-9][\w-]*"
)


def neutralise(text: str) -> str:
    """Failure text outside code can mention nobody, refer to no issue, open no HTML and make
    no link or image: what GitHub would make live is shown as code; `<` is escaped, and `[`,
    `]`, `|` (a table cell's end) and backticks are backslash-escaped."""
    out, last = [], 0
    for live in LIVE.finditer(text):
        out += [_escaped(text[last : live.start()]), inline_code(live[0])]
        last = live.end()
    out.append(_escaped(text[last:]))
    return "".join(out)


def _escaped(text: str) -> str:
    text = text.replace("\\", "\\\\").replace("<", "&lt;")
    for char in "[]|`":
        text = text.replace(char, f"\\{char}")
    return text


def _code_safe(text: str) -> str:
    """Nothing renders inside code (GitHub makes no mention or reference there either), but a
    `<!-- runbook-bot:... -->` there would still match our own marker search: an invisible
    space inside every `<!--` keeps it from forging a marker. Nothing else is touched, so the
    text copies and searches as it was."""
    return text.replace("<!--", "<\u200b!--")


def _inert_mentions(text: str) -> str:
    """`@name` with an invisible space after the `@`: it reads the same and mentions nobody."""
    return re.sub(r"@(?=[\w-])", "@\u200b", text)


def _fence(text: str, shortest: int) -> str:
    """A run of backticks longer than any in `text` (and at least `shortest`): text inside it
    cannot close it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(shortest, longest + 1)


def inline_code(text: str) -> str:
    """One line of failure text as inline code, which it cannot close (the fence is longer
    than any backtick run in it): no mention, HTML, link or emphasis inside renders."""
    text = _code_safe(" ".join(text.split()))
    fence = _fence(text, 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def code_block(text: str, limit: int = EVIDENCE_LIMIT) -> str:
    """A fenced block that the text cannot close: the fence is longer than any backtick run."""
    if len(text) > limit:
        text = text[:limit] + f"\n... ({len(text) - limit} more characters cut)"
    fence = _fence(text, 3)
    return f"{fence}text\n{_code_safe(text)}\n{fence}"


@dataclass
class Planned:
    fingerprint: str
    title: str
    labels: list[str]
    runbook: Resolution | None
    failures: list[Failure] = field(default_factory=list)
    action: str = "create"  # create, comment, reopen, capped
    issue: int | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "fingerprint": self.fingerprint,
            "title": self.title,
            "labels": self.labels,
            "runbook": self.runbook.url if self.runbook else None,
            "failures": [
                f.id if f.kind in ("test", "fake-test") else f.location for f in self.failures
            ],
            "action": self.action,
        }


# Words every test failure prints, whatever went wrong: they are no evidence for a section.
FAILURE_BOILERPLATE = frozenset(
    tokens(
        "assert assertion traceback test tests pytest line file error exception expected got "
        "where call recent last most value none true false self return raise "
        "failed failure failing unable could"
    )
)
FAILURE_THRESHOLD = 0.3  # below it, `needs-runbook`
MIN_SHARED_WORDS = 3  # distinct words a failure and its section must share
CAUSE_LINE = re.compile(r"(?:Error|Exception|Warning|Failure)\b|\b(?:ERROR|CRITICAL|FATAL)\b")


PARENTHESISED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\}")
FRAME_LINE = re.compile(r'^File "[^"]*", line \d+')
LOCATION_LINE = re.compile(r"^[\w./\\:-]+\.py:\d+: [\w.]+$")
GIST_LENGTH = 200
CONTINUED_LINES = 8  # lines of a multi-line message read after its exception line
CLAUSE_END = re.compile(r"(?<=\w)[.;,!?](?:\s|$)")


def message_gist(message: str) -> str:
    """What an error message says before its particulars: the first clause of its first line,
    values in brackets left out (`CUDA out of memory. Tried to allocate 92.00 MiB (GPU 0; ...`
    is "CUDA out of memory"). Messages put the problem first and the numbers after; matched
    alone, the problem is not drowned by them. A first line that is all particulars (`(409)`)
    gives way to the next (`Reason: Conflict`)."""
    for text in message[:5000].strip().splitlines()[:5]:
        for _ in range(3):  # nested brackets, innermost first
            text = PARENTHESISED.sub(" ", text)
        gist = " ".join(CLAUSE_END.split(text, maxsplit=1)[0].split()).strip(" :-")
        if re.search(r"[A-Za-z]{2}", gist):
            # a gist is short or it is no gist: a message of one endless clause gives its start
            return gist if len(gist) <= GIST_LENGTH else gist[:GIST_LENGTH].rsplit(" ", 1)[0]
    return ""


# What well-known messages of Python and its common libraries mean, in the words a runbook uses
# for the problem: `'coroutine' object has no attribute 'status'` says nothing of an await.
KNOWN_MEANINGS = (
    (
        re.compile(
            r"'coroutine' object (?:has no attribute|is not (?:subscriptable|iterable|callable))"
            r"|coroutine '[^']*' was never awaited"
        ),
        "coroutine never awaited",
    ),
    (
        re.compile(
            r"attached to a different (?:event )?loop|Event loop is closed|no running event loop"
            r"|There is no current event loop"
        ),
        "event loop",
    ),
    (
        # the websockets library's words for a connection that never opened or was cut (a
        # close code other than 1000, the normal closure); before version 10 it said `code =
        # 1011 (unexpected error), reason = ...`. Starlette's (FastAPI's) for a socket used
        # before it was accepted or after it dropped: `WebSocket is not connected. Need to call
        # "accept" first.`, `Cannot call "send" once a close message has been sent.`
        re.compile(
            r"during opening handshake|timed out during (?:opening )?handshake"
            r"|did not receive a valid HTTP response"
            r"|no close frame received or sent|(?:received|sent) 1(?!000)\d\d\d \("
            r"|\bcode ?= ?1(?!000)\d\d\d\b(?: \([^)]*\))?,? reason ?="
            r"|(?i:\bclosed? (?:with )?code)[:= ]+1(?!000)\d\d\d\b"
            r"|Need to call \"?accept\"? first"
            r"|Cannot call \"(?:send|receive)\" once a (?:close|disconnect) message has been"
        ),
        "websocket connection failure",
    ),
    (
        # a container engine that is not up, as Docker, Docker Desktop and Podman's clients say
        re.compile(
            r"Cannot connect to the Docker daemon|Is the docker daemon running"
            r"|error during connect: .*(?i:docker)|Docker Desktop (?:service )?(?:is )?not running"
            r"|unable to connect to Podman"
        ),
        "docker daemon not running, docker won't start",
    ),
    (
        # a token or credentials refused or missing, in the words of JWT libraries and auth
        # middleware (FastAPI's `Not authenticated`, `No JWT in WebSocket headers`)
        re.compile(
            r"(?i)\bauth(?:entication)? failed\b"
            r"|\b(?:token|jwt) (?:validation |verification |refresh )?failed\b"
            r"|\binvalid (?:or expired )?(?:jwt )?token\b|\bsignature verification failed\b"
            r"|\bauthentication required\b|\bnot authenticated\b"
            r"|\bno (?:jwt|token|bearer token)(?:=\S*)? (?:in|provided|found|supplied)\b"
            r"|\bmissing (?:authorization|auth|bearer) (?:header|token)\b"
        ),
        "authentication failure",
    ),
    (
        # Python's words for an import that failed, logged without the exception's name
        re.compile(r"cannot import name '|No module named '"),
        "import error",
    ),
    (
        # a host name that does not resolve, in the words of glibc, macOS, Windows, musl and
        # libpq: the lookup failed before any address was tried
        re.compile(
            r"Name or service not known|nodename nor servname provided|getaddrinfo failed"
            r"|Temporary failure in name resolution|No address associated with hostname"
            r"|could not translate host name|Name does not resolve"
        ),
        "dns lookup of the host name failed, name not resolved",
    ),
    (
        # redis-py's connection error: `Error 111 connecting to localhost:6379. Connection refused.`
        re.compile(r"\bError \d+ connecting to [\w.-]+:\d+\."),
        "redis connection error",
    ),
)


# Exceptions that only carry another across a boundary, with a message that names no problem:
# PySpark's `Py4JJavaError: An error occurred while calling o41.load.` wraps the Java exception
# printed on the lines under it. The failure is the exception carried; the carrier's own name
# and message, the same for every failure it carries, are no evidence of any section.
CARRIERS = {"Py4JJavaError": re.compile(r"^An error occurred while calling \S+$")}


def carried(failure: Failure) -> Failure:
    """The failure as the exception it carries (`DeltaAnalysisException: ... is not a Delta
    table` under a `Py4JJavaError`), or itself when it carries none or none is shown."""
    short = failure.error_type.rsplit(".", 1)[-1]
    pattern = CARRIERS.get(short)
    # pytest writes the whole of str(exception) into the message: for Py4J, the Java trace too
    first_line = (_own_message(failure).strip().splitlines() or [""])[0]
    if pattern is None or not pattern.match(first_line.strip()):
        return failure
    own = re.compile(rf"(?:[\w.]+\.)?{short}:\s*(.*)")
    kept = []  # the traceback without the carrier's own line, which would match as before
    for line in failure.details.splitlines():
        mine = own.match(_unmargined(line))
        if not (mine and pattern.match(mine[1].strip())):
            kept.append(line)
    for line in kept[:200]:
        found = EXCEPTION_LINE.match(_unmargined(line).lstrip(": ").strip())
        if found and found[1].rsplit(".", 1)[-1] != short:
            details = "\n".join(kept)
            return replace(failure, error_type=found[1], message=found[2] or "", details=details)
    return failure


# A wrapper's message that only says which command failed (`docker buildx build --platform
# linux/amd64 exited 1`, `flyway migrate exited 1`): the command is what was run, not what went
# wrong; what it printed, on the lines under the message, is
COMMAND_EXIT = re.compile(
    r"\bexited (?:with (?:code |status )?)?-?\d+\.?$|returned non-zero exit status -?\d+\.?$"
    r"|returned with exit code -?\d+\.?$"
)
OUTPUT_LABEL = re.compile(r"^(?:std(?:err|out)|output):?\s*\n", re.I)


def _what_the_command_printed(failure: Failure) -> Failure:
    """The failure as the output under a command's exit (`stderr:` and its error), when its
    message only names the command that failed and the output is shown."""
    message = _own_message(failure).strip()
    if "\n" in message or not COMMAND_EXIT.search(message):
        return failure
    printed = OUTPUT_LABEL.sub("", _continued(failure).strip())
    if not re.search(r"[A-Za-z]{3}", printed):
        return failure
    # the traceback without the wrapper's own line, which would match as the message did
    kept = [line for line in failure.details.splitlines() if message not in line]
    return replace(failure, message=printed, details="\n".join(kept))


# urllib3's MaxRetryError, which requests and every client built on it raise for any connection
# that failed: `HTTPSConnectionPool(host=..., port=443): Max retries exceeded with url: /x
# (Caused by ConnectTimeoutError(<...HTTPSConnection object at 0x7f>, 'Connection to x timed
# out. (connect timeout=10)'))`. The cause is in the brackets a gist leaves out.
CAUSED_BY = re.compile(r"Max retries exceeded\b.*?\(Caused by (\w+)\((.*)\)\)", re.S)
PY_STRING = re.compile(r"'((?:[^'\\]|\\.)+)'|\"((?:[^\"\\]|\\.)+)\"")
OBJECT_REPR = re.compile(r"^<[^<>]*>:?\s*")


def retries_cause(message: str) -> str:
    """The error a retrying client gave up on (`ConnectTimeoutError: Connection to x timed out.
    (connect timeout=10)`), or the message itself when it is no such wrapper."""
    found = CAUSED_BY.search(message.split("\n", 1)[0])
    if found is None:
        return message
    said = [OBJECT_REPR.sub("", a or b) for a, b in PY_STRING.findall(found[2])]
    said = [text for text in said if re.search(r"[A-Za-z]{3}", text)]
    return f"{found[1]}: {said[-1]}" if said else found[1]


NO_CLOSE_FRAME = re.compile(r"no close frame received or sent(?! \(1006\))")


def known_meanings(failure: Failure) -> list[str]:
    """The meanings of the well-known messages a failure shows, matched like its own words."""
    text = f"{failure.message[:2000]}\n{failure.details[:2000]}"
    return [meaning for pattern, meaning in KNOWN_MEANINGS if pattern.search(text)]


def _views(failure: Failure, patterns: Iterable[LogPattern]) -> list[str]:
    """The texts one failure is matched by: its root exception and message alone; that with
    the traceback; and each exception or log line of the traceback alone. A captured log line
    can name the cause while the assertion says only `assert 400 == 200`, and a long traceback
    would otherwise drown a precise message in file paths."""
    root = head = f"{failure.error_type}: {_own_message(failure)}"
    if NO_CLOSE_FRAME.search(head):
        # the websockets library's words for close code 1006, which a runbook names by number
        head = f"{head} (1006)"
    if wrapper := _library_wrapper(failure):
        # the root is the operating system's (`ConnectionRefusedError: [Errno 111] Connection
        # refused`): the library that wraps it says which service refused; read alone, the
        # root is any service's
        head = f"{head}\n{wrapper}"
    for pattern in patterns:
        # "[timestamp]" and the like stand for any text in the team's log patterns
        regex = re.sub(r"\\\[[^\]]*\\\]", ".*", re.escape(pattern.pattern))
        if re.search(regex, f"{head}\n{failure.details[:2000]}"):
            head = f"{pattern.pattern} {pattern.name or ''} {head}"
            break
    views = [head, f"{head}\n{failure.details[:2000]}"]
    if continued := _continued(failure):
        views.append(f"{head}\n{continued}")
    after_frame = False
    for line in map(_unmargined, failure.details[:20_000].splitlines()):
        code = after_frame or line.startswith((">", "raise "))
        after_frame = bool(FRAME_LINE.match(line))
        if code:
            continue  # a traceback's source line (`raise CommandError('...')`): code, no cause
        if LOCATION_LINE.match(line):
            continue  # pytest's `path.py:222: ApiException`: the words of a path, no cause
        if wrapper and line == root:
            continue
        if len(line) > 20 and CAUSE_LINE.search(line) and line not in views:
            views.append(line)
    return views[:50]


def _unmargined(line: str) -> str:
    """A traceback line without its indentation and pytest's `E ` margin."""
    return line.strip().removeprefix("E ").strip()


def _library_wrapper(failure: Failure) -> str:
    """The first exception a library raised from a built-in root (`redis.exceptions.
    ConnectionError: Error 111 connecting to localhost:6379` over `ConnectionRefusedError`), or
    "" when the root is not built-in or nothing wraps it."""
    if failure.error_type not in BUILTIN_NAMES or not CHAIN.search(failure.details):
        return ""
    for block in CHAIN.split(failure.details)[1:]:
        for name, message in EXCEPTION_LINE.findall(block):
            if "." in name and name.rsplit(".", 1)[-1] != failure.error_type:
                return f"{name}: {message}"
    return ""


def _label(name: str) -> str:
    return name[:50]


def group(failures: Iterable[Failure]) -> dict[str, list[Failure]]:
    """Failures by fingerprint: a retried test is one issue."""
    groups: dict[str, list[Failure]] = {}
    for failure in failures:
        groups.setdefault(fingerprint(failure), []).append(failure)
    return groups


def plan(
    failures: Iterable[Failure],
    links: Links,
    *,
    labels: Iterable[str] = (),
    patterns: Iterable[LogPattern] = (),
    existing: dict[str, tuple[int, str]] | None = None,  # fingerprint -> (number, state)
    cap: int = 10,
) -> list[Planned]:
    existing = existing or {}
    planned: list[Planned] = []
    created = 0
    for key, items in group(failures).items():
        first = carried(items[0])
        resolution = None
        if first.rule:
            explicit = links.explicit(first.rule)
            resolution = explicit if explicit and explicit.url else None
        if resolution is None:
            # the exception's name, found whole on a runbook's symptom line, is strong evidence
            # the class's own name too: a runbook writes `ServerSelectionTimeoutError`, a
            # traceback `pymongo.errors.ServerSelectionTimeoutError`
            names = tuple(dict.fromkeys([first.error_type, first.error_type.rsplit(".", 1)[-1]]))
            # a setting a runbook names, written or spelled out in the message ("No Google
            # Client ID found"), is what failed; one that several sections name (`SERVICE_ID`
            # in its own section and the index's) lifts them all, so it counts only when the
            # words alone link nothing
            settings = links.settings_named(_own_message(first))
            distinct = tuple(name for name, sections in settings.items() if sections == 1)
            # a wrapper naming only the command that failed is matched by what it printed
            matched = _what_the_command_printed(first)
            resolution = _linked(links, matched, patterns, (*names, *distinct))
            if resolution is None and len(settings) > len(distinct):
                resolution = _linked(links, matched, patterns, (*names, *settings))
        # labels that tell issues apart: what failed (a test, a log line, a finding) and a
        # severity only where it is not the usual `error` (on every issue it said nothing)
        tags = [BOT_LABEL, *labels, KIND_LABELS.get(first.kind, first.kind)]
        if first.severity != "error":
            tags.append(f"severity:{first.severity}")
        if resolution is not None and resolution.section is not None:
            tags.append(_label(f"runbook:{resolution.section.anchor}"))
        else:
            tags.append(NEEDS_RUNBOOK)
        title = _title(first)
        entry = Planned(key, title, [_label(t) for t in dict.fromkeys(tags)], resolution, items)
        if key in existing:
            number, state = existing[key]
            entry.issue = number
            entry.action = "reopen" if state == "closed" else "comment"
            if entry.action == "reopen":
                entry.labels.append(REGRESSION)
        elif created >= cap:
            entry.action = "capped"
        else:
            created += 1
        planned.append(entry)
    return planned


def _linked(
    links: Links, failure: Failure, patterns: Iterable[LogPattern], phrases: tuple[str, ...]
) -> Resolution | None:
    """The section the failure's views, message and meanings link to, by `phrases` too."""
    return links.for_text(
        _views(failure, patterns),
        phrases,
        messages=[message_gist(retries_cause(_own_message(failure)))],
        meanings=known_meanings(failure),
        min_words=MIN_SHARED_WORDS,
        ignore=FAILURE_BOILERPLATE,
        threshold=FAILURE_THRESHOLD,
    )


KIND_LABELS = {
    "test": "failing-test",
    "fake-test": "fake-test",
    "log": "error-log",
    "finding": "runbook-finding",
    "lint": "lint",
}
LIST_START = re.compile(r"\s*(?:[-*+]|\d+[.)])\s")
TITLE_LENGTH = 100  # what an issue list shows whole
INVISIBLE = re.compile("[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def _title(failure: Failure) -> str:
    """What a person scans in a list of issues: the test (or the log's source, or the rule and
    file) and the root exception once, short, cut only between words, nothing invisible in it
    (titles are plain text: copied, searched, and never rendered)."""
    if failure.kind == "fake-test":
        return _short(f"Suspected fake test: {_subject(failure)}")
    kind = failure.error_type.rsplit(".", 1)[-1] or "Failure"
    message = _own_message(failure).strip()
    message = message.splitlines()[0] if message else ""
    return _short(f"{_subject(failure)}: {kind}" + (f": {message}" if message else ""))


def _continued(failure: Failure) -> str:
    """What a message says on the lines after its exception line (pydantic's `1 validation
    error for Settings` goes on with the field and "Input should be a valid integer"): read
    with the message, apart from the traceback that would drown it."""
    short = failure.error_type.rsplit(".", 1)[-1]
    lines = [_unmargined(line) for line in failure.details.splitlines()]
    starts = [
        i for i, line in enumerate(lines) if re.match(rf"(?:[\w.]+\.)?{re.escape(short)}:", line)
    ]
    if not short or not starts:
        return ""
    after = []
    for line in lines[starts[-1] + 1 : starts[-1] + 1 + CONTINUED_LINES]:
        if not line or CHAIN.match(line) or FRAME_LINE.match(line):
            break
        after.append(line)
    return "\n".join(after)


def _own_message(failure: Failure) -> str:
    """The message without the exception's type that pytest's JUnit writes before it too
    (`AssertionError: assert 403 == 302`), once or more, dotted or not."""
    message = failure.message.lstrip()
    for name in (failure.error_type, failure.error_type.rsplit(".", 1)[-1]):
        while name and message.startswith(f"{name}:"):
            message = message[len(name) + 1 :].lstrip()
    return message


def _subject(failure: Failure) -> str:
    if failure.kind in ("finding", "lint") and failure.path:
        return f"{failure.rule or failure.error_type} in {failure.path}"
    if failure.kind in ("test", "fake-test") and "::" in failure.id:
        module, *_, name = failure.id.split("::")
        return f"{module.rsplit('/', 1)[-1]}::{name}"
    return failure.id


def _short(text: str) -> str:
    text = " ".join(INVISIBLE.sub(" ", text).split())
    if len(text) <= TITLE_LENGTH:
        return text
    cut = text[: TITLE_LENGTH - 1].rsplit(" ", 1)[0].rstrip(" :,;-")
    return f"{cut}\u2026"


def issue_body(
    entry: Planned, *, run_url: str | None, commit: str | None, run_id: str | None = None
) -> str:
    first = entry.failures[0]
    symptom = carried(first)  # what a Py4JJavaError carries, as the title says
    lines = [
        MARKER.format(entry.fingerprint),
        # the run that opens the issue has reported this occurrence: a re-run adds no comment
        *filter(None, [occurrence_marker(entry.fingerprint, run_id)]),
        f"**Symptom**: {inline_code(symptom.error_type)}: {inline_code(symptom.message)}",
    ]
    if entry.runbook is not None and entry.runbook.section is not None:
        fields = whole_fields(entry.runbook.section.body)
        fix = next((fields[label] for label in FIX_LABELS if fields.get(label)), "")
        lines += [f"**Runbook**: [{entry.runbook.section.title}]({entry.runbook.url})"]
        if fix:  # the team's text, whole (a wrapped paragraph, or a list)
            fix = team_text(fix, source=entry.runbook.section.path)
            listed = LIST_START.match(fix)
            lines.append(f"**Fix**:\n\n{fix}" if listed else f"**Fix**: {fix}")
    else:
        lines.append("**Runbook**: no section matches this failure yet (`needs-runbook`).")
    lines += ["", "**Failures**:", *[f"- {inline_code(f.id)}" for f in entry.failures[:20]]]
    if first.details:
        lines += ["", "**Evidence** (root cause first):", code_block(first.details)]
    lines += ["", _run_line(run_url, commit), f"**Occurrences**: {len(entry.failures)} in this run"]
    return "\n".join(lines) + "\n"


def occurrence_marker(fingerprint: str, run_id: str | None) -> str | None:
    """Marks one run's comment on an issue, so that a repeated request or a re-run of the same
    workflow run never comments twice (None outside GitHub Actions: nothing to tell runs by)."""
    return f"<!-- runbook-bot:occurrence={fingerprint}:{run_id} -->" if run_id else None


def recurrence_comment(
    entry: Planned, *, run_url: str | None, commit: str | None, run_id: str | None = None
) -> str:
    lines = [
        f"Seen again: {len(entry.failures)} occurrence{'s' * (len(entry.failures) != 1)}.",
        _run_line(run_url, commit),
    ]
    if entry.action == "reopen":
        lines.insert(0, "**Regression**: this failure came back after the issue was closed.")
    marker = occurrence_marker(entry.fingerprint, run_id)
    if marker:
        lines.append(marker)
    return "\n".join(lines) + "\n"


def _run_line(run_url: str | None, commit: str | None) -> str:
    parts = []
    if run_url:
        parts.append(f"**Run**: {run_url}")
    if commit:
        parts.append(f"**Commit**: {commit}")
    return " · ".join(parts) if parts else "**Run**: (not in GitHub Actions)"
