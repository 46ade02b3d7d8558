"""The repository index on disk: what every Python module of the repository defines, kept per
blob in `.git/runbook-guard/index.sqlite`, so that a commit pays for the files it changes and a
lookup, never for the size of the repository.

Git already names every file's content (its blob id). The index keeps:
- `scans`: per blob, the module's top-level definitions and whether it has a `__main__` guard
  (hooks/summary.py `scan_definitions`); per blob and path, the module summary rules resolve
  names through (`summarize`). Content-addressed: an entry is never stale.
- `files` and `defs`: every file of one *base* commit and the definitions of its modules, by
  name. A run moves the base to its commit (HEAD, or `--to-ref`) with `git diff-tree` from the
  base it finds, reading only the blobs that differ; what the index adds to the commit (the
  staged changes) is an *overlay* applied to each answer, never written into the base.

The answers are exactly those a scan of the whole tree would give (`--no-cache` asks the same
questions of an index built in memory, from nothing). The file is opened only when it is a
regular file; a damaged or foreign one is rebuilt, and stored text is read only below a size
limit, so no cache file can hang or exhaust a run. No journal file is written beside it (a
symlink planted there could redirect the write): a run killed mid-write leaves a file that
fails its check and is rebuilt.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from runbook_guard.hooks import git, replay
from runbook_guard.hooks.summary import (
    Definition,
    ImportLine,
    Summary,
    imported_modules,
    scan_coroutine_names,
    scan_definitions,
    scan_imports,
)

FORMAT = "6"  # 6: coroutine names (5: stored answers sealed; 4: names and states as digests)
NAME = "index.sqlite"
MAX_TEXT = 8 << 20  # a stored text above this is read as a miss
CHUNK = 500  # names per query (sqlite's variable limit is 999 on old builds)
PARALLEL_MIN = 2000  # blobs to scan before a second process pays for itself
PROGRESS_MIN = 2000  # blobs to scan before the first run says what it is doing
PYTHON = (".py", ".pyi")
MAX_TABLES = 64  # repository tables kept, over all states
MISSING = object()
TABLES = (
    "meta",
    "files",
    "scans",
    "defs",
    "coroutines",
    "imports",
    "results",
    "tables",
    "summaries",
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files(path TEXT NOT NULL PRIMARY KEY, blob TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scans(
    blob TEXT NOT NULL PRIMARY KEY, guarded INTEGER NOT NULL, defs TEXT NOT NULL,
    imports TEXT NOT NULL, coroutines TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS defs(
    name TEXT NOT NULL, path TEXT NOT NULL, line INTEGER NOT NULL, registered INTEGER NOT NULL,
    guarded INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS defs_name ON defs(name);
CREATE INDEX IF NOT EXISTS defs_path ON defs(path);
CREATE TABLE IF NOT EXISTS coroutines(
    name TEXT NOT NULL CHECK (name GLOB '[A-Za-z_]*()' AND name NOT GLOB '?*[^A-Za-z0-9_]*()'),
    path TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS coroutines_name ON coroutines(name);
CREATE INDEX IF NOT EXISTS coroutines_path ON coroutines(path);
CREATE TABLE IF NOT EXISTS imports(module TEXT NOT NULL, path TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS imports_module ON imports(module);
CREATE INDEX IF NOT EXISTS imports_path ON imports(path);
CREATE TABLE IF NOT EXISTS results(
    settings TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY(settings, key)
);
CREATE TABLE IF NOT EXISTS tables(
    token TEXT NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY(token, name)
);
CREATE TABLE IF NOT EXISTS summaries(
    blob TEXT NOT NULL, path TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY(blob, path)
);
"""

# (path, line, registered by a decorator, the module is a standalone script)
Place = tuple[str, int, bool, bool]
Overlay = Mapping[str, "str | None"]  # path -> its blob in the state checked, None: deleted


class Scan(NamedTuple):
    guarded: bool  # an `if __name__ == "__main__":` block
    defs: list[Definition]
    imports: list[ImportLine]
    coroutines: list[str]  # names a call may reach an `async def` of the module by


def _connect(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=10, isolation_level=None)
    connection.execute("PRAGMA journal_mode=MEMORY")
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA trusted_schema=OFF")
    return connection


def _create_private(path: str) -> None:
    """Create the file for the owner alone (it holds the findings of the repository's code),
    never through a link someone planted in its place."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))


def _is_regular_or_absent(path: str) -> bool:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    import stat

    return stat.S_ISREG(info.st_mode)


class IndexStore:
    """One connection to the index (on disk, or in memory for `--no-cache`)."""

    def __init__(
        self,
        root: Path,
        connection: sqlite3.Connection,
        reader: git.BlobReader,
        *,
        in_memory: bool = False,
    ) -> None:
        self.root, self.db, self.reader = root, connection, reader
        self.synced: str | None = None  # the commit the base was last moved to (sync)
        self.pid = os.getpid()
        # a forked worker may go on with an index in memory (its own copy of the pages); a
        # file's connection must not cross a fork, so the worker opens its own
        self.in_memory = in_memory

    def usable_here(self) -> bool:
        return self.in_memory or self.pid == os.getpid()

    @classmethod
    def open(cls, root: Path, folder: str | None, reader: git.BlobReader) -> IndexStore:
        """The index in `folder` (the cache directory), else one in memory."""
        if folder is not None:
            path = os.path.join(folder, NAME)
            try:
                os.makedirs(folder, mode=0o700, exist_ok=True)
                if _is_regular_or_absent(path):
                    _create_private(path)
                    store = cls(root, _connect(path), reader)
                    if store._usable():
                        return store
                    store.db.close()
                    os.unlink(path)  # damaged or another version's: built afresh
                    _create_private(path)
                    store = cls(root, _connect(path), reader)
                    if store._usable():
                        return store
            except (OSError, sqlite3.Error):
                pass  # an unusable cache is no reason to fail a commit: index in memory
        store = cls(root, _connect(":memory:"), reader, in_memory=True)
        store._usable()
        return store

    def _usable(self) -> bool:
        try:
            self.db.executescript(SCHEMA)
            found = self.db.execute("SELECT value FROM meta WHERE key='format'").fetchone()
            if found is None:
                self.db.execute("INSERT OR REPLACE INTO meta VALUES('format', ?)", (FORMAT,))
                return True
            return found[0] == FORMAT
        except sqlite3.Error:
            return False

    # -- the base commit ---------------------------------------------------------------------

    def base(self) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key='base'").fetchone()
        return row[0] if row and isinstance(row[0], str) else None

    def _rows(
        self, query: str, args: Sequence[object], shape: tuple[Callable[[object], bool], ...]
    ) -> list[Any]:
        """The rows of a query, each of `shape`. A row of another shape means the file was
        damaged (or crafted): every table is emptied and built again from git, then asked."""
        rows = self.db.execute(query, args).fetchall()
        if all(_fits(row, shape) for row in rows):
            return rows
        with contextlib.suppress(sqlite3.Error):
            for table in TABLES:
                self.db.execute(f"DELETE FROM {table}")
        self.sync(self.synced)
        return self.db.execute(query, args).fetchall()

    def sync(self, commit: str | None) -> None:
        """Move the base to `commit` (None: the empty tree of a repository before its first
        commit), reading only the blobs that differ from the base found."""
        self.synced = commit
        current = self.base()
        if current == (commit or ""):
            return
        changes: list[tuple[str, str | None]] | None = None
        if current and commit:
            try:
                changes = git.tree_changes(self.root, current, commit)
            except git.GitError:
                changes = None  # the old base is gone (a rebase, a gc): start afresh
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if self.base() == (commit or ""):  # another run moved it while we waited
                self.db.execute("COMMIT")
                return
            if changes is None:
                self.db.execute("DELETE FROM files")
                self.db.execute("DELETE FROM defs")
                changes = list(git.tree_files(self.root, commit).items()) if commit else []
            self._apply(changes)
            self.db.execute("INSERT OR REPLACE INTO meta VALUES('base', ?)", (commit or "",))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _apply(self, changes: list[tuple[str, str | None]]) -> None:
        paths = [path for path, _ in changes]
        for start in range(0, len(paths), CHUNK):
            chunk = paths[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            self.db.execute(f"DELETE FROM files WHERE path IN ({marks})", chunk)
            self.db.execute(f"DELETE FROM defs WHERE path IN ({marks})", chunk)
            self.db.execute(f"DELETE FROM imports WHERE path IN ({marks})", chunk)
            self.db.execute(f"DELETE FROM coroutines WHERE path IN ({marks})", chunk)
        present = [(path, blob) for path, blob in changes if blob]
        self.db.executemany("INSERT OR REPLACE INTO files VALUES(?, ?)", present)
        modules = [(path, blob) for path, blob in present if path.endswith(PYTHON)]
        scans = self.scans({blob for _, blob in modules})
        rows, imports, coroutines = [], [], []
        for path, blob in modules:
            scan = scans.get(blob, EMPTY)
            rows.extend((d.name, path, d.line, d.registered, scan.guarded) for d in scan.defs)
            imports.extend((name, path) for name in imported_modules(path, scan.imports))
            coroutines.extend((f"{name}()", path) for name in scan.coroutines)
        self.db.executemany("INSERT INTO defs VALUES(?, ?, ?, ?, ?)", rows)
        self.db.executemany("INSERT INTO imports VALUES(?, ?)", imports)
        self.db.executemany("INSERT INTO coroutines VALUES(?, ?)", coroutines)

    # -- per blob ----------------------------------------------------------------------------

    def scans(self, blobs: Iterable[str]) -> dict[str, Scan]:
        """Each blob's definitions: stored ones read, the rest scanned (and stored)."""
        wanted = sorted(set(blobs))
        found: dict[str, Scan] = {}
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            query = (
                "SELECT blob, guarded, defs, imports, coroutines FROM scans "
                f"WHERE blob IN ({marks})"
            )
            for blob, guarded, defs, imports, coroutines in self.db.execute(query, chunk):
                scan = _load_scan(bool(guarded), defs, imports, coroutines)
                if scan is not None:
                    found[blob] = scan
        missing = [blob for blob in wanted if blob not in found]
        if missing:
            scanned = _scan_blobs(self.root, missing)
            rows = [
                (
                    blob,
                    scan.guarded,
                    json.dumps(scan.defs),
                    json.dumps(scan.imports),
                    json.dumps(scan.coroutines),
                )
                for blob, scan in scanned.items()
            ]
            self.db.executemany("INSERT OR REPLACE INTO scans VALUES(?, ?, ?, ?, ?)", rows)
            found.update(scanned)
        return found

    def summary(self, path: str, blob: str, compute: Callable[[], Summary | None]) -> Any:
        """The module summary of `blob` at `path`: stored, else computed and stored."""
        row = self.db.execute(
            "SELECT data FROM summaries WHERE blob=? AND path=?", (blob, path)
        ).fetchone()
        stored = _unsealed(row, f"{blob}\0{path}")
        if stored is not MISSING:
            return stored
        summary = compute()
        with contextlib.suppress(sqlite3.Error):  # a read-only cache still answers
            self.db.execute(
                "INSERT OR REPLACE INTO summaries VALUES(?, ?, ?)",
                (blob, path, _sealed(summary, f"{blob}\0{path}")),
            )
        return summary

    # -- questions, with the overlay applied -------------------------------------------------

    def blobs(self, paths: Iterable[str], overlay: Overlay) -> dict[str, str]:
        """path -> blob in the state checked (the base, changed by the overlay)."""
        wanted = sorted(set(paths))
        found = {}
        rest = [p for p in wanted if p not in overlay]
        for start in range(0, len(rest), CHUNK):
            chunk = rest[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT path, blob FROM files WHERE path IN ({marks})"
            found.update(dict(self._rows(query, chunk, (_text, _object_id))))
        for path in wanted:
            blob = overlay.get(path)
            if blob:
                found[path] = blob
        return found

    def definitions(self, names: Iterable[str], overlay: Overlay) -> dict[str, list[Place]]:
        """Where each name is defined at the top level of a module, in the state checked."""
        wanted = sorted(set(names))
        raw: dict[str, list[tuple[str, int, bool, bool]]] = {n: [] for n in wanted}
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            query = (
                f"SELECT name, path, line, registered, guarded FROM defs WHERE name IN ({marks})"
            )
            for name, path, line, registered, guarded in self._rows(query, chunk, DEF_ROW):
                if path not in overlay:
                    raw[name].append((path, line, bool(registered), bool(guarded)))
        changed = {p: b for p, b in overlay.items() if b and p.endswith(PYTHON)}
        scans = self.scans(changed.values())
        for path, blob in changed.items():
            scan = scans.get(blob, EMPTY)
            for d in scan.defs:
                if d.name in raw:
                    raw[d.name].append((path, d.line, d.registered, scan.guarded))
        # a standalone script: a `__main__` guard with no package around it (run, not imported)
        guarded_paths = {place[0] for places in raw.values() for place in places if place[3]}
        inits = {_init_of(p) for p in guarded_paths}
        packages = set(self.blobs(inits, overlay))
        return {
            name: sorted(
                (path, line, registered, guarded and _init_of(path) not in packages)
                for path, line, registered, guarded in places
            )
            for name, places in raw.items()
        }

    def coroutine_names(self, names: Iterable[str], overlay: Overlay) -> set[str]:
        """Those of `names` by which a call may reach a coroutine function of the state
        checked (summary.py `scan_coroutine_names`)."""
        asked = set(names)
        wanted = sorted(asked)
        found: set[str] = set()
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT name, path FROM coroutines WHERE name IN ({marks})"
            keys = [f"{name}()" for name in chunk]
            for key, path in self._rows(query, keys, (_text, _text)):
                if path not in overlay:
                    found.add(key[:-2])
        changed = {p: b for p, b in overlay.items() if b and p.endswith(PYTHON)}
        for scan in self.scans(changed.values()).values():
            found.update(name for name in scan.coroutines if name in asked)
        return found

    def importers(self, module: str, overlay: Overlay) -> list[str]:
        """The modules that import `module` (or a name from it) in the state checked."""
        rows = self._rows("SELECT path FROM imports WHERE module=?", (module,), (_text,))
        paths = {path for (path,) in rows if path not in overlay}
        changed = {p: b for p, b in overlay.items() if b and p.endswith(PYTHON)}
        scans = self.scans(changed.values())
        for path, blob in changed.items():
            if module in imported_modules(path, scans.get(blob, EMPTY).imports):
                paths.add(path)
        return sorted(paths)

    def table(self, token: str, name: str) -> Any:
        """A repository table (a `git grep` answer) stored for one repository state, or
        MISSING."""
        row = self.db.execute(
            "SELECT data FROM tables WHERE token=? AND name=?", (_state(token), _state(name))
        ).fetchone()
        return _unsealed(row, f"{token}\0{name}")

    def put_table(self, token: str, name: str, value: Any) -> None:
        with contextlib.suppress(sqlite3.Error):  # a read-only cache still answers
            self.db.execute(
                "INSERT OR REPLACE INTO tables VALUES(?, ?, ?)",
                (_state(token), _state(name), _sealed(value, f"{token}\0{name}")),
            )
            # the tables of the states written longest ago go first
            self.db.execute(
                "DELETE FROM tables WHERE rowid <= (SELECT MAX(rowid) FROM tables) - ?",
                (MAX_TABLES,),
            )

    def close(self) -> None:
        if self.pid == os.getpid():
            self.db.close()


def _init_of(path: str) -> str:
    return f"{path.rpartition('/')[0]}/__init__.py".lstrip("/")


EMPTY = Scan(False, [], [], [])


def _state(text: str) -> str:
    """A repository state's name (or a question's) as the index keeps it: a digest, since it
    lists the staged paths and the question's words."""
    from runbook_guard.hooks.replay import digest

    return digest(text)


def _text(value: object) -> bool:
    return isinstance(value, str)


def _integer(value: object) -> bool:
    return type(value) is int


def _object_id(value: object) -> bool:
    # what git names a blob by (SHA-1, or SHA-256 in a repository that uses it)
    return isinstance(value, str) and len(value) in (40, 64) and value.isalnum() and value.islower()


def _fits(row: Sequence[object], shape: tuple[Callable[[object], bool], ...]) -> bool:
    return len(row) == len(shape) and all(
        valid(value) for value, valid in zip(row, shape, strict=True)
    )


DEF_ROW = (_text, _text, _integer, _integer, _integer)  # name, path, line, registered, guarded


def _sealed(value: Any, key: str) -> str:
    """A stored answer with the seal that proves it whole (hooks/replay.py, `seal`)."""
    plain = json.loads(json.dumps(value))  # as it will read back: tuples become lists
    return json.dumps({"seal": replay.seal(key, plain), "value": plain})


def _unsealed(row: Sequence[object] | None, key: str) -> Any:
    """The answer stored in a row, or MISSING when there is none or it is damaged (not
    text, too big, not JSON, or its seal does not match what it holds)."""
    if row is None or not isinstance(row[0], str) or len(row[0]) > MAX_TEXT:
        return MISSING
    try:
        stored = json.loads(row[0])
    except (ValueError, RecursionError):
        return MISSING
    if not isinstance(stored, dict) or stored.get("seal") != replay.seal(key, stored.get("value")):
        return MISSING
    return stored["value"]


def _load_scan(guarded: bool, defs: object, imports: object, coroutines: object) -> Scan | None:
    texts = (defs, imports, coroutines)
    if not all(isinstance(text, str) and len(text) <= MAX_TEXT for text in texts):
        return None
    try:
        raw_defs, raw_imports, raw_coroutines = (json.loads(str(text)) for text in texts)
        return Scan(
            guarded,
            [Definition(str(n), int(line), str(k), bool(r)) for n, line, k, r in raw_defs],
            [(int(level), str(m), [str(n) for n in names]) for level, m, names in raw_imports],
            [_identifier(name) for name in raw_coroutines],
        )
    except (ValueError, TypeError, RecursionError):
        return None  # a damaged entry is a miss: scanned again


def _identifier(value: object) -> str:
    """A stored coroutine name, which the index's table takes only as an ASCII identifier."""
    if not (isinstance(value, str) and value.isascii() and value.isidentifier()):
        raise ValueError(f"not a name: {value!r}")
    return value


def _scan_blobs(root: Path, blobs: list[str]) -> dict[str, Scan]:
    """Scan blobs for their definitions: one `git cat-file` stream, over two processes when
    there are many (a first run on a large repository), saying so on stderr."""
    started = time.monotonic()
    if len(blobs) >= PROGRESS_MIN:
        sys.stderr.write(
            f"runbook-guard: indexing {len(blobs):,} Python modules of the repository "
            "(once; later runs read only what changed)\n"
        )
    jobs = min(os.cpu_count() or 1, 2) if len(blobs) >= PARALLEL_MIN else 1
    if jobs > 1:
        import multiprocessing

        if "fork" in multiprocessing.get_all_start_methods():
            half = len(blobs) // 2
            with multiprocessing.get_context("fork").Pool(2) as pool:
                parts = pool.starmap(_scan_part, [(root, blobs[:half]), (root, blobs[half:])])
            found = {k: v for part in parts for k, v in part.items()}
        else:
            found = _scan_part(root, blobs)
    else:
        found = _scan_part(root, blobs)
    if len(blobs) >= PROGRESS_MIN:
        took = time.monotonic() - started
        sys.stderr.write(f"runbook-guard: indexed {len(blobs):,} modules in {took:.1f} s\n")
    return found


def _scan_part(root: Path, blobs: list[str]) -> dict[str, Scan]:
    return {blob: _scan(data) for blob, data in git.stream_blobs(root, blobs)}


def _scan(data: bytes) -> Scan:
    guarded, defs = scan_definitions(data)
    imported: list[bytes] = []
    imports = scan_imports(data, imported)
    return Scan(guarded, defs, imports, scan_coroutine_names(data, imported))
