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
        yield api
        assert not api.violations, "\n".join(api.violations)
