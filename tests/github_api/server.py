"""A local GitHub API for the bot's tests, held to GitHub's own OpenAPI description.

Every request must match a documented operation (path template and method) and carry a body
valid against its `requestBody` schema; every response the server returns is validated against
the operation's schema for that status. Violations are collected in `.violations`, and the
`github_api` fixture fails the test on any. Objects are built from the description's own
examples, so they carry every field GitHub's clients expect. State (issues, comments, labels,
statuses, pull requests, file contents) lives in memory; faults are injected on demand.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.helpers import SHARED_DATA

SPEC_PATH = SHARED_DATA / "openapi" / "api.github.com.json"
SPEC_URI = "urn:github-openapi"


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` as JSON Schema: the type also admits null."""
    if isinstance(node, dict):
        node = {k: _nullable(v) for k, v in node.items()}
        if node.pop("nullable", False):
            if "type" in node:
                types = node["type"] if isinstance(node["type"], list) else [node["type"]]
                node["type"] = [*types, "null"]
            elif "$ref" in node or "allOf" in node or "oneOf" in node or "anyOf" in node:
                node = {"anyOf": [node, {"type": "null"}]}
        if "enum" in node and "null" in (node.get("type") or []):
            node["enum"] = [*node["enum"], None]
        return node
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


@cache
def spec() -> dict[str, Any]:
    return _nullable(json.loads(SPEC_PATH.read_text()))


@cache
def registry() -> Registry:
    return Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec(), default_specification=DRAFT7)
    )


@cache
def routes() -> list[tuple[str, re.Pattern[str], str]]:
    table = []
    for template, methods in spec()["paths"].items():
        regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if template.endswith("{path}"):
            regex = regex[: -len("[^/]+")] + ".+"
        for method in methods:
            if method in ("get", "post", "patch", "put", "delete"):
                table.append((method.upper(), re.compile(f"^{regex}$"), template))
    # the most specific template first: fewer parameters win
    table.sort(key=lambda r: (r[2].count("{"), -len(r[2])))
    return table


def operation(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    for verb, regex, template in routes():
        if verb == method and regex.match(path):
            return template, spec()["paths"][template][method.lower()]
    return None


@cache
def _validator(schema_json: str) -> jsonschema.Draft7Validator:
    # one validator per schema: building one (and resolving its references into the 10 MB
    # description) costs more than the request it checks
    return jsonschema.Draft7Validator(json.loads(schema_json), registry=registry())


def _schema_errors(instance: Any, schema: dict[str, Any]) -> list[str]:
    validator = _validator(json.dumps(schema, sort_keys=True))
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in validator.iter_errors(instance)
    ][:5]


def _with_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema whose `#/...` references point into the registered description."""
    text = json.dumps(schema).replace('"#/components/', f'"{SPEC_URI}#/components/')
    return json.loads(text)


def example(name: str) -> Any:
    return copy.deepcopy(spec()["components"]["examples"][name]["value"])


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int | None  # None: reset the connection
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0


# What can happen to one request (`GitHubAPI.fault_at`):
FAULT_KINDS = (
    "500",  # a server error, nothing applied
    "502",  # a bad gateway, nothing applied
    "429",  # too many requests, with Retry-After
    "secondary",  # 403 secondary rate limit, with Retry-After
    "reset",  # the connection drops before the request is applied
    "applied-reset",  # the request is applied, then the connection drops before the answer
    "timeout",  # the answer comes after the client's timeout (the request is applied)
)
SECONDARY_LIMIT = {
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before "
    "you try again.",
    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
}


class GitHubAPI:
    """Start with `with GitHubAPI() as api:`; `api.url` is the base URL for PyGithub."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.requests: list[dict[str, Any]] = []
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self.faults_at: dict[int, str] = {}  # request index (0-based) -> a FAULT_KINDS entry
        # request index -> what happens elsewhere just before it is served (another run...)
        self.before_request: dict[int, Callable[[], None]] = {}
        self.timeout_delay = 1.0  # how late a "timeout" answer comes: above the client's timeout
        self.read_only = False
        self._ids = 5000
        self.pulls: dict[tuple[str, int], dict[str, Any]] = {}
        self.contents: dict[tuple[str, str, str], str] = {}
        self._issues: dict[str, dict[int, dict[str, Any]]] = {}
        self._comments: dict[str, dict[int, dict[str, Any]]] = {}
        self._labels: dict[str, dict[str, dict[str, Any]]] = {}
        self._statuses: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> GitHubAPI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # seeding and reading back
    def next_id(self) -> int:
        with self.lock:
            self._ids += 1
            return self._ids

    def add_pull(
        self, repo: str, number: int, head_sha: str, files: list[str], base_ref: str = "main"
    ) -> None:
        self.pulls[(repo, number)] = {"head": head_sha, "base": base_ref, "files": list(files)}
        self._issues.setdefault(repo, {})[number] = self._issue_object(
            repo, number, f"PR {number}", "", []
        )

    def add_content(self, repo: str, path: str, text: str, ref: str = "main") -> None:
        self.contents[(repo, path, ref)] = text

    def issues(self, repo: str) -> list[dict[str, Any]]:
        return [i for i in self._issues.get(repo, {}).values() if "pull_request" not in i]

    def comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        return [
            c
            for c in self._comments.get(repo, {}).values()
            if c["issue_url"].endswith(f"/issues/{number}")
        ]

    def labels(self, repo: str) -> list[str]:
        return sorted(self._labels.get(repo, {}))

    def statuses(self, repo: str, sha: str) -> list[dict[str, Any]]:
        return list(self._statuses.get((repo, sha), []))

    def writes(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] in ("POST", "PATCH", "PUT", "DELETE")]

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> None:
        self.faults.append(Fault(method, re.compile(path), status, times, headers or {}, body))

    def fault_at(self, index: int, kind: str) -> None:
        """The `index`-th request from now on (counting every request) meets `kind`."""
        assert kind in FAULT_KINDS, kind
        self.faults_at[len(self.requests) + index] = kind

    def state(self, repo: str) -> dict[str, Any]:
        """What a run leaves behind that a person sees: issues (title, state, labels, comment
        bodies), the comments on pull requests, labels and commit statuses."""
        issues = sorted(
            (
                i["title"],
                i["state"],
                tuple(sorted(label["name"] for label in i["labels"])),
                tuple(c["body"] for c in self.comments(repo, i["number"])),
            )
            for i in self.issues(repo)
        )
        pulls = {
            number: tuple(c["body"] for c in self.comments(repo, number))
            for (r, number) in self.pulls
            if r == repo
        }
        statuses = {
            sha: [(x["state"], x["context"]) for x in found][-1:]
            for (r, sha), found in self._statuses.items()
            if r == repo
        }
        return {"issues": issues, "pulls": pulls, "labels": self.labels(repo), "statuses": statuses}

    def reset_connection(self, method: str, path: str, *, times: int = 1) -> None:
        self.faults.append(Fault(method, re.compile(path), None, times))

    def tick(self, repo: str, comment_id: int, text: str) -> None:
        """A person ticks a box in the bot's comment (by the item's text)."""
        comment = self._comments[repo][comment_id]
        comment["body"] = re.sub(
            rf"- \[ \] ({re.escape(text)})", r"- [x] \1", comment["body"], count=1
        )

    # objects, from the description's own examples
    def _issue_object(
        self, repo: str, number: int, title: str, body: str, labels: list[str]
    ) -> dict[str, Any]:
        issue = example("issue")
        base = f"{self.url}/repos/{repo}"
        issue.update(
            id=self.next_id(),
            number=number,
            title=title,
            body=body,
            state="open",
            state_reason=None,
            url=f"{base}/issues/{number}",
            comments_url=f"{base}/issues/{number}/comments",
            html_url=f"https://github.com/{repo}/issues/{number}",
            closed_at=None,
            comments=0,
            labels=[self._label(repo, name) for name in labels],
            repository_url=base,
        )
        issue.pop("pull_request", None)
        return issue

    def _label(self, repo: str, name: str) -> dict[str, Any]:
        labels = self._labels.setdefault(repo, {})
        if name not in labels:
            label = example("label")
            label.update(id=self.next_id(), name=name, url=f"{self.url}/repos/{repo}/labels/{name}")
            labels[name] = label
        return labels[name]


def _page(
    items: list[Any], query: dict[str, list[str]], url: str
) -> tuple[list[Any], dict[str, str]]:
    per_page = min(int(query.get("per_page", ["30"])[0]), 100)
    page = int(query.get("page", ["1"])[0])
    last = max(1, -(-len(items) // per_page))
    links = []
    base = re.sub(r"[?&]page=\d+", "", url)
    sep = "&" if "?" in base else "?"
    if page < last:
        links += [
            f'<{base}{sep}page={page + 1}>; rel="next"',
            f'<{base}{sep}page={last}>; rel="last"',
        ]
    if page > 1:
        links += [f'<{base}{sep}page={page - 1}>; rel="prev"', f'<{base}{sep}page=1>; rel="first"']
    return items[(page - 1) * per_page : page * per_page], (
        {"Link": ", ".join(links)} if links else {}
    )


def _handler(api: GitHubAPI) -> type[BaseHTTPRequestHandler]:
    from tests.github_api.routes import handle

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body go out in two writes: without TCP_NODELAY the client's delayed ACK
        # holds every answer back 40 ms
        disable_nagle_algorithm = True

        def log_message(self, *args: object) -> None:  # keep test output clean
            return

        def _serve(self) -> None:
            split = urlsplit(self.path)
            path, query = unquote(split.path), parse_qs(split.query)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            record = {
                "method": self.command,
                "path": path,
                "query": query,
                "json": body,
                "time": time.monotonic(),
            }
            with api.lock:
                api.requests.append(record)
                planned = api.faults_at.pop(len(api.requests) - 1, None)
                meanwhile = api.before_request.pop(len(api.requests) - 1, None)
            if meanwhile is not None:
                meanwhile()
            found = operation(self.command, path)
            if found is None:
                api.violations.append(f"undocumented operation: {self.command} {path}")
                return self._send(
                    404,
                    {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
                )
            template, op = found
            request_schema = (
                op.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema")
            )
            if request_schema is not None and body is not None:
                for error in _schema_errors(body, _with_refs(request_schema)):
                    api.violations.append(
                        f"{self.command} {template}: invalid request body: {error}"
                    )
            if (
                not (self.headers.get("Authorization") or "")
                .lower()
                .startswith(("token ", "bearer "))
            ):
                return self._send(
                    401,
                    {
                        "message": "Requires authentication",
                        "documentation_url": "https://docs.github.com/rest",
                    },
                )
            for fault in api.faults:
                if fault.times > 0 and fault.method == self.command and fault.path.search(path):
                    fault.times -= 1
                    if fault.status is None:
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return None
                    return self._send(
                        fault.status,
                        fault.body or {"message": "Server Error"},
                        fault.headers,
                        validate=None,
                    )
            if planned in ("500", "502"):
                return self._send(int(planned), {"message": "Server Error"}, validate=None)
            if planned == "429":
                return self._send(429, {"message": "Too Many Requests"}, {"Retry-After": "0"})
            if planned == "secondary":
                return self._send(403, SECONDARY_LIMIT, {"Retry-After": "0"}, validate=None)
            if planned == "reset":
                return self._drop()
            if api.read_only and self.command != "GET":
                return self._refuse(template, op)
            with api.lock:
                status, payload, headers = handle(
                    api, self.command, template, path, query, body, self.path
                )
            if planned == "applied-reset":
                return self._drop()
            if planned == "timeout":
                time.sleep(api.timeout_delay)
            return self._send(status, payload, headers, validate=(template, op))

        def _drop(self) -> None:
            self.close_connection = True
            self.connection.shutdown(2)

        def _refuse(self, template: str, op: dict[str, Any]) -> None:
            # GitHub answers every write of a read-only token so, whether the description lists
            # 403 for the operation or not; the body is held to its `basic-error` schema.
            refusal = {
                "message": "Resource not accessible by integration",
                "documentation_url": "https://docs.github.com/rest",
            }
            basic_error = {"$ref": f"{SPEC_URI}#/components/schemas/basic-error"}
            for error in _schema_errors(refusal, basic_error):
                api.violations.append(f"read-only refusal: {error}")
            documented = "403" in op["responses"]
            return self._send(403, refusal, validate=(template, op) if documented else None)

        def _send(
            self,
            status: int,
            payload: Any,
            headers: dict[str, str] | None = None,
            validate: tuple[str, dict[str, Any]] | None = None,
        ) -> None:
            if validate is not None and payload is not None:
                template, op = validate
                response = op["responses"].get(str(status)) or op["responses"].get("default")
                if response is None:
                    api.violations.append(
                        f"{self.command} {template}: undocumented status {status}"
                    )
                else:
                    if "$ref" in response:
                        response = spec()["components"]["responses"][
                            response["$ref"].rsplit("/", 1)[-1]
                        ]
                    schema = response.get("content", {}).get("application/json", {}).get("schema")
                    if schema is not None:
                        for error in _schema_errors(payload, _with_refs(schema)):
                            api.violations.append(
                                f"{self.command} {template} {status}: invalid response: {error}"
                            )
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in {
                "X-RateLimit-Limit": "5000",
                "X-RateLimit-Remaining": "4999",
                "X-RateLimit-Reset": "4102444800",
                "X-RateLimit-Used": "1",
                "X-RateLimit-Resource": "core",
                **(headers or {}),
            }.items():
                self.send_header(key, value)
            try:
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up waiting (a "timeout" fault)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    return Handler


def content_object(api: GitHubAPI, repo: str, path: str, text: str) -> dict[str, Any]:
    item = example("content-file")
    data = text.encode()
    item.update(
        name=path.rsplit("/", 1)[-1],
        path=path,
        size=len(data),
        encoding="base64",
        content=base64.b64encode(data).decode(),
        url=f"{api.url}/repos/{repo}/contents/{path}",
    )
    return item
