"""Secrets out of everything we print or post: `redact(text)` replaces what looks like a secret.

The patterns are gitleaks' well-known rules (github.com/gitleaks/gitleaks, config/gitleaks.toml),
trimmed to the token families a CI log or a failure message carries. A token starts where a run of
its characters starts (a lookbehind, not `\b`), so a long run of look-alikes (`ey-ey-ey-...`)
costs one scan, not one per position: redaction stays linear in the text. detect-secrets (Yelp) was
measured as a library: ~105 ms to import and ~0.4 ms a line, far too slow for a commit hook, and
its matches do not give the span to cut. One alternation of compiled regexes costs ~1 ms to
import and microseconds per message.

Besides the patterns, the literal value of `GITHUB_TOKEN` and of every environment variable whose
name says it holds a secret (`*TOKEN*`, `*SECRET*`, `*KEY*`, `*PASSWORD*`, ...) is cut wherever
it appears, whatever its shape.
"""

from __future__ import annotations

import functools
import os
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

MASK = "[REDACTED]"
# name -> regex; a group named `secret` is the part to cut (else the whole match)
RULES: dict[str, str] = {
    "private-key": r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----"
    r"[\s\S]*?(?:-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----|\Z)",
    "github-token": r"\b(?:ghp|gho|ghu|ghs|ghr)_[0-9A-Za-z]{36,255}\b",
    "github-fine-grained-pat": r"\bgithub_pat_\w{82}\b",
    "gitlab-pat": r"(?<![\w-])glpat-[\w-]{20,}",
    "aws-access-key": r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b",
    # An AWS secret access key is 40 characters of base64 (`wJalrXUtnFEMI/K7MDENG/...`): taken
    # where such a run stands alone (not inside a host name or a path segment: no `.`, `_`,
    # `-` beside it) with upper case, lower case and a digit in it; a commit id (40 hex, no
    # upper case) is not one.
    "aws-secret-key": r"(?<![A-Za-z0-9/+=._-])(?=[A-Za-z0-9/+]{0,39}[A-Z])"
    r"(?=[A-Za-z0-9/+]{0,39}[a-z])(?=[A-Za-z0-9/+]{0,39}[0-9])[A-Za-z0-9/+]{40}"
    r"(?![A-Za-z0-9/+=._-])",
    "slack-token": r"(?<![\w-])xox[abeoprs]-(?:\d+-)*[0-9A-Za-z-]{10,}",
    "slack-webhook": r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{20,}",
    "gcp-api-key": r"\bAIza[\w-]{35}",
    "jwt": r"(?<![\w-])ey[A-Za-z0-9_-]{17,}\.ey[A-Za-z0-9_/\\-]{17,}\.[A-Za-z0-9_/\\-]*=*",
    "stripe-key": r"\b(?:sk|rk)_(?:test|live|prod)_[0-9A-Za-z]{10,99}\b",
    "npm-token": r"\bnpm_[A-Za-z0-9]{36}\b",
    "pypi-token": r"\bpypi-AgEIcHlwaS5vcmc[\w-]{50,}",
    "openai-key": r"(?<![\w-])sk-(?:proj-|svcacct-|admin-|ant-api\d\d-)?[\w-]{20,}"
    r"T3BlbkFJ[\w-]{20,}|(?<![\w-])sk-ant-(?:api|admin)\d\d-[\w-]{80,}",
    "url-credentials": r"(?<![A-Za-z0-9+.-])[a-z][a-z0-9+.-]*://[^\s:/@]+:(?P<secret>[^\s/@]{3,})@",
    "authorization": r"\b(?i:bearer|basic|token)\s+(?P<secret>[A-Za-z0-9._~+/=-]{16,})",
    # `password = "hunter22"`, `api_key: abc...`, `SECRET=...` (gitleaks' generic-api-key,
    # without its entropy test: over-redacting a failure message costs less than a leak); not
    # `::`, pytest's separator (`test_tokenizer.py::test_load` is a test's name)
    "generic-assignment": r"(?i:passw(?:or)?d|pwd|secret|token|api[_-]?key|"
    r"access[_-]?key|private[_-]?key|credential|auth[_-]?key)[\w.-]{0,40}[\"']?\s*(?:=|:(?!:)|:=|=>)\s*"
    r"[\"']?(?!-----BEGIN)(?P<secret>[^\s\"'`,;<>()\[\]{}]{6,})",  # a key block: private-key's
}
SECRET_NAME = re.compile(r"TOKEN|SECRET|KEY|PASSWORD|PASSWD|CREDENTIAL|PRIVATE", re.I)
MIN_ENV_VALUE = 8  # shorter values ("1", "true", "main") are too common to cut everywhere


@functools.cache
def _pattern() -> re.Pattern[str]:
    # One alternation, one pass over the text; rule i's cut is group `s<i>` when it has one.
    # Compiled on first use: a replayed run (hooks/replay.py) only asks for `secret_values`.
    parts = [
        f"(?P<r{i}>{pattern.replace('(?P<secret>', f'(?P<s{i}>')})"
        for i, pattern in enumerate(RULES.values())
    ]
    return re.compile("|".join(parts))


_NAMES = list(RULES)

# What every rule's match holds, lower-cased: a text with none of these (and no run of 40
# base64 characters, an AWS secret key's shape) matches no rule, and skips the alternation,
# which tries every rule at every character (~1 us a character). Checked on ASCII text only:
# a few other letters match these case-insensitively (`K`, U+212A, is a `k`).
TRIGGERS = (
    "-----begin",  # private-key
    "ghp_",  # github-token
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "a3t",  # aws-access-key
    "akia",
    "asia",
    "abia",
    "acca",
    "xox",  # slack-token
    "hooks.slack.com",
    "aiza",  # gcp-api-key
    ".ey",  # jwt: its second part
    "sk_",  # stripe-key
    "rk_",
    "npm_",
    "pypi-",
    "sk-",  # openai-key
    "://",  # url-credentials
    "bearer",  # authorization
    "basic",
    "token",  # authorization, generic-assignment
    "passw",  # generic-assignment: passwd, password
    "pwd",
    "secret",
    "api_key",
    "api-key",
    "apikey",
    "access_key",
    "access-key",
    "accesskey",
    "private_key",
    "private-key",
    "privatekey",
    "credential",
    "auth_key",
    "auth-key",
    "authkey",
)
BASE64_RUN = re.compile(r"[A-Za-z0-9/+]{40}")


def _may_hold_secret(text: str) -> bool:
    if not text.isascii():
        return True
    lowered = text.lower()
    return any(t in lowered for t in TRIGGERS) or BASE64_RUN.search(text) is not None


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of the environment that are secrets by name, longest first (so that a value
    containing another is cut whole)."""
    environ = os.environ if environ is None else environ
    values = {v for k, v in environ.items() if SECRET_NAME.search(k) and len(v) >= MIN_ENV_VALUE}
    token = environ.get("GITHUB_TOKEN", "")
    if len(token) >= 4:  # the token is never printed, whatever its length
        values.add(token)
    return sorted(values, key=len, reverse=True)


def _cut(match: re.Match[str]) -> str:
    name = match.lastgroup or ""
    secret = f"s{name[1:]}"
    if secret in _pattern().groupindex and match[secret] is not None:
        start, end = match.span(secret)
        whole = match.start()
        text = match[0]
        return text[: start - whole] + MASK + text[end - whole :]
    return MASK


def redact(
    text: str,
    environ: Mapping[str, str] | None = None,
    *,
    values: Sequence[str] | None = None,
) -> str:
    """`text` with every secret-looking string and every secret env value replaced by MASK.
    `values`: the environment's secret values, when a caller redacting many texts has them
    (`secret_values()`, asked once: reading the environment costs more than the redaction)."""
    for value in secret_values(environ) if values is None else values:
        if value in text:
            text = text.replace(value, MASK)
    return _pattern().sub(_cut, text) if _may_hold_secret(text) else text


def redactor() -> Callable[[str], str]:
    """`redact` with the environment read once, for a caller with many texts to redact (and
    each distinct text redacted once: a run's findings repeat their fixes and paths)."""
    values = secret_values()
    seen: dict[str, str] = {}

    def clean(text: str) -> str:
        if text not in seen:
            seen[text] = redact(text, values=values)
        return seen[text]

    return clean


def redact_lines(text: str) -> str:
    """`redact` for a report made of parts each redacted already (messages, fixes, paths),
    joined with what the team's runbook adds (rule ids, titles, links): line by line, each
    distinct line once (a report's fix and runbook lines repeat by the thousand). A key block
    spans lines, so a text holding one is redacted whole."""
    if "PRIVATE KEY" in text.upper():
        return redact(text)
    clean = redactor()
    return "".join(clean(line) for line in text.splitlines(keepends=True))


def redact_all(value: object) -> object:
    """Every string inside a JSON-like value redacted, before it is serialised: after
    `json.dumps`, `password = \\"...\\"` no longer looks like an assignment, and a cut that
    runs to the end of the text (a private key without its END line) would take the
    document's closing brackets with it."""
    clean = redactor()

    def walk(value: object) -> object:
        if isinstance(value, str):
            return clean(value)
        if isinstance(value, dict):
            return {clean(str(k)): walk(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [walk(v) for v in value]
        return value

    return walk(value)


def rule_of(text: str) -> list[str]:
    """The rules that find something in `text` (for tests and `explain`-style diagnostics)."""
    return [_NAMES[int((m.lastgroup or "r0")[1:])] for m in _pattern().finditer(text)]
