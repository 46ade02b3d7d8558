"""Differential tests of the command line itself: shell quoting, GNU option syntax (combined
flags, `-ePAT`, abbreviated long options, options after operands, `--`) and `| grep` filters
applied to grep's `name:line:text` output, against bash and GNU grep."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runbook_guard.hooks.grep import Unsupported, compile_command
from runbook_guard.hooks.grep.shell import split_pipeline
from tests.hooks.test_grep_oracle import Tally, need_gnu_grep
from tests.hooks.test_grep_regex import SETTINGS, _check

TREE = {
    "app/config.py": b"x = os.environ['A']\ny = env.get('A')\nSERVICE_ID = 'netra-backend'\n",
    "app/isolated_environment.py": b"v = os.environ['A']\n",
    "app/sub/t.py": b"SERVICE_ID = f'{datetime.now()}'\nexcept Exception: pass\n",
    "tests/e2e/test_a.py": b"from unittest.mock import patch\nawait x\nasync def test_a():\n",
    "notes.txt": b"os.environ in prose\nraise Error\nlog.error('x')\n",
}
WORDS = [
    "os\\.environ",
    "os.environ\\[",
    "SERVICE_ID",
    "except.*pass",
    "Mock\\|patch",
    "netra-backend",
    "isolated_environment",
    "raise\\|log",
    "^app",
    "\\.py:",
    ":[0-9]*:",
    "async def",
    "await",
    "[[:upper:]_]\\{3,\\}",
    "it's",
    'say "x"',
    "$HOME",
    "a b",
]


def quoted(word: str, style: int) -> str:
    """`word` as bash reads it back, in one of three quoting styles."""
    if style == 0:
        return "'" + word.replace("'", "'\\''") + "'"
    if style == 1:
        return '"' + "".join("\\" + c if c in '"\\$`' else c for c in word) + '"'
    return "".join(c if c.isalnum() or c in "_-./=:," else "\\" + c for c in word)


@st.composite
def pipelines(draw: st.DrawFn) -> str:
    style = st.integers(0, 2)
    pattern = draw(st.sampled_from(WORDS))
    spelled = draw(
        st.sampled_from(
            [
                [pattern],
                ["-e", pattern],
                ["-e" + pattern],
                ["--regexp=" + pattern],
                ["--reg", pattern],
                ["--", pattern],
            ]
        )
    )
    flags = draw(
        st.lists(
            st.sampled_from(
                ["-r", "-rn", "-nr", "-i", "-n", "-w", "-H", "--recursive", "--line-n", "-E", "-F"]
            ),
            max_size=3,
        )
    )
    extra = draw(
        st.lists(
            st.sampled_from(
                ["--include=*.py", "--incl=*.py", "--exclude-dir=e2e", "--exclude=iso*", "-s"]
            ),
            max_size=2,
        )
    )
    operands = draw(st.sampled_from([["."], ["app"], ["app/", "tests"], []]))
    if "--" in spelled:
        words = ["grep", *flags, *extra, *spelled, *operands]
    else:
        words = ["grep", *flags, *spelled, *operands, *extra]  # options after operands
    parts = [" ".join(quoted(w, draw(style)) for w in words)]
    for _ in range(draw(st.integers(0, 2))):
        fflags = draw(st.lists(st.sampled_from(["-v", "-i", "-E", "-w", "-x", "-F"]), max_size=2))
        fpattern = draw(st.sampled_from(WORDS))
        parts.append(" ".join(quoted(w, draw(style)) for w in ["grep", *fflags, fpattern]))
    return " | ".join(parts)


def test_pipelines_agree_with_gnu_grep(request: pytest.FixtureRequest, record_property) -> None:  # type: ignore[no-untyped-def]
    need_gnu_grep()
    tally = Tally("command lines and filters")

    @SETTINGS
    @given(command=pipelines())
    def run(command: str) -> None:
        _check(tally, TREE, command)

    run()
    tally.record(request, record_property)
    assert tally.compiled >= 500, tally.figure()


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('grep -r "os\\.environ\\[" .', [["grep", "-r", "os\\.environ\\[", "."]]),
        ('grep \'a b\' x | grep -v "c\\"d"', [["grep", "a b", "x"], ["grep", "-v", 'c"d']]),
        ("grep x\\ y f # a comment", [["grep", "x y", "f"]]),
        ("grep a#b f", [["grep", "a#b", "f"]]),
        ("grep -r x . 2>/dev/null", [["grep", "-r", "x", "."]]),
    ],
)
def test_shell_words(line: str, words: list[list[str]]) -> None:
    assert [list(c.words) for c in split_pipeline(line)] == words


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("cat auth_service/.env.staging | grep GOOGLE_CLIENT", "`cat` is not grep"),
        ("docker ps | grep postgres", "`docker` is not grep"),
        ('cat frontend/.env.$env | grep -E "NEXT_PUBLIC_"', "expanded by the shell"),
        ("grep -r foo *.py", "unquoted glob"),
        ("grep -r foo . && echo ok", "more than a pipeline"),
        ("grep -r foo . > out.txt", "more than a pipeline"),
        ("grep -i error test_output.log | head -20", "`head` is not grep"),
        ('grep "X" f | grep -q "staging"', "exit status"),
        ("grep -c foo f", "count"),
        ("grep -f pats.txt f", "reads its patterns from a file"),
        ("grep foo", "standard input"),
        ("grep -r foo ../other", "leaves the directory"),
        ("grep -r foo /etc", "outside the repository"),
        ("grep --in=x foo f", "ambiguous"),
        ("grep -E -F foo f", "conflicting matchers"),
        ("grep -P -e a -e b f", "single pattern"),
        ("grep 'a\\{1' f", "rejects"),
        ("grep -r foo . | grep -n bar", "numbers the piped lines"),
        ("grep -r foo . | grep bar other.txt", "reads files"),
    ],
)
def test_refused_with_a_reason(line: str, reason: str) -> None:
    with pytest.raises(Unsupported, match=None) as caught:
        compile_command(line)
    assert reason in caught.value.reason
