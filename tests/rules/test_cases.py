"""Every rule against its case files, each case a real git repository.

A case file (`tests/rules/fixtures/<rule_id>/<name>.case`) describes one repository:

    # what the case shows (first line)
    --- config
    <TOML written to .runbook-guard.toml>
    --- committed path/in/repo.py
    <content of the first commit: old code, violations in it stay untouched>
    --- staged path/in/repo.py
    <content written and `git add`ed: the change under test>
    --- unstaged path/in/repo.py
    <content left in the work tree after staging: must never be reported>
    --- deleted path/in/repo.py
    --- renamed old/path.py new/path.py
    --- args
    <extra arguments for `runbook-guard run`, e.g. --all-files>

Expected findings are the staged lines ending in `# expect: rule-id` (several ids separated by
commas), plus `--- expect` lines `path:line rule-id` for files that cannot hold a comment. The
test runs `runbook-guard run --select <rule_id>` and compares (rule, path, line) exactly.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import git
import pytest

from runbook_guard.hooks.rules import all_rules
from tests.helpers import commit, findings, stage, write

FIXTURES = Path(__file__).parent / "fixtures"
EXPECT = re.compile(r"#\s*expect:\s*([\w:,\s-]+?)\s*$")
MARKER = re.compile(r"^--- (config|committed|staged|unstaged|deleted|renamed|args|expect)\b ?(.*)$")


@dataclass
class Case:
    description: str = ""
    config: str = ""
    committed: dict[str, str] = field(default_factory=dict)
    staged: dict[str, str] = field(default_factory=dict)
    unstaged: dict[str, str] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    expect: set[tuple[str, str, int]] = field(default_factory=set)


def parse_case(text: str) -> Case:
    case = Case()
    lines = text.split("\n")
    case.description = lines[0].lstrip("# ").strip()
    section: tuple[str, str] | None = None
    body: list[str] = []

    def flush() -> None:
        if section is None:
            return
        kind, arg = section
        content = "\n".join(body).rstrip("\n") + "\n" if body else ""
        if kind == "config":
            case.config = content
        elif kind in ("committed", "staged", "unstaged"):
            getattr(case, kind)[arg] = content
        elif kind == "deleted":
            case.deleted.append(arg)
        elif kind == "renamed":
            old, new = arg.split()
            case.renamed.append((old, new))
        elif kind == "args":
            case.args = shlex.split(content)
        elif kind == "expect":
            for line in content.splitlines():
                if line.strip():
                    where, rule = line.split()
                    path, number = where.rsplit(":", 1)
                    case.expect.add((rule, path, int(number)))

    for line in lines[1:]:
        match = MARKER.match(line)
        if match:
            flush()
            section, body = (match[1], match[2].strip()), []
        else:
            body.append(line)
    flush()
    for path, content in case.staged.items():
        for number, line in enumerate(content.splitlines(), start=1):
            found = EXPECT.search(line)
            if found:
                for rule in found[1].split(","):
                    case.expect.add((rule.strip(), path, number))
    return case


def case_files() -> list[pytest.param]:
    params = []
    for path in sorted(FIXTURES.glob("*/*.case")):
        params.append(pytest.param(path, id=f"{path.parent.name}/{path.stem}"))
    return params


def build_repo(root: Path, case: Case) -> None:
    if case.config:
        write(root, ".runbook-guard.toml", case.config)
    for path, content in case.committed.items():
        write(root, path, content)
    stage(root, ".") if case.committed or case.config else None
    commit(root, "base")
    repo = git.Repo(root)
    for old, new in case.renamed:
        (root / new).parent.mkdir(parents=True, exist_ok=True)
        repo.git.mv(old, new)
    for path in case.deleted:
        repo.git.rm("-q", "--", path)
    for path, content in case.staged.items():
        write(root, path, content)
        stage(root, path)
    for path, content in case.unstaged.items():
        write(root, path, content)


@pytest.mark.parametrize("case_path", case_files())
def test_case(case_path: Path, git_repo: Path) -> None:
    rule_id = case_path.parent.name.replace("_", "-")
    assert rule_id in all_rules(), f"{case_path.parent.name} names no rule"
    case = parse_case(case_path.read_text(encoding="utf-8"))
    build_repo(git_repo, case)
    got = findings("--select", rule_id, *case.args)
    assert got == case.expect, case.description


def test_every_rule_has_five_failing_and_five_passing_cases() -> None:
    engine_rules = {r for r, m in all_rules().items() if getattr(m, "ENGINE", False)}
    for rule_id in all_rules():
        if rule_id in engine_rules:
            continue
        folder = FIXTURES / rule_id.replace("-", "_")
        cases = [parse_case(p.read_text(encoding="utf-8")) for p in folder.glob("*.case")]
        failing = [c for c in cases if c.expect]
        passing = [c for c in cases if not c.expect]
        assert len(failing) >= 5, f"{rule_id}: {len(failing)} failing cases"
        assert len(passing) >= 5, f"{rule_id}: {len(passing)} passing cases"
