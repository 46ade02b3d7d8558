"""The mission-critical named-values index: the team's XML as it is, or a small TOML file.

From the XML (`MISSION_CRITICAL_NAMED_VALUES_INDEX.xml`) it takes each `<variable name=… type=…>`
with its `<stable_value>`, per-environment `<example_values>` and `<logs_pattern>`s, and the
`<websocket_events><event name=… critical="true">` names. The TOML form says the same:

    [values]                      # stable values
    SERVICE_ID = "netra-backend"
    [events]
    critical = ["agent_started", "agent_completed"]
    [env.NEXT_PUBLIC_API_URL]     # per-environment values of an env var
    staging = "https://api.staging.example.com"
    production = "https://api.example.com"
    [[log-patterns]]
    name = "SERVICE_ID"
    pattern = "Service ID mismatch"

Inline values from `[tool.runbook-guard.named-values]` are merged on top. The XML is parsed with
defusedxml: entity expansion and external entities are refused, never resolved.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from runbook_guard.hooks.config import NO_ENTRIES, Config, index_source
from runbook_guard.hooks.errors import ConfigError


class Variable(NamedTuple):
    name: str
    type: str = "hardcoded_value"  # or env_var
    stable_value: str | None = None
    examples: Mapping[str, str] = NO_ENTRIES  # environment -> value
    log_patterns: tuple[str, ...] = ()


class LogPattern(NamedTuple):
    pattern: str
    name: str | None  # the variable (or section) it belongs to
    severity: str | None = None


class NamedValues(NamedTuple):
    index_path: str | None = None  # repo-relative; the config file for inline values
    variables: Mapping[str, Variable] = NO_ENTRIES
    critical_events: tuple[str, ...] = ()
    log_patterns: tuple[LogPattern, ...] = ()

    @property
    def stable_values(self) -> dict[str, str]:
        return {n: v.stable_value for n, v in self.variables.items() if v.stable_value is not None}

    def examples_for(self, environment: str) -> dict[str, str]:
        """name -> the example value of every variable for one environment."""
        return {
            n: v.examples[environment]
            for n, v in self.variables.items()
            if environment in v.examples
        }


def _text(element: Any) -> str:
    return " ".join((element.text or "").split())


def parse_xml(data: bytes, where: str) -> NamedValues:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(data)
    except DefusedXmlException as e:
        raise ConfigError(f"{where}: refused unsafe XML ({type(e).__name__})") from None
    except ElementTree.ParseError as e:
        raise ConfigError(f"{where}: invalid XML: {e}") from None
    variables: dict[str, Variable] = {}
    patterns: list[LogPattern] = []
    for var in root.iter("variable"):
        name = var.get("name")
        if not name:
            continue
        stable = var.find("stable_value")
        examples = var.find("example_values")
        own = tuple(_text(p) for p in var.iter("logs_pattern") if _text(p))
        variables[name] = Variable(
            name=name,
            type=var.get("type", "hardcoded_value"),
            stable_value=_text(stable) if stable is not None else None,
            examples={child.tag: _text(child) for child in examples}
            if examples is not None
            else {},
            log_patterns=own,
        )
    owner = {p: v.name for v in variables.values() for p in v.log_patterns}
    for incident_parent in root.iter():
        for pattern in incident_parent.findall("logs_pattern"):
            text = _text(pattern)
            if text and all(p.pattern != text for p in patterns):
                severity = incident_parent.get("severity")
                patterns.append(LogPattern(text, owner.get(text), severity))
    events = tuple(
        name
        for group in root.iter("websocket_events")
        for event in group.findall("event")
        if (name := event.get("name")) and event.get("critical", "true").lower() == "true"
    )
    return NamedValues(None, variables, events, tuple(patterns))


def parse_toml(data: bytes, where: str) -> NamedValues:
    # imported here: most teams' index is XML, and the TOML parser would cost every commit
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{where}: invalid TOML: {e}") from None
    unknown = set(document) - {"values", "events", "env", "log-patterns"}
    if unknown:
        raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    variables = {n: Variable(n, stable_value=str(v)) for n, v in document.get("values", {}).items()}
    for name, examples in document.get("env", {}).items():
        variables[name] = Variable(
            name, "env_var", examples={k: str(v) for k, v in examples.items()}
        )
    patterns = tuple(
        LogPattern(str(p["pattern"]), p.get("name"), p.get("severity"))
        for p in document.get("log-patterns", [])
    )
    events = tuple(document.get("events", {}).get("critical", ()))
    return NamedValues(None, variables, events, patterns)


def load_named_values(root: Path, config: Config) -> NamedValues:
    """The index the configuration names (or the default one), with inline values on top."""
    path = index_source(root, config)
    values = NamedValues()
    if path is not None:
        try:
            data = (root / path).read_bytes()
        except OSError as e:
            raise ConfigError(f"{path}: cannot read the named-values index: {e.strerror}") from None
        parse = parse_toml if path.endswith(".toml") else parse_xml
        values = parse(data, path)
    variables = dict(values.variables)
    for name, value in config.named_values.inline.items():
        variables[name] = Variable(name, stable_value=value)
    events = tuple(dict.fromkeys([*config.critical_events, *values.critical_events]))
    index_path = path
    if index_path is None and config.named_values.inline and config.source is not None:
        index_path = config.source.relative_to(root).as_posix()
    return NamedValues(index_path, variables, events, values.log_patterns)
