"""## What it does
Checks that the env file of each deployed environment has every required credential, and that
none of them is empty. Required are the configured `environment.required-keys`; without them,
the OAuth client credentials (`*CLIENT_ID`, `*CLIENT_SECRET`) that another environment's env file
in the same folder defines.

## Why is this bad?
Delete or blank one environment's OAuth client id and its login breaks: the auth service answers
503 and nobody can sign in. The other environments keep working, so the gap is easy to miss until
the deploy.

## Example
```bash
# auth_service/.env.staging
GOOGLE_CLIENT_ID=
```

## Use instead
```bash
# auth_service/.env.staging
GOOGLE_CLIENT_ID=<the staging client id>
GOOGLE_CLIENT_SECRET=<the staging client secret>
```

## Options
- `environment.env-files`: environment name -> env file.
- `environment.required-keys`: the keys every one of those files must define, non-empty.

Without `required-keys`, a deployed environment's env file must define the OAuth client ids
and secrets (`*_CLIENT_ID`, `*_CLIENT_SECRET`) that the env files beside it define, each under
its own environment's name (`GOOGLE_OAUTH_CLIENT_ID_STAGING` beside it means
`GOOGLE_OAUTH_CLIENT_ID_PRODUCTION` in production's). A key the file names in a comment
(`# GOOGLE_CLIENT_SECRET=<set-via-secrets>`) is provided elsewhere, on purpose: not reported.
Switches and URLs (`ENABLE_OAUTH`, `OAUTH_REDIRECT_URI`) are not credentials.

## Runbook
Missing OAuth credentials. Values are never printed, only the keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from runbook_guard.hooks import envfiles
from runbook_guard.hooks.context import Run, SourceFile, env_file_globs, finding
from runbook_guard.hooks.findings import Finding

ID = "oauth-credentials-present"
TITLE = "Missing OAuth credentials"
MESSAGE = "a required credential is missing or empty in this environment's env file"
FIX = "Give every deployed environment its own complete OAuth client id and secret."
SEVERITY = "error"
SCOPE = "file"
FILES = "env"
KEYWORDS = (
    "OAuth",
    "credentials",
    "GOOGLE_CLIENT_ID",
    "missing",
    "503 errors",
    "auth service fails",
)
RUNBOOK = "COMMON_MISTAKES.md#missing-oauth-credentials"
# what this rule's concern looks like in a runbook title or grep pattern: the runbook's
# own grep commands about it are superseded by this rule (hooks/runbook_rules.py)
COVERS = r"(?i)oauth credentials"

# A credential's key: `GOOGLE_CLIENT_ID`, `GOOGLE_OAUTH_CLIENT_SECRET_STAGING` (not a switch such
# as `ENABLE_OAUTH` or a URL such as `OAUTH_REDIRECT_URI`).
OAUTH_KEY = re.compile(r"(^|_)(CLIENT_ID|CLIENT_SECRET)($|_)")
# `..._STAGING` in one file is `..._PRODUCTION` in production's: the key names its environment.
ENV_SUFFIX = re.compile(r"_(DEVELOPMENT|DEV|STAGING|STAGE|PRODUCTION|PROD|TEST|LOCAL)$")
COMMENTED = re.compile(r"^\s*#\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", re.M)
# Environments whose env files are deployed; local and example files may leave credentials out.
DEPLOYED = ("staging", "production", "prod", "preprod", "stage")


def _sibling_keys(file: SourceFile, run: Run) -> set[str]:
    """OAuth keys that the other env files beside this one define."""
    folder = file.path.rsplit("/", 1)[0] + "/" if "/" in file.path else ""
    keys: set[str] = set()
    for path, _line, text in run.repo.grep(
        [r"^[[:space:]]*(export[[:space:]]+)?[A-Z_]*(CLIENT_ID|CLIENT_SECRET|OAUTH)"],
        paths=env_file_globs(run.config),
    ):
        inside = path.startswith(folder) and "/" not in path[len(folder) :]
        if inside and path != file.path and path.rsplit("/", 1)[-1].startswith(".env"):
            for entry in envfiles.parse(text):
                if OAUTH_KEY.search(entry.key):
                    keys.add(_for_environment(entry.key, file.environment or ""))
    return keys


def _for_environment(key: str, environment: str) -> str:
    """The key's name in this environment's file (`X_STAGING` -> `X_PRODUCTION`)."""
    if not ENV_SUFFIX.search(key):
        return key
    name = {"prod": "production", "stage": "staging"}.get(environment, environment)
    return ENV_SUFFIX.sub(f"_{name.upper()}", key)


def _required(file: SourceFile, run: Run) -> tuple[str, ...]:
    configured = run.config.environment
    if configured.required_keys:
        files = {f.lstrip("/").removeprefix("./") for f in configured.env_files.values()}
        applies = file.path in files if files else file.environment in DEPLOYED
        return configured.required_keys if applies else ()
    if file.environment not in DEPLOYED:
        return ()
    return tuple(sorted(_sibling_keys(file, run)))


def check_file(file: SourceFile, run: Run) -> Iterator[Finding]:
    required = _required(file, run)
    if not required:
        return
    entries = {e.key: e for e in envfiles.parse(file.text)}
    # `# GOOGLE_CLIENT_ID=<set-via-secrets>`: the file says where the value comes from
    documented = set(COMMENTED.findall(file.text))
    removed = envfiles.removed_keys(file.removed)
    for key in required:
        entry = entries.get(key)
        if entry is None and key in documented:
            continue
        if entry is None:
            line = min(removed.get(key, 1), max(len(file.lines), 1))
            message = f"`{key}` is missing from the {file.environment} env file"
        elif not entry.value.strip():
            line = entry.line
            message = f"`{key}` is empty in the {file.environment} env file"
        else:
            continue
        yield finding(ID, file, None, message, line=line, end_line=line, column=1)
