"""`make bench`: runbook-guard side by side with semgrep, ruff and a bare Python start-up.

(a) the staged-diff hook on a 20-file, ~3,000-line change in a real repository;
(b) `--all-files` over the running Python's standard library (about 1,800 files, 850,000 lines,
    some of them deliberately unparseable).
Each command: one warm-up, then the median of 5 runs, wall time and the child's peak memory.
semgrep comes from PyPI into bench/.work/semgrep-venv on first use (offline, --metrics=off).
Writes the table to bench/RESULTS.md.
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
WORK = HERE / ".work"
BIN = Path(sys.executable).parent
RUNS = 5
RUFF_CODES = "BLE001,S110,RUF012,F821,TID252"


def measure(command: list[str], cwd: Path) -> tuple[float, float]:
    """Median wall seconds and peak RSS (MB) of `command` over RUNS runs after a warm-up."""
    subprocess.run(command, cwd=cwd, capture_output=True, check=False)
    times, peaks = [], []
    for _ in range(RUNS):
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _, _, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss / 1024)
    return statistics.median(times), max(peaks)


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
    repo = WORK / "change"
    if (repo / ".git").is_dir():
        return repo
    repo.mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "README.md").write_text("bench\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base", "--no-verify")
    for i in range(20):
        lines = ["import logging", "import os", "", "logger = logging.getLogger(__name__)", ""]
        for k in range(12):
            lines += [
                f"class Service{i}x{k}:",
                "    cache = {}",
                "",
                "    def __init__(self, repo):",
                "        self.repo = repo",
                "",
                f"    def handle_{k}(self, request):",
                "        try:",
                "            return self.repo.get(request.id)",
                "        except Exception:",
                "            pass",
                "",
            ]
        lines.append("URL = os.environ['URL']")
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


def semgrep() -> Path | None:
    venv = WORK / "semgrep-venv"
    exe = venv / "bin" / "semgrep"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        proc = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "semgrep"], check=False)
        if proc.returncode != 0:
            return None
    return exe


def main() -> int:
    WORK.mkdir(exist_ok=True)
    change, stdlib = change_repo(), stdlib_repo()
    guard, ruff, py = str(BIN / "runbook-guard"), str(BIN / "ruff"), str(BIN / "python")
    sg = semgrep()
    rows: list[tuple[str, str, float, float]] = []
    floor = measure([py, "-c", "pass"], change)
    rows.append(("floor", "python -c pass", *floor))
    for label, repo, args in (("a", change, ["run"]), ("b", stdlib, ["run", "--all-files"])):
        rows.append((label, f"runbook-guard {' '.join(args)}", *measure([guard, *args], repo)))
        rows.append(
            (
                label,
                "ruff check (overlapping codes)",
                *measure(
                    [ruff, "check", "--no-cache", "--exit-zero", "-q", "--select", RUFF_CODES, "."],
                    repo,
                ),
            )
        )
        if sg is not None:
            rows.append(
                (
                    label,
                    "semgrep (5 equivalent rules)",
                    *measure(
                        [
                            str(sg),
                            "scan",
                            "--metrics=off",
                            "--disable-version-check",  # it waits on the network
                            "--config",
                            str(HERE / "semgrep" / "rules.yml"),
                            "-q",
                            ".",
                        ],
                        repo,
                    ),
                )
            )
    ours = {r[0]: r[2] for r in rows if r[1].startswith("runbook-guard")}
    lines = [
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}",
        "",
        "| case | command | median wall (s) | peak RSS (MB) | vs runbook-guard |",
        "|---|---|---|---|---|",
    ]
    for case, command, seconds, peak in rows:
        ratio = (
            f"{seconds / ours[case]:.2f}x"
            if case in ours
            else f"floor: runbook-guard (a) = {ours['a'] / seconds:.1f}x this"
        )
        lines.append(f"| {case} | {command} | {seconds:.3f} | {peak:.0f} | {ratio} |")
    table = "\n".join(lines)
    print(table)
    (HERE / "RESULTS.md").write_text(
        "# Benchmark results\n\nReproduce with `make bench`.\n\n" + table + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
