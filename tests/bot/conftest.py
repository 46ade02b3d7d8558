"""`github_api`: a local GitHub API held to GitHub's OpenAPI description."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers import need_shared


@pytest.fixture
def github_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    need_shared()
    from tests.github_api.server import GitHubAPI

    with GitHubAPI() as api:
        monkeypatch.setenv("GITHUB_API_URL", api.url)
        monkeypatch.setenv("GITHUB_TOKEN", "ghs_test_token_not_real")
        monkeypatch.setenv("GITHUB_REPOSITORY", "acme/app")
        monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
        monkeypatch.setenv("GITHUB_RUN_ID", "42")
        monkeypatch.setenv("GITHUB_SHA", "a" * 40)
        # a local server has no content-creation limit, and faults should cost no waiting
        monkeypatch.setenv("RUNBOOK_BOT_WRITE_INTERVAL", "0")
        monkeypatch.setenv("RUNBOOK_BOT_BACKOFF", "0.01")
        # no test on this server plans a timeout (tests/bot/test_faults.py has its own, with a
        # 1 s client timeout): a loaded CI machine may take over a second to validate an answer
        monkeypatch.setenv("RUNBOOK_BOT_TIMEOUT", "10")
        yield api
        assert not api.violations, "\n".join(api.violations)
