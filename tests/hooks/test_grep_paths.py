"""Differential tests of which files a command reads and how it names them: path operands,
`-r`, `--include`/`--exclude`/`--exclude-dir` globs, `-h`/`-H`, against real GNU grep."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runbook_guard.hooks.grep import Unsupported, compile_command
from runbook_guard.hooks.grep.paths import excluded, glob_tokens
from tests.hooks.test_grep_oracle import Tally, need_gnu_grep
from tests.hooks.test_grep_regex import SETTINGS, _check

TREE = {
    "a.py": b"foo\nbar\n",
    "b.txt": b"foo\n",
    "a b.py": b"foo here\n",
    "sub/c.py": b"foo\nfoo bar\n",
    "sub/.env.staging": b"foo=1\n",
    "sub/deep/d.py": b"xfoo\n",
    "deep/e.py": b"foo\n",
    ".hidden/f.py": b"foo\n",
    "tests/e2e/test_x.py": b"foo Mock\n",
}
GLOB_TOKENS = [
    "*",
    "?",
    ".py",
    ".txt",
    "a",
    "c",
    "e",
    "d",
    "[ab]",
    "[!a]",
    "[^c]",
    "[a-c]",
    "\\*",
    "\\a",
    "sub",
    "deep",
    ".",
    "[[:alpha:]]",
    "env",
    "/",
    "2",
]
OPERANDS = [
    ".",
    "./",
    "sub",
    "sub/",
    "sub//",
    "./sub",
    "sub/c.py",
    "a.py",
    "a b.py",
    "deep",
    "tests/e2e",
    "tests/e2e/",
    "missing.py",
    "sub/./deep",
    ".hidden",
    "b.txt",
]
globs = st.lists(st.sampled_from(GLOB_TOKENS), min_size=1, max_size=4).map("".join)


@st.composite
def path_commands(draw: st.DrawFn) -> str:
    words = ["grep"]
    words += draw(st.lists(st.sampled_from(["-r", "-R", "-n", "-h", "-H", "-v"]), max_size=3))
    for _ in range(draw(st.integers(0, 3))):
        option = draw(st.sampled_from(["--include", "--exclude", "--exclude-dir"]))
        words.append(f"{option}={draw(globs)}")
    words.append("foo")
    operands = draw(st.lists(st.sampled_from(OPERANDS), max_size=3))
    if not operands and "-r" not in words and "-R" not in words:
        words.insert(1, "-r")  # not standard input
    return shlex.join([*words, *operands])


def test_paths_agree_with_gnu_grep(request: pytest.FixtureRequest, record_property) -> None:  # type: ignore[no-untyped-def]
    need_gnu_grep()
    tally = Tally("paths and globs")

    @SETTINGS
    @given(command=path_commands())
    def run(command: str) -> None:
        _check(tally, TREE, command)

    run()
    tally.record(request, record_property)
    assert tally.compiled >= 500, tally.figure()


@pytest.mark.parametrize(
    ("glob", "name", "anchored", "expected"),
    [
        ("*.py", "a.py", True, True),
        ("*.py", "sub/a.py", True, True),  # fnmatch without FNM_PATHNAME: * crosses /
        ("e2e", "tests/e2e", False, True),  # a suffix after a / counts on the command line
        ("e2e", "tests/e2e/", False, False),
        ("e2e", "tests/e2e", True, False),
        ("[!a]*", ".env", True, True),  # no FNM_PERIOD
        ("\\*", "*", True, True),
    ],
)
def test_glob_matching(glob: str, name: str, anchored: bool, expected: bool) -> None:
    assert excluded([(glob, False)], name, anchored) is expected


def test_first_include_makes_unmatched_files_skipped() -> None:
    assert excluded([("*.py", True)], "a.txt", True)
    assert not excluded([("*.txt", False), ("*.py", True)], "a.md", True)
    assert not excluded([("*.py", False), ("a.py", True)], "a.py", True)  # the last match wins


@pytest.mark.parametrize("glob", ["[a", "*\\", "[[.a.]]"])
def test_globs_fnmatch_reads_differently_are_refused(glob: str) -> None:
    with pytest.raises(Unsupported):
        glob_tokens(glob)
    with pytest.raises(Unsupported):
        compile_command(f"grep -r --include={shlex.quote(glob)} x .")
