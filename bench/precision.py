"""`make signal REPO=path`: how much of what the hooks report on a real repository is true.

Runs `runbook-guard run --all-files` on a checkout (the team's repository, `netra-systems/zen`,
is what the product is measured on), prints the findings per rule and writes a random sample of
each rule's findings (seeded, so a second run draws the same sample) with the code around each
one, for a person to judge. With `--commits`, each commit is replayed as CI would check it
(`--from-ref C^ --to-ref C`) and every finding is listed.

    python bench/precision.py PATH [--config FILE] [--per-rule 20] [--seed 12] [--commits C ...]

The sample goes to bench/.work/signal/ (not tracked): `sample.md` to read, `sample.json` with
one record per finding and empty `verdict`/`why` fields to fill in. Run `--score FILE` on a
filled-in JSON file for the table: per rule, findings, sampled, true, false, precision.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / ".work" / "signal"
CONTEXT = 4  # lines shown before and after a finding

# The configuration the measurement in the signal issue used, for the team's layout.
ZEN_CONFIG = """\
runbooks = ["checklists/*.md"]
e2e-paths = ["tests/e2e/**"]

[services]
netra_backend = "netra_backend"
auth_service = "auth_service"
analytics_service = "analytics_service"
shared = ["shared", "test_framework"]

[environment]
accessor-modules = ["shared/isolated_environment.py"]

[named-values]
index = "SPEC/MISSION_CRITICAL_NAMED_VALUES_INDEX.xml"
"""


class HookFailed(Exception):
    pass


def run_hooks(repo: Path, config: Path, *extra: str) -> dict:
    command = [
        sys.executable,
        "-m",
        "hooks",
        "run",
        "--config",
        str(config),
        "--format",
        "json",
        "--no-cache",
        *extra,
    ]
    proc = subprocess.run(command, cwd=repo, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise HookFailed(f"runbook-guard failed ({proc.returncode}): {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def context(repo: Path, path: str, line: int, ref: str | None = None) -> str:
    if ref is None:
        try:
            text = (repo / path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(file not readable)"
    else:
        proc = subprocess.run(
            ["git", "show", f"{ref}:{path}"], cwd=repo, capture_output=True, check=False
        )
        text = proc.stdout.decode("utf-8", "replace")
    lines = text.splitlines()
    first, last = max(1, line - CONTEXT), min(len(lines), line + CONTEXT)
    return "\n".join(
        f"{'>' if n == line else ' '}{n:5} {lines[n - 1]}" for n in range(first, last + 1)
    )


def per_rule(findings: list[dict]) -> dict[str, list[dict]]:
    by_rule: dict[str, list[dict]] = collections.defaultdict(list)
    for found in findings:
        by_rule[found["rule"]].append(found)
    return dict(sorted(by_rule.items(), key=lambda item: -len(item[1])))


def sample(repo: Path, findings: list[dict], per: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    records = []
    for rule, found in per_rule(findings).items():
        chosen = found if len(found) <= per else rng.sample(found, per)
        for f in sorted(chosen, key=lambda f: (f["path"], f["line"])):
            records.append(
                {
                    "rule": rule,
                    "path": f["path"],
                    "line": f["line"],
                    "message": f["message"],
                    "context": context(repo, f["path"], f["line"]),
                    "verdict": "",
                    "why": "",
                }
            )
    return records


def write_sample(records: list[dict], name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(records, indent=1) + "\n", encoding="utf-8")
    parts = []
    for i, r in enumerate(records, start=1):
        where = f"{r['path']}:{r['line']}" + (f" @ {r['commit']}" if r.get("commit") else "")
        parts.append(
            f"### {i}. {r['rule']} {where}\n{r['message']}\n\n```python\n{r['context']}\n```\n"
        )
    (OUT / f"{name}.md").write_text("\n".join(parts), encoding="utf-8")
    print(f"wrote {OUT / name}.md and .json ({len(records)} findings to judge)")


def replay_commits(repo: Path, config: Path, commits: list[str]) -> list[dict]:
    records = []
    for commit in commits:
        try:
            result = run_hooks(repo, config, "--from-ref", f"{commit}^", "--to-ref", commit)
        except HookFailed as e:
            print(f"{commit}: skipped, {e}")  # a snapshot without the commit's large blobs
            continue
        print(f"{commit}: {len(result['findings'])} findings")
        for f in result["findings"]:
            records.append(
                {
                    "commit": commit,
                    "rule": f["rule"],
                    "path": f["path"],
                    "line": f["line"],
                    "message": f["message"],
                    "context": context(repo, f["path"], f["line"], commit),
                    "verdict": "",
                    "why": "",
                }
            )
    return records


def score(path: Path, totals: dict[str, int] | None = None) -> None:
    """The table of a judged sample: verdict "true" or "false" on each record."""
    records = json.loads(path.read_text(encoding="utf-8"))
    rows: dict[str, list[dict]] = collections.defaultdict(list)
    for r in records:
        rows[r["rule"]].append(r)
    print("| rule | findings | sampled | true | false | precision | why false |")
    print("|---|---|---|---|---|---|---|")
    for rule, judged in sorted(rows.items()):
        true = sum(r["verdict"] == "true" for r in judged)
        false = [r for r in judged if r["verdict"] == "false"]
        reasons = collections.Counter(r["why"] for r in false)
        why = "; ".join(f"{w} ({n})" for w, n in reasons.most_common())
        total = (totals or {}).get(rule, "")
        precision = true / (true + len(false)) if true + len(false) else 0
        print(
            f"| `{rule}` | {total} | {len(judged)} | {true} | {len(false)} | {precision:.2f} "
            f"| {why} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", type=Path, nargs="?", help="a checkout to run the hooks on")
    parser.add_argument("--config", type=Path, help="runbook-guard configuration to use")
    parser.add_argument("--per-rule", type=int, default=20, help="findings sampled per rule")
    parser.add_argument("--seed", type=int, default=12, help="seed of the random sample")
    parser.add_argument("--commits", nargs="*", default=[], help="commits to replay")
    parser.add_argument("--score", type=Path, help="print the table of a judged sample file")
    args = parser.parse_args(argv)
    if args.score:
        totals = None
        counts = OUT / "counts.json"
        if counts.exists():
            totals = json.loads(counts.read_text(encoding="utf-8"))
        score(args.score, totals)
        return 0
    if args.repo is None:
        parser.error("give the path of a checkout (make signal REPO=path)")
    repo = args.repo.resolve()
    config = args.config
    if config is None:
        OUT.mkdir(parents=True, exist_ok=True)
        config = OUT / "config.toml"
        config.write_text(ZEN_CONFIG, encoding="utf-8")
    config = config.resolve()
    if args.commits:
        write_sample(replay_commits(repo, config, args.commits), "commits")
        return 0
    try:
        result = run_hooks(repo, config, "--all-files")
    except HookFailed as e:
        raise SystemExit(str(e)) from None
    by_rule = per_rule(result["findings"])
    print(f"{result['summary']['findings']} findings in {result['summary']['files']} files")
    for rule, found in by_rule.items():
        print(f"{len(found):7}  {rule}")
    OUT.mkdir(parents=True, exist_ok=True)
    counts = {rule: len(found) for rule, found in by_rule.items()}
    (OUT / "counts.json").write_text(json.dumps(counts, indent=1) + "\n", encoding="utf-8")
    write_sample(sample(repo, result["findings"], args.per_rule, args.seed), "sample")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
