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

import contextlib
import hashlib
import json
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from runbook_guard.hooks import __version__, globs, replay
from runbook_guard.hooks.config import Config, index_source
from runbook_guard.hooks.context import Run, SourceFile
from runbook_guard.hooks.findings import Finding, Link, Note
from runbook_guard.hooks.store import MAX_TEXT, IndexStore

FORMAT = 3  # JSON files, each entry sealed with a digest of its key and content
MAX_ENTRIES = 100_000  # results kept; the ones written longest ago go first
ENTRY_FIELDS = ("findings", "notes", "asked", "marked")  # a stored result, sealed with its key
MAX_SETTINGS_FILES = 8  # a configuration edited back and forth keeps its links

# (method, arguments, answer) of one question a rule asked the repository index
Dependency = tuple[str, tuple[Any, ...], Any]
# findings, notes, questions asked, and whether the file holds a suppression comment
Entry = tuple[list[Finding], list[Note], list[Dependency], bool]


def directory(root: Path) -> Path | None:
    """Where the cache lives: `RUNBOOK_GUARD_CACHE_DIR`, else the repository's git directory."""
    folder = replay.cache_dir(os.fspath(root))
    return Path(folder) if folder else None


def settings_key(run: Run, rules: dict[str, ModuleType]) -> str:
    """Everything besides the file itself that a file's findings may depend on."""
    index = index_source(run.root, run.config)
    index_stamp: tuple[str, str] | None = None
    if index is not None:
        # by content: an edit that keeps the size and the time (a tool restoring times, two
        # edits within the clock's step) must still change the key
        try:
            content = (run.root / index).read_bytes()
            index_stamp = (index, hashlib.blake2b(content, digest_size=16).hexdigest())
        except OSError:
            index_stamp = (index, "")
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
    data = replay.read_json(os.fspath(path))  # a regular file of bounded size, or None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}  # missing, damaged, or another version's file: start afresh
    if data.get("key") != replay.seal(key, data.get(field)):
        return {}  # two keys that share a name, or a damaged entry
    return data


def _answer_digest(answer: Any) -> str:
    """A repository answer as the cache keeps it: its digest (the answer holds lines of code)."""
    return replay.digest(json.dumps(answer, sort_keys=True))  # a tuple dumps as a list does


def _args(args: Any) -> tuple[Any, ...]:
    """A question's arguments as the repository index takes them (JSON made tuples lists)."""
    return tuple(tuple(a) if isinstance(a, list) else a for a in args)


def _redacted(found: Finding, redact: Callable[[str], str]) -> list[Any]:
    fields = list(found)
    return [redact(v) if isinstance(v, str) else v for v in fields]


def _is_link(value: Any) -> bool:
    return value is None or (
        isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)
    )


def _dump(path: Path, data: dict[str, Any]) -> None:
    replay.write_atomically(os.fspath(path), data)


def _plain(value: Any) -> Any:
    """A value as JSON keeps it (tuples become lists): how a stored answer compares."""
    return json.loads(json.dumps(value))


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()


class Store:
    """The entries of one settings key, in the repository index's database (hooks/store.py):
    looked up one file at a time, so a run reads the entries of the files it checks and no
    others, however many an `--all-files` run left."""

    def __init__(self, index: IndexStore, settings: str) -> None:
        self.db = index.db
        self.settings = _digest(settings)
        self.pending: list[tuple[str, str, str]] = []
        self.redact: Callable[[str], str] | None = None

    def get(self, key: str, run: Run) -> Entry | None:
        """The entry for `key`, if the repository still answers its questions the same way."""
        try:
            row = self.db.execute(
                "SELECT data FROM results WHERE settings=? AND key=?",
                (self.settings, _digest(key)),
            ).fetchone()
        except sqlite3.Error:
            return None
        if row is None or len(row[0]) > MAX_TEXT:
            return None
        try:
            stored = json.loads(row[0])
            if stored.get("key") != replay.seal(key, {k: stored.get(k) for k in ENTRY_FIELDS}):
                return None  # two keys that share a digest, or a damaged entry
            findings = [Finding(*_finding_fields(f)) for f in stored["findings"]]
            notes = [Note(*n) for n in stored["notes"]]
            dependencies = [(str(m), _args(a), str(answer)) for m, a, answer in stored["asked"]]
            marked = bool(stored["marked"])
        except (ValueError, TypeError, KeyError, AttributeError):
            return None  # a damaged or foreign entry is a miss
        for method, args, answer in dependencies:
            if method not in QUESTIONS:
                return None
            try:
                if _answer_digest(run.repo.ask(method, args)) != answer:
                    return None
            except (TypeError, ValueError, AttributeError):
                return None  # a question of the wrong shape: a miss
        return findings, notes, dependencies, marked

    def add(self, row: tuple[str, str, str]) -> None:
        """An entry `row` made (in a worker process, say) to be written with the others."""
        self.pending.append(row)

    def row(
        self,
        key: str,
        findings: Sequence[Finding],
        notes: Sequence[Note],
        dependencies: list[Dependency],
        marked: bool,
    ) -> tuple[str, str, str]:
        """The database row of an entry; no database touched (workers make their own)."""
        # Nothing a developer staged is kept as it is: the key (which holds removed lines) and
        # the repository's answers as digests, the findings and notes with secrets cut.
        if self.redact is None:  # the environment read once per run, not once per text
            from runbook_guard.hooks.secrets import redactor

            self.redact = redactor()
        redact = self.redact

        entry = _plain(
            {
                "findings": [_redacted(f, redact) for f in findings],
                "notes": [[redact(n.path), redact(n.message)] for n in notes],
                "asked": [[m, list(a), _answer_digest(answer)] for m, a, answer in dependencies],
                "marked": marked,
            }
        )
        data = {"key": replay.seal(key, entry), **entry}
        return self.settings, _digest(key), json.dumps(data)

    def save(self) -> None:
        """Write what changed; a cache that cannot be written is no reason to fail a commit."""
        if not self.pending:
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                "INSERT OR REPLACE INTO results(settings, key, data) VALUES(?, ?, ?)",
                self.pending,
            )
            # the entries written longest ago go first
            self.db.execute(
                "DELETE FROM results WHERE rowid <= (SELECT MAX(rowid) FROM results) - ?",
                (MAX_ENTRIES,),
            )
            self.db.execute("COMMIT")
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
        self.pending = []


# The questions an entry may ask again: a stored name outside these is a foreign entry.
QUESTIONS = frozenset(
    {
        "grep",
        "definitions",
        "coroutine_names",
        "module_file",
        "in_package",
        "importers",
        "mentions",
    }
)


def _finding_fields(fields: list[Any]) -> list[Any]:
    """A stored finding's fields, the statement span back to a tuple."""
    if len(fields) > 8 and isinstance(fields[8], list):
        fields = [*fields[:8], tuple(fields[8])]
    return fields


def open_store(run: Run, rules: dict[str, ModuleType]) -> Store | None:
    if directory(run.root) is None:
        return None
    index = run.repo.store()
    if index.in_memory:
        return None
    return Store(index, settings_key(run, rules))


def _prune(folder: Path, prefix: str, keep: int) -> None:
    files = sorted(folder.glob(f"{prefix}*.json"), key=lambda p: p.stat().st_mtime_ns)
    for old in files[:-keep]:
        old.unlink(missing_ok=True)


def _runbook_stamp(root: Path, config: Config) -> list[tuple[Any, ...]]:
    stamp: list[tuple[Any, ...]] = []
    for pattern in config.runbooks:
        names = globs.files(os.fspath(root), pattern)
        if not names:  # a sparse checkout's runbooks are read from the index (hooks/runbook.py)
            from runbook_guard.hooks.runbook import sparse_runbooks

            stamp.append((pattern, sorted(sparse_runbooks(root, pattern).items())))
        for name in names:
            try:
                info = (root / name).stat()
            except OSError:
                continue
            stamp.append((name, info.st_size, info.st_mtime_ns, info.st_ctime_ns))
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
    if not wanted:
        return {}
    base = None
    if config.runbooks:  # the team's links are made with the link base, which may be derived
        from runbook_guard.hooks.links import link_base

        base = link_base(root, config)
    key = repr(
        (FORMAT, __version__, replay.code_stamp(), repr(config), base, _runbook_stamp(root, config))
    )
    path = folder / f"links-{_name(key)}.json"
    stored: dict[str, Any] = _load(path, "links", key).get("links", {})
    if not isinstance(stored, dict) or not all(_is_link(v) for v in stored.values()):
        stored = {}  # an entry of the wrong shape: a miss, never a traceback
    missing = [rule_id for rule_id in wanted if rule_id not in stored]
    if missing:
        for rule_id, link in resolve(missing).items():
            stored[rule_id] = list(link) if link else None
        try:
            _dump(path, {"format": FORMAT, "key": replay.seal(key, stored), "links": stored})
            _prune(folder, "links-", MAX_SETTINGS_FILES)
        except OSError:
            pass  # an unwritable cache is no reason to fail a commit
    return {r: Link(*stored[r]) if stored[r] else None for r in wanted}
