"""Runbook as code: the team's runbooks compiled into `runbook:*` rules, run on staged lines."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from runbook_guard.hooks.config import Config
from runbook_guard.hooks.runbook import parse
from runbook_guard.hooks.runbook_rules import compile_rules, compile_sections, uncompiled
from tests.helpers import NETRA, commit, findings, guard, need_shared, stage, write
from tests.hooks.test_grep_oracle import need_gnu_grep

COMMON = "checklists/COMMON_MISTAKES_RUNBOOK.md"
CONFIG = "checklists/CONFIGURATION_VALIDATION_RUNBOOK.md"
TESTS = "checklists/TEST_FAILURE_DIAGNOSIS_RUNBOOK.md"

# rule id -> the command it was compiled from
COMPILED = {
    "runbook:1-service_id-with-timestamps": 'grep -r "SERVICE_ID.*datetime" .',
    "runbook:1-service_id-with-timestamps-2": 'grep -r "service_id.*timestamp" .',
    "runbook:4-direct-osenviron-access": (
        'grep -r "os\\.environ\\[" . --include="*.py" | grep -v isolated_environment'
    ),
    "runbook:7-silent-error-suppression": 'grep -r "except.*pass" . --include="*.py"',
    "runbook:7-silent-error-suppression-2": (
        'grep -r "except Exception:" . --include="*.py" | grep -v "raise\\|log"'
    ),
    "runbook:8-mocked-services-in-e2e-tests": 'grep -r "Mock\\|patch" tests/e2e/ --include="*.py"',
    "runbook:10-cross-service-direct-imports": (
        'grep -r "from auth_service" netra_backend/ --include="*.py"'
    ),
    "runbook:10-cross-service-direct-imports-2": (
        'grep -r "from netra_backend" auth_service/ --include="*.py"'
    ),
    "runbook:step-2-environment-isolation-check": 'grep -r "staging" . --include="*.production"',
    "runbook:step-3-direct-environment-access-audit": (
        'grep -r "os\\.getenv" . --include="*.py" | grep -v isolated_environment'
    ),
    "runbook:issue-3-service_id-instability-2": 'grep -r "SERVICE_ID.*uuid" . --include="*.py"',
    "runbook:6-import-errors": 'grep -r "from \\.\\." tests/ --include="*.py"',
}
# (runbook, command starts with) -> why it is not a rule
REFUSED = {
    (COMMON, "cat auth_service/.env.staging"): "`cat` is not grep",
    (COMMON, 'grep "WebSocket event" logs/backend.log | tail'): "`tail` is not grep",
    (COMMON, "docker ps"): "`docker` is not grep",
    (CONFIG, "cat frontend/.env.$env"): "inside a shell loop",
    (CONFIG, 'grep "NEXT_PUBLIC_API_URL" frontend/.env.staging'): "exit status",
    (CONFIG, 'grep -r "os\\.environ\\["'): "the same command as runbook:4-direct-osenviron-access",
    (TESTS, "docker ps | grep postgres"): "`docker` is not grep",
    (TESTS, "grep -i error"): "`head` is not grep",
}


@pytest.fixture(scope="module")
def netra() -> Config:
    need_shared()
    return Config(root=NETRA, runbooks=("checklists/*.md",))


def test_the_teams_commands_compile(netra: Config) -> None:
    rules = compile_rules(NETRA, netra)
    assert {rule_id: rules[rule_id].COMMAND for rule_id in COMPILED} == COMPILED
    rule = rules["runbook:4-direct-osenviron-access"]
    assert {k: getattr(rule, k) for k in ("TITLE", "FIX", "SECTION", "SCOPE", "SEVERITY")} == {
        "TITLE": "4. Direct os.environ Access",
        "FIX": "ALL env access through IsolatedEnvironment",
        "SECTION": f"{COMMON}#4-direct-osenviron-access",
        "SCOPE": "line",
        "SEVERITY": "error",
    }
    assert len(rules) == 27  # 40 grep commands: 27 rules, 13 listed by check-links


def test_the_teams_other_commands_are_listed_with_the_reason(netra: Config) -> None:
    listed = uncompiled(NETRA, netra)
    assert len(listed) == 13
    for (runbook, start), reason in REFUSED.items():
        match = [u for u in listed if u.ref.startswith(runbook) and u.command.startswith(start)]
        assert match, (runbook, start)
        assert reason in match[0].reason


def test_no_runbooks_configured_means_no_rules(tmp_path: Path) -> None:
    assert compile_rules(tmp_path, Config(root=tmp_path)) == {}


def test_second_command_of_a_section_gets_a_suffix() -> None:
    text = "## Check\n```bash\ngrep -r a .\ngrep -r b .\n```\n```python\ngrep -r c .\n```\n"
    compiled = compile_sections(parse(text, "r.md"))
    assert list(compiled.rules) == ["runbook:check", "runbook:check-2"]


def test_continuation_lines_and_loops() -> None:
    text = "## A\n```sh\ngrep -r \\\n  x .\nfor f in a b; do\n  grep y $f\ndone\ngrep -r z .\n```\n"
    compiled = load_sections(text)
    assert [r.COMMAND for r in compiled.rules.values()] == ["grep -r    x .", "grep -r z ."]
    assert [r.LINE for r in compiled.rules.values()] == [3, 8]
    assert "loop" in compiled.refused[0][1]


def load_sections(text: str):  # type: ignore[no-untyped-def]
    return compile_sections(parse(text, "r.md"))


def _team_repo(root: Path) -> None:
    shutil.copytree(NETRA / "checklists", root / "checklists")
    write(root, ".runbook-guard.toml", 'runbooks = ["checklists/*.md"]\n')
    write(root, "netra_backend/app/db.py", "import os\nold = os.environ['OLD']\n")
    write(root, "shared/isolated_environment.py", "import os\nvalue = os.environ['A']\n")
    stage(root, ".")
    commit(root, "base")


def test_rule_fires_on_an_added_line_only(git_repo: Path) -> None:
    need_shared()
    _team_repo(git_repo)
    write(
        git_repo,
        "netra_backend/app/db.py",
        "import os\nold = os.environ['OLD']\nnew = os.environ['NEW']\n",
    )
    write(
        git_repo,
        "shared/isolated_environment.py",
        "import os\nvalue = os.environ['A']\nb = os.environ['B']\n",
    )
    stage(git_repo, ".")
    found = findings("--select", "runbook:4-direct-osenviron-access")
    # the old line is untouched; the accessor module is dropped by `| grep -v isolated_environment`
    assert found == {("runbook:4-direct-osenviron-access", "netra_backend/app/db.py", 3)}


def test_rule_reports_the_sections_fix_and_link(git_repo: Path) -> None:
    need_shared()
    _team_repo(git_repo)
    write(git_repo, "tests/e2e/test_login.py", "from unittest.mock import patch\n")
    write(git_repo, "tests/unit/test_login.py", "from unittest.mock import patch\n")
    stage(git_repo, ".")
    # superseded by no-mocks-in-e2e, so it runs only when named
    rule = "runbook:8-mocked-services-in-e2e-tests"
    code, out, err = guard("run", "--format", "json", "--select", rule)
    assert code == 1, err
    found = json.loads(out)["findings"]
    e2e = [f for f in found if f["rule"] == "runbook:8-mocked-services-in-e2e-tests"]
    assert [f["path"] for f in e2e] == ["tests/e2e/test_login.py"]  # tests/e2e/ only
    assert e2e[0]["fix"] == "E2E must use real services with --real-services flag"
    assert e2e[0]["runbook"]["url"].endswith(f"{COMMON}#8-mocked-services-in-e2e-tests")
    assert "grep -r" in e2e[0]["message"]


def test_a_mistake_added_to_the_runbook_is_enforced_with_no_code(git_repo: Path) -> None:
    write(git_repo, "docs/runbooks/MISTAKES.md", RUNBOOK)
    write(git_repo, ".runbook-guard.toml", 'runbooks = ["docs/runbooks/*.md"]\n')
    write(git_repo, "app/jobs.py", "def run():\n    time.sleep(30)\n")
    write(git_repo, "app/.env.staging", "SLEEP=1\n")
    stage(git_repo, ".")
    code, out, err = guard("run", "--format", "json", "--select", "runbook:ALL")
    assert code == 1, err
    found = json.loads(out)["findings"]
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in found] == [
        ("runbook:11-sleeping-in-workers", "app/jobs.py", 2, 5)
    ]
    assert found[0]["fix"] == "Schedule the retry with the queue's delay instead."


RUNBOOK = """\
# Mistakes

### 11. Sleeping in workers
**Symptom**: Queue backs up
**How to Check**:
```bash
grep -rn -E "time\\.sleep\\([0-9]+\\)" . --include="*.py"
```
**Fix**: Schedule the retry with the queue's delay instead.
"""


def test_a_line_that_only_mentions_grep_is_listed_not_dropped() -> None:
    text = "## A\n```bash\n# grep here is a comment\nfind . -name '*.py' | xargs grep -l x\n```\n"
    compiled = load_sections(text)
    assert not compiled.rules
    assert [(c.line, reason) for c, reason in compiled.refused] == [(4, "`find` is not grep")]


CLASSIFIED = """\
# Runbook

### 1. Timestamped service ids
**Symptom**: Authentication fails every minute
**How to Check**:
```bash
grep -r "SERVICE_ID.*datetime" .
```

### 2. Relative imports in tests
**Symptom**: ModuleNotFoundError
**How to Check**:
```bash
grep -r "from \\.\\." tests/ --include="*.py"
```
**Diagnosis**:
```bash
grep -rn "import" tests/conftest.py
```

### 3. Events out of order
**Check**: event timestamps
```bash
grep "WebSocket event" logs/backend.log | grep user_id
```

### When authentication breaks
```bash
grep SERVICE_ID app/core/services.py
```

### Configuration validation
```bash
# look for config issues
grep -r "os\\.getenv" . --include="*.py"
grep -rw "TODO" src/
```
"""


def test_commands_are_checks_diagnostics_or_superseded() -> None:
    compiled = load_sections(CLASSIFIED)
    statuses = {rule_id: rule.STATUS for rule_id, rule in compiled.rules.items()}
    assert statuses == {
        # a built-in rule covers the section's concern
        "runbook:1-timestamped-service-ids": "superseded:stable-service-id",
        "runbook:2-relative-imports-in-tests": "check",
        "runbook:2-relative-imports-in-tests-2": "diagnostic",  # after the failure
        "runbook:3-events-out-of-order": "diagnostic",  # reads a log
        "runbook:when-authentication-breaks": "diagnostic",  # a procedure's step
        # the pattern searches for what a built-in rule finds, in a section of another title
        "runbook:configuration-validation": "superseded:no-direct-environ",
        "runbook:configuration-validation-2": "check",
    }


def test_only_checks_run_by_default_and_any_runs_when_named(git_repo: Path) -> None:
    write(git_repo, "docs/runbooks/R.md", CLASSIFIED)
    write(git_repo, ".runbook-guard.toml", 'runbooks = ["docs/runbooks/*.md"]\n')
    write(git_repo, "src/app.py", "import os\n# TODO: read it once\nX = os.getenv('X')\n")
    write(git_repo, "tests/test_a.py", "from ..app import X\n\n\ndef test_x():\n    assert X\n")
    stage(git_repo, ".")
    assert findings() == {
        ("runbook:configuration-validation-2", "src/app.py", 2),
        ("runbook:2-relative-imports-in-tests", "tests/test_a.py", 1),
        ("no-direct-environ", "src/app.py", 3),
    }
    assert findings("--select", "runbook:configuration-validation") == {
        ("runbook:configuration-validation", "src/app.py", 3)
    }


def test_the_teams_runbooks_leave_no_command_blocking_what_a_rule_reads_better() -> None:
    """On the team's real runbooks every grep command is a diagnostic or superseded by the
    built-in rule that covers its concern: none blocks a commit on comments and lookalikes."""
    need_shared()
    sections = [
        section
        for path in sorted((NETRA / "checklists").glob("*.md"))
        for section in parse(path.read_text(encoding="utf-8"), f"checklists/{path.name}")
    ]
    statuses = {r.ID: r.STATUS for r in compile_sections(sections).rules.values()}
    assert statuses["runbook:4-direct-osenviron-access"] == "superseded:no-direct-environ"
    assert statuses["runbook:8-mocked-services-in-e2e-tests"] == "superseded:no-mocks-in-e2e"
    assert statuses["runbook:configuration-validation"] == "superseded:no-direct-environ"
    assert statuses["runbook:unit-test-failures"] == "diagnostic"
    assert statuses["runbook:6-import-errors"] == "diagnostic"  # a Diagnosis step
    assert "check" not in statuses.values()


# A runbook whose commands search files of every type (the new-user runbook, in small).
MIXED = """\
# Checks

### Leftover markers
**How to Check**:
```bash
grep -rniw "todo" src/
```

### Doubled words in the docs
**How to Check**:
```bash
grep -rnEi "\\b([a-z]+) \\1\\b" --include="*.md" docs/
```

### Trailing whitespace
**How to Check**:
```bash
grep -rn "[[:space:]]$" --include=*.py .
```

### Pinned base images
**How to Check**:
```bash
grep -rn "FROM .*:latest" --include=Dockerfile --include=*.yaml .
```

### Piped
**How to Check**:
```bash
cat src/app.py | grep TODO
```
"""
MIXED_TREE = {
    "src/app.py": "x = 1  # TODO: fix\ny = 2 \n",
    "src/notes.txt": "a todo here\nnothing\n",
    "src/data.json": '{"todo": 1}\n',
    "docs/guide.md": "# Guide\n\nthe the cat\nIs is fine\n",
    "docs/notes.txt": "the the cat\n",
    "deploy/Dockerfile": "FROM python:latest\n",
    "deploy/compose.yaml": "image: FROM redis:latest\n",
    "README.md": "todo: write \n",
}


def gnu_hits(root: Path, command: str) -> set[tuple[str, int]]:
    """(path, line) of what GNU grep prints for a `-rn` command run by bash in `root`."""
    env = {"LC_ALL": "C", "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    done = subprocess.run(["bash", "-c", command], cwd=root, env=env, capture_output=True)
    hits = set()
    for line in done.stdout.decode().splitlines():
        path, number, _ = line.split(":", 2)
        hits.add((path.removeprefix("./"), int(number)))
    return hits


def _mixed_repo(root: Path) -> dict[str, str]:
    write(root, "docs/runbooks/CHECKS.md", MIXED)
    write(root, ".runbook-guard.toml", 'runbooks = ["docs/runbooks/*.md"]\n')
    for path, text in MIXED_TREE.items():
        write(root, path, text)
    write(root, "assets/logo.png", b"\x89PNG\0todo\n")
    config = Config(root, runbooks=("docs/runbooks/*.md",))
    return {rule.COMMAND: rule_id for rule_id, rule in compile_rules(root, config).items()}


def test_commands_check_every_file_they_search_as_gnu_grep_does(git_repo: Path) -> None:
    need_gnu_grep()
    rules = _mixed_repo(git_repo)
    assert len(rules) == 4  # `cat ... | grep` is the one command refused
    stage(git_repo, ".")
    found = findings("--all-files", "--no-cache")
    for command, rule_id in rules.items():
        ours = {(path, line) for rule, path, line in found if rule == rule_id}
        assert ours == gnu_hits(git_repo, command), command
        assert ours, f"the tree does not exercise `{command}`"
    # only the lines a commit adds, in files of any type
    commit(git_repo, "base")
    write(git_repo, "docs/guide.md", "# Guide\n\nthe the cat\nIs is fine\nAnd and more\n")
    write(git_repo, "src/notes.txt", "a todo here\nnothing\nTODO again\n")
    stage(git_repo, ".")
    assert {
        (rule, path, line) for rule, path, line in findings() if rule.startswith("runbook")
    } == {
        (rules['grep -rnEi "\\b([a-z]+) \\1\\b" --include="*.md" docs/'], "docs/guide.md", 5),
        (rules['grep -rniw "todo" src/'], "src/notes.txt", 3),
    }


def test_a_glob_that_matches_a_file_in_the_root_is_refused(git_repo: Path) -> None:
    write(git_repo, "docs/runbooks/CHECKS.md", MIXED)
    write(git_repo, ".runbook-guard.toml", 'runbooks = ["docs/runbooks/*.md"]\n')
    write(git_repo, "setup.py", "")  # `*.py` would match it, `--include=*.py` does not
    config = Config(git_repo, runbooks=("docs/runbooks/*.md",))
    assert "runbook:trailing-whitespace" in compile_rules(git_repo, config)
    write(git_repo, "--include=x.py", "")  # now bash replaces the word with this name
    listed = {u.command: u.reason for u in uncompiled(git_repo, config)}
    assert (
        "matches files in the repository's root"
        in listed['grep -rn "[[:space:]]$" --include=*.py .']
    )


def test_compiled_rules_are_listed_explained_and_skippable(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(git_repo, "docs/runbooks/R.md", CLASSIFIED)
    write(git_repo, ".runbook-guard.toml", 'runbooks = ["docs/runbooks/*.md"]\n')
    write(git_repo, "src/app.py", "# TODO: read it once\n")
    stage(git_repo, ".")
    code, out, _ = guard("rules", "--format", "json")
    listed = {r["id"]: r for r in json.loads(out)["rules"]}
    check = listed["runbook:configuration-validation-2"]
    assert (check["command"], check["default"]) == ('grep -rw "TODO" src/', True)
    assert check["runbook"]["url"].endswith("docs/runbooks/R.md#configuration-validation")
    assert listed["runbook:1-timestamped-service-ids"]["default"] is False
    code, out, _ = guard("rules")
    assert '`grep -rw "TODO" src/` (runs on every commit)' in out
    code, out, _ = guard("explain", "runbook:1-timestamped-service-ids")
    assert code == 0
    assert "superseded by stable-service-id: runs only when selected by its id" in out
    assert 'grep -r "SERVICE_ID.*datetime" .' in out  # the section, under ## Runbook
    assert findings() == {("runbook:configuration-validation-2", "src/app.py", 1)}
    monkeypatch.setenv("SKIP", "runbook:configuration-validation-2")
    assert findings() == set()
