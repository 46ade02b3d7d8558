"""What rules see: one file at a time, the node being visited, and the run's repository index.

Rules never touch files, git or configuration themselves; everything they read is here.
"""

from __future__ import annotations

import ast
import bisect
import fnmatch
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from hooks import git
from hooks.config import Config, Services
from hooks.findings import ERROR, Finding

if TYPE_CHECKING:
    from hooks.named_values import NamedValues

PYTHON_SUFFIXES = (".py", ".pyi")


@lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A path glob where `**` spans directories and `*` stays within one (gitignore-like)."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(pattern[i]))
                i += 1
            else:
                out.append(fnmatch.translate(pattern[i : end + 1])[4:-3])
                i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def path_matches(path: str, patterns: Iterable[str]) -> bool:
    """Does a repo-relative path match any glob? A pattern without `/` matches the basename."""
    return _path_matches(path, tuple(patterns))


@lru_cache(maxsize=4096)
def _path_matches(path: str, patterns: tuple[str, ...]) -> bool:
    # memoised: rules ask it of the same file once per node they visit
    for pattern in patterns:
        pattern = pattern.lstrip("/").removeprefix("./")
        target = path if "/" in pattern else path.rsplit("/", 1)[-1]
        if _glob_regex(pattern).match(target):
            return True
        # "dir/" or "dir" names everything below it
        if pattern.rstrip("/") and path.startswith(pattern.rstrip("/") + "/"):
            return True
    return False


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


@dataclass
class SourceFile:
    path: str
    text: str
    added: frozenset[int] | None  # None: every line is in scope
    removed: list[tuple[int, bytes]] = field(default_factory=list)
    kind: str = "other"  # python, env, other
    is_test: bool = False
    is_e2e: bool = False
    environment: str | None = None  # for env files

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


TOP_LEVEL_DEF = re.compile(r"^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)")
ANY_DEF = re.compile(r"\b(async\s+)?def\s+([A-Za-z_]\w*)\s*\(")


class RepoIndex:
    """Repository-wide questions, answered once per run from the index (or the `--to-ref` tree).

    Answers come from `git grep` over the staged content, so they see exactly what the commit
    will contain, and each answer is memoised for the rules that share it.
    """

    def __init__(self, root: Path, ref: str | None = None) -> None:
        self.root = root
        self.ref = ref
        self._cache: dict[tuple[object, ...], list[tuple[str, int, str]]] = {}

    def grep(self, patterns: Sequence[str], *, fixed: bool = False) -> list[tuple[str, int, str]]:
        key = (tuple(patterns), fixed)
        if key not in self._cache:
            self._cache[key] = git.grep_index(self.root, patterns, fixed=fixed, ref=self.ref)
        return self._cache[key]

    @cached_property
    def _top_level(self) -> dict[str, list[tuple[str, int]]]:
        """Every top-level class and function of the repo's Python, by name: one `git grep`."""
        index: dict[str, list[tuple[str, int]]] = {}
        for path, line, text in self.grep([r"^(async[[:space:]]+)?(def|class)[[:space:]]"]):
            match = TOP_LEVEL_DEF.match(text)
            if match and path.endswith(PYTHON_SUFFIXES):
                index.setdefault(match[1], []).append((path, line))
        return index

    @cached_property
    def _functions(self) -> dict[str, tuple[int, int]]:
        """(async, sync) definition counts of every function and method name: one `git grep`."""
        counts: dict[str, tuple[int, int]] = {}
        for path, _line, text in self.grep([r"def[[:space:]]+[A-Za-z_]"]):
            if not path.endswith(PYTHON_SUFFIXES):
                continue
            for match in ANY_DEF.finditer(text):
                a, s = counts.get(match[2], (0, 0))
                counts[match[2]] = (a + 1, s) if match[1] else (a, s + 1)
        return counts

    def definitions(self, names: Iterable[str]) -> dict[str, list[tuple[str, int]]]:
        """Where each name is defined as a top-level class or function."""
        return {n: self._top_level.get(n, []) for n in set(names)}

    def async_functions(self, names: Iterable[str]) -> dict[str, tuple[int, int]]:
        """For each name: how many `async def` and plain `def` of that name the repo has."""
        return {n: self._functions.get(n, (0, 0)) for n in set(names)}

    def mentions(self, words: Iterable[str]) -> dict[str, list[tuple[str, int, str]]]:
        """Every line naming each word (as a whole word)."""
        wanted = sorted(set(words))
        found: dict[str, list[tuple[str, int, str]]] = {w: [] for w in wanted}
        if not wanted:
            return found
        for path, line, text in self.grep(wanted, fixed=True):
            for word in wanted:
                if re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", text):
                    found[word].append((path, line, text))
        return found


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


@dataclass
class Run:
    """One invocation: configuration, the files in scope, all changes, the repo index."""

    root: Path
    config: Config
    files: list[SourceFile]
    changes: list[git.ChangedFile]
    repo: RepoIndex
    all_files: bool = False
    _named_values: NamedValues | None = None

    @property
    def named_values(self) -> NamedValues:
        """The mission-critical named values (from the XML/TOML index and inline config)."""
        if self._named_values is None:
            from hooks.named_values import load_named_values

            self._named_values = load_named_values(self.root, self.config)
        return self._named_values

    @cached_property
    def services(self) -> Services:
        """The configured services, or those the layout shows when none are configured."""
        if self.config.services.packages:
            return self.config.services
        return detect_services(self.root)

    def changed_paths(self) -> set[str]:
        paths = {c.path for c in self.changes}
        paths.update(c.old_path for c in self.changes if c.old_path)
        return paths


@dataclass
class NodeContext:
    """What an AST rule sees while the engine walks one file's tree."""

    file: SourceFile
    run: Run
    stack: list[ast.AST] = field(default_factory=list)  # ancestors, outermost first

    @property
    def config(self) -> Config:
        return self.run.config

    def enclosing(self, *types: type[ast.AST]) -> ast.AST | None:
        for node in reversed(self.stack):
            if isinstance(node, types):
                return node
        return None


def node_name(node: ast.AST | None) -> str:
    """The last name of `x`, `a.b.x`, `x(...)` or `x[...]`: what a call or reference is called."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


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
