"""Differential tests: generated patterns and flag combinations, compiled vs. real GNU grep.

Each example writes a small tree of generated files (unique lines, so a printed line names one
(file, line)), runs the generated command with bash and GNU grep, and runs the compiled
pipeline over the same files. Every compiled example must print exactly what grep prints; a
command grep rejects must be refused. Each test reports its agreement figure
(`agreeing/compiled`, with the refused count) in the JUnit property `grep_agreement`, the pytest
cache (`runbook-guard/grep-agreement/*`) and on stdout.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hooks.test_grep_oracle import Tally, differ, need_gnu_grep, run_gnu

CHARS = "abzAB_- .*+?(){}|^$[]\\1:\t\xe9\xc9"
LINE = st.text(alphabet=CHARS, max_size=8)
FLAGS = st.lists(st.sampled_from(["-i", "-w", "-x", "-v", "-n", "-h", "-H", "-y"]), max_size=3)

BRE_TOKENS = [
    *"ab.-_ :1",
    *"AB",
    "*",
    "\\+",
    "\\?",
    "+",
    "?",
    "\\{1\\}",
    "\\{,2\\}",
    "\\{1,\\}",
    "\\{0\\}",
    "{",
    "}",
    "\\(",
    "\\)",
    "(",
    ")",
    "\\|",
    "|",
    "^",
    "$",
    "[ab]",
    "[^a]",
    "[[:alpha:]]",
    "[[:space:]]",
    "[[:punct:]]",
    "[a-c]",
    "[]a]",
    "[^]-]",
    "[",
    "]",
    "\\<",
    "\\>",
    "\\b",
    "\\B",
    "\\w",
    "\\W",
    "\\s",
    "\\S",
    "\\1",
    "\\2",
    "\\.",
    "\\*",
    "\\[",
    "\\\\",
    "\\{",
    "\\}",
    "\xe9",
]
ERE_TOKENS = [
    *"ab.-_ :1AB",
    "*",
    "+",
    "?",
    "{1}",
    "{1,2}",
    "{,2}",
    "{2,}",
    "{0}",
    "{",
    "}",
    "{1",
    "(",
    ")",
    "()",
    "|",
    "\\(",
    "\\)",
    "\\|",
    "\\+",
    "\\?",
    "\\{",
    "^",
    "$",
    "[ab]",
    "[^a]",
    "[[:alpha:]]",
    "[[:upper:]]",
    "[[:digit:]_]",
    "[a-]",
    "\\<",
    "\\>",
    "\\b",
    "\\B",
    "\\w",
    "\\W",
    "\\s",
    "\\1",
    "\\.",
    "\xe9",
]
PCRE_TOKENS = [
    *"ab.-_ :1AB",
    "*",
    "+",
    "?",
    "*?",
    "+?",
    "{1,2}",
    "{2}",
    "{",
    "}",
    "(",
    ")",
    "(?:",
    "(?=",
    "(?!",
    "(?<=",
    "(?<!",
    "(?i:",
    "|",
    "^",
    "$",
    "\\d",
    "\\w",
    "\\W",
    "\\s",
    "\\S",
    "\\b",
    "\\B",
    "\\A",
    "\\z",
    "\\Z",
    "\\1",
    "\\x41",
    "\\.",
    "\\(",
    "[a-c]",
    "[^a]",
    "[[:alpha:]]",
    "[\\d_]",
    "[^\\s]",
    "\\Q",
    "*+",
    "\xe9",
]


BRACKET_ITEMS = [
    *"abzAZ-]^[\\.:_ 1",
    "\xe9",
    *["a-z", "A-Z", "z-a", "--a", "!--", "a-", "\\]", "A-z"],
    *["[:alpha:]", "[:upper:]", "[:lower:]", "[:digit:]", "[:space:]", "[:punct:]", "[:foo:]"],
    *["[.a.]", "[=a=]", "[:alpha:"],
]


PCRE_BRACKET_ITEMS = [
    *"abzAZ-]^[.:_ 1",
    *["a-z", "z-a", "\\d", "\\w", "\\s", "\\W", "\\]", "\\\\", "\\-", "\\b", "\\x41", "\\n"],
    *["[:alpha:]", "[:^alpha:]", "[:digit:]", "[:foo:]", "\\d-z", "\\p"],
]


@st.composite
def bracket(draw: st.DrawFn, items: list[str]) -> str:
    inner = "".join(draw(st.lists(st.sampled_from(items), min_size=1, max_size=4)))
    return "[" + ("^" if draw(st.booleans()) else "") + inner + "]"


def pattern(tokens: list[str]) -> st.SearchStrategy[str]:
    items = PCRE_BRACKET_ITEMS if "(?:" in tokens else BRACKET_ITEMS
    token = (
        st.one_of(st.sampled_from(tokens), bracket(items))
        if "$" in tokens
        else st.sampled_from(tokens)
    )
    return st.lists(token, max_size=6).map("".join)


@st.composite
def trees(draw: st.DrawFn) -> dict[str, bytes]:
    names = draw(
        st.lists(
            st.sampled_from(["a.py", "b.txt", "sub/c.py", "sub/deep/d.py", ".hidden/e.py"]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    files = {}
    for name in names:
        lines = draw(st.lists(LINE, max_size=6, unique=True))
        # é as one byte (C-locale text) or as UTF-8's two bytes
        data = "\n".join(lines).encode(draw(st.sampled_from(["latin-1", "utf-8"])))
        files[name] = data + (b"\n" if lines and draw(st.booleans()) else b"")
    return files


def command(flags: list[str], matcher: str, patterns: list[str], operand: str) -> str:
    words = ["grep", *flags, *([matcher] if matcher else [])]
    if len(patterns) == 1 and not patterns[0].startswith("-") and draw_plain(patterns[0]):
        words.append(patterns[0])
    else:
        for p in patterns:
            words += ["-e", p]
    return shlex.join([*words, *operand.split()])


def draw_plain(p: str) -> bool:
    return bool(p)


def _check(tally: Tally, files: dict[str, bytes], cmd: str) -> None:
    root = Path(tempfile.mkdtemp(prefix="grep-diff-"))
    try:
        outcome = differ(root / "t", files, cmd)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    tally.add(outcome)
    assert outcome.verdict != "disagree", (cmd, files, outcome)


# GREP_DIFF_EXAMPLES=20000 runs a deeper search than the default 600 examples per test.
EXAMPLES = int(os.environ.get("GREP_DIFF_EXAMPLES", "600"))
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


def _differential(name: str, tokens: list[str], matcher: str, max_patterns: int):  # type: ignore[no-untyped-def]
    tally = Tally(name)

    @SETTINGS
    @given(
        files=trees(),
        flags=FLAGS,
        patterns=st.lists(pattern(tokens), min_size=1, max_size=max_patterns),
        operand=st.sampled_from(["-r .", "-r", "a.py", "a.py sub/c.py", "-r sub"]),
    )
    def run(files: dict[str, bytes], flags: list[str], patterns: list[str], operand: str) -> None:
        _check(tally, files, command(flags, matcher, patterns, operand))

    return tally, run


@pytest.mark.parametrize(
    ("name", "tokens", "matcher", "max_patterns"),
    [
        ("basic (BRE)", BRE_TOKENS, "", 2),
        ("extended (-E)", ERE_TOKENS, "-E", 2),
        ("perl (-P)", PCRE_TOKENS, "-P", 1),
        ("fixed (-F)", [*"ab.-_ :1AB*\\[]$^", "\xe9"], "-F", 3),
    ],
)
def test_generated_patterns_agree_with_gnu_grep(
    name: str,
    tokens: list[str],
    matcher: str,
    max_patterns: int,
    request: pytest.FixtureRequest,
    record_property,  # type: ignore[no-untyped-def]
) -> None:
    need_gnu_grep()
    tally, run = _differential(name, tokens, matcher, max_patterns)
    run()
    tally.record(request, record_property)
    assert tally.compiled >= 300, tally.figure()


@pytest.mark.parametrize(
    ("name", "tokens", "matcher", "max_patterns"),
    [
        ("basic (BRE), RE2", BRE_TOKENS, "", 2),
        ("extended (-E), RE2", ERE_TOKENS, "-E", 2),
        ("fixed (-F), RE2", [*"ab.-_ :1AB*\\[]$^", "\xe9"], "-F", 3),
    ],
)
def test_generated_patterns_agree_with_gnu_grep_through_re2(
    name: str,
    tokens: list[str],
    matcher: str,
    max_patterns: int,
    request: pytest.FixtureRequest,
    record_property,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same patterns with every line matched by RE2, as a line longer than
    `matcher.LONG_LINE` (or any line, for a pattern Python's engine could take too long on) is."""
    need_gnu_grep()
    from runbook_guard.hooks.grep import matcher as matcher_module

    monkeypatch.setattr(matcher_module, "LONG_LINE", -1)
    tally, run = _differential(name, tokens, matcher, max_patterns)
    run()
    tally.record(request, record_property)
    assert tally.compiled >= 300, tally.figure()


@pytest.mark.parametrize("flags", ["-i", "", "-iE", "-E"])
@pytest.mark.parametrize(
    "brackets", ["[Z-a]", "[A-z]", "[a-_]", "[_-a]", "[Y-b]", "[Z-_]", "[a-Z]"]
)
def test_ranges_under_case_folding_are_refused_as_grep_refuses_them(
    tmp_path: Path, flags: str, brackets: str
) -> None:
    """glibc checks a range under -i on its upper-cased ends: `[Z-a]` is `[Z-A]`, rejected."""
    need_gnu_grep()
    files = {"a.txt": b"a\nZ\n_\nb\n^\nz\n"}
    cmd = f"grep {flags} '{brackets}' a.txt".replace("grep  ", "grep ")
    outcome = differ(tmp_path, files, cmd)
    assert outcome.verdict != "disagree", outcome
    if outcome.verdict == "refused" and "reversed but for case" not in outcome.reason:
        _, rejected = run_gnu(tmp_path, cmd)
        assert rejected, f"`{cmd}` refused ({outcome.reason}) though grep accepts it"
