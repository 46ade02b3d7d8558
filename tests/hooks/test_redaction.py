"""`hooks.secrets.redact`: every secret family of the well-known scanners' rules is cut, the
values of secret-named environment variables and GITHUB_TOKEN are cut wherever they appear, and
ordinary failure text is left alone. The example tokens are built here, never real ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runbook_guard.hooks.secrets import MASK, RULES, _may_hold_secret, redact, rule_of
from tests.helpers import commit, guard, stage, write

ALNUM = "aB3dE5gH7jK9mN1pQ2sT4vW6yZ8"


def token(length: int, alphabet: str = ALNUM) -> str:
    return (alphabet * (length // len(alphabet) + 1))[:length]


SECRETS = {
    "github-token": f"ghp_{token(36)}",
    "github-fine-grained-pat": f"github_pat_{token(82, ALNUM + '_')}",
    "gitlab-pat": f"glpat-{token(20)}",
    "aws-access-key": "AKIA" + token(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
    "aws-secret-key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + token(10),
    "slack-token": f"xoxb-123456789012-{token(24)}",
    "slack-webhook": f"https://hooks.slack.com/services/{token(40)}",
    "gcp-api-key": f"AIza{token(35)}",
    "jwt": f"eyJ{token(20)}.eyJ{token(30)}.{token(25)}",
    "stripe-key": f"sk_live_{token(24)}",
    "npm-token": f"npm_{token(36)}",
    "pypi-token": f"pypi-AgEIcHlwaS5vcmc{token(60)}",
    "openai-key": f"sk-proj-{token(24)}T3BlbkFJ{token(24)}",
    "private-key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
}


@pytest.mark.parametrize("rule", sorted(SECRETS))
def test_each_family_is_found_and_cut(rule: str) -> None:
    secret = SECRETS[rule]
    text = f"E   AssertionError: request failed with {secret} (status 401)"
    assert rule in rule_of(text)
    cleaned = redact(text, environ={})
    assert secret not in cleaned and MASK in cleaned
    assert cleaned.startswith("E   AssertionError: request failed with ")


@pytest.mark.parametrize(
    ("text", "kept", "cut"),
    [
        ("postgres://admin:hunter2pass@db:5432/app", "postgres://admin:", "hunter2pass"),
        ("Authorization: Bearer abcdefghijklmnop1234", "Authorization: Bearer ", "abcdefghij"),
        ('password = "s3cr3t-value"', "password = ", "s3cr3t-value"),
        ("API_KEY: q8w7e6r5t4y3", "API_KEY: ", "q8w7e6r5t4y3"),
        # a key block on one line, its newlines escaped (env files, service-account JSON)
        (
            "PRIVATE_KEY=-----BEGIN RSA PRIVATE KEY-----\\nMIIEow\\n-----END RSA PRIVATE KEY-----",
            "PRIVATE_KEY=",
            "MIIEow",
        ),
    ],
)
def test_only_the_secret_part_of_an_assignment_or_url_is_cut(
    text: str, kept: str, cut: str
) -> None:
    cleaned = redact(text, environ={})
    assert cleaned.startswith(kept) and cut not in cleaned


def test_secret_named_environment_values_and_the_token_are_cut_whatever_their_shape() -> None:
    environ = {
        "GITHUB_TOKEN": "plain-looking-token-value",
        "DEPLOY_KEY": "correct horse battery staple",
        "DB_PASSWORD": "Tr0ub4dor&3",
        "HOME": "/home/runner",  # not secret by name: kept
        "SHORT_SECRET": "abc",  # too short to cut everywhere
    }
    text = (
        "sent plain-looking-token-value with correct horse battery staple and Tr0ub4dor&3 "
        "from /home/runner (abc)"
    )
    cleaned = redact(text, environ=environ)
    for value in ("plain-looking-token-value", "correct horse battery staple", "Tr0ub4dor&3"):
        assert value not in cleaned
    assert "/home/runner" in cleaned and "(abc)" in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "ValueError: Invalid user_id format: e2e-123 at /app/x.py:12",
        "tests/e2e/test_chat.py::test_reply passed in 0.00s",
        "https://github.com/acme/app/actions/runs/42 · **Commit**: " + "a" * 40,
        "coroutine `bridge.ensure_integration()` is never awaited, so it never runs",
        "oauth-credentials-present: `GOOGLE_CLIENT_SECRET` is empty in .env.production",
        "KeyError: 'token'",
        "<!-- runbook-bot:fingerprint=0123456789ab -->",
        # a test's id: pytest's `::` is no assignment
        "tests/models/test_tokenizer.py::test_load_tokenizer",
        "tests/auth/test_secret_store.py::TestSecretStore::test_rotate",
    ],
)
def test_ordinary_failure_text_is_left_alone(text: str) -> None:
    assert redact(text, environ={}) == text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.sampled_from(sorted(SECRETS)))
def test_a_secret_in_any_text_never_survives_and_redacting_twice_changes_nothing(
    noise: str, rule: str
) -> None:
    text = f"{noise} {SECRETS[rule]} {noise}"
    once = redact(text, environ={})
    assert SECRETS[rule] not in once
    assert redact(once, environ={}) == once


def test_the_hooks_cut_secrets_from_runbook_commands_and_notes(git_repo: Path) -> None:
    """Text the hooks print that does not come from our rules: a team runbook's check (its
    grep command and fix) and a note naming a file."""
    slack = SECRETS["slack-token"]
    write(git_repo, ".runbook-guard.toml", 'runbooks = ["docs/*.md"]\n')
    write(
        git_repo,
        "docs/RUNBOOK.md",
        "# Runbook\n\n## Leaked webhook\n**Symptom**: a webhook URL in the code\n"
        "**How to Check**:\n```bash\ngrep -rn 'hooks.slack' . --include=\"*.py\"\n```\n"
        f"**Fix**: rotate {slack} and read it from the vault\n",
    )
    # a file named after a token: broken before the change (a note names it) and after it
    # (a finding names it)
    write(git_repo, f"app/{SECRETS['npm-token']}.py", "def f(:\n")
    write(git_repo, f"app/v2-{SECRETS['npm-token']}.py", "def g(:\n")
    stage(git_repo, ".")
    commit(git_repo, "broken already")
    write(git_repo, f"app/{SECRETS['npm-token']}.py", "def f(:\nX = 1\n")
    write(git_repo, "app/new.py", "class C\n")
    write(git_repo, f"app/v2-{SECRETS['npm-token']}.py", "def g():\n    return (\n")
    write(git_repo, "app/notify.py", "URL = 'https://hooks.slack.com/x'\n")
    stage(git_repo, ".")
    code, out, err = guard("run")
    assert code == 1 and "runbook:" in out and "syntax-error" in out
    assert slack not in out + err and SECRETS["npm-token"] not in out + err
    assert MASK in out and MASK in err


@pytest.mark.parametrize(
    "text",
    [
        "ey-" * 20000,
        "sk-" * 20000,
        "a." * 20000,
        "glpat-" * 20000,
        "http://" + "x:" * 20000,
        "password" + " " * 60000,
        "Ab1/" * 20000,
        "-----BEGIN RSA PRIVATE KEY-----" * 2000,
    ],
    ids=lambda t: t[:12],
)
def test_redaction_is_linear_on_long_runs_of_look_alikes(text: str) -> None:
    """A token is matched only where a run of its characters starts: `ey-ey-ey-...` costs one
    scan, not one per position (quadratic: 2.3 s for 60 KB before)."""
    import time

    started = time.perf_counter()
    redact(text, environ={})
    assert time.perf_counter() - started < 0.5


def test_a_commit_id_is_no_aws_secret() -> None:
    text = "fixed in 9cdf11890abcdef0123456789abcdef01234567 (netra_backend/app/websocket_core)"
    assert redact(text, environ={}) == text


@pytest.mark.parametrize("rule", sorted(set(RULES) - {"aws-secret-key"}))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_text_the_quick_check_passes_over_matches_no_rule(rule: str, data: st.DataObject) -> None:
    """The check that spares most texts the full alternation never spares one a rule would
    cut: every string each rule matches (ASCII; other text always takes the alternation)
    holds one of its triggers. (An AWS secret key's shape is the check itself.)"""
    ascii_text = st.characters(min_codepoint=0, max_codepoint=127)
    text = data.draw(st.from_regex(re.compile(RULES[rule]), fullmatch=True, alphabet=ascii_text))
    assert _may_hold_secret(text)


def test_a_report_is_redacted_line_by_line_and_a_key_block_whole() -> None:
    from runbook_guard.hooks.secrets import redact_lines

    report = "".join(
        f"app/m{n}.py:{n}:1: rule-{n % 3} message {n}\n    fix: the fix\n" for n in range(50)
    )
    secret_line = f"    runbook: Rotate {SECRETS['slack-token']} https://example.invalid/r\n"
    out = redact_lines(report + secret_line + report)
    assert SECRETS["slack-token"] not in out and out.count(MASK) == 1
    assert out.replace(MASK, "") == (report + secret_line + report).replace(
        SECRETS["slack-token"], ""
    )
    block = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAAAA\n-----END RSA PRIVATE KEY-----\n"
    out = redact_lines(report + block + report)
    assert "MIIEow" not in out and "AAAA" not in out
