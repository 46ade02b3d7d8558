"""Configuration: `[tool.runbook-guard]` in pyproject.toml, or `.runbook-guard.toml`.

The schema is a table of (key, check, default); an unknown key or a wrong type raises
`ConfigError` naming the file and the key. Nothing else in the package parses TOML.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from runbook_guard.hooks.errors import ConfigError

CONFIG_FILE = ".runbook-guard.toml"
PYPROJECT = "pyproject.toml"

# `**/tests/**`: services keep their tests beside their code (`netra_backend/tests/`), and a
# conftest or helper there is test code as much as a `test_*.py` module is
DEFAULT_TEST_PATHS = ("tests/**", "**/tests/**", "**/test_*.py", "**/*_test.py", "**/conftest.py")
DEFAULT_E2E_PATHS = ("tests/e2e/**", "**/e2e/**")

Check = Callable[[Any, str], Any]


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {type(value).__name__}")
    return value


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where}: expected an integer, got {type(value).__name__}")
    return value


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings")
    return tuple(value)


def _table(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table, got {type(value).__name__}")
    return value


def _str_map(value: Any, where: str) -> dict[str, str]:
    table = _table(value, where)
    return {k: _str(v, f"{where}.{k}") for k, v in table.items()}


def _list_map(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    table = _table(value, where)
    return {k: _str_list(v, f"{where}.{k}") for k, v in table.items()}


# The settings are NamedTuples, not dataclasses: importing dataclasses (it imports inspect) and
# building a frozen dataclass cost every commit ~15 ms, more than Python's own start-up.
# Their empty-table default is one read-only mapping.
NO_ENTRIES: Mapping[str, Any] = MappingProxyType({})


class Services(NamedTuple):
    # name -> top-level package of that service
    packages: Mapping[str, str] = NO_ENTRIES
    # packages every service may import
    shared: tuple[str, ...] = ()


def _services(value: Any, where: str) -> Services:
    packages: dict[str, str] = {}
    shared: list[str] = []
    for name, item in _table(value, where).items():
        if isinstance(item, list):
            shared.extend(_str_list(item, f"{where}.{name}"))
        else:
            packages[name] = _str(item, f"{where}.{name}")
    return Services(packages, tuple(shared))


# The accessor the seeds' runbook names; a team with another one configures it.
DEFAULT_ACCESSOR_MODULES = ("**/isolated_environment.py",)


class Environment(NamedTuple):
    accessor_modules: tuple[str, ...] = DEFAULT_ACCESSOR_MODULES
    env_files: Mapping[str, str] = NO_ENTRIES
    required_keys: tuple[str, ...] = ()


class NamedValuesConfig(NamedTuple):
    index: str | None = None
    inline: Mapping[str, str] = NO_ENTRIES


def _named_values(value: Any, where: str) -> NamedValuesConfig:
    table = dict(_table(value, where))
    index = table.pop("index", None)
    if index is not None:
        index = _str(index, f"{where}.index")
    return NamedValuesConfig(index, _str_map(table, where))


class Bot(NamedTuple):
    definition_of_done: str | None = None
    labels: tuple[str, ...] = ()
    max_new_issues: int = 10
    checklist_omit: tuple[str, ...] | None = None  # None: bot/checklist.py's DEFAULT_OMIT
    checklist_gate: tuple[str, ...] = ()


class Config(NamedTuple):
    root: Path
    source: Path | None = None
    runbooks: tuple[str, ...] = ()
    link_base: str | None = None
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = NO_ENTRIES
    e2e_paths: tuple[str, ...] = DEFAULT_E2E_PATHS
    test_paths: tuple[str, ...] = DEFAULT_TEST_PATHS
    services: Services = Services()
    environment: Environment = Environment()
    named_values: NamedValuesConfig = NamedValuesConfig()
    critical_events: tuple[str, ...] = ()
    critical_tests: Mapping[str, str] = NO_ENTRIES
    bot: Bot = Bot()
    links: Mapping[str, str] = NO_ENTRIES


ENVIRONMENT_KEYS: dict[str, tuple[str, Check]] = {
    "accessor-modules": ("accessor_modules", _str_list),
    "env-files": ("env_files", _str_map),
    "required-keys": ("required_keys", _str_list),
}
CRITICAL_EVENTS_KEYS: dict[str, tuple[str, Check]] = {"names": ("names", _str_list)}
BOT_KEYS: dict[str, tuple[str, Check]] = {
    "definition-of-done": ("definition_of_done", _str),
    "labels": ("labels", _str_list),
    "max-new-issues": ("max_new_issues", _int),
    "checklist-omit": ("checklist_omit", _str_list),
    "checklist-gate": ("checklist_gate", _str_list),
}


def _apply(schema: dict[str, tuple[str, Check]], table: Any, where: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in _table(table, where).items():
        if key not in schema:
            known = ", ".join(sorted(schema))
            raise ConfigError(f"{where}: unknown key {key!r} (known keys: {known})")
        attribute, check = schema[key]
        values[attribute] = check(value, f"{where}.{key}")
    return values


def _environment(value: Any, where: str) -> Environment:
    return Environment(**_apply(ENVIRONMENT_KEYS, value, where))


def _critical_events(value: Any, where: str) -> tuple[str, ...]:
    # `critical-events = [...]` is accepted as a shorthand for `names`.
    if isinstance(value, list):
        return _str_list(value, where)
    return _apply(CRITICAL_EVENTS_KEYS, value, where).get("names", ())


def _bot(value: Any, where: str) -> Bot:
    return Bot(**_apply(BOT_KEYS, value, where))


# key -> (Config attribute, check). Kebab-case keys, as in PRODUCT.md.
TOP_LEVEL: dict[str, tuple[str, Check]] = {
    "runbooks": ("runbooks", _str_list),
    "link-base": ("link_base", _str),
    "select": ("select", _str_list),
    "ignore": ("ignore", _str_list),
    "per-file-ignores": ("per_file_ignores", _list_map),
    "e2e-paths": ("e2e_paths", _str_list),
    "test-paths": ("test_paths", _str_list),
    "services": ("services", _services),
    "environment": ("environment", _environment),
    "named-values": ("named_values", _named_values),
    "critical-events": ("critical_events", _critical_events),
    "critical-tests": ("critical_tests", _str_map),
    "bot": ("bot", _bot),
    "links": ("links", _str_map),
}


def parse(table: Mapping[str, Any], *, root: Path, source: Path | None, where: str) -> Config:
    """Validate one `[tool.runbook-guard]` table into a `Config`."""
    return Config(root=root, source=source, **_apply(TOP_LEVEL, table, where))


def _read_toml(path: Path) -> dict[str, Any]:
    # imported here, not at the top: a repository without TOML configuration spares every
    # commit the parser (and the datetime module it pulls in)
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from None


def load(root: Path, explicit: Path | None = None) -> Config:
    """Find and load the configuration for the repository at `root`.

    `--config PATH` wins; then `.runbook-guard.toml`; then `[tool.runbook-guard]` in pyproject.toml.
    With none of them, the defaults: the shipped runbook and every rule.
    """
    candidates = [explicit] if explicit else [root / CONFIG_FILE, root / PYPROJECT]
    for path in candidates:
        if path is None or not path.is_file():
            if explicit is not None:
                raise ConfigError(f"{explicit}: no such configuration file")
            continue
        data = _read_toml(path)
        if path.name == PYPROJECT:
            table = data.get("tool", {}).get("runbook-guard")
            if table is None:
                continue
            return parse(
                _table(table, f"{path.name}: [tool.runbook-guard]"),
                root=root,
                source=path,
                where=f"{path.name}: [tool.runbook-guard]",
            )
        return parse(data, root=root, source=path, where=path.name)
    return Config(root=root)


# Where a team following the seeds keeps its named-values index, when the configuration names none.
DEFAULT_INDEXES = ("SPEC/MISSION_CRITICAL_NAMED_VALUES_INDEX.xml", "named-values.toml")


def index_source(root: Path, config: Config) -> str | None:
    """The repo-relative path of the named-values index this configuration reads, if any."""
    if config.named_values.index:
        return config.named_values.index.lstrip("/")
    for candidate in DEFAULT_INDEXES:
        if (root / candidate).is_file():
            return candidate
    return None


def input_files(root: Path, config: Config) -> list[str]:
    """Every repository file a run with this configuration reads besides git's content: the
    configuration files it looks for and the named-values index (the runbooks are named by
    `config.runbooks`' globs). A run is replayed only while they stay as they were."""
    named = index_source(root, config)
    return list(dict.fromkeys([CONFIG_FILE, PYPROJECT, *DEFAULT_INDEXES, *filter(None, [named])]))
