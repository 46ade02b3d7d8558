"""The only module that talks to GitHub (PyGithub). Methods are named for what the bot needs and
return plain values; a write refused to a read-only token (a fork's pull request) raises
`ReadOnly`, which the commands turn into a job-summary warning.

Retries: PyGithub's `GithubRetry` retries 5xx, 429 and secondary rate limits, honouring
`Retry-After` and the rate-limit reset; `seconds_between_writes` keeps writes under GitHub's
content-creation limits (80 a minute).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from github import Auth, Github, GithubException, GithubRetry
from github.Repository import Repository

WRITE_INTERVAL = 0.8  # seconds: 75 writes a minute at most, under the limit of 80


class ReadOnly(Exception):
    """The token may not write here (a fork's pull request, a read-only permission)."""


@dataclass(frozen=True)
class Comment:
    id: int
    body: str


def _refused(error: GithubException) -> bool:
    message = str(getattr(error, "data", "") or error)
    return error.status == 403 and "rate limit" not in message.lower()


class GitHub:
    def __init__(
        self, token: str, api_url: str, repository: str, *, write_interval: float = WRITE_INTERVAL
    ) -> None:
        self.client = Github(
            auth=Auth.Token(token),
            base_url=api_url.rstrip("/"),
            retry=GithubRetry(total=6, backoff_factor=0.5),
            seconds_between_requests=0,
            seconds_between_writes=write_interval,
            per_page=100,
            lazy=True,  # no GET of an object we only need to act on: fewer calls
        )
        self.repository = repository
        self._repo: Repository | None = None

    @property
    def repo(self) -> Repository:
        if self._repo is None:
            self._repo = self.client.get_repo(self.repository)
        return self._repo

    def _write(self, action, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return action(*args, **kwargs)
        except GithubException as error:
            if _refused(error):
                raise ReadOnly(str(error)) from error
            raise

    # pull requests
    def pull_head(self, number: int) -> tuple[str, str]:
        pull = self.repo.get_pull(number)
        return pull.head.sha, pull.base.ref

    def pull_files(self, number: int) -> list[str]:
        return [f.filename for f in self.repo.get_pull(number).get_files()]

    def read_file(self, path: str, ref: str) -> str | None:
        try:
            content = self.repo.get_contents(path, ref=ref)
        except GithubException as error:
            if error.status == 404:
                return None
            raise
        if isinstance(content, list):
            return None
        return base64.b64decode(content.content).decode("utf-8", "replace")

    # comments
    def comments(self, number: int, marker: str) -> list[Comment]:
        issue = self.repo.get_issue(number)
        return [Comment(c.id, c.body) for c in issue.get_comments() if marker in (c.body or "")]

    def comment(self, number: int, body: str) -> int:
        return self._write(self.repo.get_issue(number).create_comment, body).id

    def edit_comment(self, number: int, comment_id: int, body: str) -> None:
        comment = self.repo.get_issue(number).get_comment(comment_id)
        self._write(comment.edit, body)

    def delete_comment(self, number: int, comment_id: int) -> None:
        self._write(self.repo.get_issue(number).get_comment(comment_id).delete)

    def set_status(
        self, sha: str, state: str, description: str, context: str, target_url: str | None
    ) -> None:
        commit = self.repo.get_commit(sha)
        kwargs = {"state": state, "description": description[:140], "context": context}
        if target_url:
            kwargs["target_url"] = target_url
        self._write(commit.create_status, **kwargs)

    # issues
    def bot_issues(self, label: str) -> list[tuple[int, str, str]]:
        """(number, state, body) of every issue with the bot's label, open and closed."""
        return [
            (i.number, i.state, i.body or "")
            for i in self.repo.get_issues(state="all", labels=[label])
        ]

    def ensure_labels(self, names: list[str]) -> None:
        existing = {label.name for label in self.repo.get_labels()}
        for name in names:
            if name not in existing:
                try:
                    self._write(self.repo.create_label, name, "ededed")
                except GithubException as error:
                    if error.status != 422:  # created meanwhile by a concurrent run
                        raise

    def create_issue(self, title: str, body: str, labels: list[str]) -> int:
        return self._write(self.repo.create_issue, title=title, body=body, labels=labels).number

    def reopen(self, number: int, labels: list[str]) -> None:
        issue = self.repo.get_issue(number)
        self._write(
            issue.edit,
            state="open",
            labels=sorted({*[label.name for label in issue.labels], *labels}),
        )
