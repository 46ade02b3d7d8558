"""## What it does
Checks that an env file of one environment names only that environment's resources: no host,
project id or database of another environment. Another environment's resources are learnt from
the named-values index's per-environment values (`api.staging.example.com` belongs to staging),
from the other environments' env files, and from environment names used as host labels or ids
(`staging` inside a production URL, `localhost` in a deployed environment).

## Why is this bad?
One copied line is enough for staging to write into production's database or for production to
call a staging host. Both look healthy from inside: the damage shows as someone else's data.

## Example
```bash
# .env.staging
DATABASE_URL=postgresql://app@prod-db.internal:5432/app_production
```

## Use instead
```bash
# .env.staging
DATABASE_URL=postgresql://app@staging-db.internal:5432/app_staging
```

## Options
- `environment.env-files`: environment name -> env file (file names like `.env.staging` are
  understood without it).
- `named-values.index`: per-environment example values.

## Runbook
Environment config leakage. Values are never printed, only the key and the environments.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from hooks import envfiles
from hooks.context import Run, SourceFile, env_name, finding
from hooks.findings import Finding

ID = "env-isolation"
TITLE = "Environment config leakage"
MESSAGE = (
    "an env file names another environment's resource, keep each environment's config independent"
)
FIX = "Point the key at this environment's own host, project or database."
SEVERITY = "error"
SCOPE = "node"
FILES = "env"
KEYWORDS = (
    "environment",
    "config leakage",
    "staging uses production resources",
    "isolated",
    "env files",
)
RUNBOOK = "COMMON_MISTAKES.md#environment-config-leaking-across-environments"

# Words that name an environment inside a host, id or database name.
ALIASES = {
    "production": ("prod", "production", "prd"),
    "staging": ("staging", "stage", "stg"),
    "development": ("dev", "development", "local"),
}
DEPLOYED = ("staging", "production")
LOCAL_HOSTS = re.compile(r"(^|[/@:])(localhost|127\.0\.0\.1|0\.0\.0\.0)([:/]|$)")
TOKEN = re.compile(r"[a-z0-9]+")
# Public providers every environment may share; a sibling file naming them proves nothing.
PUBLIC_DOMAINS = (
    "google.com",
    "googleapis.com",
    "github.com",
    "githubusercontent.com",
    "openai.com",
    "anthropic.com",
    "sentry.io",
    "stripe.com",
    "slack.com",
    "auth0.com",
    "okta.com",
    "microsoftonline.com",
    "pypi.org",
    "docker.io",
    "cloudflare.com",
)


def canonical(environment: str | None) -> str | None:
    if environment is None:
        return None
    for name, aliases in ALIASES.items():
        if environment.lower() in aliases or environment.lower() == name:
            return name
    return environment.lower()


def resources(value: str) -> set[str]:
    """Host names, project ids and database names a value refers to."""
    found: set[str] = set()
    for part in re.split(r"[\s,;]+", value.strip()):
        if "://" in part:
            split = urlsplit(part)
            if split.hostname:
                found.add(split.hostname.lower())
            path = split.path.strip("/")
            if path and "/" not in path:
                found.add(path.lower())
        elif re.fullmatch(r"[A-Za-z0-9_.:-]+", part) and (
            "." in part or "-" in part or "_" in part
        ):
            found.add(part.lower())
    return {r for r in found if len(r) > 3}


def _foreign_words(environment: str) -> dict[str, str]:
    """word -> other environment, for words that name another environment."""
    words: dict[str, str] = {}
    for name, aliases in ALIASES.items():
        if name != environment:
            for alias in aliases:
                words[alias] = name
    for alias in ALIASES.get(environment, ()):
        words.pop(alias, None)
    return words


def _known_resources(run: Run, file: SourceFile) -> dict[str, set[str]]:
    """resource -> the environments that use it (index example values, sibling env files)."""
    owners: dict[str, set[str]] = {}
    for variable in run.named_values.variables.values():
        for env, example in variable.examples.items():
            for resource in resources(example):
                owners.setdefault(resource, set()).add(canonical(env) or env)
    pattern = r"^[[:space:]]*(export[[:space:]]+)?[A-Za-z_][A-Za-z0-9_]*="
    for path, _line, text in run.repo.grep([pattern]):
        other = canonical(env_name(path, run.config))
        if other is None or path == file.path or other == "default":
            continue
        for entry in envfiles.parse(text):
            for resource in resources(entry.value):
                if not resource.endswith(PUBLIC_DOMAINS):
                    owners.setdefault(resource, set()).add(other)
    return owners


def check_file(file: SourceFile, run: Run) -> Iterator[Finding]:
    environment = canonical(file.environment)
    if environment in (None, "default", "example", "sample", "template"):
        return
    owners = _known_resources(run, file)
    foreign = _foreign_words(environment)
    for entry in envfiles.parse(file.text):
        other = _other_environment(entry.value, environment, owners, foreign)
        if other is None:
            continue
        # The message names the key and the environments, never the value (it may be a secret).
        yield finding(
            ID,
            file,
            None,
            f"`{entry.key}` in the {environment} env file names a {other} resource, "
            "keep each environment's config independent",
            line=entry.line,
            end_line=entry.line,
            column=1,
        )


def _other_environment(
    value: str, environment: str, owners: dict[str, set[str]], foreign: dict[str, str]
) -> str | None:
    if environment in DEPLOYED and LOCAL_HOSTS.search(value):
        return "local"
    for resource in resources(value):
        users = owners.get(resource, set())
        # a resource every environment shares (one project, one CDN) belongs to none of them
        if users and environment not in users:
            return sorted(users)[0]
        for word in TOKEN.findall(resource):
            if word in foreign:
                return foreign[word]
    return None
