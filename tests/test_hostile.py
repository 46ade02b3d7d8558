"""Hostile repositories, files and inputs (issue #14), each attempt in a real repository built
with git and run in a fresh process under a time limit: no hang, no traceback, no write outside
the repository, and a cache never changes what a run reports.

Secrets: tests/test_secrets_everywhere.py. Globs: tests/hooks/test_globs.py. Redaction's
linear time: tests/hooks/test_redaction.py.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, commit, run_module, stage, write

LIMIT = 60  # seconds: what the issue allowed each attempt


def guard(repo: Path, *args: str, timeout: float = LIMIT) -> tuple[int, str, str]:
    done = run_module("hooks", repo, *args, timeout=timeout)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def mistake(git_repo: Path) -> Path:
    write(git_repo, "docs/runbooks/R.md", "# R\n\n## Reading os.environ directly\n\nDon't.\n")
    write(git_repo, ".runbook-guard.toml", 'runbooks = ["docs/runbooks/**/*.md"]\n')
    write(git_repo, "app/__init__.py", "")
    stage(git_repo, ".")
    commit(git_repo, "base")
    write(git_repo, "app/settings.py", 'import os\nX = os.environ["A"]\n')
    stage(git_repo, ".")
    return git_repo


def fresh(repo: Path) -> tuple[int, str]:
    code, out, _ = guard(repo, "run", "--no-cache")
    return code, out


# -- caches: whatever is in their place, a run is the run --no-cache would be ------------------


def _cache_files(repo: Path) -> list[Path]:
    return sorted(p for p in (repo / ".git" / "runbook-guard").iterdir() if p.is_file())


CRAFTED = {
    "empty": b"",
    "random bytes": bytes(random.Random(14).randrange(256) for _ in range(4096)),
    "a marshal header claiming 2 GB": b"\xdb\xff\xff\xff\x7f",
    "json of the wrong shape": b'{"format": 2, "key": [], "run": {"a": 1}, "links": [1, 2]}',
    "json of the right keys, wrong types": b'{"format": 2, "key": "x", "run": [1, 2, 3, 4, 5, 6]}',
    "deep json": b"[" * 100_000,
    "truncated json": b'{"format": 2, "key": "',
}


@pytest.mark.parametrize("content", CRAFTED.values(), ids=CRAFTED.keys())
def test_a_crafted_cache_file_is_a_miss(mistake: Path, content: bytes) -> None:
    expected = fresh(mistake)
    guard(mistake, "run")
    for path in _cache_files(mistake):
        path.write_bytes(content)
    for _ in range(2):  # the run after it too
        code, out, _ = guard(mistake, "run")
        assert (code, out) == expected


@pytest.mark.parametrize("kind", ["fifo", "directory", "symlink to /dev/zero", "dangling symlink"])
def test_something_else_in_a_cache_files_place_is_a_miss(mistake: Path, kind: str) -> None:
    expected = fresh(mistake)
    guard(mistake, "run")
    for path in _cache_files(mistake):
        path.unlink()
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "directory":
            path.mkdir()
        elif kind == "symlink to /dev/zero":
            path.symlink_to("/dev/zero")
        else:
            path.symlink_to(path.parent / "nowhere")
    code, out, _ = guard(mistake, "run", timeout=20)  # a FIFO opened for reading would block
    assert (code, out) == expected


def test_a_planted_symlink_in_the_cache_folder_is_never_written_through(
    mistake: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    folder = mistake / ".git" / "runbook-guard"
    folder.mkdir(parents=True, exist_ok=True)
    for pid in range(1, 200):  # every temporary name an old version would have used
        (folder / f".tmp-{pid}-links").symlink_to(victim)
    guard(mistake, "run")
    guard(mistake, "run", "--format", "json")
    assert victim.read_text() == "precious\n"


# -- runbooks: the repository's own files, found without following loops ---------------------


def test_symlink_loops_under_the_runbooks_do_not_hang(mistake: Path) -> None:
    a, b = mistake / "docs" / "runbooks" / "a", mistake / "docs" / "runbooks" / "b"
    a.mkdir()
    b.mkdir()
    for name in ("x", "y"):  # two loops per folder: 2^40 paths for a glob that follows them
        (a / f"to_b_{name}").symlink_to("../b")
        (b / f"to_a_{name}").symlink_to("../a")
    expected = fresh(mistake)
    assert expected[0] == 1 and "docs/runbooks/R.md" in expected[1]
    assert guard(mistake, "run", timeout=20)[:2] == expected
    assert guard(mistake, "run", timeout=20)[:2] == expected  # replayed


@pytest.mark.parametrize(
    "pattern", ["/etc/passwd", "../outside/*.md", "docs/../../outside/*.md", "docs/leak.md"]
)
def test_runbooks_outside_the_repository_are_refused(
    mistake: Path, tmp_path: Path, pattern: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "R.md").write_text("# Outside\n\n## Secret\n\n```bash\ngrep -r x .\n```\n")
    (mistake / "docs" / "leak.md").symlink_to(outside / "R.md")  # a link out of the repository
    write(mistake, ".runbook-guard.toml", f"runbooks = [{pattern!r}]\n".replace("'", '"'))
    for command in (["run"], ["check-links"], ["rules"]):
        code, out, err = guard(mistake, *command)
        assert code == 2, (command, out, err)
        assert "outside the repository" in err or "names no file" in err
        assert "Outside" not in out


def test_init_never_writes_through_a_committed_symlink(git_repo: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.toml"
    victim.write_text("precious\n")
    (git_repo / ".runbook-guard.toml").symlink_to(victim)
    for args in (["init"], ["init", "--force"]):
        code, _, err = guard(git_repo, *args)
        assert code == 2 and "symbolic link" in err
    assert victim.read_text() == "precious\n"


# -- bypass: attributes and names must not switch the checks off -------------------------------


@pytest.mark.parametrize("attributes", ["*.py -diff\n", "*.py binary\n", "* -diff\n"])
def test_a_gitattributes_that_calls_code_binary_changes_nothing(
    mistake: Path, attributes: str
) -> None:
    expected = fresh(mistake)
    assert expected[0] == 1
    write(mistake, ".gitattributes", attributes)
    write(mistake, "app/logo.png", b"\x89PNG\r\n\x1a\n\0\0os.environ['B']\n")  # truly binary
    stage(mistake, ".")
    assert fresh(mistake) == expected
    assert guard(mistake, "run")[:2] == expected
    base = commit(mistake, "with the attributes")
    write(mistake, "app/more.py", 'import os\nY = os.environ["B"]\n')
    stage(mistake, ".")
    head = commit(mistake, "more")
    code, out, _ = guard(mistake, "run", "--from-ref", base, "--to-ref", head)
    assert code == 1 and "app/more.py:2:5: no-direct-environ" in out


# -- hangs: a runbook's pattern and a long added line ------------------------------------------


@pytest.mark.parametrize(
    ("command", "line"),
    [
        ('grep -rnE "(a+)+b" src/', "a" * 28),
        ('grep -rn "x.*y.*z" src/', "xy" * 20_000),
        ('grep -rni "Token.*expired.*retry" src/', "token expired " * 5_000),
        ('grep -rn "a.*b" src/', "a" * 200_000),
    ],
)
def test_a_runbook_pattern_takes_linear_time_on_a_hostile_line(
    git_repo: Path, command: str, line: str
) -> None:
    runbook = f"# R\n\n### 1. Slow\n**How to Check**:\n```bash\n{command}\n```\n"
    write(git_repo, "docs/R.md", runbook)
    write(git_repo, ".runbook-guard.toml", 'runbooks = ["docs/R.md"]\n')
    write(git_repo, "src/long.txt", line + "\n")
    stage(git_repo, ".")
    code, _, err = guard(git_repo, "run", "--no-cache", timeout=20)
    assert code in (0, 1), err


HOSTILE_MARKDOWN = {
    "100,000 [a](": "[a](" * 100_000,
    "100,000 [": "[" * 100_000,
    "100,000 backticks": "`" * 100_000,
    "100,000 <": "<" * 100_000,
    "alternating backtick runs": "".join("`" * (n % 7 + 1) + "x" for n in range(30_000)),
    "a link with an endless title": '[a](b "' + "t" * 100_000,
}


@pytest.mark.parametrize("text", HOSTILE_MARKDOWN.values(), ids=HOSTILE_MARKDOWN.keys())
def test_hostile_runbook_markdown_is_read_in_linear_time(git_repo: Path, text: str) -> None:
    write(
        git_repo,
        "docs/R.md",
        f"# R\n\n## {text}\n\n{text}\n\n## Reading os.environ\n\n- [ ] {text}{' ' * 50_000}x\n",
    )
    write(git_repo, "docs/DONE.md", f"# Done\n\n## Always\n\n### {text} #\n- [ ] {text}\n")
    write(
        git_repo,
        ".runbook-guard.toml",
        'runbooks = ["docs/R.md"]\n[bot]\ndefinition-of-done = "docs/DONE.md"\n',
    )
    write(git_repo, "app.py", 'import os\nX = os.environ["A"]\n')
    stage(git_repo, ".")
    for command in (["run", "--no-cache"], ["check-links"], ["explain", "no-direct-environ"]):
        code, _, err = guard(git_repo, *command, timeout=20)
        assert code in (0, 1), (command, err)
    done = run_module("bot", git_repo, "checklist", "--dry-run", timeout=20)
    assert done.returncode == 0, done.stderr


# -- output integrity: a file's name cannot forge a line, and JSON stays UTF-8 -----------------

SWALLOWED = "def f():\n    try:\n        g()\n    except Exception:\n        pass\n"
FORGED = os.fsdecode(b"ok.py\nforged.py:1:1: no-silent-except \xff.py")


def _run_bytes(repo: Path, fmt: str) -> bytes:
    done = run_module(
        "hooks", repo, "run", "--no-cache", "--format", fmt, timeout=LIMIT, text=False
    )
    assert done.returncode == 1, done.stderr
    return done.stdout


def test_a_name_with_a_newline_or_bad_utf8_is_quoted_the_way_git_quotes_it(
    git_repo: Path,
) -> None:
    write(git_repo, FORGED, SWALLOWED)
    stage(git_repo, ".")
    listed = subprocess.run(
        ["git", "-c", "core.quotePath=true", "diff", "--cached", "--name-only"],
        cwd=git_repo,
        capture_output=True,
        check=True,
    ).stdout
    lines = _run_bytes(git_repo, "text").decode("utf-8").splitlines()
    finding_lines = [line for line in lines if "no-silent-except" in line]
    assert len(finding_lines) == 1  # no forged second line
    name = finding_lines[0].split(":4:5:")[0]
    assert name == listed.decode().strip() == '"ok.py\\nforged.py:1:1: no-silent-except \\377.py"'


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_a_name_that_is_not_utf8_keeps_the_output_valid_utf8(git_repo: Path, fmt: str) -> None:
    write(git_repo, FORGED, SWALLOWED)
    stage(git_repo, ".")
    out = _run_bytes(git_repo, fmt).decode("utf-8")  # strict: raises on a stray byte
    if fmt == "github":
        assert out.count("\n") == 1 and "file=ok.py%0Aforged.py%3A1%3A1" in out
        return
    document = json.loads(out)
    if fmt == "json":
        assert document["findings"][0]["path"] == "ok.py\nforged.py:1:1: no-silent-except \ufffd.py"
    else:
        location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        # a URI reference keeps the exact bytes: GitHub decodes it back to the file
        assert location["artifactLocation"]["uri"] == (
            "ok.py%0Aforged.py%3A1%3A1%3A%20no-silent-except%20%FF.py"
        )


# -- Ctrl-C: one line and exit 130, whenever it comes -----------------------------------------


def _interrupted_run(probe: str, cwd: Path) -> tuple[int, str]:
    """Exit code and stderr of `python -c probe`, a command that meets a Ctrl-C."""
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, timeout=LIMIT
    )
    return done.returncode, done.stderr


def test_an_interrupt_while_our_modules_load_is_one_line_and_130(git_repo: Path) -> None:
    """What a Ctrl-C before the command's error boundary meets: a KeyboardInterrupt at the top
    level, once the package is imported (here raised by the process itself, at a known moment)."""
    probe = (
        "import os, signal, sys\n"
        "sys.argv[0] = 'runbook-guard'\n"
        "import runbook_guard.hooks\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "import runbook_guard.hooks.engine\n"
    )
    assert _interrupted_run(probe, git_repo) == (130, "runbook-guard: interrupted\n")


def test_an_interrupt_python_wrapped_in_another_error_is_still_one_line(git_repo: Path) -> None:
    """On 3.11 a Ctrl-C while a class is being created (a dataclass's fields) reaches the top as
    `RuntimeError: Error calling __set_name__`, caused by the KeyboardInterrupt."""
    probe = (
        "import sys\n"
        "sys.argv[0] = 'runbook-guard'\n"
        "import runbook_guard.hooks\n"
        "try:\n"
        "    raise KeyboardInterrupt\n"
        "except KeyboardInterrupt as e:\n"
        "    raise RuntimeError('Error calling __set_name__') from e\n"
    )
    assert _interrupted_run(probe, git_repo) == (130, "runbook-guard: interrupted\n")


def test_an_interrupt_while_the_hook_is_put_in_place_is_still_one_line(git_repo: Path) -> None:
    """Ctrl-C in the microseconds while the package installs its hook (the random-moments test
    below once landed there): the hook is installed anyway and the interrupt reaches it."""
    probe = (
        "import os.path, sys\n"
        "sys.argv[0] = 'runbook-guard'\n"
        "real, calls = os.path.basename, []\n"
        "def basename(path):\n"
        "    calls.append(path)\n"
        "    if len(calls) == 1:\n"
        "        raise KeyboardInterrupt\n"
        "    return real(path)\n"
        "os.path.basename = basename\n"
        "import runbook_guard.hooks\n"
    )
    assert _interrupted_run(probe, git_repo) == (130, "runbook-guard: interrupted\n")


def test_a_library_that_imports_the_package_keeps_its_own_interrupts(git_repo: Path) -> None:
    probe = "import os, signal\nimport runbook_guard.hooks\nos.kill(os.getpid(), signal.SIGINT)\n"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=git_repo, capture_output=True, text=True, timeout=LIMIT
    )
    assert done.returncode == -signal.SIGINT and "KeyboardInterrupt" in done.stderr


def test_interrupts_at_random_moments_never_print_a_traceback_of_ours(mistake: Path) -> None:
    """SIGINT at 60 random moments of a run. Only the interpreter's own start-up (its `site`
    and the launcher's first import, before any code of ours) may still end Python's way."""
    command = [sys.executable, "-m", "runbook_guard.hooks", "run", "--no-cache"]
    started = time.monotonic()
    subprocess.run(command, cwd=mistake, capture_output=True, timeout=LIMIT)
    whole_run = time.monotonic() - started  # moments within a run, however loaded the machine
    rng, ours, codes = random.Random(14), 0, []
    for _ in range(60):
        process = subprocess.Popen(
            command, cwd=mistake, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        time.sleep(rng.uniform(0.0, whole_run))
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=LIMIT)
        trace = err.partition("Traceback")[2]
        assert not any(f'File "{ROOT / folder}' in trace for folder in ("hooks", "bot")), err
        codes.append(process.returncode)
        if process.returncode == 130:
            assert err == "runbook-guard: interrupted\n"
            ours += 1
    assert ours >= 10, codes  # many interrupts land in our code, and end in one line


# -- stale caches: a cache hit never differs from --no-cache ----------------------------------

INDEX = "SPEC/MISSION_CRITICAL_NAMED_VALUES_INDEX.xml"
INDEX_XML = (
    "<spec><environment_variables><category name='Backend'><variable name='SERVICE_ID' "
    "type='hardcoded_value'><stable_value>{}</stable_value></variable></category>"
    "</environment_variables></spec>\n"
)


def test_an_index_edited_to_the_same_size_and_time_is_read_again(git_repo: Path) -> None:
    """The per-file cache keyed the index by size and mtime: an edit that keeps both (a tool
    that restores times, two edits within the clock's step) kept a finding the index no
    longer supports."""
    write(git_repo, INDEX, INDEX_XML.format("netra-backend"))
    stage(git_repo, ".")
    commit(git_repo, "index")
    write(
        git_repo, "netra_backend/app/core/configuration/services.py", 'SERVICE_ID = "netra-auth"\n'
    )
    stage(git_repo, ".")
    before = guard(git_repo, "run")
    assert before[0] == 1 and "stable-service-id" in before[1]
    index = git_repo / INDEX
    times = index.stat()
    edited = INDEX_XML.format("netra-auth") + "   "  # the same size
    assert len(edited) == index.stat().st_size
    index.write_text(edited)
    os.utime(index, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert guard(git_repo, "run")[:2] == fresh(git_repo)


def test_a_renamed_runbook_heading_is_linked_afresh(mistake: Path) -> None:
    runbook = mistake / "docs/runbooks/R.md"
    first = guard(mistake, "run")[1]
    assert "R.md#reading-osenviron-directly\n" in first
    runbook.write_text("# R\n\n## Never reading os.environ directly\n\nDon't.\n")
    code, out, _ = guard(mistake, "run")
    assert (code, out) == fresh(mistake)
    assert "R.md#never-reading-osenviron-directly\n" in out


@pytest.mark.parametrize("attributes", ["*.py -diff\n", "*.py binary\n", "*.py diff=nothing\n"])
def test_an_untracked_gitattributes_changes_no_report(mistake: Path, attributes: str) -> None:
    guard(mistake, "run")
    write(mistake, ".gitattributes", attributes)  # never staged
    code, out, _ = guard(mistake, "run")
    assert (code, out) == fresh(mistake)
    assert code == 1 and "no-direct-environ" in out


def test_a_sparse_checkout_without_the_runbooks_folder_reads_them_from_the_index(
    mistake: Path,
) -> None:
    full = fresh(mistake)
    subprocess.run(["git", "sparse-checkout", "set", "app"], cwd=mistake, check=True)
    assert not (mistake / "docs").exists()
    for _ in range(2):  # the cached run too
        code, out, _ = guard(mistake, "run")
        assert (code, out) == full
        assert "docs/runbooks/R.md#reading-osenviron-directly" in out


# -- huge files: the work per file and the findings per run are bounded, with a note -----------


def test_a_megabyte_line_of_f_strings_is_not_parsed_and_says_so(git_repo: Path) -> None:
    write(git_repo, "gen.py", 'x = f"' + "{a:{b}>{c}}" * 87_000 + '"\nimport os\n')
    write(git_repo, "app.py", "import os\nX = os.environ['A']\n")
    stage(git_repo, ".")
    started = time.monotonic()
    code, out, err = guard(git_repo, "run", "--no-cache", timeout=20)
    assert time.monotonic() - started < 20  # CPython's parser alone took over a minute
    assert code == 1 and "app.py:2:5:" in out  # the other files are still checked
    assert "gen.py: a line of 957,007 characters" in err and "not parsed" in err


def test_a_module_over_the_size_bound_is_not_parsed_and_says_so(git_repo: Path) -> None:
    write(git_repo, "big.py", "import os\n" + "X = os.environ['A']\n" * 60_000)
    stage(git_repo, ".")
    code, out, err = guard(git_repo, "run", "--no-cache")
    assert (code, out) == (0, "All checks passed!\n")
    assert "big.py: 1,200,010 characters, over the 1 MB a module is read to" in err


def test_findings_are_bounded_per_file_and_per_run(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a", "b", "c"):
        write(git_repo, f"{name}.py", "import os\n" + "X = os.environ['A']\n" * 1_500)
    stage(git_repo, ".")
    code, out, err = guard(git_repo, "run", "--no-cache")
    assert "Found 3000 errors" in out
    for name in ("a", "b", "c"):
        assert f"{name}.py: more than 1,000 findings: the first 1,000 shown" in err
    from runbook_guard.hooks import engine
    from tests.helpers import guard as guard_in_process

    monkeypatch.setattr(engine, "MAX_FINDINGS_PER_RUN", 1_500)
    monkeypatch.chdir(git_repo)
    code, out, err = guard_in_process("run", "--no-cache")
    assert code == 1 and "Found 1500 errors" in out
    assert "b.py: 1,500 more findings after this file not shown" in err
