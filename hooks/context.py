"""What rules see: one file at a time, the node being visited, and the run's repository index.

Rules never touch files, git or configuration themselves; everything they read is here.
"""

from __future__ import annotations

import ast
import bisect
import os
import re
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runbook_guard.hooks import git, globs
from runbook_guard.hooks.config import Config, Services
from runbook_guard.hooks.findings import ERROR, Finding
from runbook_guard.hooks.store import MISSING, IndexStore
from runbook_guard.hooks.summary import Summary, module_paths, summarize

if TYPE_CHECKING:
    from runbook_guard.hooks.named_values import NamedValues

PYTHON_SUFFIXES = (".py", ".pyi")


def decode(data: bytes, *, python: bool = False) -> tuple[str, str | None]:
    """Text of a file's bytes, and a note when it could not be decoded exactly. Python files
    honour their PEP 263 coding declaration (`# -*- coding: latin-1 -*-`)."""
    import codecs

    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    encoding = "utf-8"
    if python and b"coding" in data[:400]:
        import io
        import tokenize

        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError:
            encoding = "utf-8"
    try:
        return data.decode(encoding), None
    except (UnicodeDecodeError, LookupError) as e:
        where = f" at byte {e.start}" if isinstance(e, UnicodeDecodeError) else ""
        note = f"not valid {encoding.upper()}{where}, read with replacements"
        return data.decode("utf-8", "replace"), note


@lru_cache(maxsize=512)
def _glob_tokens(pattern: str) -> tuple[globs.Token, ...]:
    return globs.path_glob(pattern)


def path_matches(path: str, patterns: Iterable[str]) -> bool:
    """Does a repo-relative path match any glob? A pattern without `/` matches the basename."""
    return _path_matches(path, tuple(patterns))


@lru_cache(maxsize=1 << 16)
def _path_matches(path: str, patterns: tuple[str, ...]) -> bool:
    # memoised: rules ask it of the same file once per node they visit, and an --all-files run
    # asks it of every file for each pattern set (7,500 files x a few sets outgrew 4,096)
    for pattern in patterns:
        pattern = pattern.lstrip("/").removeprefix("./")
        target = path if "/" in pattern else path.rsplit("/", 1)[-1]
        if globs.matches(_glob_tokens(pattern), target):
            return True
        # "dir/" or "dir" names everything below it
        if pattern.rstrip("/") and path.startswith(pattern.rstrip("/") + "/"):
            return True
    return False


# Folders of copies kept for reference, not code that runs or tests that are collected.
ARCHIVED = re.compile(r"(^|/)(backups?|archived?|deprecated|legacy|_?old)(_[^/]*)?/", re.I)


def in_archive(path: str) -> bool:
    """Is the file an archived copy (`backup/`, `archive/`, `deprecated/`, `old/` folders)?"""
    return bool(ARCHIVED.search(path))


def _plain(value: Any) -> Any:
    """As JSON keeps it: tuples become lists (stored and fresh answers compare alike)."""
    import json

    return json.loads(json.dumps(value))


def in_test_folder(path: str) -> bool:
    """Is the file under a folder named for tests (`test_framework/`, `testing/`, `tests/`)?
    Test infrastructure outside the configured test paths sets up test runs: its local hosts,
    made-up ids and passwords are the design there."""
    return any(part.startswith("test") for part in path.split("/")[:-1])


def env_file_globs(config: Config) -> tuple[str, ...]:
    """Globs (git's `:(glob)` pathspecs) naming every file `env_name` gives an environment."""
    configured = (f.lstrip("/").removeprefix("./") for f in config.environment.env_files.values())
    return ("**/.env", "**/.env.*", "**/*.env", *configured)


def env_name(path: str, config: Config) -> str | None:
    """The environment an env file belongs to (`.env.staging` -> staging), or None."""
    for name, file in config.environment.env_files.items():
        if path == file.lstrip("/").removeprefix("./"):
            return name
    base = path.rsplit("/", 1)[-1]
    if base == ".env":
        return "default"
    if base.startswith(".env."):
        return base[5:]
    if base.endswith(".env"):
        return base[:-4] or "default"
    return None


class SourceFile:
    """One file in scope. Its text is given, or read on first use from `loader` (the blob's
    bytes): an `--all-files` run hands thousands of files to worker processes, each of which
    reads only its own, and `release()` lets a checked file's text go."""

    def __init__(
        self,
        path: str,
        text: str | None,
        added: frozenset[int] | None,  # None: every line is in scope
        removed: list[tuple[int, bytes]] | None = None,
        kind: str = "other",  # python, env, other
        is_test: bool = False,
        is_e2e: bool = False,
        environment: str | None = None,  # for env files
        blob: str | None = None,  # the git object id of `text`, the cache's key
        old_blob: str | None = None,  # the content before the change, when it had one
        loader: Callable[[], bytes | None] | None = None,
    ) -> None:
        self.path, self._text, self.added = path, text, added
        self.removed = [] if removed is None else removed
        self.kind, self.is_test, self.is_e2e = kind, is_test, is_e2e
        self.environment, self.blob, self.old_blob = environment, blob, old_blob
        self._loader = loader
        self.undecodable: str | None = None  # why a module's bytes are not valid text
        self.decode_note: str | None = None  # the same, for a file that is not Python
        self.binary = False  # NUL bytes: git's own test for binary content
        self.unreadable = False  # git could not give the blob

    @property
    def text(self) -> str:
        if self._text is None:
            self._load(self._loader() if self._loader else None)
        return self._text or ""

    def _load(self, data: bytes | None) -> None:
        self._text = ""
        if data is None:
            self.unreadable = True
        elif b"\0" in data[:8000]:
            self.binary = True
        elif self.kind == "other":
            # only runbook commands read these, as grep does: bytes, kept exactly (BOM and all)
            self._text = data.decode("utf-8", "surrogateescape")
        else:
            python = self.path.endswith(PYTHON_SUFFIXES)
            self._text, problem = decode(data, python=python)
            if python:
                self.undecodable = problem
            else:
                self.decode_note = problem

    def has_text(self, needle: str) -> bool:
        """Does the file contain `needle`? Asked of a file not yet read, its bytes are searched
        and not kept."""
        if self._text is not None or self._loader is None:
            return needle in self.text
        data = self._loader()
        return data is not None and needle.encode() in data

    def release(self) -> None:
        """Let the text go (it is read again if asked for)."""
        if self._loader is not None:
            self._text = None
            self.__dict__.pop("lines", None)

    def __repr__(self) -> str:
        return f"SourceFile({self.path!r}, {self.kind})"

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def _added_sorted(self) -> list[int]:
        return sorted(self.added or ())

    def touched(self, first: int, last: int = 0) -> bool:
        """Was any line from `first` to `last` added by the change?"""
        if self.added is None:
            return True
        lines = self._added_sorted
        i = bisect.bisect_left(lines, first)
        return i < len(lines) and lines[i] <= max(first, last)

    @property
    def changed(self) -> bool:
        return self.added is None or bool(self.added) or bool(self.removed)


class RepoIndex:
    """Repository-wide questions about the state a run checks: the index (HEAD plus the staged
    changes), or the `--to-ref` commit.

    What the repository's Python modules define (top-level definitions, module summaries) comes
    from the repository index on disk (hooks/store.py): kept per blob, moved to the run's base
    commit with `git diff-tree`, the staged changes laid over each answer. Text questions (env
    files, mentions of a word) are `git grep`s over the same state, memoised in `tables`, which
    the result cache keeps per repository state (`token`). While `recording` is a list, every
    question a rule asks is written into it with its answer: the cache reuses a file's findings
    only while the answers stay the same.
    """

    def __init__(
        self,
        root: Path,
        ref: str | None = None,
        token: str | None = None,
        *,
        base: str | None = None,
        overlay: dict[str, str | None] | None = None,
    ) -> None:
        self.root = root
        self.ref = ref
        self.token = token  # names this exact repository state, or None
        self.base = base  # the commit the state is built on (None: no commit yet)
        self.overlay = {} if overlay is None else overlay  # path -> blob the state changes
        self.persistent = False  # keep the repository index on disk (the cache is on)
        self.tables: dict[str, Any] = {}
        self.recording: list[tuple[str, tuple[Any, ...], Any]] | None = None
        self.summaries: dict[tuple[str, str], Summary | None] = {}  # (blob, path) -> summary
        self._reader: git.BlobReader | None = None
        self._store: IndexStore | None = None
        self._module_files: dict[str, tuple[str, str] | None] = {}
        self._coroutine_names: dict[str, bool] = {}

    def _table(self, name: str, compute: Callable[[], Any]) -> Any:
        """A repository table: memoised for the run, and kept in the repository index for this
        exact repository state (a repeated run answers it without asking git)."""
        if name in self.tables:
            return self.tables[name]
        stored = self.store().table(self.token, name) if self.persistent and self.token else MISSING
        if stored is MISSING:
            stored = _plain(compute())
            if self.persistent and self.token:
                self.store().put_table(self.token, name, stored)
        self.tables[name] = stored
        return stored

    def _record(self, method: str, args: tuple[Any, ...], answer: Any) -> Any:
        if self.recording is not None:
            self.recording.append((method, args, answer))
        return answer

    def ask(self, method: str, args: tuple[Any, ...]) -> Any:
        """Ask a recorded question again (without recording it)."""
        recording, self.recording = self.recording, None
        try:
            return getattr(self, method)(*args)
        finally:
            self.recording = recording

    def _grep(
        self, patterns: Sequence[str], fixed: bool, paths: Sequence[str] = ()
    ) -> list[tuple[str, int, str]]:
        """`git grep` once per question. The lines come back with secrets cut (they are kept
        in the repository index, and a rule asks only whether a line names a word)."""

        def lines() -> list[tuple[str, int, str]]:
            from runbook_guard.hooks.secrets import redactor

            found = git.grep_index(self.root, patterns, fixed=fixed, ref=self.ref, paths=paths)
            redact = redactor()  # the environment read once, not once a line
            return [(path, line, redact(text)) for path, line, text in found]

        return self._table(f"grep:{fixed}:" + "\0".join(patterns) + "\1" + "\0".join(paths), lines)

    def store(self) -> IndexStore:
        """The repository index, at this run's base (opened once per process: a forked worker
        opens its own connection)."""
        if self._store is None or not self._store.usable_here():
            from runbook_guard.hooks import replay

            folder = replay.cache_dir(os.fspath(self.root)) if self.persistent else None
            self._store = IndexStore.open(self.root, folder, self._blob_reader())
            self._store.sync(self.base)
        return self._store

    def _blob_reader(self) -> git.BlobReader:
        if self._reader is None:
            self._reader = git.BlobReader(self.root)
        return self._reader

    def module_file(self, name: str) -> tuple[str, str] | None:
        """(path, blob id) of the module `name` in this repository state, or None."""
        if name not in self._module_files:  # asked again and again while names resolve
            candidates = module_paths(name)
            blobs = self.store().blobs(candidates, self.overlay)
            found = next(((p, blobs[p]) for p in candidates if p in blobs), None)
            self._module_files[name] = found
        return self._record("module_file", (name,), self._module_files[name])

    def in_package(self, path: str) -> bool:
        """Is the file's folder a package (it holds an `__init__.py`)?"""
        init = f"{path.rpartition('/')[0]}/__init__.py".lstrip("/")
        return self._record("in_package", (path,), bool(self.store().blobs([init], self.overlay)))

    def module(self, name: str) -> Summary | None:
        """What the module `name` of this repository defines and imports (hooks/summary.py),
        or None when the repository has no such module (a third-party or standard one)."""
        found = self.module_file(name)
        if found is None:
            return None
        path, blob = found
        if (blob, path) not in self.summaries:
            self.summaries[blob, path] = self.store().summary(
                path, blob, lambda: self._summarize(path, blob)
            )
        return self.summaries[blob, path]

    def _summarize(self, path: str, blob: str) -> Summary | None:
        data = self.read(blob)
        if data is None:
            return None
        text = data.decode("utf-8", "replace")
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        return summarize(tree, path, text)

    def read(self, blob: str) -> bytes | None:
        """A blob's content (the version of a file before the change, say)."""
        return self._blob_reader().read(blob)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        if self._store is not None:
            self._store.close()
            self._store = None

    def grep(
        self, patterns: Sequence[str], fixed: bool = False, paths: Sequence[str] = ()
    ) -> list[tuple[str, int, str]]:
        """Lines matching the patterns, in the files the `paths` globs name (all without)."""
        answer = self._grep(patterns, fixed, tuple(paths))
        return self._record("grep", (tuple(patterns), fixed, tuple(paths)), answer)

    def importers(self, module: str) -> list[str]:
        """The repository's modules that import `module`, or a name from it."""
        return self._record("importers", (module,), self.store().importers(module, self.overlay))

    def coroutine_names(self, names: Iterable[str]) -> tuple[str, ...]:
        """Those of `names` by which a call may reach a coroutine function anywhere in the
        repository (an `async def` of that name, or an import renaming something `as` it)."""
        wanted = tuple(sorted(set(names)))
        unknown = [n for n in wanted if n not in self._coroutine_names]
        if unknown:  # a worker asks again and again for `get`, `run`, `send`
            found = self.store().coroutine_names(unknown, self.overlay)
            self._coroutine_names.update((n, n in found) for n in unknown)
        answer = tuple(n for n in wanted if self._coroutine_names[n])
        return self._record("coroutine_names", (wanted,), answer)

    def definitions(self, names: Iterable[str]) -> dict[str, list[tuple[str, int, bool, bool]]]:
        """Where each name is defined as a top-level class or function: (path, line,
        registered by a decorator such as `@router.get`, the module is a script)."""
        wanted = tuple(sorted(set(names)))
        found = self.store().definitions(wanted, self.overlay)
        return self._record("definitions", (wanted,), {n: found.get(n, []) for n in wanted})

    def mentions(
        self, words: Iterable[str], paths: Sequence[str] = ()
    ) -> dict[str, list[tuple[str, int, str]]]:
        """Every line naming each word (as a whole word), in the files the `paths` globs name."""
        wanted = tuple(sorted(set(words)))
        found: dict[str, list[tuple[str, int, str]]] = {w: [] for w in wanted}
        if wanted:
            patterns = [(w, re.compile(rf"(?<![\w]){re.escape(w)}(?![\w])")) for w in wanted]
            for path, line, text in self._grep(wanted, True, tuple(paths)):
                for word, pattern in patterns:
                    if word in text and pattern.search(text):
                        found[word].append((path, line, text))
        return self._record("mentions", (wanted, tuple(paths)), found)


SERVICE_NAME = re.compile(r"^[A-Za-z_]\w*?[_-]?(service|backend|api|worker|gateway)$")
SHARED_NAMES = ("shared", "common", "libs")


def detect_services(root: Path) -> Services:
    """Top-level packages named like services (`auth_service`, `netra_backend`), and the shared
    ones (`shared`, `common`, `libs`): the layout the seeds' teams use. At least two services, or
    none, so a plain library is never split into "services"."""
    services: dict[str, str] = {}
    shared: list[str] = []
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return Services()
    for entry in entries:
        if not entry.is_dir() or entry.name.startswith("."):
            continue
        if entry.name in SHARED_NAMES:
            shared.append(entry.name)
        elif SERVICE_NAME.match(entry.name) and (Path(entry.path) / "__init__.py").is_file():
            services[entry.name] = entry.name
    if len(services) < 2:
        return Services()
    return Services(services, tuple(shared))


class Run:
    """One invocation: configuration, the files in scope, all changes, the repo index."""

    def __init__(
        self,
        root: Path,
        config: Config,
        files: list[SourceFile],
        changes: list[git.ChangedFile],
        repo: RepoIndex,
        all_files: bool = False,
    ) -> None:
        self.root, self.config, self.files, self.changes = root, config, files, changes
        self.repo, self.all_files = repo, all_files
        self._named_values: NamedValues | None = None

    @property
    def named_values(self) -> NamedValues:
        """The mission-critical named values (from the XML/TOML index and inline config)."""
        if self._named_values is None:
            from runbook_guard.hooks.named_values import load_named_values

            self._named_values = load_named_values(self.root, self.config)
        return self._named_values

    @cached_property
    def services(self) -> Services:
        """The configured services, or those the layout shows when none are configured."""
        if self.config.services.packages:
            return self.config.services
        return detect_services(self.root)

    def service_of(self, path: str) -> str | None:
        """The configured (or detected) service whose package holds `path`, if any."""
        for name, package in self.services.packages.items():
            if path.startswith(package.strip("/").replace(".", "/") + "/"):
                return name
        return None

    def changed_paths(self) -> set[str]:
        paths = {c.path for c in self.changes}
        paths.update(c.old_path for c in self.changes if c.old_path)
        return paths


class NodeContext:
    """What an AST rule sees while the engine walks one file's tree."""

    __slots__ = ("_summary", "file", "run", "stack", "tree")

    def __init__(
        self,
        file: SourceFile,
        run: Run,
        stack: list[ast.AST] | None = None,
        tree: ast.Module | None = None,
    ) -> None:
        self.file, self.run = file, run
        self.stack = [] if stack is None else stack  # ancestors, outermost first
        self.tree = tree  # the module being walked
        self._summary: Summary | None = None

    def module_body(self) -> list[ast.stmt]:
        """The statements of the module being walked."""
        if self.tree is not None:
            return self.tree.body
        root = self.stack[0] if self.stack else None
        return root.body if isinstance(root, ast.Module) else []

    def in_deployed_code(self) -> bool:
        """Does this module run deployed? Scripts (`if __name__ == "__main__":`) and, when
        the repository names its services, everything outside the services and the shared
        packages (dev launchers, tools) run on a developer's machine."""
        run = self.run
        if run.services.packages:
            shared = tuple(p.strip("/").replace(".", "/") + "/" for p in run.services.shared)
            if run.service_of(self.file.path) is None and not self.file.path.startswith(shared):
                return False
        return not any(
            isinstance(s, ast.If)
            and isinstance(s.test, ast.Compare)
            and isinstance(s.test.left, ast.Name)
            and s.test.left.id == "__name__"
            for s in self.module_body()
        )

    def module_summary(self) -> Summary:
        """What this module defines and imports (hooks/summary.py), computed once per file."""
        if self._summary is None:
            module = self.tree or ast.Module(self.module_body(), [])
            self._summary = summarize(module, self.file.path, self.file.text)
        return self._summary

    @property
    def config(self) -> Config:
        return self.run.config

    def enclosing(self, *types: type[ast.AST]) -> ast.AST | None:
        for node in reversed(self.stack):
            if isinstance(node, types):
                return node
        return None


def finding(
    rule: str,
    file: SourceFile,
    node: ast.AST | None,
    message: str,
    *,
    line: int | None = None,
    end_line: int | None = None,
    column: int | None = None,
    severity: str = ERROR,
) -> Finding:
    """A finding at `node` (or at an explicit line), spanning the node's lines."""
    first = line if line is not None else getattr(node, "lineno", 1)
    last = end_line if end_line is not None else getattr(node, "end_lineno", None) or first
    col = column if column is not None else getattr(node, "col_offset", 0) + 1
    return Finding(rule, file.path, first, col, message, last, severity)
