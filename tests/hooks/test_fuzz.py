"""Bad inputs never crash the hook: random bytes, invalid UTF-8, BOM, CRLF, NUL, deep nesting,
huge lines; and one bad file never stops the others being checked.

Bounded in time (FUZZ_EXAMPLES, 300 by default, about 10 s); the ci hypothesis profile draws the
same examples on every run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import guard, stage, write

SOURCE_BITS = st.sampled_from(
    [
        b"import os\n",
        b"os.environ['A']\n",
        b"class C:\n    x = {}\n",
        b"try:\n    pass\nexcept:\n    pass\n",
        b"\xff\xfe",
        b"\x00",
        b"\r\n",
        b"\xef\xbb\xbf",
        b"# runbook-guard: ignore[",
        b"async def f(:\n",
        b"(" * 50,
        b"]" * 3,
        b"'''",
        b"\t",
        "é".encode(),
        b"SERVICE_ID=",
        b"export A='b\n",
    ]
)


def _run_in_repo(files: dict[str, bytes]) -> tuple[int, str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        for name, data in files.items():
            write(root, name, data)
        stage(root, ".")
        cwd = os.getcwd()
        os.chdir(root)
        try:
            return guard("run")
        finally:
            os.chdir(cwd)


EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
GOOD_FILE_WITH_A_FINDING = b"import os\nX = os.environ['A']\n"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(SOURCE_BITS, min_size=1, max_size=12).map(b"".join), st.binary(max_size=200))
def test_random_sources_and_env_files_never_crash(source: bytes, noise: bytes) -> None:
    code, out, err = _run_in_repo(
        {
            "app/mod.py": source + noise,
            "app/raw.py": noise,
            ".env.staging": noise + source,
            "app/ok.py": GOOD_FILE_WITH_A_FINDING,
        }
    )
    assert code == 1, err
    # the bad files cost a note each at most; the good one is still checked
    assert "app/ok.py:2:5: no-direct-environ" in out
    assert all(line.startswith("runbook-guard: note: ") for line in err.splitlines()), err


def test_deep_nesting_and_a_huge_line_are_notes_not_crashes(git_repo: Path) -> None:
    write(git_repo, "deep.py", "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    write(git_repo, "deep_list.py", "x = " + "[" * 150 + "]" * 150 + "\n")
    write(git_repo, "huge.py", "x = '" + "a" * 10_000_000 + "'\n")
    # deep enough for CPython's parser to raise RecursionError (and MemoryError for the unary
    # chain); just under it, a tree thousands of levels deep that the rules must walk. One
    # term a line: a single line that long is not parsed at all (engine.MAX_PARSED_LINE).
    write(git_repo, "chain.py", "x = (a" + "\n + a" * 100_000 + ")\n")
    write(git_repo, "calls.py", "x = (f" + "\n()" * 100_000 + ")\n")
    write(git_repo, "unary.py", "x = (" + "\n-" * 100_000 + "1)\n")
    write(git_repo, "deep_ok.py", "x = a" + ".b" * 1_000 + "\n")
    write(git_repo, "ok.py", "import os\nX = os.environ['A']\n")
    stage(git_repo, ".")
    code, out, err = guard("run")
    assert code == 1 and "ok.py:2:5: no-direct-environ" in out
    # 5,000 nested parentheses are a SyntaxError of CPython's tokenizer: the new file is broken
    assert "deep.py:1:1: syntax-error" in out
    assert "note: unary.py: cannot be parsed (" in err
    for name in ("chain.py", "calls.py"):
        if sys.version_info >= (3, 11):
            assert f"note: {name}: cannot be parsed (" in err
        else:  # 3.10's parser builds these trees; the walk (no recursion) goes through them
            assert name not in err
    assert "deep_ok.py" not in err
    assert "note: huge.py: 10,000,007 characters, over the 1 MB" in err
    assert "Traceback" not in err
