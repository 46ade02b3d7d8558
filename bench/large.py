"""`make bench-large`: runbook-guard on a large repository built from real code.

With `ZEN=path` (a clone of the team's repository, `netra-systems/zen`), it measures on the
repository the product is built for:
- a 3-file commit: cold (no cache), warm full run (a new staged state each time, over warm
  caches) and replayed (the same staged state again), beside `python -c pass`;
- the team's own 22 pre-commit hooks on their commit 02d63fb8d, in the same run, through real
  pre-commit, beside runbook-guard's warm full run on the same staged commit;
- `--all-files` cold: wall time and the peak of the memory of every process summed, beside
  semgrep's five equivalent rules (bench/semgrep/rules.yml) on the same files, and on the
  files semgrep picks by default (it skips every `tests/` folder);
- the scaling of the warm full run from 1,000 to 50,000 files, on repositories made of the
  team's Python files (copied into as many folders as it takes).
Without `ZEN`, the same is measured on a synthetic repository of 20,000 generated modules.

Work goes to bench/.work/large/ (not tracked); the results to bench/.work/large/RESULTS.md, or
to bench/RESULTS-large.md with `--write`. Progress is printed as it goes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from precision import ZEN_CONFIG  # noqa: E402 (bench/ is not a package)
from treerss import measure  # noqa: E402

from runbook_guard.hooks.git import stream_blobs  # noqa: E402

WORK = HERE / ".work" / "large"
RUNS = 5
TEAM_COMMIT = "02d63fb8d"
SIZES = (1_000, 5_000, 20_000, 50_000)
CONFIG = ZEN_CONFIG.replace(
    '\n[named-values]\nindex = "SPEC/MISSION_CRITICAL_NAMED_VALUES_INDEX.xml"\n', ""
)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


def say(text: str) -> None:
    print(text, flush=True)


def git(cwd: Path, *args: str, data: bytes | None = None) -> bytes:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", *args], cwd=cwd, input=data, capture_output=True, check=True, env=env
    ).stdout


def export_tree(
    source: Path, commit: str, dest: Path, keep: Callable[[str], bool] = lambda name: True
) -> int:
    """Write a commit's files (those `keep` accepts) into `dest` (blobs the clone lacks are
    skipped: a snapshot can miss its largest files). Returns the number of files written."""
    listing = git(source, "ls-tree", "-r", "-z", "--full-tree", commit)
    entries = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, _kind, oid = meta.split(b" ")
        name = os.fsdecode(path)
        if mode.startswith(b"100") and keep(name):
            entries.append((name, oid.decode(), mode == b"100755"))
    written = 0
    modes = {oid: executable for _, oid, executable in entries}
    names: dict[str, list[str]] = {}
    for name, oid, _ in entries:
        names.setdefault(oid, []).append(name)
    for oid, data in stream_blobs(source, list(names)):
        for name in names[oid]:
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            if modes[oid]:
                target.chmod(0o755)
            written += 1
    return written


def new_repo(folder: Path) -> None:
    git(folder, "init", "-q")
    git(folder, "add", "-A", "-f")  # the tree as committed, ignored files too
    git(folder, "commit", "-q", "--no-verify", "-m", "base")


def guard(repo: Path, *args: str, skip: str = "") -> list[str]:
    env_skip = f"SKIP={skip}" if skip else "SKIP="
    return ["env", env_skip, str(Path(sys.executable).parent / "runbook-guard"), *args]


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    check_exit(command, done.returncode, done.stderr)
    return seconds


def check_exit(command: list[str], code: int, stderr: bytes = b"") -> None:
    """A run that did not finish its job times nothing: 0 is clean, 1 is findings (or a hook
    that failed); anything else stops the benchmark."""
    if code not in (0, 1):
        tail = stderr.decode(errors="replace").strip()[-500:]
        raise SystemExit(f"{' '.join(command)} exited {code} in the benchmark:\n{tail}")


def three_file_edit(repo: Path, files: list[str], n: int) -> None:
    """A new staged state: a line added to each of three modules (a new function in one)."""
    for i, path in enumerate(files):
        with open(repo / path, "a", encoding="utf-8") as handle:
            if i == 0:
                handle.write(f"\n\ndef bench_helper_{n}(value):\n    return value\n")
            else:
                handle.write(f"\n# bench edit {n}\n")
    git(repo, "add", *files)


def commit_runs(repo: Path, files: list[str]) -> dict[str, float]:
    """Cold, warm full and replayed runs of a 3-file commit (medians of RUNS)."""
    cache = repo / ".git" / "runbook-guard"
    shutil.rmtree(cache, ignore_errors=True)
    three_file_edit(repo, files, 0)
    cold = timed(guard(repo, "run", skip="cold"), repo)
    warm = []
    for n in range(1, RUNS + 1):
        three_file_edit(repo, files, n)
        warm.append(timed(guard(repo, "run", skip=f"warm-{n}"), repo))
    timed(guard(repo, "run", skip="replay"), repo)
    replay = [timed(guard(repo, "run", skip="replay"), repo) for _ in range(RUNS)]
    git(repo, "reset", "-q", "--hard")
    return {"cold": cold, "warm": statistics.median(warm), "replay": statistics.median(replay)}


def floor() -> float:
    return statistics.median(timed([sys.executable, "-c", "pass"], HERE) for _ in range(RUNS))


def team_hooks(zen: Path) -> dict[str, float] | None:
    """The team's own pre-commit hooks on their commit, and ours on the same staged change."""
    repo = WORK / "team-commit"
    if not repo.exists():
        say(f"exporting the team's tree at {TEAM_COMMIT}^ ...")
        repo.mkdir(parents=True)
        export_tree(zen, f"{TEAM_COMMIT}^", repo)
        (repo / ".runbook-guard.toml").write_text(CONFIG, encoding="utf-8")
        new_repo(repo)
    changed = git(zen, "diff", "--name-only", f"{TEAM_COMMIT}^", TEAM_COMMIT).decode().split()
    theirs, ours = [], []
    pre_commit = str(Path(sys.executable).parent / "pre-commit")
    for n in range(RUNS):
        for name in changed:
            data = git(zen, "show", f"{TEAM_COMMIT}:{name}")
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).write_bytes(data + f"\n# run {n}\n".encode())
        git(repo, "add", *changed)
        theirs.append(timed([pre_commit, "run"], repo))
        ours.append(timed(guard(repo, "run", skip=f"team-{n}"), repo))
        git(repo, "reset", "-q", "--hard")
    return {"theirs": statistics.median(theirs), "ours": statistics.median(ours)}


def synthetic_module(n: int) -> str:
    """A realistic module: imports of its neighbours, a class with sync and async methods and
    per-instance state, module functions, a broad handler that logs, an awaited call."""
    other = (n * 7 + 3) % max(n, 1)
    return f"""\"\"\"Service module {n}.\"\"\"

from __future__ import annotations

import asyncio
import logging

from pkg{other // 100}.mod{other} import Service{other}, load_{other}

logger = logging.getLogger(__name__)


class Service{n}:
    \"\"\"Handles requests of kind {n}.\"\"\"

    def __init__(self, client):
        self.client = client
        self.results = {{}}
        self.peer = Service{other}(client)

    async def fetch_{n}(self, key):
        try:
            value = await self.client.get(key)
        except Exception:
            logger.exception("fetch %s failed", key)
            raise
        self.results[key] = value
        return value

    async def refresh_{n}(self, keys):
        return await asyncio.gather(*(self.fetch_{n}(k) for k in keys))

    def size_{n}(self):
        return len(self.results)


async def load_{n}(client, key):
    service = Service{n}(client)
    value = await service.fetch_{n}(key)
    other = await load_{other}(client, key)
    return value, other


def describe_{n}(value):
    if value is None:
        return "missing"
    return f"value {{value}} of {n}"
"""


def synthetic_repo(size: int) -> Path:
    """A repository of `size` generated modules (a package of 100 modules per folder)."""
    repo = WORK / f"synthetic-{size}"
    if repo.exists():
        return repo
    say(f"generating a repository of {size:,} modules ...")
    for n in range(size):
        folder = repo / f"pkg{n // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        if n % 100 == 0:
            (folder / "__init__.py").write_text("", encoding="utf-8")
        (folder / f"mod{n}.py").write_text(synthetic_module(n), encoding="utf-8")
    (repo / ".runbook-guard.toml").write_text('select = ["ALL"]\n', encoding="utf-8")
    new_repo(repo)
    return repo


def scaled_repo(zen: Path, size: int) -> Path:
    """A repository of `size` Python files: the team's modules, copied into as many folders
    as it takes."""
    repo = WORK / f"scale-{size}"
    if repo.exists():
        return repo
    say(f"building a repository of {size:,} Python files ...")
    source = WORK / "python-files"
    if not source.exists():
        source.mkdir(parents=True)
        export_tree(zen, "HEAD", source, keep=lambda name: name.endswith(".py"))
    files = sorted(p.relative_to(source) for p in source.rglob("*.py"))
    repo.mkdir(parents=True)
    copy = 0
    written = 0
    while written < size:
        for rel in files:
            if written >= size:
                break
            target = repo / f"copy{copy}" / rel if copy else repo / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / rel, target)
            written += 1
        copy += 1
    # the team's runbooks and configuration, as in the team's repository
    export_tree(zen, f"{TEAM_COMMIT}^", repo, keep=lambda name: name.startswith("checklists/"))
    (repo / ".runbook-guard.toml").write_text(CONFIG, encoding="utf-8")
    new_repo(repo)
    return repo


def edit_targets(repo: Path) -> list[str]:
    listed = git(repo, "ls-files", "*.py").decode().split()
    modules = [p for p in listed if not p.rsplit("/", 1)[-1].startswith(("test", "__init__"))]
    step = max(1, len(modules) // 3)
    return [modules[0], modules[step], modules[2 * step]]


# semgrep's own ignore list (used when a repository has no .semgrepignore) skips every `tests/`
# and `test/` folder: on the team's repository it scanned 3,040 of 6,576 Python files, 29% of
# the code. runbook-guard checks every tracked file, so semgrep is given the same files.
SEMGREPIGNORE = "# bench/large.py: semgrep scans what runbook-guard checks\n.git/\n"


def semgrep_scan(repo: Path, same_files: bool) -> dict[str, float]:
    """semgrep's five rules over `repo`: seconds, peak MB, Python files it scanned."""
    semgrep = HERE / ".work" / "semgrep-venv" / "bin" / "semgrep"
    ignore = repo / ".semgrepignore"  # untracked: no run of runbook-guard sees it
    if ignore.exists():  # the repository's own: neither run would be the one described
        raise SystemExit(f"{ignore} exists; the benchmark writes (and removes) its own")
    if same_files:
        ignore.write_text(SEMGREPIGNORE, encoding="utf-8")
    report = WORK / "semgrep.json"
    command = [
        str(semgrep),
        "scan",
        "--metrics=off",
        "--disable-version-check",
        "--config",
        str(HERE / "semgrep" / "rules.yml"),
        "--json",
        "--output",
        str(report),
        "-q",
        ".",
    ]
    try:
        seconds, peak, code = measure(command, cwd=str(repo))
    finally:
        if same_files:
            ignore.unlink()
    check_exit(command, code)
    scanned = json.loads(report.read_text(encoding="utf-8"))["paths"]["scanned"]
    python = sum(1 for path in scanned if path.endswith(".py"))
    return {"seconds": seconds, "peak_mb": peak / 2**20, "python_files": python}


def all_files(repo: Path) -> dict[str, Any]:
    """`--all-files` cold, beside semgrep on the same files and on what it picks by default."""
    shutil.rmtree(repo / ".git" / "runbook-guard", ignore_errors=True)
    command = guard(repo, "run", "--all-files")
    seconds, peak, code = measure(command, cwd=str(repo))
    check_exit(command, code)
    python = len(git(repo, "ls-files", "-z", "*.py").split(b"\0")) - 1
    result: dict[str, Any] = {
        "ours": {"seconds": seconds, "peak_mb": peak / 2**20, "python_files": python}
    }
    if (HERE / ".work" / "semgrep-venv" / "bin" / "semgrep").exists():
        result["semgrep"] = semgrep_scan(repo, same_files=True)
        result["semgrep_default"] = semgrep_scan(repo, same_files=False)
    return result


def all_files_lines(full: dict[str, Any]) -> list[str]:
    rows = [("runbook-guard", full["ours"])]
    if "semgrep" in full:
        rows += [
            ("semgrep, 5 rules, the same files", full["semgrep"]),
            ("semgrep, 5 rules, its default ignores (no `tests/`)", full["semgrep_default"]),
        ]
    lines = [
        "| `--all-files` cold | Python files | seconds | peak MB, all processes |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {r['python_files']:,} | {r['seconds']:.1f} | {r['peak_mb']:.0f} |"
        for name, r in rows
    ]
    if "semgrep" in full:
        ratio = full["semgrep"]["seconds"] / full["ours"]["seconds"]
        lines += ["", f"runbook-guard is {ratio:.1f}x faster than semgrep on the same files."]
    return lines


def synthetic(args: argparse.Namespace) -> int:
    """Without the team's repository: the same measures on generated repositories."""
    WORK.mkdir(parents=True, exist_ok=True)
    base = floor()
    repo = synthetic_repo(20_000)
    runs = commit_runs(repo, edit_targets(repo))
    lines = [
        "# Large repository benchmark (synthetic: no ZEN=path given)",
        "",
        f"| a 3-file commit on 20,000 generated modules, median of {RUNS} | seconds | x floor |",
        "|---|---|---|",
        f"| floor, `python -c pass` | {base:.3f} | 1.0 |",
    ]
    kinds = (("cold (no cache)", "cold"), ("warm full run", "warm"), ("replayed", "replay"))
    lines += [f"| {name} | {runs[key]:.3f} | {runs[key] / base:.1f} |" for name, key in kinds]
    lines += ["", *all_files_lines(all_files(repo))]
    lines += ["", "| files | warm full run of a 3-file commit (s) | cold (s) |", "|---|---|---|"]
    for size in (int(s) for s in args.sizes.split(",")):
        scale = commit_runs(synthetic_repo(size), edit_targets(synthetic_repo(size)))
        say(f"{size:,} files: warm {scale['warm']:.3f} s, cold {scale['cold']:.2f} s")
        lines.append(f"| {size:,} | {scale['warm']:.3f} | {scale['cold']:.2f} |")
    target = HERE / "RESULTS-large.md" if args.write else WORK / "RESULTS.md"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    say(f"wrote {target}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--zen", type=Path, default=os.environ.get("ZEN"), help="team's clone")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="files per repo")
    parser.add_argument("--write", action="store_true", help="write bench/RESULTS-large.md")
    args = parser.parse_args(argv)
    if args.zen is None:
        return synthetic(args)
    zen = Path(args.zen).resolve()
    WORK.mkdir(parents=True, exist_ok=True)
    lines = ["# Large repository benchmark", ""]
    base = floor()
    say(f"floor (python -c pass): {base:.3f} s")
    team = team_hooks(zen)
    if team:
        say(f"team's 22 hooks on {TEAM_COMMIT}: {team['theirs']:.2f} s; ours: {team['ours']:.3f} s")
        lines += [
            f"| the team's commit {TEAM_COMMIT} (3 files), median of {RUNS} | seconds |",
            "|---|---|",
            f"| the team's 22 pre-commit hooks | {team['theirs']:.2f} |",
            f"| runbook-guard, warm full run | {team['ours']:.3f} |",
            f"| ratio | {team['theirs'] / team['ours']:.0f}x |",
            "",
        ]
    team_repo = WORK / "team-commit"
    runs = commit_runs(team_repo, edit_targets(team_repo))
    say(
        f"3-file commit: cold {runs['cold']:.2f} s, warm {runs['warm']:.3f} s, replayed "
        f"{runs['replay']:.3f} s"
    )
    lines += [
        f"| a 3-file commit on the team's repository, median of {RUNS} | seconds | x floor |",
        "|---|---|---|",
        f"| floor, `python -c pass` | {base:.3f} | 1.0 |",
    ]
    lines += [
        f"| {name} | {runs[key]:.3f} | {runs[key] / base:.1f} |"
        for name, key in (
            ("cold (no cache)", "cold"),
            ("warm full run", "warm"),
            ("replayed", "replay"),
        )
    ]
    lines.append("")
    full = all_files(team_repo)
    say("\n".join(all_files_lines(full)))
    lines += all_files_lines(full)
    lines += ["", "| files | warm full run of a 3-file commit (s) | cold (s) |", "|---|---|---|"]
    for size in (int(s) for s in args.sizes.split(",")):
        repo = scaled_repo(zen, size)
        scale = commit_runs(repo, edit_targets(repo))
        say(f"{size:,} files: warm {scale['warm']:.3f} s, cold {scale['cold']:.2f} s")
        lines.append(f"| {size:,} | {scale['warm']:.3f} | {scale['cold']:.2f} |")
    text = "\n".join(lines) + "\n"
    target = HERE / "RESULTS-large.md" if args.write else WORK / "RESULTS.md"
    target.write_text(text, encoding="utf-8")
    say(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
