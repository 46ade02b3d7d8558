"""Replay: a run whose every input is what it was last time prints what it printed then.

The result cache (hooks/cache.py) spares a run the parsing of files that did not change, but the
run still starts the engine, imports the rules, reads the configuration and asks git three
questions. When nothing at all changed since a run with the same arguments (`pre-commit run`
before `git commit`, a commit retried after another hook failed, an editor running the hook on
save), its report is already known. This module names the run's inputs before anything heavy is
imported, with one `git diff` and a few `stat`s, and replays the stored output and exit code:
what make does for a target that is up to date.

The inputs named: runbook-guard's own files and the Python running them; the arguments and the
working directory; the environment a run reads (`SKIP`, the colour switches) and whether stdout is a
terminal (colour); the staged diff (every file, blob and added line the rules see) and HEAD's
commit, which together name what the index holds (what the repository-wide rules grep) however
often git refreshes the index's file-system data; the top-level directories (services are
detected from them); and what the run recorded reading: the configuration files, the
named-values index, the runbooks and what their globs match. Whatever cannot be named exactly
means no replay, the full run: an option that reads or writes something else (`--config`,
`--all-files`, `--from-ref`, `--output`, `--no-cache`), `GIT_WORK_TREE`, a HEAD the files do
not say (a reftable repository), a repository whose top is not the current directory, a report
secrets were cut from, or a secret of the current environment in the stored report.
"""

from __future__ import annotations

import functools
import os
import sys
import time

from runbook_guard.hooks import __version__, git

# Names for annotations only: this module is all a replayed run imports besides hooks.git.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

FORMAT = 3  # JSON, sealed by a digest of key and content (1 was marshal, 2 unsealed)
MAX_FILE = 8 << 20  # a stored run bigger than this is not read (a crafted file is no memory bomb)
MAX_RUNS = 8  # the hook ids a team runs, each on a state or two; one file each
# A bigger change takes seconds to check: replaying it saves too little to store a megabyte.
MAX_KEY = 1 << 20
PACKAGE = os.path.dirname(os.path.abspath(__file__))
# Options that only choose among the same inputs; any other option reads or writes something
# else (and an abbreviation argparse would accept is "any other" here: no replay).
SAME_INPUTS = ("--select", "--ignore", "--format")
READ_FROM_ENVIRONMENT = ("SKIP", "NO_COLOR", "FORCE_COLOR", "PRE_COMMIT_COLOR")
# A run with any of these set reads other content (a ref range, another work tree): never replayed.
OTHER_CONTENT = ("PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF", "GIT_WORK_TREE")
# A file changed this close to the run's start may have changed while the run read it, within
# the file system's time resolution (git's "racy" index entries): such a run is not stored.
RACY_NS = 2_000_000_000

Stamp = tuple[int, int, int, int] | None  # size, mtime, ctime, inode; None: no such file


class RunInputs:
    """The name of everything a run reads, taken before it starts, and the staged diff (a run
    that is not replayed parses it rather than asking git again)."""

    __slots__ = ("folder", "key", "patch", "started", "top")

    def __init__(self, top: str, folder: str, key: str, started: int, patch: bytes) -> None:
        self.top, self.folder, self.key, self.started = top, folder, key, started
        self.patch = patch


def cache_dir(top: str) -> str | None:
    """Where runbook-guard keeps its caches: `RUNBOOK_GUARD_CACHE_DIR`, else `runbook-guard/`
    in the repository's git directory; None with `RUNBOOK_GUARD_NO_CACHE` set."""
    if os.environ.get("RUNBOOK_GUARD_NO_CACHE"):
        return None
    override = os.environ.get("RUNBOOK_GUARD_CACHE_DIR")
    if override:
        return override
    directory = git.git_dir(top)
    return os.path.join(directory, "runbook-guard") if directory else None


@functools.cache
def code_stamp() -> list[tuple[str, int, int]]:
    """Sizes and times of runbook-guard's own files (modules, and the shipped runbook the links
    point into): an edited rule or runbook invalidates every cache."""
    stamp = []
    for folder, dirs, names in os.walk(PACKAGE):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in names:
            if name.endswith((".py", ".md")):
                info = os.stat(os.path.join(folder, name))
                stamp.append((os.path.join(folder, name), info.st_size, info.st_mtime_ns))
    return sorted(stamp)


def _same_inputs(arguments: Sequence[str]) -> bool:
    value_next = False
    for argument in arguments:
        if value_next:
            value_next = False
        elif argument in SAME_INPUTS:
            value_next = True
        elif argument.startswith("-") and argument.partition("=")[0] not in SAME_INPUTS:
            return False
    return True


def _layout(top: str) -> list[tuple[str, bool]]:
    """The top-level directories, and which are packages: what services are detected from
    (hooks/context.py, `detect_services`)."""
    try:
        with os.scandir(top) as entries:
            return sorted(
                (e.name, os.path.isfile(os.path.join(e.path, "__init__.py")))
                for e in entries
                if not e.name.startswith(".") and e.is_dir()
            )
    except OSError:
        return []


def run_inputs(argv: Sequence[str]) -> RunInputs | None:
    """The inputs of `runbook-guard <argv>` here, or None when such a run cannot be replayed."""
    if not argv or argv[0] != "run" or not _same_inputs(argv[1:]):
        return None
    if any(name in os.environ for name in OTHER_CONTENT):
        return None
    started = time.time_ns()
    top = os.getcwd()
    folder, directory = cache_dir(top), git.git_dir(top)
    if folder is None or directory is None:
        return None
    head = git.head_from_files(directory)
    if head is None:
        return None
    patch = git.staged_patch(top)
    if patch is None:
        return None
    key = repr(
        (
            FORMAT,
            __version__,
            sys.version,  # another Python parses (and so finds) otherwise
            code_stamp(),
            top,
            list(argv),
            [os.environ.get(name) for name in READ_FROM_ENVIRONMENT],
            sys.stdout.isatty(),
            head,  # with the staged diff, names what the index holds (what repo-wide rules grep)
            _layout(top),
            patch,
        )
    )
    return RunInputs(top, folder, key, started, patch) if len(key) <= MAX_KEY else None


def _stamp(path: str) -> Stamp:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino


def _stamps(top: str, files: Iterable[str]) -> list[tuple[str, Stamp]]:
    return [(name, _stamp(os.path.join(top, name))) for name in files]


def _matched(top: str, patterns: Iterable[str]) -> list[tuple[str, Stamp]]:
    """What the runbook globs match now, found as the full run finds them (hooks/globs.py:
    no symlinked directory followed, nothing outside the repository)."""
    from runbook_guard.hooks import globs

    names: list[str] = []
    for pattern in patterns:
        names += globs.files(top, pattern)
    return _stamps(top, names)


def _path(run: RunInputs) -> str:
    """The run's file: named by a checksum of its key, which the file holds whole (a name two
    keys share costs a full run, never a wrong report)."""
    import zlib

    data = run.key.encode()
    return os.path.join(run.folder, f"replay-{zlib.crc32(data):08x}{zlib.adler32(data):08x}")


def digest(key: str) -> str:
    """What a stored file keeps of its key: the key holds the staged patch, and so whatever
    secret a developer staged, which must not outlive the run in a cache file."""
    try:
        from _blake2 import blake2b  # hashlib's own import costs a replay ~3 ms
    except ImportError:  # pragma: no cover (another Python)
        from hashlib import blake2b
    return blake2b(key.encode("utf-8", "surrogateescape"), digest_size=32).hexdigest()


def seal(key: str, payload: object) -> str:
    """What a stored entry is filed under: a digest of its key and of its content, so an entry
    damaged in any byte (a torn write, a flipped bit) is a miss, never a different report."""
    import json

    return digest(key + "\0" + json.dumps(payload, sort_keys=True))


def read_json(path: str, limit: int = MAX_FILE) -> object:
    """A cache file's JSON, or None: only a regular file (a FIFO or a device in its place is
    never opened for reading, a symlink never followed), only up to `limit` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        import stat

        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        data = os.read(fd, limit + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) > limit:
        return None
    import json

    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def _stored(run: RunInputs) -> list | None:
    data = read_json(_path(run))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    entry = data.get("run")
    if data.get("key") != seal(run.key, entry):
        return None
    shape = (str, str, int, list, list, list)
    if not isinstance(entry, list) or len(entry) != len(shape):
        return None
    if not all(isinstance(value, kind) for value, kind in zip(entry, shape, strict=True)):
        return None
    return entry


def replay(run: RunInputs) -> int | None:
    """Print what the run with these inputs printed, and return its exit code; None when no
    such run is stored, a file it read changed, or its report holds a secret of this
    environment (the full run cuts it)."""
    stored = _stored(run)
    if stored is None:
        return None
    out, err, code, files, runbooks, matched = stored
    try:
        if _stamps(run.top, (name for name, _ in files)) != _plain(files):
            return None
        if runbooks and _matched(run.top, runbooks) != _plain(matched):
            return None
    except (TypeError, ValueError):
        return None  # an entry of the wrong shape: a miss
    from runbook_guard.hooks.secrets import secret_values

    if any(value in out or value in err for value in secret_values()):
        return None
    sys.stdout.write(out)
    sys.stderr.write(err)
    return int(code)


def record(
    run: RunInputs,
    out: str,
    err: str,
    code: int,
    *,
    files: Sequence[str],
    runbooks: Sequence[str],
) -> None:
    """Keep what a full run printed, with what it read, for the next run with its inputs."""
    stamps, matched = _stamps(run.top, files), _matched(run.top, runbooks) if runbooks else []
    if any(stamp and stamp[1] >= run.started - RACY_NS for _, stamp in [*stamps, *matched]):
        return
    import contextlib  # a full run's import, not a replay's

    with contextlib.suppress(OSError):  # an unwritable cache is no reason to fail a commit
        run_file = _path(run)
        entry = [out, err, code, stamps, list(runbooks), matched]
        write_atomically(run_file, {"format": FORMAT, "key": seal(run.key, entry), "run": entry})
        _keep_newest(run.folder, os.path.basename(run_file))


def _keep_newest(folder: str, written: str) -> None:
    """The MAX_RUNS runs written last; the others go."""
    names = [n for n in os.listdir(folder) if n.startswith("replay-") and n != written]
    names.sort(key=lambda n: os.stat(os.path.join(folder, n)).st_mtime_ns)
    for name in names[: max(0, len(names) - (MAX_RUNS - 1))]:
        os.unlink(os.path.join(folder, name))


def _plain(stamps: list) -> list:
    """Stamps as JSON gives them back (lists) compared as this module makes them (tuples)."""
    return [(name, tuple(stamp) if stamp is not None else None) for name, stamp in stamps]


def write_atomically(path: str, data: object) -> None:
    """Write `data` as JSON to `path` so that a reader sees the old file or the new one, never
    half. The temporary file is created new (O_EXCL: never an existing file, never through a
    planted symlink) under a name no other run can guess, then renamed over `path`."""
    import json

    folder = os.path.dirname(path)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    temporary = os.path.join(folder, f".tmp-{os.getpid()}-{os.urandom(8).hex()}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    try:
        with open(os.open(temporary, flags, 0o600), "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=True)
        os.replace(temporary, path)
    except BaseException:
        if os.path.lexists(temporary):
            os.unlink(temporary)
        raise
