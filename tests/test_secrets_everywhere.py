"""Every secret family, planted everywhere a team's repository can carry one (staged code, env
files, the runbook's commands and fixes, file names, a critical test's output, JUnit text), is
searched for in every output format, every cache file the runs leave, and what the bot prints:
none may be found. (What the bot sends to GitHub: tests/bot/test_hostile_text.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import commit, run_module, stage, write
from tests.hooks.test_redaction import SECRETS

# what is searched for: the random core of each secret (a private key's body, a URL's
# password), which no redaction marker or escaping leaves behind
CORES = {name: value[-16:] for name, value in SECRETS.items() if name != "private-key"}
CORES["private-key"] = "MIIEow"


def runbook(secrets: dict[str, str]) -> str:
    sections = []
    for n, (name, value) in enumerate(sorted(secrets.items()), start=1):
        if "\n" in value:
            continue  # a command is one line
        sections.append(
            f"### {n}. Leaked {name}\n**Symptom**: a credential in the code\n"
            f'**How to Check**:\n```bash\ngrep -rnF "{value}" src/\n```\n'
            f"**Fix**: Rotate {value} and read it from the secret manager\n"
        )
    return "# Leaks\n\n" + "\n".join(sections)


def python_module(secrets: dict[str, str]) -> str:
    lines = ["import os", ""]
    for name, value in sorted(secrets.items()):
        constant = name.upper().replace("-", "_")
        lines.append(f"{constant} = os.environ.get({constant!r}, {value!r})")
        lines.append(f"CLIENT_{constant} = connect(api_key={value!r})")
    return "\n".join(lines) + "\n"


def run(repo: Path, *args: str) -> str:
    done = run_module("hooks", repo, *args)
    return done.stdout + done.stderr


def leaks(text: str) -> list[str]:
    return [name for name, core in CORES.items() if core in text or json.dumps(core) in text]


@pytest.fixture
def planted(git_repo: Path) -> Path:
    critical = 'python -c "import sys; print(sys.argv[1]); sys.exit(1)" ' + SECRETS["stripe-key"]
    write(git_repo, "docs/runbooks/LEAKS.md", runbook(SECRETS))
    write(
        git_repo,
        ".runbook-guard.toml",
        'runbooks = ["docs/runbooks/*.md"]\n'
        f"[critical-tests]\n{json.dumps('src/**')} = {json.dumps(critical)}\n",
    )
    write(git_repo, "src/__init__.py", "")
    stage(git_repo, ".")
    commit(git_repo, "base")
    write(git_repo, "src/settings.py", python_module(SECRETS))
    env = "".join(f"{n.upper().replace('-', '_')}={v!r}\n" for n, v in SECRETS.items())
    write(git_repo, "deploy/.env.staging", env.replace("'", ""))
    write(git_repo, "deploy/.env.production", env.replace("'", ""))
    write(git_repo, f"src/{SECRETS['github-token']}.py", "import os\nX = os.environ['X']\n")
    stage(git_repo, ".")
    return git_repo


def test_no_output_format_and_no_cache_file_holds_a_secret(planted: Path) -> None:
    printed = []
    for fmt in ("text", "json", "sarif", "github"):
        printed.append(run(planted, "run", "--format", fmt))
        printed.append(run(planted, "run", "--format", fmt))  # from the caches
        printed.append(run(planted, "run", "--all-files", "--format", fmt))
    printed.append(run(planted, "critical-tests"))
    printed.append(run(planted, "check-links"))
    printed.append(run(planted, "rules", "--format", "json"))
    assert "runbook:" in printed[0] and "no-direct-environ" in printed[0]  # it did find things
    for text in printed:
        assert not leaks(text), (leaks(text), text[:3000])
    caches = [p for p in (planted / ".git" / "runbook-guard").rglob("*") if p.is_file()]
    assert caches, "the runs left no cache to search"
    for path in caches:
        data = path.read_bytes().decode("utf-8", "replace")
        assert not leaks(data), (path.name, leaks(data))


def test_the_bots_output_holds_no_secret_and_stays_json(git_repo: Path, tmp_path: Path) -> None:
    from xml.sax.saxutils import escape, quoteattr

    cases = []
    for n, (name, value) in enumerate(sorted(SECRETS.items())):
        message = f"request failed with {value} (401)"
        cases.append(
            f'<testcase classname="tests.test_{n}" name="test_{name.replace("-", "_")}" '
            f'time="0.2"><failure message={quoteattr(message)}>{escape(message)}\n'
            f'password = "{value[-12:]}"</failure></testcase>'
        )
    # a private key whose END line never comes: the cut must stop at the end of the value
    cut = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA"
    cases.append(
        f'<testcase classname="tests.test_k" name="test_key" time="0.1"><failure message='
        f"{quoteattr(cut)}>{escape(cut)}</failure></testcase>"
    )
    junit = tmp_path / "junit.xml"
    junit.write_text(f'<testsuite name="pytest">{"".join(cases)}</testsuite>')
    for fmt in ("json", "text"):
        done = run_module("bot", git_repo, "report", "--dry-run", "--format", fmt, "--junit", junit)
        assert done.returncode == 0, done.stderr
        assert not leaks(done.stdout), leaks(done.stdout)
        if fmt == "json":
            issues = json.loads(done.stdout)["issues"]  # valid JSON, whatever was cut
            assert len(issues) == len(cases)
