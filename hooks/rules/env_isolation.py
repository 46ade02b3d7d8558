"""## What it does
Checks that the env file of a deployed environment (staging, production) names only that
environment's resources: no host, project id or database that belongs to the other deployed
environment only. A resource belongs to an environment when a deployed environment's name is a
label or part of it (`prod-db.internal` in the staging file), or when it is the other
environment's value of a key whose value differs per environment, as the named-values index's
per-environment values and the repository's other env files show. `localhost` as an endpoint
of a deployed environment is reported too.

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
- `environment.env-files`: environment name -> env file (file names like `.env.staging` or
  `config/staging.env` are understood without it).
- `named-values.index`: per-environment example values.

Not reported: env files of environments that are not deployed (development, test, ci, local,
docker variants such as `.env.test.local` or `.env.alpine-test`); values every environment shares
(`GCP_REGION=us-central1`: one value under one key everywhere), hosts of third-party services
(one host of their domain is known, such as `smtp.sendgrid.net`), or values that a
non-deployed environment uses too.
A template or local override (`.env.staging.template`, `.env.production.local`) belongs to the
environment it is named for.

## Runbook
Environment config leakage. Values are never printed, only the key and the environments.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from runbook_guard.hooks import envfiles
from runbook_guard.hooks.context import Run, SourceFile, env_file_globs, env_name, finding
from runbook_guard.hooks.findings import Finding

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
# what this rule's concern looks like in a runbook title or grep pattern: the runbook's
# own grep commands about it are superseded by this rule (hooks/runbook_rules.py)
COVERS = r"(?i)environment isolation|config(uration)? leakage"

# Words that name an environment inside a host, id or database name.
ALIASES = {
    "production": ("prod", "production", "prd"),
    "staging": ("staging", "stage", "stg"),
    "development": ("dev", "development", "local"),
}
DEPLOYED = frozenset({"staging", "production"})
# `.env.staging.template` is staging's template, `.env.production.local` production's override
VARIANT_SUFFIXES = (".template", ".example", ".sample", ".dist", ".tmpl", ".tpl", ".local")
LOCAL_HOSTS = re.compile(r"(^|[/@:])(localhost|127\.0\.0\.1|0\.0\.0\.0)([:/]|$)")
# Keys whose value is where the service connects: localhost there breaks a deployed service
# (allowed hosts and CORS origins may list localhost on purpose).
ENDPOINT_KEY = re.compile(r"URL|URI|HOST|DSN|ENDPOINT|ADDR", re.I)
NOT_ENDPOINT_KEY = re.compile(r"ALLOWED|ORIGIN|CORS|TRUSTED", re.I)
TOKEN = re.compile(r"[a-z0-9]+")


def canonical(environment: str | None) -> str | None:
    """The environment a file name's environment part stands for (`prod` -> production,
    `staging.template` -> staging)."""
    if environment is None:
        return None
    name = environment.lower()
    while name.endswith(VARIANT_SUFFIXES):
        name = name.rsplit(".", 1)[0]
    for full, aliases in ALIASES.items():
        if name in aliases or name == full:
            return full
    return name


def resources(value: str) -> set[str]:
    """Host names, project ids and database names a value refers to."""
    found: set[str] = set()
    for part in re.split(r"[\s,;]+", value.strip()):
        if "://" in part:
            try:  # `http://[not-an-ip]/` is no URL to Python: a value, not a crash
                split = urlsplit(part)
                host = split.hostname
            except ValueError:
                continue
            if host:
                found.add(host.lower())
            path = split.path.strip("/")
            if path and "/" not in path:
                found.add(path.lower())
        elif re.fullmatch(r"[A-Za-z0-9_.:-]+", part) and (
            "." in part or "-" in part or "_" in part
        ):
            found.add(part.lower())
    return {r for r in found if len(r) > 3}


class Usage:
    """Which environments use each resource, and under which keys, outside the file checked."""

    def __init__(self) -> None:
        self.owners: dict[str, set[str]] = {}  # resource -> environments
        self.by_key: dict[str, dict[str, set[str]]] = {}  # key -> environment -> resources

    def add(self, key: str, environment: str, value: str) -> None:
        for resource in resources(value):
            self.owners.setdefault(resource, set()).add(environment)
            self.by_key.setdefault(key, {}).setdefault(environment, set()).add(resource)

    def team_domains(self, extra: set[str]) -> set[str]:
        """Domains the team runs hosts under: two or more hosts of one domain are known
        (`api.example.com`, `api.staging.example.com`). A third-party service is known by one
        host (`smtp.sendgrid.net`), which every environment may share."""
        hosts: dict[str, set[str]] = {}
        for resource in [*self.owners, *extra]:
            domain = _domain(resource)
            if domain:
                hosts.setdefault(domain, set()).add(resource)
        return {domain for domain, names in hosts.items() if len(names) > 1}

    def varies(self, key: str) -> bool:
        """Do the environments give this key different resources? Then its value is each
        environment's own (a project id, a database); one value everywhere is shared (an SMTP
        relay, a region)."""
        values = {frozenset(r) for r in self.by_key.get(key, {}).values()}
        return len(values) > 1


def _domain(resource: str) -> str | None:
    """The last two labels of a host name, or None for ids, database names and addresses."""
    labels = resource.split(":")[0].split(".")
    if len(labels) < 2 or not all(labels) or labels[-1].isdigit():
        return None
    return ".".join(labels[-2:])


def _usage(run: Run, file: SourceFile) -> Usage:
    usage = Usage()
    for name, variable in run.named_values.variables.items():
        for env, example in variable.examples.items():
            usage.add(name, canonical(env) or env, example)
    pattern = r"^[[:space:]]*(export[[:space:]]+)?[A-Za-z_][A-Za-z0-9_]*="
    for path, _line, text in run.repo.grep([pattern], paths=env_file_globs(run.config)):
        other = canonical(env_name(path, run.config))
        if other is None or path == file.path:
            continue
        for entry in envfiles.parse(text):
            usage.add(entry.key, other, entry.value)
    return usage


def check_file(file: SourceFile, run: Run) -> Iterator[Finding]:
    environment = canonical(file.environment)
    if environment not in DEPLOYED:
        return
    usage = _usage(run, file)
    entries = envfiles.parse(file.text)
    own = {r for entry in entries for r in resources(entry.value)}
    team = usage.team_domains(own)
    for entry in entries:
        other = _other_environment(entry, environment, usage, team)
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
    entry: envfiles.Entry, environment: str, usage: Usage, team: set[str]
) -> str | None:
    if (
        LOCAL_HOSTS.search(entry.value)
        and ENDPOINT_KEY.search(entry.key)
        and not NOT_ENDPOINT_KEY.search(entry.key)
    ):
        return "local"
    (other,) = DEPLOYED - {environment}
    for resource in resources(entry.value):
        if any(word in ALIASES[other] for word in TOKEN.findall(resource)):
            return other
        # a leak is a resource of the other deployed environment only, under a key whose
        # value is each environment's own: one that a development or test setup uses too,
        # or that every environment sets alike, is shared
        if usage.owners.get(resource) != {other}:
            continue
        domain = _domain(resource)
        if domain is None and usage.varies(entry.key):
            return other  # an id or database name
        if domain in team:
            return other  # a host of the team's own domain
        # else a third-party host (an SMTP relay, an error tracker) every environment may use
    return None
