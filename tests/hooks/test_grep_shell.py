"""A runbook's command line read as bash reads it, with real bash as the oracle.

Each line is run by bash in a directory holding a few files, with `grep` replaced by a function
that prints its words: what bash hands grep is what the compiled command must mean. A line we
refuse must be one where bash's words are not the line's literal words (an expansion really
changes the command); a line we keep must give exactly bash's words.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from runbook_guard.hooks.grep import Unsupported
from runbook_guard.hooks.grep.shell import expands_in, split_pipeline
from tests.hooks.test_grep_oracle import differ, need_gnu_grep, write_tree

# a repository root: `*.py` and `src/*.py` match files here, `--include=*.py` does not
ROOT_FILES = {"a.py": b"", "src/b.py": b"", "x": b"", "notes.txt": b""}
PRINT_WORDS = 'grep() { printf "%s\\0" grep "$@"; }\n'


def bash_words(root: Path, line: str) -> list[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent", "LC_ALL": "C"}
    done = subprocess.run(
        ["bash", "-c", PRINT_WORDS + line], cwd=root, env=env, capture_output=True, timeout=20
    )
    return done.stdout.decode("latin-1").split("\0")[:-1]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not shutil.which("bash"):
        pytest.skip("bash is not installed")
    path = tmp_path_factory.mktemp("root")
    write_tree(path, ROOT_FILES)
    return path


def our_words(root: Path, line: str) -> list[str]:
    (command,) = split_pipeline(line, expands_in(root))
    return list(command.words)


KEPT = [
    # `$` before nothing bash expands is a dollar, in every quoting
    'grep -rn "[[:space:]]$" --include="*.py" .',
    "grep 'a$' f",
    "grep a$ f",
    'grep "a$" f',
    'grep "$" f',
    "grep $ f",
    'grep "a$ b" f',
    'grep "$/x" f',
    'grep "x$)" f',
    "grep \"$'x'\" f",
    'grep "a$\\"" f',
    'grep "\\$HOME" f',
    "grep \\$HOME f",
    "grep '$HOME' f",
    "grep a$% f",
    "grep 'x$' f | grep -v \"y$\"",
    # an unquoted glob that matches nothing in the root is kept as written
    'grep -rE "SERVICE_ID\\s*=.*(datetime|time\\.time|uuid)" --include=*.py .',
    "grep -r foo --include=*.txt .",
    "grep -r foo --exclude-dir=node_* .",
    "grep [abc]zz f",
    "grep 'a[' f[",
    'grep -r foo --include="*".py .',
    "grep -r foo --include=\\*.py .",
    "grep -r foo '*.py'",
    # braces that are no brace expansion, `!`, backslashes, `~` inside a word
    'grep "{a,b}" f',
    "grep {} f",
    "grep {x} f",
    "grep {a\\,b} f",
    "grep {a..bc} f",
    "grep 'x{1..3}' f",
    'grep "a!b" f',
    "grep a!b f",
    "grep '!' f",
    "grep x\\ y f",
    "grep 'a\\b' f",
    'grep "a\\b" f',
    "grep a\\\\b f",
    'grep "a\\\\b" f',
    "grep -e~ f",
    "grep a:~/y f",
]

REFUSED = [
    ("grep -r foo *.py", "matches files"),
    ("grep foo src/*.py", "matches files"),
    ("grep foo ?", "matches files"),
    ("grep -r foo *.t?t", "matches files"),
    ('grep "$HOME" f', "expanded by the shell"),
    ("grep $HOME f", "expanded by the shell"),
    ('grep "${x}" f', "expanded by the shell"),
    ('grep "$(echo a)" f', "expanded by the shell"),
    ('grep "$1" f', "expanded by the shell"),
    ('grep "$#" f', "expanded by the shell"),
    ('grep "$[1+1]" f', "expanded by the shell"),
    ("grep $'a' f", "expanded by the shell"),
    ('grep $"a" f', "expanded by the shell"),
    ("grep `echo a` f", "expanded by the shell"),
    ("grep {a,b} f", "brace-expanded"),
    ('grep x{a,"b"} f', "brace-expanded"),
    ("grep {1..3} f", "brace-expanded"),
    ("grep {a..c} f", "brace-expanded"),
    ("grep ~ f", "home directory"),
    ("grep a=~/x f", "home directory"),
    ("grep a=x:y:~/z f", "home directory"),
]


@pytest.mark.parametrize("line", KEPT)
def test_words_are_bashs(root: Path, line: str) -> None:
    first = line.split(" | ")[0]
    assert our_words(root, first) == bash_words(root, first)
    split_pipeline(line, expands_in(root))  # the whole pipeline compiles too


@pytest.mark.parametrize(("line", "reason"), REFUSED)
def test_refused_only_where_bash_changes_the_words(root: Path, line: str, reason: str) -> None:
    with pytest.raises(Unsupported) as caught:
        our_words(root, line)
    assert reason in caught.value.reason
    assert bash_words(root, line) != shlex.split(line)  # the expansion is real


def test_a_glob_is_refused_without_a_directory_to_decide_it() -> None:
    with pytest.raises(Unsupported, match="unquoted glob"):
        split_pipeline("grep -r foo --include=*.py .")


def test_a_glob_is_kept_until_a_file_matches_it(tmp_path: Path) -> None:
    line = "grep -r foo --include=*.py ."
    assert our_words(tmp_path, line) == bash_words(tmp_path, line)
    (tmp_path / "--include=x.py").write_text("")
    with pytest.raises(Unsupported, match="matches files"):
        our_words(tmp_path, line)
    assert bash_words(tmp_path, line)[3] == "--include=x.py"


# Files of every type a runbook command may search.
TREE = {
    "src/app.py": b"x = 1  # TODO: fix\ny = 2 \nSERVICE_ID = f'svc-{uuid4()}'\n",
    "src/notes.txt": b"a todo here\nnothing\ncost: $5\n",
    "src/todo_list.md": b"- [ ] Todo\n- [x] done\n",
    "docs/guide.md": b"# Guide\n\nthe the cat\nIs is fine\nprice $ 10\n",
    "docs/api.yaml": b"service_id: abc\nkey: value \n",
    "docs/config.json": b'{"todo": true}\n',
    "Dockerfile": b"FROM python:3.12\nRUN pip install x \n",
    "scripts/run.sh": b"#!/bin/sh\necho $HOME\nexit 0\n",
    "data/blob.bin": b"todo\0binary\n",
    "README.md": b"todo: write\n",
}

COMMANDS = [
    'grep -riw "todo" src/',
    'grep -rEi "\\b([a-z]+) \\1\\b" --include="*.md" docs/',
    'grep -rn "[[:space:]]$" --include=*.py .',
    'grep -rn "[[:space:]]$" .',
    'grep -rE "SERVICE_ID\\s*=.*(datetime|time\\.time|uuid)" --include=*.py .',
    'grep -rn "\\$" --include=*.txt --include=*.sh .',
    "grep -rn '[$]' docs/",
    'grep -rn "$ " docs/guide.md',
    "grep -rni todo . --exclude-dir=data",
    "grep -rn value docs/api.yaml Dockerfile",
    "grep -rn 'pip install' --include=Dockerfile .",
    "grep -rn TODO --include=*.{py,md} .",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_commands_over_files_of_every_type_agree_with_gnu_grep(
    tmp_path: Path, command: str
) -> None:
    need_gnu_grep()
    outcome = differ(tmp_path, TREE, command)
    if "{py,md}" in command:
        assert outcome.verdict == "refused" and "brace-expanded" in outcome.reason
        return
    assert outcome.verdict == "agree", outcome
    assert outcome.gnu, f"the tree does not exercise `{command}`"
