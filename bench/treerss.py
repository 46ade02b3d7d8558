"""Run a command and report its wall time and the peak of the summed RSS of it and every
process it starts (sampled from /proc every 20 ms): `python bench/treerss.py CMD...`."""

from __future__ import annotations

import os
import subprocess
import sys
import time


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(c) for c in handle.read().split())
    except OSError:
        pass
    return found


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += _rss(current)
        todo.extend(_children(current))
    return total


def measure(
    command: list[str], cwd: str | None = None, env: dict | None = None
) -> tuple[float, int, int]:
    """(wall seconds, peak summed RSS in bytes, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.02)
    return time.perf_counter() - start, peak, proc.returncode


if __name__ == "__main__":
    seconds, peak, code = measure(sys.argv[1:])
    print(f"{seconds:.2f} s, peak {peak / 2**20:.0f} MB summed over the process tree, exit {code}")
