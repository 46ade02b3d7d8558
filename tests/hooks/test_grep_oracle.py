"""The oracle for the differential tests: real GNU grep, run by bash on a real file tree.

`differ(tmp, files, command)` writes the files, runs `command` with bash in that tree (LC_ALL=C,
as the compiled rules assume) and runs the compiled pipeline over the same files, and returns
the outcome: "agree" (identical printed lines, so identical (file, line) sets), "refused" (the
command was not compiled: fine, it will be listed by check-links), or "disagree" with both
outputs. A command GNU grep rejects must be refused, never compiled.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from runbook_guard.hooks.grep import Unsupported, compile_command
from runbook_guard.hooks.grep.shell import expands_in

GREP_ENV = {"LC_ALL": "C", "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent"}
FILE_ERRORS = (": No such file or directory", ": Is a directory", ": Not a directory")


def need_gnu_grep() -> None:
    grep = shutil.which("grep")
    version = subprocess.run([grep or "grep", "--version"], capture_output=True, text=True)
    if not grep or "GNU grep" not in version.stdout:
        pytest.skip("GNU grep is not installed")


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    for path, data in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def run_gnu(root: Path, command: str) -> tuple[list[bytes], bool]:
    """(printed lines, did grep reject the command itself?)"""
    done = subprocess.run(
        ["bash", "-c", command], cwd=root, env=GREP_ENV, capture_output=True, timeout=20
    )
    errors = [
        line
        for line in done.stderr.decode("latin-1").splitlines()
        if line and "warning:" not in line and not line.endswith(FILE_ERRORS)
    ]
    lines = done.stdout.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return lines, bool(errors)


def run_compiled(root: Path, files: dict[str, bytes], command: str) -> list[bytes]:
    """The compiled command's printed lines, its unquoted globs decided in `root` as the
    product decides them in the repository's root."""
    pipeline = compile_command(command, expands_in(root))
    out: list[bytes] = []
    for path, data in files.items():
        out.extend(hit.output.encode("latin-1") for hit in pipeline.search(path, data))
    return out


@dataclass
class Outcome:
    verdict: str  # agree, refused, disagree
    gnu: list[bytes] = field(default_factory=list)
    ours: list[bytes] = field(default_factory=list)
    reason: str = ""


def differ(root: Path, files: dict[str, bytes], command: str) -> Outcome:
    root.mkdir(parents=True, exist_ok=True)
    write_tree(root, files)
    try:
        ours = run_compiled(root, files, command)
    except Unsupported as e:
        return Outcome("refused", reason=e.reason)
    gnu, rejected = run_gnu(root, command)
    if rejected:
        return Outcome("disagree", gnu, ours, "GNU grep rejected a command we compiled")
    if Counter(gnu) != Counter(ours):
        return Outcome("disagree", sorted(gnu), sorted(ours))
    return Outcome("agree", gnu, ours)


@dataclass
class Tally:
    """Agreement counts of one differential test, reported as `agreeing/total`."""

    name: str
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.verdict] += 1

    @property
    def compiled(self) -> int:
        return self.counts["agree"] + self.counts["disagree"]

    def figure(self) -> str:
        return (
            f"{self.name}: {self.counts['agree']}/{self.compiled} compiled cases agree with "
            f"GNU grep ({self.counts['refused']} refused)"
        )

    def record(self, request: pytest.FixtureRequest, record_property) -> None:  # type: ignore[no-untyped-def]
        record_property("grep_agreement", self.figure())
        cache = getattr(request.config, "cache", None)
        if cache is not None:
            cache.set(f"runbook-guard/grep-agreement/{self.name}", dict(self.counts))
        print(self.figure())


def test_oracle_sees_gnu_grep_output(tmp_path: Path) -> None:
    need_gnu_grep()
    files = {"a.py": b"one\ntwo\n", "sub/b.py": b"two\n"}
    outcome = differ(tmp_path, files, "grep -rn two .")
    assert outcome.verdict == "agree", outcome
    assert sorted(outcome.gnu) == [b"./a.py:2:two", b"./sub/b.py:1:two"]


def test_oracle_flags_a_pattern_grep_rejects(tmp_path: Path) -> None:
    need_gnu_grep()
    lines, rejected = run_gnu(tmp_path, "grep -r 'a\\{1' .")
    assert rejected and not lines
