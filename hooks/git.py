"""The only module that runs git. One function per question.

Plain `git` subprocesses, not GitPython: this runs on every commit and importing GitPython alone
costs about 7x a bare Python start-up. Every diff passes `--no-ext-diff --no-textconv
--no-color` and explicit prefixes so the user's diff configuration cannot change what we parse.
Content always comes from blobs (the index, or the `--to-ref` commit), never from the working
tree, so `git add -p` is honoured. The replay check (hooks/replay.py) reads two things from the
files git documents (the git directory, HEAD) instead of asking git.
"""

from __future__ import annotations

import os
import re

from runbook_guard.hooks.errors import GitError

# Only the names of annotations: a replayed run (hooks/replay.py) imports this module and
# nothing that costs more than it needs (subprocess and pathlib are imported where used).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Iterable, Sequence
    from pathlib import Path

EMPTY_BLOB = "0" * 40
DIFF_FLAGS = (
    "--no-ext-diff",
    "--no-textconv",  # a textconv driver would number another text's lines
    "--no-color",
    "--no-relative",
    "--full-index",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "-U0",
    "-M",
)
HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
# C-style escapes git uses for quoted paths (core.quotePath)
_ESCAPES = {b"a": 7, b"b": 8, b"t": 9, b"n": 10, b"v": 11, b"f": 12, b"r": 13, b'"': 34, b"\\": 92}


class ChangedFile:
    """One file in scope: where its content is and which of its lines the change adds.

    (A plain class, as on the rest of the commit path: see the note in hooks/config.py.)"""

    __slots__ = ("added", "binary", "blob", "old_blob", "old_path", "path", "removed", "status")

    def __init__(
        self,
        path: str,
        blob: str | None,  # object id of the content to check; None for a deleted file
        added: frozenset[int] | None = None,  # 1-based line numbers; None means every line
        removed: list[tuple[int, bytes]] | None = None,  # (new-side line, text)
        old_path: str | None = None,
        status: str = "M",  # A, M, R, D
        binary: bool = False,
    ) -> None:
        self.path, self.blob, self.added = path, blob, added
        self.removed = [] if removed is None else removed
        self.old_path, self.status, self.binary = old_path, status, binary
        self.old_blob: str | None = None  # the content before the change, when it had one

    def __repr__(self) -> str:
        return f"ChangedFile({self.path!r}, {self.status}, blob={self.blob!r})"


def _run(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    ok: tuple[int, ...] = (0,),
) -> bytes:
    """git's output; a return code not in `ok` raises GitError with git's last line."""
    import subprocess

    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if proc.returncode not in ok:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {message[-1] if message else proc.returncode}")
    return proc.stdout


def origin_web_url(root: Path) -> str | None:
    """Where the `origin` remote's files are shown on the web (`https://host/org/repo`), from
    its URL in any of git's forms (https, `git@host:org/repo.git`, ssh://); credentials in the
    URL are dropped. None without an origin."""
    try:
        url = _run(["config", "--get", "remote.origin.url"], cwd=root, ok=(0, 1)).decode().strip()
    except (GitError, UnicodeDecodeError):
        return None
    import re

    match = re.fullmatch(r"(?:[a-z+]+://)?(?:[^@/]+@)?([^/:]+)(?::\d+)?[:/](.+?)(?:\.git)?/?", url)
    if not match or url.startswith(("file:", "/", ".")):
        return None
    host, path = match.groups()
    return f"https://{host}/{path.lstrip('/')}"


def repo_root(cwd: Path | None = None) -> Path:
    """The top of the work tree containing `cwd`."""
    try:
        out = _run(["rev-parse", "--show-toplevel"], cwd=cwd)
    except GitError:
        raise GitError(
            "not inside a git repository: run runbook-guard from a repository (or `git init` first)"
        ) from None
    from pathlib import Path

    return Path(os.fsdecode(out.rstrip(b"\n")))


def repo_root_and_head(cwd: Path | None = None) -> tuple[Path, str | None]:
    """The top of the work tree and HEAD's commit (None before the first commit), with one
    `git rev-parse`: the hook asks both on every commit."""
    # exit 1 with the top alone: `--verify --quiet` found no HEAD (no commit yet); 128: no
    # repository here
    out = _run(
        ["rev-parse", "--show-toplevel", "--verify", "--quiet", "HEAD^{commit}"],
        cwd=cwd,
        ok=(0, 1, 128),
    )
    lines = out.splitlines()
    if not lines:
        return repo_root(cwd), None  # says why, in the words of repo_root's error
    from pathlib import Path

    return Path(os.fsdecode(lines[0])), lines[1].decode() if len(lines) > 1 else None


def git_dir(top: str) -> str | None:
    """The git directory of the work tree whose top is `top`, read the way git documents it:
    `GIT_DIR` (git sets it for the hooks it runs; relative to the current directory), else
    `.git`, else the directory a `.git` file names (a linked worktree, a submodule)."""
    from_env = os.environ.get("GIT_DIR")
    if from_env:
        return os.path.join(os.getcwd(), from_env)
    dot_git = os.path.join(top, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    try:
        with open(dot_git, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    if not text.startswith("gitdir: "):
        return None
    return os.path.join(top, text[8:].strip())


def head_from_files(directory: str) -> str | None:
    """HEAD's commit id read from the files git documents (gitrepository-layout): `HEAD`, then
    the loose ref it names, else `packed-refs`, in the common directory of a linked worktree.
    "" when the branch has no commit yet; None when the files cannot say (a reftable
    repository, anything unexpected): ask git then."""
    common = directory
    try:
        with open(os.path.join(directory, "commondir"), encoding="utf-8") as f:
            common = os.path.join(directory, f.read().strip())
    except FileNotFoundError:
        pass
    except OSError:
        return None
    if os.path.isdir(os.path.join(common, "reftable")):
        return None
    try:
        with open(os.path.join(directory, "HEAD"), encoding="utf-8") as f:
            value = f.read().strip()
        for _ in range(5):  # a symbolic ref may name another (git follows five)
            if not value.startswith("ref: "):
                return value if _is_object_id(value) else None
            name = value[5:].strip()
            if not name.startswith("refs/"):
                return None
            try:
                with open(os.path.join(common, name), encoding="utf-8") as f:
                    value = f.read().strip()
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                return _packed_ref(common, name)
    except OSError:
        return None
    return None


def _packed_ref(common: str, name: str) -> str | None:
    try:
        with open(os.path.join(common, "packed-refs"), encoding="utf-8") as f:
            for line in f:
                oid, _, ref = line.rstrip("\n").partition(" ")
                if ref == name and _is_object_id(oid):
                    return oid
    except FileNotFoundError:
        return ""  # no such ref: a branch with no commit yet
    except OSError:
        return None
    return ""


def _is_object_id(value: str) -> bool:
    return len(value) in (40, 64) and all(c in "0123456789abcdef" for c in value)


def staged_patch(top: str) -> bytes | None:
    """The staged diff `staged_changes` parses (against HEAD, or nothing before the first
    commit), or None when git says no.

    Started with `os.posix_spawnp`, not subprocess: this is the one git call of a replayed run
    (hooks/replay.py), and importing subprocess costs more than the call. Its error output is
    dropped: on None the caller takes the long way, which reports what git said."""
    if not hasattr(os, "posix_spawnp"):
        return None
    read_end, write_end = os.pipe()
    try:
        pid = os.posix_spawnp(
            "git",
            ["git", "-C", top, "diff", "--cached", *DIFF_FLAGS, "--"],
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, write_end, 1),
                (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_CLOSE, read_end),
            ],
        )
    except OSError:
        os.close(read_end)
        return None
    finally:
        os.close(write_end)
    chunks = []
    with os.fdopen(read_end, "rb") as out:
        while chunk := out.read1(1 << 16):
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    return b"".join(chunks) if os.waitstatus_to_exitcode(status) == 0 else None


def head_commit(root: Path) -> str | None:
    """The commit HEAD names, or None before the first commit."""
    try:
        out = _run(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cwd=root)
    except GitError:
        return None
    return out.decode().strip() or None


def has_head(root: Path) -> bool:
    return head_commit(root) is not None


def unquote_path(raw: bytes) -> str:
    """Undo git's C-style quoting of a path (`"a\\tb"`, octal escapes for non-ASCII)."""
    if not raw.startswith(b'"'):
        return os.fsdecode(raw)
    body, out, i = raw[1:-1], bytearray(), 0
    while i < len(body):
        c = body[i : i + 1]
        if c == b"\\":
            nxt = body[i + 1 : i + 2]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            out.append(int(body[i + 1 : i + 4], 8))
            i += 4
            continue
        out += c
        i += 1
    return os.fsdecode(bytes(out))


def _strip_prefix(raw: bytes, prefix: bytes) -> str:
    # git ends a ---/+++ name that holds a space with a tab, so that it can be told apart
    path = unquote_path(raw[:-1] if raw.endswith(b"\t") else raw)
    return path[len(prefix) :] if path.startswith(prefix.decode()) else path


def _binary_name(names: bytes) -> str:
    """The new name in `a/x and b/x` of a "Binary files ... differ" line ("" for a deletion):
    a binary change has no ---/+++ lines to name it."""
    quoted = re.search(rb' and ("b/(?:[^"\\]|\\.)*")$', names)
    if quoted:
        return _strip_prefix(quoted[1], b"b/")
    at = names.rfind(b" and b/")
    return _strip_prefix(names[at + 5 :], b"b/") if at >= 0 else ""


def parse_diff(patch: bytes) -> list[ChangedFile]:
    """Parse `git diff -U0 --full-index` output into the files it changes and their added lines."""
    files: list[ChangedFile] = []
    current: ChangedFile | None = None
    added: set[int] = set()
    new_line = 0
    in_hunk = False

    def finish() -> None:
        if current is not None:
            current.added = frozenset(added)
            files.append(current)

    for line in patch.split(b"\n"):
        if line.startswith(b"diff --git "):
            finish()
            current, added, in_hunk = ChangedFile(path="", blob=None), set(), False
            continue
        if current is None:
            continue
        if in_hunk:
            if line.startswith(b"+"):
                added.add(new_line)
                new_line += 1
                continue
            if line.startswith(b"-"):
                current.removed.append((max(new_line, 1), line[1:]))
                continue
            if line.startswith(b"\\"):  # "\ No newline at end of file"
                continue
        match = HUNK.match(line)
        if match:
            in_hunk = True
            start, count = int(match[3]), match[4]
            # with a zero count git gives the line *before* the hunk
            new_line = start + 1 if count == b"0" else start
            continue
        in_hunk = False
        if line.startswith(b"index "):
            old, _, rest = line[6:].partition(b"..")
            new = rest.split(b" ")[0].decode()
            current.blob = None if set(new) == {"0"} else new
            if set(old.decode()) == {"0"}:
                current.status = "A"
            else:
                current.old_blob = old.decode()
        elif line.startswith(b"new file mode"):
            current.status = "A"
        elif line.startswith(b"deleted file mode"):
            current.status = "D"
        elif line.startswith(b"rename from "):
            current.old_path = unquote_path(line[12:])
            current.status = "R"
        elif line.startswith(b"rename to "):
            current.path = unquote_path(line[10:])
        elif line.startswith(b"--- ") and line[4:] != b"/dev/null":
            current.old_path = current.old_path or _strip_prefix(line[4:], b"a/")
        elif line.startswith(b"+++ "):
            if line[4:] != b"/dev/null":
                current.path = _strip_prefix(line[4:], b"b/")
            else:
                current.status, current.blob = "D", None
        elif line.startswith(b"Binary files ") or line.startswith(b"GIT binary patch"):
            current.binary = True
            if not current.path and line.endswith(b" differ"):
                current.path = _binary_name(line[len(b"Binary files ") : -len(b" differ")])
    finish()
    # A binary or mode-only change has no ---/+++ lines to name it; nothing in it can be checked.
    for changed in files:
        if not changed.path and not changed.binary:
            changed.path = changed.old_path or ""
    return [f for f in files if f.path]


def staged_changes(
    root: Path, head: str | None = "", patch: bytes | None = None
) -> list[ChangedFile]:
    """Files the index changes against HEAD (every file of an initial commit), with added lines.
    `head` is HEAD's commit when the caller has it already (None: before the first commit);
    `patch` the diff itself, when the caller asked `staged_patch` already."""
    if patch is not None and b"Binary files " not in patch and b"GIT binary patch" not in patch:
        return parse_diff(patch)
    if head == "":
        head = head_commit(root)
    args = ["diff", "--cached", *DIFF_FLAGS, *([head] if head is not None else [])]
    changes = parse_diff(patch if patch is not None else _run([*args, "--"], cwd=root))
    return _as_text_when_text(root, changes, args)


def changes_between(root: Path, from_ref: str, to_ref: str) -> list[ChangedFile]:
    """Lines added from the merge base of `from_ref` and `to_ref` to `to_ref` (CI, pre-push)."""
    args = ["diff", *DIFF_FLAGS, f"{from_ref}...{to_ref}"]
    return _as_text_when_text(root, parse_diff(_run([*args, "--"], cwd=root)), args)


def _as_text_when_text(
    root: Path, changes: list[ChangedFile], args: Sequence[str]
) -> list[ChangedFile]:
    """A change git called binary because of an attribute (`*.py -diff`, `.env* binary` in a
    committed `.gitattributes`) is diffed again as text when its content is text (no NUL in
    its first 8000 bytes, git's own test): an attribute must not switch the checks off."""
    suspects = [c for c in changes if c.binary and c.blob and c.path]
    if not suspects:
        return changes
    blobs = read_blobs(root, (c.blob for c in suspects if c.blob))
    texts = [c.path for c in suspects if b"\0" not in blobs.get(c.blob or "", b"\0")[:8000]]
    if not texts:
        return changes
    redone = {c.path: c for c in parse_diff(_run([*args, "--text", "--", *texts], cwd=root))}
    return [redone.get(c.path, c) if c.path in texts else c for c in changes]


def indexed_files(root: Path, ref: str | None = None) -> list[ChangedFile]:
    """Every regular file in the index (or in `ref`), each with all its lines in scope."""
    if ref is None:
        out = _run(["ls-files", "-s", "-z"], cwd=root)
        entries = []
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _, path = record.partition(b"\t")
            mode, oid, stage = meta.split(b" ")
            entries.append((mode, oid, stage, path))
    else:
        out = _run(["ls-tree", "-r", "-z", "--full-tree", ref], cwd=root)
        entries = []
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _, path = record.partition(b"\t")
            mode, _kind, oid = meta.split(b" ")
            entries.append((mode, oid, b"0", path))
    files: list[ChangedFile] = []
    for mode, oid, stage, path in entries:
        # skip submodules, symlinks and the "ours/theirs" stages of an unresolved merge
        if not mode.startswith(b"100") or stage not in (b"0", b"2"):
            continue
        files.append(ChangedFile(os.fsdecode(path), oid.decode(), None, status="A"))
    return files


def read_blobs(root: Path, oids: Iterable[str]) -> dict[str, bytes]:
    """Contents of many blobs with one `git cat-file --batch` process."""
    wanted = list(dict.fromkeys(o for o in oids if o))
    if not wanted:
        return {}
    out = _run(["cat-file", "--batch"], cwd=root, stdin="\n".join(wanted).encode() + b"\n")
    blobs: dict[str, bytes] = {}
    pos = 0
    for oid in wanted:
        header_end = out.index(b"\n", pos)
        header = out[pos:header_end].split(b" ")
        if header[-1] == b"missing":
            pos = header_end + 1
            continue
        size = int(header[2])
        start = header_end + 1
        blobs[oid] = out[start : start + size]
        pos = start + size + 1
    return blobs


def grep_index(
    root: Path,
    patterns: Sequence[str],
    *,
    fixed: bool = False,
    ref: str | None = None,
    paths: Sequence[str] = (),
) -> list[tuple[str, int, str]]:
    """`git grep` over the index (or a commit): (path, line, text) of every matching line,
    in the files the `paths` globs name (every file without them)."""
    if not patterns:
        return []
    args = ["grep", "-n", "-z", "-I", "--no-color", "-F" if fixed else "-E"]
    for pattern in patterns:
        args += ["-e", pattern]
    args += [ref] if ref else ["--cached"]
    if paths:
        args += ["--", *(f":(glob){path}" for path in paths)]
    try:
        out = _run(args, cwd=root)
    except GitError:
        return []  # exit 1: no line matches
    prefix = f"{ref}:".encode() if ref else b""
    hits: list[tuple[str, int, str]] = []
    for record in out.split(b"\n"):
        if not record:
            continue
        path, line, text = record.split(b"\0", 2)
        hits.append(
            (os.fsdecode(path.removeprefix(prefix)), int(line), text.decode("utf-8", "replace"))
        )
    return hits


class BlobReader:
    """Blobs one at a time from one long-lived `git cat-file --batch` process: rules that
    follow imports ask for a few modules each, and a process per question costs ~3 ms.
    A forked worker gets a process of its own (the parent's pipes are not its to share)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._proc: subprocess.Popen[bytes] | None = None
        self._pid = 0

    def _process(self) -> subprocess.Popen[bytes]:
        import subprocess

        if self._proc is None or self._pid != os.getpid():
            self._proc = subprocess.Popen(
                ["git", "cat-file", "--batch"],
                cwd=self.root,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            self._pid = os.getpid()
        return self._proc

    def read(self, oid: str) -> bytes | None:
        proc = self._process()
        try:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(oid.encode() + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split(b" ")
            if len(header) != 3:  # `<oid> missing`
                return None
            size = int(header[2])
            data = proc.stdout.read(size + 1)[:size]
        except (OSError, ValueError):
            self.close()
            return None
        return data if len(data) == size else None

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and self._pid == os.getpid():
            try:
                if proc.stdin is not None:
                    proc.stdin.close()
                proc.wait(timeout=5)
            except Exception:
                proc.kill()


def _regular(mode: bytes) -> bool:
    """A regular file (not a symlink, a submodule or a deleted entry)."""
    return mode.startswith(b"100")


def tree_files(root: Path, commit: str) -> dict[str, str]:
    """path -> blob id of every regular file of a commit."""
    return _regular_entries(_run(["ls-tree", "-r", "-z", "--full-tree", commit], cwd=root), 2)


def _regular_entries(out: bytes, oid_field: int) -> dict[str, str]:
    """path -> blob id of the regular files in `ls-tree -z` (the id is field 2: `mode type
    id`) or `ls-files -s -z` output (field 1: `mode id stage`)."""
    found: dict[str, str] = {}
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        fields = meta.split(b" ")
        if _regular(fields[0]):
            found[os.fsdecode(path)] = fields[oid_field].decode()
    return found


def tree_changes(root: Path, old: str, new: str) -> list[tuple[str, str | None]]:
    """(path, its blob in `new`, or None where `new` has no regular file there) for every
    path that differs between two commits."""
    out = _run(["diff-tree", "-r", "-z", "--no-renames", "--no-ext-diff", old, new], cwd=root)
    fields = out.split(b"\0")
    changes: list[tuple[str, str | None]] = []
    for i in range(0, len(fields) - 1, 2):
        meta, path = fields[i], fields[i + 1]
        if not meta.startswith(b":"):
            continue
        _old_mode, new_mode, _old_oid, new_oid, _status = meta[1:].split(b" ")
        blob = new_oid.decode() if _regular(new_mode) else None
        changes.append((os.fsdecode(path), blob))
    return changes


def commit_id(root: Path, ref: str) -> str:
    """The commit a ref names."""
    return (
        _run(["rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}"], cwd=root)
        .decode()
        .strip()
    )


def stream_blobs(root: Path, oids: Sequence[str]) -> Iterable[tuple[str, bytes]]:
    """(id, content) of each blob, read through one `git cat-file --batch` as it comes (the
    ids are written from a thread, so neither pipe fills while the other waits)."""
    import subprocess
    import threading

    if not oids:
        return
    proc = subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None
    stdin = proc.stdin

    def feed() -> None:
        try:
            stdin.write("".join(f"{oid}\n" for oid in oids).encode())
        except OSError:
            pass
        finally:
            stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for oid in oids:
            header = proc.stdout.readline().split(b" ")
            if len(header) != 3:
                continue  # `<oid> missing`
            size = int(header[2])
            data = proc.stdout.read(size + 1)[:size]
            yield oid, data
    finally:
        proc.stdout.close()
        proc.wait()
        writer.join(timeout=5)


def skipped_files(root: Path) -> dict[str, str]:
    """path -> blob of the index's regular files a sparse checkout left out of the work tree
    (git's skip-worktree bit): there in the repository, absent on disk. {} outside a
    repository."""
    try:
        out = _run(["ls-files", "-s", "-t", "-z"], cwd=root)
    except GitError:
        return {}
    records = [r[2:] for r in out.split(b"\0") if r.startswith(b"S ")]
    return _regular_entries(b"\0".join(records), 1)


def index_blobs(root: Path, paths: Sequence[str]) -> dict[str, str]:
    """path -> the blob the index holds for it, for the regular files among `paths`."""
    return _regular_entries(_run(["ls-files", "-s", "-z", "--", *paths], cwd=root), 1)
