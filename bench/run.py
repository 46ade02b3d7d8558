"""`make bench`: runbook-guard side by side with semgrep, ruff and a bare Python start-up.

(a) the staged-diff hook on a 20-file, ~2,000-line change in a real repository;
(b) `--all-files` over the running Python's standard library (about 1,800 files, 850,000 lines,
    some of them deliberately unparseable).
runbook-guard is installed the way pre-commit installs a hook: a plain (not editable) install in
a fresh virtualenv, bench/.work/install-venv, whose `python -c pass` is the floor. (An editable
install adds its import hook to every start-up, the floor's too: ~10 ms that would flatter the
ratio.) Each command: one warm-up, then the median of 5 runs, wall time and peak memory (the
process and the workers it waits for). runbook-guard and ruff run twice: with their cache (what a
developer who commits twice, or CI on an unchanged tree, sees) and with `--no-cache` (the first
run on new content). semgrep has no cache. semgrep comes from PyPI into
bench/.work/semgrep-venv on first use (offline, --metrics=off). Prints each measurement as it
goes; writes bench/.work/RESULTS.md, or the tracked bench/RESULTS.md with `--write`.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"
BIN = Path(sys.executable).parent
RUNS = 5
RUFF_CODES = "BLE001,S110,RUF012,F821,TID252"
STDLIB_NEEDED = "re, pathlib, subprocess, argparse"  # what a command line driving git imports


def measure(command: list[str], cwd: Path, *, vary: bool = False) -> tuple[float, float, str]:
    """Median wall seconds, peak RSS (MB) and the warm-up's stderr of `command`, over RUNS runs
    after a warm-up. `vary`: each run gets its own SKIP value (naming no rule), so that no run
    is the replay of another (hooks/replay.py) and each is a full run over the per-file cache."""
    warm_up = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    times, peaks = [], []
    for run in range(RUNS):
        env = {**os.environ, "SKIP": f"bench-{time.time_ns()}-{run}"} if vary else None
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _, _, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss / 1024)
    return statistics.median(times), max(peaks), warm_up.stderr


def git(cwd: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@b",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@b",
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def change_repo() -> Path:
    """A repository with a commit, and 20 new files of about 100 lines staged, a few mistakes
    in each."""
    repo = WORK / "change-2000"
    if (repo / ".git").is_dir():
        return repo
    repo.mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "README.md").write_text("bench\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base", "--no-verify")
    for i in range(20):
        lines = ["import logging", "import os", "", "logger = logging.getLogger(__name__)", ""]
        for k in range(7):
            lines += [
                f"class Service{i}x{k}:",
                f'    """Serves the kind {k} of request."""',
                "",
                "    def __init__(self, repo):",
                "        self.repo = repo",
                "",
                f"    def handle_{k}(self, request):",
                "        try:",
                "            return self.repo.get(request.id)",
                "        except KeyError:",
                "            logger.warning('no such request %s', request.id)",
                "            raise",
                "",
            ]
        lines += ["class Registry:", "    handlers = {}", "", ""]
        lines += ["def load():", "    try:", "        return 1", "    except Exception:"]
        lines += ["        pass", "", "", "URL = os.environ['URL']"]
        (repo / f"svc_{i}.py").write_text("\n".join(lines) + "\n")
    git(repo, "add", ".")
    return repo


def stdlib_repo() -> Path:
    repo = WORK / "stdlib"
    if (repo / ".git").is_dir():
        return repo
    shutil.copytree(
        sysconfig.get_paths()["stdlib"],
        repo,
        ignore=shutil.ignore_patterns("site-packages", "__pycache__"),
    )
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    return repo


def installed() -> Path:
    """The bin folder of a fresh, non-editable install of this checkout (pip compiles its
    bytecode, as pre-commit's install does)."""
    venv = WORK / "install-venv"
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "--force-reinstall", "--no-deps", str(ROOT)],
        check=True,
    )
    if sys.version_info < (3, 11):
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "tomli"], check=True)
    return venv / "bin"


def semgrep() -> Path | None:
    venv = WORK / "semgrep-venv"
    exe = venv / "bin" / "semgrep"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        proc = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "semgrep"], check=False)
        if proc.returncode != 0:
            return None
    return exe


def semgrep_command(sg: Path) -> list[str]:
    return [
        str(sg),
        "scan",
        "--metrics=off",
        "--disable-version-check",  # it waits on the network
        "--config",
        str(HERE / "semgrep" / "rules.yml"),
        "-q",
        ".",
    ]


def notes_ok(stderr: str) -> str:
    """Every problem file a one-line note, and no traceback."""
    notes = [line for line in stderr.splitlines() if ": note: " in line]
    crashed = "Traceback" in stderr
    return f"{len(notes)} one-line notes, {'a traceback' if crashed else 'no traceback'}"


def main() -> int:
    WORK.mkdir(exist_ok=True)
    change, stdlib = change_repo(), stdlib_repo()
    hook_bin = installed()
    guard, py = str(hook_bin / "runbook-guard"), str(hook_bin / "python")
    ruff = str(BIN / "ruff")
    ruff_check = [ruff, "check", "--exit-zero", "-q", "--select", RUFF_CODES, "."]
    sg = semgrep()
    rows: list[tuple[str, str, float, float]] = []
    floor, floor_peak, _ = measure([py, "-c", "pass"], change)
    rows.append(("floor", "python -c pass", floor, floor_peak))
    imports, imports_peak, _ = measure([py, "-c", f"import {STDLIB_NEEDED}"], change)
    rows.append(("floor", f"python -c 'import {STDLIB_NEEDED}'", imports, imports_peak))
    least, least_peak, _ = measure([py, str(HERE / "least_hook.py")], change)
    rows.append(("a", "least a Python hook does (bench/least_hook.py)", least, least_peak))
    seconds: dict[str, float] = {}
    peaks: dict[str, float] = {}
    stderr_b = ""
    for case, repo, args in (("a", change, ["run"]), ("b", stdlib, ["run", "--all-files"])):
        commands = {
            "runbook-guard (replayed)": [guard, *args],
            "runbook-guard (cached)": [guard, *args],
            "runbook-guard --no-cache": [guard, *args, "--no-cache"],
            "ruff check (cached)": ruff_check,
            "ruff check --no-cache": [*ruff_check, "--no-cache"],
        }
        if case == "b":  # --all-files reads the whole index: never replayed
            del commands["runbook-guard (replayed)"]
        if sg is not None:
            commands["semgrep (5 equivalent rules)"] = semgrep_command(sg)
        for name, command in commands.items():
            progress(f"({case}) {name} ...")
            wall, peak, stderr = measure(command, repo, vary=name == "runbook-guard (cached)")
            progress(f"({case}) {name}: {wall:.3f} s, {peak:.0f} MB")
            rows.append((case, name, wall, peak))
            seconds[f"{case} {name}"], peaks[f"{case} {name}"] = wall, peak
            if case == "b" and name == "runbook-guard --no-cache":
                stderr_b = stderr
    lines = [
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}. Median of {RUNS} runs after a warm-up. runbook-guard "
        "and the floor: a plain install in a fresh virtualenv, as pre-commit makes. "
        "runbook-guard (replayed): nothing changed since the same run, its report is replayed; "
        "(cached): a full run whose files all come from the per-file cache (each run with its "
        "own SKIP value, so none is a replay); --no-cache: every file parsed and checked.",
        "",
        "| case | command | median wall (s) | peak RSS (MB) |",
        "|---|---|---|---|",
    ]
    lines += [f"| {c} | {n} | {w:.3f} | {p:.0f} |" for c, n, w, p in rows]
    lines += ["", "Acceptance (issue #5):", ""]
    lines += bars(seconds, peaks, floor, stderr_b)
    lines.append(
        f"- (a) importing {STDLIB_NEEDED} alone: {imports / floor:.1f}x the bare start-up; "
        f"starting, importing and asking git alone: {least / floor:.1f}x"
    )
    table = "\n".join(lines)
    print(table)
    target = HERE / "RESULTS.md" if "--write" in sys.argv[1:] else WORK / "RESULTS.md"
    target.write_text("# Benchmark results\n\nReproduce with `make bench`.\n\n" + table + "\n")
    progress(f"written to {target.relative_to(ROOT)}")
    return 0


def progress(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def bars(seconds: dict[str, float], peaks: dict[str, float], floor: float, stderr: str) -> list:
    """Each acceptance bar, for each way a run can find its files: replayed (case a only),
    from the per-file cache, and checked afresh."""
    out = []
    sg_a, sg_b = (
        seconds.get("a semgrep (5 equivalent rules)"),
        seconds.get("b semgrep (5 equivalent rules)"),
    )
    for mode in ("(replayed)", "(cached)", "--no-cache"):
        name = f"runbook-guard {mode}"
        a = seconds[f"a {name}"]
        line = [f"- {name}: (a) {a / floor:.1f}x the bare start-up (bar: at most 3x)"]
        if sg_a:
            line.append(f"(a) {sg_a / a:.1f}x faster than semgrep (bar: 20x)")
        if f"b {name}" in seconds:
            b = seconds[f"b {name}"]
            ruff_b = seconds[f"b ruff check {'(cached)' if mode != '--no-cache' else mode}"]
            if sg_b:
                line.append(f"(b) {sg_b / b:.1f}x faster than semgrep (bar: 10x)")
            line.append(f"(b) {b / ruff_b:.1f}x ruff's time (bar: within 8x)")
            line.append(f"(b) peak {peaks[f'b {name}']:.0f} MB (bar: under 300)")
        out.append("; ".join(line))
    out.append(f"- (b) unparseable and undecodable files: {notes_ok(stderr)}")
    return out


if __name__ == "__main__":
    raise SystemExit(main())
