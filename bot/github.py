"""The only module that talks to GitHub (PyGithub). Methods are named for what the bot needs and
return plain values; a write refused to a read-only token (a fork's pull request) raises
`ReadOnly`, which the commands turn into a job-summary warning.

Faults, in two layers:
- an answer: PyGithub's `GithubRetry` retries 5xx, 429 and secondary rate limits, honouring
  `Retry-After` and the rate-limit reset;
- no answer (the connection dropped, the read timed out): the request may or may not have been
  applied, so urllib3 must not repeat it blindly. `_call` retries reads and writes that are safe
  twice, and before repeating a create it looks for what it would create by its hidden marker.
Everything the bot sends goes through `hooks.secrets.redact` first: a token or secret in a
failure's text, or the value of `GITHUB_TOKEN` itself, never reaches an issue or a comment.
Writes keep under GitHub's content-creation limits: `seconds_between_writes` (80 a minute) and
the per-run cap on new issues (500 an hour). GitHub still failing after the retries raises
`GitHubError`: one line, exit 1, and a second run picks up where the first stopped.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from github import Auth, Github, GithubException, GithubRetry
from github.Repository import Repository

from runbook_guard.hooks.errors import FatalError
from runbook_guard.hooks.secrets import redact

WRITE_INTERVAL = 0.8  # seconds: 75 writes a minute at most, under the limit of 80
TIMEOUT = 15.0  # seconds for one request; RUNBOOK_BOT_TIMEOUT overrides
ATTEMPTS = 4  # for a request that got no answer
BACKOFF = 1.0  # seconds before the first repeat, doubling; RUNBOOK_BOT_BACKOFF overrides

RETRIED_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PATCH", "PUT", "DELETE"})

_T = TypeVar("_T")


class ReadOnly(Exception):
    """The token may not write here (a fork's pull request, a read-only permission)."""


class GitHubError(FatalError):
    """GitHub did not answer, or refused, after the retries."""


@dataclass(frozen=True)
class Comment:
    id: int
    body: str


def _refused(error: GithubException) -> bool:
    message = str(getattr(error, "data", "") or error)
    return error.status == 403 and "rate limit" not in message.lower()


def _seconds(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name) or default)
    except ValueError:
        return default


class GitHub:
    def __init__(
        self,
        token: str,
        api_url: str,
        repository: str,
        *,
        write_interval: float | None = None,
        timeout: float | None = None,
        backoff: float | None = None,
    ) -> None:
        if timeout is None:
            timeout = _seconds("RUNBOOK_BOT_TIMEOUT", TIMEOUT)
        if backoff is None:
            backoff = _seconds("RUNBOOK_BOT_BACKOFF", BACKOFF)
        if write_interval is None:
            write_interval = _seconds("RUNBOOK_BOT_WRITE_INTERVAL", WRITE_INTERVAL)
        self.client = Github(
            auth=Auth.Token(token),
            base_url=api_url.rstrip("/"),
            # read=0: a request that got no answer comes back to `_call`, which knows whether
            # repeating it is safe (urllib3 would repeat a create that may have been applied).
            # PATCH joins the methods retried on 5xx/429: our edits set a whole body or state.
            retry=GithubRetry(
                total=6,
                read=0,
                backoff_factor=backoff / 2,
                allowed_methods=RETRIED_METHODS,
            ),
            timeout=max(1, round(timeout)),  # whole seconds: PyGithub insists
            seconds_between_requests=0,
            seconds_between_writes=write_interval,
            per_page=100,
            lazy=True,  # no GET of an object we only need to act on: fewer calls
        )
        self.backoff = backoff
        self.repository = repository
        self._repo: Repository | None = None

    @property
    def repo(self) -> Repository:
        if self._repo is None:
            self._repo = self.client.get_repo(self.repository)
        return self._repo

    def _call(
        self,
        what: str,
        action: Callable[[], _T],
        *,
        applied: Callable[[], _T | None] | None = None,
    ) -> _T:
        """`action`, repeated when it got no answer. `applied` says, for a create, whether the
        unanswered attempt went through after all (found by its marker): then it is not made
        twice."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return action()
            except requests.exceptions.RetryError:
                # urllib3 has retried the 5xx/429 answers already, with backoff
                raise GitHubError(
                    f"{what}: GitHub kept answering with errors; run again, the bot picks up "
                    "where it stopped"
                ) from None
            except requests.RequestException as error:
                if attempt == ATTEMPTS:
                    raise GitHubError(
                        f"{what}: no answer from GitHub after {ATTEMPTS} attempts "
                        f"({type(error).__name__}); run again, the bot picks up where it stopped"
                    ) from None
            except GithubException as error:
                if _refused(error):
                    raise ReadOnly(str(error)) from error
                message = (getattr(error, "data", None) or {}).get("message", "") or str(error)
                raise GitHubError(
                    f"{what}: GitHub answered {error.status} ({message}); run again, the bot "
                    "picks up where it stopped"
                ) from None
            time.sleep(self.backoff * 2 ** (attempt - 1))
            if applied is not None:
                done = applied()
                if done is not None:
                    return done
        raise AssertionError("unreachable")

    # pull requests
    def pull_head(self, number: int) -> tuple[str, str]:
        pull = self._call("read the pull request", lambda: self.repo.get_pull(number))
        return pull.head.sha, pull.base.ref

    def pull_files(self, number: int) -> list[str]:
        return self._call(
            "list the changed files",
            lambda: [f.filename for f in self.repo.get_pull(number).get_files()],
        )

    def read_file(self, path: str, ref: str) -> str | None:
        def read() -> Any:
            try:
                return self.repo.get_contents(path, ref=ref)
            except GithubException as error:
                if error.status == 404:
                    return None
                raise

        content = self._call(f"read {path}", read)
        if content is None or isinstance(content, list):
            return None
        return base64.b64decode(content.content).decode("utf-8", "replace")

    # comments
    def comments(self, number: int, marker: str) -> list[Comment]:
        return self._call(
            "list the comments",
            lambda: [
                Comment(c.id, c.body)
                for c in self.repo.get_issue(number).get_comments()
                if marker in (c.body or "")
            ],
        )

    def comment(self, number: int, body: str, *, marker: str | None = None) -> int:
        """Comment once: with a `marker`, a comment that already carries it counts as made."""

        def applied() -> int | None:
            if marker is None:
                return None
            found = self.comments(number, marker)
            return found[0].id if found else None

        return self._call(
            "comment",
            lambda: self.repo.get_issue(number).create_comment(redact(body)).id,
            applied=applied,
        )

    def edit_comment(self, number: int, comment_id: int, body: str) -> None:
        self._call(
            "edit the comment",
            lambda: self.repo.get_issue(number).get_comment(comment_id).edit(redact(body)),
        )

    def delete_comment(self, number: int, comment_id: int) -> None:
        def delete() -> None:
            try:
                self.repo.get_issue(number).get_comment(comment_id).delete()
            except GithubException as error:
                if error.status != 404:  # gone already: a dropped answer to our own delete
                    raise

        self._call("delete a duplicate comment", delete)

    def set_status(
        self, sha: str, state: str, description: str, context: str, target_url: str | None
    ) -> None:
        kwargs = {"state": state, "description": description[:140], "context": context}
        if target_url:
            kwargs["target_url"] = target_url
        # made twice, a status is the same status: GitHub shows the latest per context
        self._call(
            "set the commit status", lambda: self.repo.get_commit(sha).create_status(**kwargs)
        )

    # issues
    def bot_issues(self, label: str) -> list[tuple[int, str, str]]:
        """(number, state, body) of every issue with the bot's label, open and closed."""
        return self._call(
            "list the bot's issues",
            lambda: [
                (i.number, i.state, i.body or "")
                for i in self.repo.get_issues(state="all", labels=[label])
            ],
        )

    def issues_with(self, label: str, marker: str) -> list[tuple[int, str]]:
        """(number, state) of the issues with `label` whose body carries `marker`, oldest first:
        when racing runs filed one twice, the oldest is the one."""
        return sorted((n, state) for n, state, body in self.bot_issues(label) if marker in body)

    def ensure_labels(self, names: list[str]) -> None:
        existing = set(self._call("list labels", lambda: [x.name for x in self.repo.get_labels()]))
        for name in names:
            if name not in existing:
                self._call(f"create the label {name}", lambda name=name: self._create_label(name))

    def _create_label(self, name: str) -> None:
        try:
            self.repo.create_label(name, "ededed")
        except GithubException as error:
            if error.status != 422:  # created meanwhile, by a concurrent run or a dropped answer
                raise

    def create_issue(
        self, title: str, body: str, labels: list[str], *, marker: str, label: str
    ) -> int:
        """Open an issue once: an issue with the bot's `label` whose body carries `marker`
        already counts as opened."""

        def applied() -> int | None:
            found = self.issues_with(label, marker)
            return found[0][0] if found else None

        return self._call(
            "open an issue",
            lambda: (
                self.repo.create_issue(title=redact(title), body=redact(body), labels=labels).number
            ),
            applied=applied,
        )

    def reopen(self, number: int, labels: list[str]) -> None:
        def reopen() -> None:
            issue = self.repo.get_issue(number)
            issue.edit(state="open", labels=sorted({*[x.name for x in issue.labels], *labels}))

        self._call("reopen the issue", reopen)

    def close_as_duplicate(self, number: int, original: int) -> None:
        """Close an issue a racing run filed twice, pointing at the one that stays."""
        self.comment(number, f"Duplicate of #{original}: two runs filed this failure at once.")

        def close() -> None:
            self.repo.get_issue(number).edit(state="closed", state_reason="duplicate")

        self._call("close the duplicate issue", close)
