"""Runs the selected rules over the files in scope: one parse and one walk per Python file.

The engine decides scope (which findings a change is responsible for), applies per-file ignores
and inline suppressions, and reports files it cannot read as one-line notes.
"""

from __future__ import annotations

import ast
import functools
import gc
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from runbook_guard.hooks import git
from runbook_guard.hooks.config import Config
from runbook_guard.hooks.context import (
    PYTHON_SUFFIXES,
    NodeContext,
    RepoIndex,
    Run,
    SourceFile,
    decode,
    env_name,
    path_matches,
)
from runbook_guard.hooks.errors import ConfigError
from runbook_guard.hooks.findings import ERROR, Finding, Note
from runbook_guard.hooks.rules import all_rules
from runbook_guard.hooks.suppressions import MARKER, apply_suppressions

_T = TypeVar("_T")
SYNTAX_ERROR = "syntax-error"
PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"
# Work per file is bounded, never the process: CPython's parser is quadratic on one long line
# of f-strings (a 960 KB line took it over a minute) and a 55 MB module held 6 GB. The largest
# hand-written module of a 7,250-file repository is 300 KB, its longest line 829 characters.
MAX_PARSED_BYTES = 1 << 20
MAX_PARSED_LINE = 16 << 10
MAX_FINDINGS_PER_FILE = 1000
MAX_FINDINGS_PER_RUN = 10_000
Visitor = Callable[[ast.AST, NodeContext], Iterable[Finding]]


class Result:
    def __init__(
        self, findings: list[Finding] | None = None, notes: list[Note] | None = None, files: int = 0
    ) -> None:
        self.findings = [] if findings is None else findings
        self.notes = [] if notes is None else notes
        self.files = files

    @property
    def failed(self) -> bool:
        return any(f.severity == ERROR for f in self.findings)


def select_rules(
    config: Config,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    extra: dict[str, ModuleType] | None = None,
) -> dict[str, ModuleType]:
    """The rules to run: `select` (the CLI's, else the config's) minus every `ignore`."""
    available = {**all_rules(), **(extra or {})}
    chosen = list(select) if select else list(config.select)
    dropped = [*config.ignore, *ignore]
    for rule_id in [*chosen, *dropped]:
        if rule_id != "ALL" and rule_id not in available and rule_id != "runbook:ALL":
            known = ", ".join(available)
            raise ConfigError(f"unknown rule id {rule_id!r} (known rules: {known})")
    # `ALL` is every rule that runs by default: runbook commands that are diagnostics or that a
    # built-in rule supersedes run only when named (hooks/runbook_rules.py)
    by_default = {r: m for r, m in available.items() if getattr(m, "DEFAULT", True)}
    if "ALL" in chosen:
        rules = dict(by_default)
    else:
        rules = {r: available[r] for r in chosen if r in available}
        if "runbook:ALL" in chosen:
            rules.update({r: m for r, m in by_default.items() if r.startswith("runbook:")})
    for rule_id in dropped:
        if rule_id == "ALL":
            rules.clear()
        rules.pop(rule_id, None)
    return rules


def classify(path: str, config: Config) -> tuple[str, str | None]:
    if path.endswith(PYTHON_SUFFIXES):
        return "python", None
    environment = env_name(path, config)
    if environment is not None:
        return "env", environment
    return "other", None


def build_run(
    root: Path,
    config: Config,
    *,
    paths: Sequence[str] = (),
    all_files: bool = False,
    from_ref: str | None = None,
    to_ref: str | None = None,
    head: str | None = "",
    staged_patch: bytes | None = None,
    searched: Callable[[str], bool] | None = None,
) -> tuple[Run, list[Note]]:
    """Ask git what is in scope, read it from blobs, and wrap it for the rules. `head` is
    HEAD's commit when the caller knows it (None before the first commit; "" asks git);
    `staged_patch` the staged diff when the caller has it already (hooks/replay.py).
    A file neither Python nor env is in scope when `searched(path)`: a runbook command
    searches it (Markdown, YAML, a Dockerfile, ...)."""
    ref = to_ref if from_ref and to_ref else None
    token: str | None = None  # names the repository state the rules' git greps will see
    # the repository index's base commit, and what the checked state changes of it
    base: str | None
    overlay: dict[str, str | None] = {}
    if ref is not None:
        base = git.commit_id(root, ref)
    else:
        if head == "":
            head = git.head_commit(root)
        base = head
    if all_files:
        changes = git.indexed_files(root, ref)
        if ref is None:
            token = _state_token("index", [(c.path, c.blob) for c in changes])
            overlay = _overlay(root, git.staged_changes(root, head))
    elif from_ref and to_ref:
        changes = git.changes_between(root, from_ref, to_ref)
    else:
        changes = git.staged_changes(root, head, staged_patch)
        staged = [(c.path, c.blob, c.status, c.old_path) for c in changes]
        token = _state_token("staged", [head, staged])
        overlay = _overlay(root, changes)
    wanted = set(paths)
    notes: list[Note] = []
    whole: set[str] = set()  # named files with no staged change: checked whole, read lazily
    candidates = changes
    if wanted and not all_files and not ref:
        # A file named on the command line with no staged change is checked whole: that is
        # what `pre-commit run --all-files` and `pre-commit run --files F` ask for.
        unstaged = wanted - {c.path for c in changes}
        if unstaged:
            indexed = [c for c in git.indexed_files(root) if c.path in unstaged]
            candidates = [*changes, *indexed]  # not changes: the rules see what was staged
            whole = {c.path for c in indexed}
            untracked = unstaged - whole
            notes += [Note(p, "not tracked by git, skipped") for p in sorted(untracked)]
    in_scope = []
    for change in candidates:
        if change.binary or change.blob is None or change.status == "D":
            continue
        if wanted and change.path not in wanted:
            continue
        kind, _ = classify(change.path, config)
        if kind == "other" and (searched is None or not searched(change.path)):
            continue
        in_scope.append(change)
    repo = RepoIndex(root, ref, token, base=base, overlay=overlay)
    # a few files are read now, in one `git cat-file`; thousands (--all-files) by the
    # processes that check them, one at a time
    blobs = (
        {}
        if all_files
        else git.read_blobs(root, (c.blob for c in in_scope if c.blob and c.path not in whole))
    )
    files: list[SourceFile] = []
    for change in in_scope:
        later = all_files or change.path in whole
        kind, environment = classify(change.path, config)
        file = SourceFile(
            path=change.path,
            text=None,
            added=change.added,
            removed=change.removed,
            kind=kind,
            is_test=path_matches(change.path, config.test_paths),
            is_e2e=path_matches(change.path, config.e2e_paths),
            environment=environment,
            blob=change.blob,
            old_blob=change.old_blob,
            loader=partial(repo.read, change.blob) if later and change.blob else None,
        )
        if not later:
            file._load(blobs.get(change.blob or ""))
            if file.unreadable:
                notes.append(Note(change.path, "could not be read from git, skipped"))
                continue
            if file.binary:
                continue  # binary, as git itself would judge it
        files.append(file)
    run = Run(root, config, files, changes, repo, all_files=all_files)
    return run, notes


def _overlay(root: Path, changes: Iterable[git.ChangedFile]) -> dict[str, str | None]:
    """What the index changes of HEAD: path -> its staged blob (None: deleted, or moved)."""
    overlay: dict[str, str | None] = {}
    unnamed = []  # a pure rename's diff names no blob: the index does
    for change in changes:
        if change.old_path and change.old_path != change.path:
            overlay.setdefault(change.old_path, None)
        overlay[change.path] = None if change.status == "D" else change.blob
        if change.status != "D" and change.blob is None and not change.binary:
            unnamed.append(change.path)
    if unnamed:
        overlay.update(git.index_blobs(root, unnamed))
    return overlay


def _state_token(kind: str, state: object) -> str:
    """An exact name for what the index holds: HEAD plus the staged changes, or every entry."""
    return f"{kind}:{state!r}"


def _in_scope(rule: ModuleType, found: Finding, file: SourceFile | None) -> bool:
    if file is None or rule.SCOPE == "repo":
        return True
    if rule.SCOPE == "line":
        return file.touched(found.line)
    if rule.SCOPE == "node":
        return file.touched(found.line, found.last_line)
    return file.changed


def _enabled_for(path: str, rules: dict[str, ModuleType], config: Config) -> dict[str, ModuleType]:
    ignored: set[str] = set()
    for pattern, ids in config.per_file_ignores.items():
        if path_matches(path, [pattern]):
            ignored.update(ids)
    if "ALL" in ignored:
        return {}
    return {r: m for r, m in rules.items() if r not in ignored}


def _kinds(rule: ModuleType) -> tuple[str, ...]:
    files = getattr(rule, "FILES", "python")
    return files if isinstance(files, tuple) else (files,)


def _parse(file: SourceFile) -> tuple[ast.Module | None, str | None, int]:
    """(tree, why it cannot be parsed, the line of a syntax error or 0). A tree too deep for
    the parser (RecursionError, MemoryError) is no syntax error: there is no line to fix."""
    try:
        return ast.parse(file.text, filename=file.path), None, 0
    except SyntaxError as e:
        return None, f"line {e.lineno}: {e.msg}", e.lineno or 1
    except (ValueError, RecursionError, MemoryError) as e:
        return None, type(e).__name__, 0


def _parses(data: bytes) -> bool:
    text, problem = decode(data, python=True)
    if problem:
        return False
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _broken_by_change(file: SourceFile, run: Run) -> bool:
    """Did this change leave the file unparseable? A new file, or one whose version before the
    change parsed. A file that was broken already is the change's business no more than any
    other old line, and stays a note (as does every file of an --all-files run)."""
    if file.added is None:
        return False
    if file.old_blob is None:
        return True
    old = run.repo.read(file.old_blob)
    return old is not None and _parses(old)


def _statement(node: ast.AST, stack: list[ast.AST]) -> tuple[int, int] | None:
    """The lines of the innermost simple statement holding `node` (compound ones are too big)."""
    for candidate in [node, *reversed(stack)]:
        if isinstance(candidate, ast.stmt):
            if hasattr(candidate, "body"):
                return None  # a def, class, if, with ...: the finding's own lines say enough
            return candidate.lineno, candidate.end_lineno or candidate.lineno
    return None


_LEAVE = object()  # pushed after a node's children: pop it from the ancestor stack


def _walk(
    tree: ast.AST, ctx: NodeContext, dispatch: dict[type, list[Visitor]]
) -> Iterator[Finding]:
    # A hand-rolled walk keeps the ancestor stack that rules ask for (enclosing class, ...).
    # A statement with no added line in it is skipped whole: nothing found inside it could be
    # the change's business (rules that judge the whole file visit the Module, always walked).
    # This is the hot loop of every run, so it walks no further than the rules need: only the
    # statements when no rule visits an expression, and never into a name or constant no rule
    # visits (a third of all nodes).
    touched, stack = ctx.file.touched, ctx.stack
    stmt, node_type = ast.stmt, ast.AST
    statements_only = all(issubclass(t, STATEMENT_LEVEL) for t in dispatch)
    fields = _statement_fields if statements_only else _child_fields
    skipped = tuple(t for t in (ast.Name, ast.Constant) if t not in dispatch)
    todo: list[Any] = [tree]  # nodes, and _LEAVE markers
    while todo:
        node = todo.pop()
        if node is _LEAVE:
            stack.pop()
            continue
        if isinstance(node, stmt) and not touched(node.lineno, node.end_lineno or node.lineno):
            continue
        handlers = dispatch.get(type(node))
        if handlers:
            for visit in handlers:
                for found in visit(node, ctx):
                    statement = _statement(node, stack)
                    yield found._replace(statement=statement) if statement else found
        stack.append(node)
        todo.append(_LEAVE)
        for name in fields(type(node)):
            value = getattr(node, name, None)
            if type(value) is list:
                todo.extend(
                    item
                    for item in reversed(value)
                    if isinstance(item, node_type) and not isinstance(item, skipped)
                )
            elif isinstance(value, node_type) and not isinstance(value, skipped):
                todo.append(value)


# Node types that hang in the statement tree: a walk for rules that visit only these needs no
# expression.
STATEMENT_LEVEL = (ast.stmt, ast.Module, ast.ExceptHandler, ast.match_case)
_STATEMENT_FIELDS = ("cases", "finalbody", "handlers", "orelse", "body")


@functools.cache
def _statement_fields(node_type: type) -> tuple[str, ...]:
    """The fields of a node type that hold statements, last first (the walk is a stack)."""
    return tuple(f for f in _STATEMENT_FIELDS if f in node_type._fields)


# Fields that never hold a node worth visiting: names, flags, and the `Load()`/`Add()` leaves
# that hang off most expressions (a third of all nodes, and no rule asks for them).
_LEAF_FIELDS = frozenset(
    {
        "ctx",
        "op",
        "ops",
        "id",
        "attr",
        "arg",
        "module",
        "level",
        "kind",
        "type_comment",
        "conversion",
        "is_async",
        "asname",
    }
)


@functools.cache
def _child_fields(node_type: type) -> tuple[str, ...]:
    """The fields of a node type to descend into, last first (the walk is a stack)."""
    return tuple(reversed([f for f in node_type._fields if f not in _LEAF_FIELDS]))


def check_file(
    file: SourceFile, run: Run, rules: dict[str, ModuleType]
) -> tuple[list[Finding], list[Note]]:
    """Every finding the rules make in one file, before suppressions."""
    file.text  # noqa: B018 (read the file now: what it is decides what follows)
    if file.unreadable:
        return [], [Note(file.path, "could not be read from git, skipped")]
    if file.binary:
        return [], []  # binary, as git itself would judge it
    enabled = _enabled_for(file.path, rules, run.config)
    kind_rules = {r: m for r, m in enabled.items() if file.kind in _kinds(m)}
    found: list[Finding] = []
    notes: list[Note] = [Note(file.path, file.decode_note)] if file.decode_note else []
    for rule in kind_rules.values():
        if hasattr(rule, "check_file"):
            found.extend(f for f in rule.check_file(file, run) if _in_scope(rule, f, file))
    # A rule may say up front that a file is none of its business (e2e-only, tests-only).
    visitors = [
        m
        for m in kind_rules.values()
        if hasattr(m, "visit")
        and (not hasattr(m, "applies") or m.applies(file))
        and (not hasattr(m, "wants") or m.wants(file.text, run))
    ]
    if file.kind == "python" and file.undecodable:
        if SYNTAX_ERROR in enabled and _broken_by_change(file, run):
            message = f"{file.undecodable.split(',')[0]}: Python cannot read the module, fix it"
            found.append(Finding(SYNTAX_ERROR, file.path, 1, 1, message))
        else:
            notes.append(Note(file.path, file.undecodable))
    too_big = None
    if file.kind == "python" and (visitors or SYNTAX_ERROR in enabled):
        too_big = _too_big_to_parse(file.text)
        if too_big:
            notes.append(Note(file.path, f"{too_big}: not parsed, the AST rules skipped it"))
            visitors = []
    if file.kind == "python" and (visitors or SYNTAX_ERROR in enabled) and not too_big:
        tree, problem, line = _parse(file)
        if problem and line and SYNTAX_ERROR in enabled and _broken_by_change(file, run):
            message = f"cannot be parsed ({problem}) by Python {PYTHON}, fix the syntax"
            found.append(Finding(SYNTAX_ERROR, file.path, line, 1, message))
        elif problem:
            notes.append(Note(file.path, f"cannot be parsed ({problem}), skipped"))
        if tree is not None:
            dispatch: dict[type, list[Visitor]] = {}
            for rule in visitors:
                # a rule may visit fewer node types in a module whose text rules some out
                node_types = rule.nodes(file.text) if hasattr(rule, "nodes") else rule.NODES
                for node_type in node_types:
                    dispatch.setdefault(node_type, []).append(rule.visit)
            by_id = {m.ID: m for m in visitors}
            ctx = NodeContext(file, run, tree=tree)
            try:
                for f in _walk(tree, ctx, dispatch):
                    if _in_scope(by_id[f.rule], f, file):
                        found.append(f)
                    if len(found) >= MAX_FINDINGS_PER_FILE:
                        notes.append(Note(file.path, _CUT))
                        break
            except RecursionError:
                notes.append(Note(file.path, "nested too deeply to check, skipped"))
    if len(found) > MAX_FINDINGS_PER_FILE:  # the line rules and env files are bounded too
        found = found[:MAX_FINDINGS_PER_FILE]
        notes.append(Note(file.path, _CUT))
    return found, list(dict.fromkeys(notes))


_CUT = f"more than {MAX_FINDINGS_PER_FILE:,} findings: the first {MAX_FINDINGS_PER_FILE:,} shown"


def _too_big_to_parse(text: str) -> str | None:
    """Why a module is beyond what a run parses (see MAX_PARSED_BYTES), or None."""
    size = len(text)  # characters: within 4x of bytes, and known without encoding
    if size > MAX_PARSED_BYTES:
        return f"{size:,} characters, over the {MAX_PARSED_BYTES >> 20} MB a module is read to"
    if size > MAX_PARSED_LINE:  # a shorter file cannot hold a longer line
        longest = max(map(len, text.splitlines()))
        if longest > MAX_PARSED_LINE:
            return (
                f"a line of {longest:,} characters (generated code?), over the "
                f"{MAX_PARSED_LINE:,} a line is read to"
            )
    return None


# path, findings, notes, the questions asked of the repository, and whether the file holds a
# suppression comment (the parent reads a file again only when it does)
Checked = tuple[str, list[Finding], list[Note], list[Any], bool]


def _check_recorded(file: SourceFile, run: Run, rules: dict[str, ModuleType]) -> Checked:
    """check_file, keeping the questions the rules asked the repository (for the cache)."""
    run.repo.recording = []
    try:
        found, notes = check_file(file, run, rules)
        return file.path, found, notes, run.repo.recording, file.has_text(MARKER)
    finally:
        run.repo.recording = None
        file.release()


# Below this many files a process pool costs more than it saves.
PARALLEL_MIN_FILES = 200
# From this many files to check afresh (a first --all-files on a large repository), a run says
# on stderr what it is doing: half a minute of silence looks like a hang.
PROGRESS_MIN_FILES = 2000


class _Progress:
    """`checking N files on J cores`, a count that moves on a terminal, and the time taken."""

    def __init__(self, total: int, jobs: int) -> None:
        import time

        self.total, self.checked, self.clock = total, 0, time.monotonic
        self.started = self.clock()
        self.live = sys.stderr.isatty()
        sys.stderr.write(
            f"runbook-guard: checking {total:,} files on {jobs} cores "
            "(later runs check only what changed)\n"
        )

    def done(self, files: int) -> None:
        self.checked += files
        if self.live:
            sys.stderr.write(f"\rrunbook-guard: checked {self.checked:,} of {self.total:,}")
            sys.stderr.flush()

    def finish(self) -> None:
        took = self.clock() - self.started
        end = "\r" if self.live else ""
        sys.stderr.write(f"{end}runbook-guard: checked {self.total:,} files in {took:.1f} s\n")


# What becomes of one file's result besides being returned: its cache row, made where the file
# was checked (a worker, in parallel) rather than one by one in the parent afterwards
Encode = Callable[[int, Checked], Any]
# inherited by forked workers: the run, the rules, the files to check, their encoder
_SHARED: tuple[Run, dict[str, ModuleType], list[SourceFile], Encode | None] | None = None


def _check_chunk(indexes: range) -> tuple[list[tuple[Checked, Any]], dict[str, Any]]:
    assert _SHARED is not None
    run, rules, files, encode = _SHARED
    known = set(run.repo.tables)
    encoded = _encoded(((i, _check_recorded(files[i], run, rules)) for i in indexes), encode)
    # tables this worker had to build go back to the parent, which keeps them in the cache
    return encoded, {k: v for k, v in run.repo.tables.items() if k not in known}


def _check_files(
    run: Run,
    files: list[SourceFile],
    rules: dict[str, ModuleType],
    jobs: int,
    encode: Encode | None = None,
) -> list[tuple[Checked, Any]]:
    """Every file's findings, each with what `encode` made of it; over `jobs` forked
    processes when there are many files."""
    in_process = ((i, _check_recorded(file, run, rules)) for i, file in enumerate(files))
    if jobs <= 1 or len(files) < PARALLEL_MIN_FILES:
        return _encoded(in_process, encode)
    import multiprocessing  # only here: its import costs a commit-sized run a tenth

    if "fork" not in multiprocessing.get_all_start_methods():
        return _encoded(in_process, encode)
    run.repo.store()  # brought to this run's base once, before the workers fork
    global _SHARED
    _SHARED = (run, rules, files, encode)
    try:
        size = max(1, len(files) // (jobs * 8))
        chunks = [range(i, min(i + size, len(files))) for i in range(0, len(files), size)]
        progress = _Progress(len(files), jobs) if len(files) >= PROGRESS_MIN_FILES else None
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            parts = []
            for part in pool.imap(_check_chunk, chunks):  # in order, as each chunk is done
                parts.append(part)
                if progress:
                    progress.done(len(part[0]))
        if progress:
            progress.finish()
    finally:
        _SHARED = None
    for _, tables in parts:
        for name, table in tables.items():
            run.repo.tables.setdefault(name, table)
    return [item for checked, _ in parts for item in checked]


def _encoded(
    checked: Iterable[tuple[int, Checked]], encode: Encode | None
) -> list[tuple[Checked, Any]]:
    """Each file's result (by its index in the files checked) with what `encode` made of it."""
    return [(item, encode(i, item) if encode else None) for i, item in checked]


def _check_cached(
    run: Run, rules: dict[str, ModuleType], jobs: int, use_cache: bool
) -> list[Checked]:
    """Findings from the cache where nothing they depend on changed; the rest checked."""
    from runbook_guard.hooks import cache

    store = cache.open_store(run, rules) if use_cache else None
    if store is None:
        return [checked for checked, _ in _check_files(run, run.files, rules, jobs)]
    results: dict[str, Checked] = {}
    todo: list[tuple[SourceFile, str | None]] = []
    for file in run.files:
        key = cache.file_key(file)
        entry = store.get(key, run) if key else None
        if entry is None:
            todo.append((file, key))
        else:
            results[file.path] = (file.path, *entry)

    def row(i: int, checked: Checked) -> tuple[str, str, str] | None:
        key = todo[i][1]
        return store.row(key, *checked[1:]) if store is not None and key else None

    for checked, made in _check_files(run, [file for file, _ in todo], rules, jobs, row):
        if made is not None:
            store.add(made)
        results[checked[0]] = checked
    store.save()
    return [results[file.path] for file in run.files]


def check(
    run: Run, rules: dict[str, ModuleType], *, jobs: int = 1, use_cache: bool = False
) -> Result:
    run.repo.persistent = use_cache
    result = Result(files=len(run.files))
    by_path: dict[str, list[Finding]] = {f.path: [] for f in run.files}
    marked: set[str] = set()
    for path, found, notes, _, has_marker in _without_gc(
        _check_cached, run, rules, jobs, use_cache
    ):
        by_path[path].extend(found)
        result.notes.extend(notes)
        if has_marker:
            marked.add(path)
    try:
        _check_repo_rules(run, rules, by_path)
    finally:
        run.repo.close()
    files = {f.path: f for f in run.files}
    for path, found in by_path.items():
        file = files.get(path)
        if file is None or path not in marked:  # no suppression comment in it
            result.findings.extend(found)
            continue
        result.findings.extend(
            apply_suppressions(file, found, _enabled_for(path, rules, run.config))
        )
    result.findings = _one_per_line(result.findings)
    if len(result.findings) > MAX_FINDINGS_PER_RUN:
        result.findings.sort(key=lambda f: (f.path, f.line, f.column, f.rule))
        cut = len(result.findings) - MAX_FINDINGS_PER_RUN
        del result.findings[MAX_FINDINGS_PER_RUN:]
        last = result.findings[-1].path
        result.notes.append(Note(last, f"{cut:,} more findings after this file not shown"))
    result.notes.sort()
    return result


def _check_repo_rules(
    run: Run, rules: dict[str, ModuleType], by_path: dict[str, list[Finding]]
) -> None:
    for rule in rules.values():
        if hasattr(rule, "check_repo"):
            for f in rule.check_repo(run):
                if rule.ID in _enabled_for(f.path, {rule.ID: rule}, run.config):
                    by_path.setdefault(f.path, []).append(f)


def _without_gc(work: Callable[..., _T], *args: object) -> _T:
    """Run `work` with the cycle collector paused. Parsing allocates millions of AST nodes,
    which hold no reference cycles, and the collector's passes over them cost a fifth of a run.
    Reference counting still frees every tree."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return work(*args)
    finally:
        if was_enabled:
            gc.enable()


def _one_per_line(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and line (the leftmost): `mocker.patch(...)` is one mistake."""
    kept: dict[tuple[str, str, int], Finding] = {}
    for f in sorted(findings, key=lambda f: (f.path, f.line, f.column, f.rule)):
        kept.setdefault((f.rule, f.path, f.line), f)
    return sorted(kept.values(), key=lambda f: (f.path, f.line, f.column, f.rule))


def relative_paths(root: Path, names: Iterable[str]) -> list[str]:
    """FILES arguments (relative to the current directory) as repo-relative `/` paths."""
    cwd = Path.cwd()
    out = []
    for name in names:
        absolute = Path(os.path.abspath(cwd / name))
        try:
            out.append(absolute.relative_to(root).as_posix())
        except ValueError:
            try:
                out.append(absolute.resolve().relative_to(root.resolve()).as_posix())
            except ValueError:
                out.append(Path(name).as_posix())
    return out
