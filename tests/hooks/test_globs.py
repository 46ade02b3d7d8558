"""Path globs (configuration keys, grep's --include) match in time linear in the name, and mean
what they meant as regexes: a fuzz target against a backtracking reference on short inputs, and
a time bound per match on the inputs that made the regexes run for minutes."""

from __future__ import annotations

import fnmatch
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runbook_guard.hooks import globs
from runbook_guard.hooks.context import _glob_tokens, path_matches
from runbook_guard.hooks.grep.paths import glob_tokens
from tests.helpers import findings, stage, write


def reference(pattern: str) -> re.Pattern[str]:
    """The backtracking translation the configuration globs used to have (a bracket now never
    matches `/`, like `*` and `?`)."""
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
        elif pattern[i] == "[" and pattern.find("]", i + 1) != -1:
            end = pattern.find("]", i + 1)
            # a bracket stays within one folder, as `*` and `?` do (pathlib's reading)
            out.append("(?!/)" + fnmatch.translate(pattern[i : end + 1])[4:-3])
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


PIECES = ["a", "b", "/", ".", "*", "**", "**/", "?", "[ab]", "[!a]", "_"]
NAMES = st.text(alphabet="ab/._", max_size=12)


@settings(max_examples=1500, deadline=None)
@given(pattern=st.lists(st.sampled_from(PIECES), max_size=7).map("".join), name=NAMES)
def test_configuration_globs_mean_what_the_regexes_meant(pattern: str, name: str) -> None:
    expected = bool(reference(pattern).match(name))
    assert globs.matches(_glob_tokens(pattern), name) == expected, (pattern, name)


@settings(max_examples=1500, deadline=None)
@given(
    pattern=st.lists(st.sampled_from(["a", "b", "/", "*", "?", "[ab]"]), max_size=7).map("".join),
    name=NAMES,
)
def test_grep_globs_are_fnmatch_without_a_special_slash(pattern: str, name: str) -> None:
    # glibc fnmatch with flags 0 is Python's fnmatchcase (no `[!`/`[^` differences used here)
    assert globs.matches(glob_tokens(pattern), name) == fnmatch.fnmatchcase(name, pattern)


ADVERSARIAL = [
    ("*a*a*a*a*a*a*a*a*a*a*a*ab", "a" * 5000),
    ("*_*_*_*_*.txt", "_" * 240 + ".py"),
    ("**/**/**/**/**/**/x", "a/" * 2000 + "y"),
    ("*?*?*?*?*?*?*?*?*?*?*?b", "a" * 5000),
]


@pytest.mark.parametrize(("pattern", "name"), ADVERSARIAL)
def test_a_match_is_linear_in_the_name(pattern: str, name: str) -> None:
    for tokens in (_glob_tokens(pattern), glob_tokens(pattern)):
        started = time.perf_counter()
        globs.matches(tokens, name)
        assert time.perf_counter() - started < 0.5


def test_a_hostile_per_file_ignores_key_costs_nothing(git_repo: Path) -> None:
    key = "*a*a*a*a*a*a*a*a*a*a*a*ab"
    write(git_repo, ".runbook-guard.toml", f'[per-file-ignores]\n"{key}" = ["ALL"]\n')
    name = "pkg/" + "a" * 200 + ".py"
    write(git_repo, name, 'import os\nX = os.environ["A"]\n')
    stage(git_repo, ".")
    started = time.perf_counter()
    assert findings() == {("no-direct-environ", name, 2)}
    assert time.perf_counter() - started < 5
    assert not path_matches(name, [key])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    pattern=st.lists(st.sampled_from(PIECES), min_size=8, max_size=30).map("".join),
    unit=st.text(alphabet="ab/._", min_size=1, max_size=4),
)
def test_any_glob_against_a_long_name_is_bounded_in_time(pattern: str, unit: str) -> None:
    """The fuzz target with a time bound per match: patterns of up to 30 pieces (wildcards in
    any number) against 4,000-character names made of what they look for."""
    name = (unit * 4000)[:4000]
    for tokens in (_glob_tokens(pattern), glob_tokens(pattern)):
        started = time.perf_counter()
        globs.matches(tokens, name)
        assert time.perf_counter() - started < 0.5
