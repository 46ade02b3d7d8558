"""The result cache: a file is parsed and walked again only when something it depends on changed.

An entry is keyed by what a file's findings depend on: its content (the blob id git already
gives us), its path and kind, which of its lines the change adds, and the run's settings (the
code of runbook-guard itself, the configuration, the rules selected, the services and the
named-values index). Rules that ask the repository about other files (is `connect` an
`async def` elsewhere? is `Config` defined twice?) leave their questions and answers in the
entry; it is used only while the repository gives the same answers. The repository's own tables
are kept per repository state (the exact index, or the commit), so a repeated run answers them
without `git grep`.

The cache lives in the git directory (`.git/runbook-guard/`), never in the work tree. It is
one file per settings, written atomically: two runs at once can only lose each other's new
entries, never corrupt the file. `--no-cache` or `RUNBOOK_GUARD_NO_CACHE=1` turns it off.
"""

from __future__ import annotations

import marshal
import os
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from hooks import __version__, replay
from hooks.config import Config, index_source
from hooks.context import Run, SourceFile
from hooks.findings import Finding, Link, Note

FORMAT = 1
MAX_ENTRIES = 50_000  # per settings file; the ones written longest ago go first
MAX_SETTINGS_FILES = 8  # a configuration edited back and forth keeps its entries

# (method, arguments, answer) of one question a rule asked the repository index
Dependency = tuple[str, tuple[Any, ...], Any]
Entry = tuple[list[Finding], list[Note], list[Dependency]]


def directory(root: Path) -> Path | None:
    """Where the cache lives: `RUNBOOK_GUARD_CACHE_DIR`, else the repository's git directory."""
    folder = replay.cache_dir(os.fspath(root))
    return Path(folder) if folder else None


def settings_key(run: Run, rules: dict[str, ModuleType]) -> str:
    """Everything besides the file itself that a file's findings may depend on."""
    index = index_source(run.root, run.config)
    index_stamp: tuple[str, int, int] | None = None
    if index is not None:
        try:
            info = os.stat(run.root / index)
            index_stamp = (index, info.st_size, info.st_mtime_ns)
        except OSError:
            index_stamp = (index, -1, -1)
    parts = (
        FORMAT,
        __version__,
        replay.code_stamp(),
        repr(run.config),
        sorted((rule_id, repr(rule)) for rule_id, rule in rules.items()),
        repr(run.services),
        index_stamp,
    )
    return repr(parts)


def file_key(file: SourceFile) -> str | None:
    """A file's own part of the key, or None when its content has no blob id."""
    if file.blob is None:
        return None
    added = None if file.added is None else sorted(file.added)
    removed = [(line, bytes(text)) for line, text in file.removed]
    flags = (file.kind, file.is_test, file.is_e2e, file.environment)
    return repr((file.path, file.blob, flags, added, removed))


def _name(key: str) -> str:
    """A short file name for a long key; the file keeps the whole key, checked on load."""
    return f"{zlib.crc32(key.encode()):08x}{zlib.adler32(key.encode()):08x}"


def _load(path: Path, field: str, key: str) -> dict[str, Any]:
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}  # missing, or written by another Python: start afresh
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get(field) != key:
        return {}  # another version's file, or two keys that share a name
    return data


def _dump(path: Path, data: dict[str, Any]) -> None:
    replay.write_atomically(os.fspath(path), data)


class Store:
    """The entries of one settings key, and the repository tables of one repository state."""

    def __init__(self, folder: Path, settings: str, repo_token: str | None) -> None:
        self.folder = folder
        self.settings, self.repo_token = settings, repo_token
        self.path = folder / f"results-{_name(settings)}.marshal"
        self.repo_path = folder / f"repo-{_name(repo_token)}.marshal" if repo_token else None
        data = _load(self.path, "settings", settings)
        self.generation: int = data.get("generation", 0) + 1
        self.entries: dict[str, tuple[int, Any]] = data.get("entries", {})
        self.changed = False
        repo = _load(self.repo_path, "token", repo_token) if self.repo_path else {}
        self.repo_tables: dict[str, Any] = repo.get("tables", {})
        self.repo_tables_loaded = len(self.repo_tables)

    def get(self, key: str, run: Run) -> Entry | None:
        """The entry for `key`, if the repository still answers its questions the same way."""
        stored = self.entries.get(key)
        if stored is None:
            return None
        _generation, (findings, notes, dependencies) = stored
        for method, args, answer in dependencies:
            if run.repo.ask(method, args) != answer:
                return None
        return (
            [Finding(*f) for f in findings],
            [Note(*n) for n in notes],
            dependencies,
        )

    def put(
        self,
        key: str,
        findings: Sequence[Finding],
        notes: Sequence[Note],
        dependencies: list[Dependency],
    ) -> None:
        value = ([tuple(f) for f in findings], [tuple(n) for n in notes], dependencies)
        self.entries[key] = (self.generation, value)
        self.changed = True

    def save(self, repo_tables: dict[str, Any]) -> None:
        """Write what changed; a cache that cannot be written is no reason to fail a commit."""
        try:
            if self.changed:
                entries = self.entries
                if len(entries) > MAX_ENTRIES:
                    newest = sorted(entries.items(), key=lambda item: item[1][0])[-MAX_ENTRIES:]
                    entries = dict(newest)
                _dump(
                    self.path,
                    {
                        "format": FORMAT,
                        "settings": self.settings,
                        "generation": self.generation,
                        "entries": entries,
                    },
                )
                _prune(self.folder, "results-", MAX_SETTINGS_FILES)
            if self.repo_path and len(repo_tables) > self.repo_tables_loaded:
                _dump(
                    self.repo_path,
                    {"format": FORMAT, "token": self.repo_token, "tables": repo_tables},
                )
                _prune(self.folder, "repo-", 2)
        except OSError:
            pass


def _prune(folder: Path, prefix: str, keep: int) -> None:
    files = sorted(folder.glob(f"{prefix}*.marshal"), key=lambda p: p.stat().st_mtime_ns)
    for old in files[:-keep]:
        old.unlink(missing_ok=True)


def open_store(run: Run, rules: dict[str, ModuleType]) -> Store | None:
    folder = directory(run.root)
    if folder is None:
        return None
    store = Store(folder, settings_key(run, rules), run.repo.token)
    run.repo.tables = store.repo_tables
    return store


def _runbook_stamp(root: Path, config: Config) -> list[tuple[str, int, int]]:
    stamp = []
    for pattern in config.runbooks:
        for file in sorted(root.glob(pattern)) if not Path(pattern).is_absolute() else []:
            info = file.stat()
            stamp.append((file.as_posix(), info.st_size, info.st_mtime_ns))
    return stamp


def links(
    root: Path,
    config: Config,
    rule_ids: Iterable[str],
    resolve: Callable[[list[str]], dict[str, Link | None]],
    *,
    enabled: bool = True,
) -> dict[str, Link | None]:
    """The runbook link of each rule: `resolve` (which reads and matches the runbooks) only for
    rules this configuration and these runbooks have not linked before."""
    wanted = sorted(set(rule_ids))
    folder = directory(root) if enabled else None
    if folder is None:
        return resolve(wanted)
    key = repr(
        (FORMAT, __version__, replay.code_stamp(), repr(config), _runbook_stamp(root, config))
    )
    path = folder / f"links-{_name(key)}.marshal"
    stored: dict[str, Any] = _load(path, "key", key).get("links", {})
    missing = [rule_id for rule_id in wanted if rule_id not in stored]
    if missing:
        for rule_id, link in resolve(missing).items():
            stored[rule_id] = tuple(link) if link else None
        try:
            _dump(path, {"format": FORMAT, "key": key, "links": stored})
            _prune(folder, "links-", MAX_SETTINGS_FILES)
        except OSError:
            pass  # an unwritable cache is no reason to fail a commit
    return {r: Link(*stored[r]) if stored[r] else None for r in wanted}
