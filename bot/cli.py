"""`runbook-bot`: the Definition-of-Done comment and runbook-linked issues for CI failures.

Reads the standard GitHub Actions environment. `--dry-run` needs no token and no network: it
prints what it would post, and never builds a GitHub client.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from runbook_guard.bot import checklist, report
from runbook_guard.bot.failures import (
    Failure,
    get_typed,
    parse_findings,
    parse_junit,
    parse_log,
    parse_ruff,
)
from runbook_guard.hooks import __version__
from runbook_guard.hooks import config as config_module
from runbook_guard.hooks.commandline import dispatch, reopen_closed_streams
from runbook_guard.hooks.errors import UsageError
from runbook_guard.hooks.links import SHIPPED_DIR, Links, link_base
from runbook_guard.hooks.secrets import redact, redact_all

PROG = "runbook-bot"
STATUS_CONTEXT = "runbook/definition-of-done"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name) or default


def _event() -> tuple[str, dict[str, Any]]:
    name = _env("GITHUB_EVENT_NAME", "") or ""
    path = _env("GITHUB_EVENT_PATH")
    if not path:
        return name, {}
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UsageError(f"GITHUB_EVENT_PATH: cannot read the event: {e}") from None
    if not isinstance(event, dict):
        raise UsageError("GITHUB_EVENT_PATH: the event is not a JSON object")
    return name, event


def _pull(event: dict[str, Any]) -> tuple[int | None, str | None, str | None]:
    """(number, head sha, base ref) of the pull request an event is about. The payload is read
    defensively: a field missing or of the wrong type means "not known", never a crash."""
    pull = get_typed(event, "pull_request", dict)
    if pull:
        number = get_typed(pull, "number", int) or get_typed(event, "number", int)
        head = get_typed(get_typed(pull, "head", dict, {}), "sha", str)
        base = get_typed(get_typed(pull, "base", dict, {}), "ref", str)
        return number, head, base
    issue = get_typed(event, "issue", dict, {})
    if get_typed(issue, "pull_request", dict):
        return get_typed(issue, "number", int), None, None
    return None, None, None


def _root() -> Path:
    """The repository's top (its configuration lives there), from any folder inside it; in
    Actions that is the workspace. Outside a repository, the current directory."""
    from runbook_guard.hooks import git

    try:
        return git.repo_root()
    except UsageError:
        return Path.cwd()


def _config() -> config_module.Config:
    return config_module.load(_root())


def _default_base(root: Path) -> str | None:
    """What a branch is compared with on a dry run without an event: the remote's default
    branch (`origin/HEAD`), else a local `main` or `master` (None: none of them exists)."""
    for args in (
        ["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"],
        ["rev-parse", "--verify", "--quiet", "--abbrev-ref", "main"],
        ["rev-parse", "--verify", "--quiet", "--abbrev-ref", "master"],
    ):
        proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        if proc.returncode == 0 and proc.stdout.strip():
            return proc.stdout.strip()
    return None


def _summary(markdown: str) -> None:
    path = _env("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(redact(markdown) + "\n")


def _local_files(root: Path, base: str | None) -> list[str]:
    """Changed files from local git, for a dry run outside Actions: what the branch changes
    since it left `base`, and what is staged."""
    names: set[str] = set()
    for args in (
        ["diff", "--name-only", "--cached"],
        ["diff", "--name-only", f"{base}...HEAD"] if base else [],
    ):
        if not args:
            continue
        proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        if proc.returncode == 0:
            names.update(n for n in proc.stdout.splitlines() if n)
    return sorted(names)


def _checklist_text(config: config_module.Config, read: Any) -> str:
    path = config.bot.definition_of_done
    if path is None:
        return (SHIPPED_DIR / "DEFINITION_OF_DONE.md").read_text(encoding="utf-8")
    text = read(path)
    if text is None:
        raise UsageError(
            f"{path}: the Definition-of-Done checklist was not found on the base branch"
        )
    return text


def cmd_checklist(args: argparse.Namespace) -> int:
    config = _config()
    _, event = _event()
    number, head, base = _pull(event)
    if args.pull is not None:
        # a `workflow_run` after a fork's pull request: the number comes from that run's
        # artifact, untrusted; its head must be the commit that run was for
        number, head, base = args.pull, None, None
    if args.dry_run:
        root = _root()
        base = base or _default_base(root)
        files = _local_files(root, base)

        def read_local(path: str) -> str | None:
            proc = subprocess.run(
                ["git", "show", f"{base}:{path}"],
                cwd=root,
                capture_output=True,
                text=True,
                check=False,
            )
            if base and proc.returncode == 0:
                return proc.stdout
            file = root / path
            return file.read_text(encoding="utf-8") if file.is_file() else None

        sections = _sections(config, _checklist_text(config, read_local))
        chosen = checklist.select(sections, files)
        body = _checklist_body(
            chosen,
            {},
            findings_markdown=_findings_markdown(args),
            files=files,
            source=config.bot.definition_of_done or "",
            link=_blob_linker(config, base),
        )
        state, description = checklist.status(chosen, {})
        return _print(
            {
                "comments": [body],
                "issues": [],
                "status": {"state": state, "description": description},
            },
            args.format,
            body,
        )
    base_sha = get_typed(
        get_typed(get_typed(event, "pull_request", dict, {}), "base", dict, {}), "sha", str
    )
    if args.pull is not None:
        base_sha = None
    return _live_checklist(
        config, number, head, base, _findings_markdown(args), args.head, base_sha=base_sha
    )


def _live_checklist(
    config: config_module.Config,
    number: int | None,
    head: str | None,
    base: str | None,
    findings_markdown: str,
    expected_head: str | None = None,
    *,
    base_sha: str | None = None,
) -> int:
    from runbook_guard.bot.github import GitHub, ReadOnly

    if number is None:
        print(f"{PROG}: this event is not about a pull request; nothing to do", file=sys.stderr)
        return 0
    github = _client(GitHub)
    if head is None or base is None:
        head, base = github.pull_head(number)
    if expected_head is not None and head != expected_head:
        raise UsageError(
            f"--head {expected_head} is not the head of pull request #{number} ({head}): "
            "the number did not come from that pull request's run, nothing posted"
        )
    files = github.pull_files(number)
    sections = _sections(config, _checklist_text(config, lambda p: github.read_file(p, base)))
    chosen = checklist.select(sections, files)
    shape = {
        "files": files,
        "head": head,
        "source": config.bot.definition_of_done or "",
        "link": _blob_linker(config, base_sha or base),
    }
    stale = [s for s in sections if s not in chosen and not s.always]
    existing = sorted(github.comments(number, checklist.MARKER), key=lambda c: c.id)
    ticked = checklist.ticks(existing[0].body) if existing else {}
    stale = [s for s in stale if any(ticked.get(i.id) for i in s.items)]
    body = _checklist_body(
        chosen, ticked, stale=stale, findings_markdown=findings_markdown, **shape
    )
    state, description = checklist.status(chosen, ticked)
    try:
        # The status goes first and the comment, which records the state it was written with,
        # second: a run killed in between leaves a comment that does not yet claim the state,
        # and the next run writes both again.
        if not existing:
            github.set_status(head, state, description, STATUS_CONTEXT, _run_url())
            github.comment(number, body, marker=checklist.MARKER)
        for comment in existing[1:]:  # racing runs left more than one: keep the oldest
            github.delete_comment(number, comment.id)
        if existing and existing[0].body != body:
            # Steady state never gets here: same text, same ticks, nothing written (3 calls).
            keep = existing[0]
            # re-read just before the edit so a tick made meanwhile is not lost
            fresh = [c for c in github.comments(number, checklist.MARKER) if c.id == keep.id]
            current = fresh[0].body if fresh else keep.body
            latest = {**ticked, **checklist.ticks(current)}
            body = _checklist_body(
                chosen, latest, stale=stale, findings_markdown=findings_markdown, **shape
            )
            state, description = checklist.status(chosen, latest)
            # a new head (a push) or a new count (a tick): the status is set again, so the
            # head always has one and its count is the comment's
            if checklist.recorded_state(current) != checklist.status_record(chosen, latest, head):
                github.set_status(head, state, description, STATUS_CONTEXT, _run_url())
            if current != body:
                github.edit_comment(number, keep.id, body)
    except ReadOnly as e:
        _summary(f"> [!WARNING]\n> {PROG} could not write to this pull request ({e}).\n\n{body}")
        print(
            f"{PROG}: warning: read-only token, the checklist went to the job summary",
            file=sys.stderr,
        )
        return 0
    _summary(f"### Definition of Done\n{description}")
    return 0


def _sections(config: config_module.Config, text: str) -> list[checklist.ChecklistSection]:
    omit = config.bot.checklist_omit
    return checklist.parse(
        text,
        omit=checklist.DEFAULT_OMIT if omit is None else omit,
        gate=config.bot.checklist_gate,
    )


def _blob_linker(config: config_module.Config, ref: str | None) -> checklist.Linker | None:
    """A repository path -> its page at the pull request's base commit (a relative link of
    the team's file, posted as it is, would resolve under the pull request's address)."""
    from urllib.parse import quote

    base = link_base(config.root, config)  # the repository top the configuration was read at
    if base is None:
        return None
    if ref and base.endswith("/blob/HEAD/"):
        base = f"{base[: -len('HEAD/')]}{quote(ref, safe='')}/"
    return lambda path: base + quote(path)


def _checklist_body(*args: Any, **kwargs: Any) -> str:
    """The comment as GitHub will hold it (secrets redacted), so that comparing it with the
    posted one finds no change where there is none."""
    return redact(checklist.render(*args, **kwargs))


def _findings_markdown(args: argparse.Namespace) -> str:
    """The diff's runbook-guard findings, each with its runbook link, for the comment."""
    findings = [f for path in args.findings for f in parse_findings(path)]
    if not findings:
        return ""
    lines = [f"### runbook-guard findings in this diff ({len(findings)})"]
    for f in findings[:200]:
        # the findings file is data: only a plain http(s) URL becomes a link
        url = f.url if f.url and re.fullmatch(r"https?://[^\s()<>\[\]]+", f.url) else None
        link = f" ([runbook]({url}))" if url else ""
        where, rule = report.inline_code(f.location), report.inline_code(f.rule or "")
        lines.append(f"- {where} {rule}: {report.neutralise(f.message)}{link}")
    return "\n".join(lines)


def _client(factory: Any) -> Any:
    token = _env("GITHUB_TOKEN")
    repository = _env("GITHUB_REPOSITORY")
    if not token or not repository:
        raise UsageError("GITHUB_TOKEN and GITHUB_REPOSITORY are needed (or use --dry-run)")
    return factory(token, _env("GITHUB_API_URL", "https://api.github.com"), repository)


def _run_url() -> str | None:
    server, repository, run = (
        _env("GITHUB_SERVER_URL"),
        _env("GITHUB_REPOSITORY"),
        _env("GITHUB_RUN_ID"),
    )
    if server and repository and run:
        return f"{server}/{repository}/actions/runs/{run}"
    return None


def _failures(args: argparse.Namespace) -> list[Failure]:
    failures: list[Failure] = []
    for path in args.junit:
        failures += parse_junit(path)
    for path in args.findings:
        failures += parse_findings(path)
    for path in args.ruff:
        failures += parse_ruff(path)
    for path in args.log:
        failures += parse_log(path)
    return failures


def cmd_report(args: argparse.Namespace) -> int:
    from runbook_guard.hooks.named_values import load_named_values

    root = _root()
    config = config_module.load(root)
    links = Links(root, config)
    patterns = load_named_values(root, config).log_patterns
    failures = _failures(args)
    existing: dict[str, tuple[int, str]] = {}
    bodies: dict[int, str] = {}
    github = None
    if not args.dry_run:
        from runbook_guard.bot.github import GitHub

        github = _client(GitHub)
        # the oldest issue of a fingerprint is the one (a racing run's duplicate is newer)
        for number, state, body in sorted(github.bot_issues(report.BOT_LABEL)):
            bodies[number] = body
            match = report.MARKER_RE.search(body)
            if match:
                existing.setdefault(match[1], (number, state))
    plan = report.plan(
        failures,
        links,
        labels=config.bot.labels,
        patterns=patterns,
        existing=existing,
        cap=config.bot.max_new_issues,
    )
    summary = _report_summary(plan)
    if args.dry_run or github is None:
        _summary(summary)
        # what would be posted, whole: each new issue's body as GitHub would hold it
        run = _Run(_run_url(), _env("GITHUB_SHA"), _env("GITHUB_RUN_ID"))
        issues, previews = [], [summary]
        for entry in plan:
            body = report.issue_body(entry, run_url=run.url, commit=run.commit, run_id=run.id)
            issues.append({**entry.to_json(), "body": redact(body)})
            if entry.action == "create":
                previews += ["", f"---- issue: {entry.title}", redact(body)]
        return _print({"comments": [], "issues": issues}, args.format, "\n".join(previews))
    return _execute(github, plan, summary, bodies)


def _execute(github: Any, plan: list[report.Planned], summary: str, bodies: dict[int, str]) -> int:
    """Carry out the plan. `bodies` are the bot's issues as listed: an issue this workflow run
    opened, or commented, before it was stopped gets nothing twice when it runs again."""
    from runbook_guard.bot.github import ReadOnly

    run = _Run(_run_url(), _env("GITHUB_SHA"), _env("GITHUB_RUN_ID"))
    try:
        github.ensure_labels(
            sorted({label for p in plan if p.action != "capped" for label in p.labels})
        )
        for entry in plan:
            if entry.action == "create":
                filed = _open_issue(github, entry, run)
                if filed is None:
                    continue
                entry = dataclasses.replace(
                    entry, issue=filed[0], action="reopen" if filed[1] == "closed" else "comment"
                )
            if entry.issue is not None and entry.action in ("comment", "reopen"):
                _recur(github, entry, run, bodies.get(entry.issue, ""))
    except ReadOnly as e:
        _summary(f"> [!WARNING]\n> {PROG} could not file issues ({e}).\n\n{summary}")
        print(
            f"{PROG}: warning: read-only token, the report went to the job summary", file=sys.stderr
        )
        return 0
    _summary(summary)
    return 0


@dataclasses.dataclass(frozen=True)
class _Run:
    """The workflow run a report belongs to."""

    url: str | None
    commit: str | None
    id: str | None


def _open_issue(github: Any, entry: report.Planned, run: _Run) -> tuple[int, str] | None:
    """Open the issue for a new failure; or, when a run racing this one filed it meanwhile,
    (number, state) of that issue, to comment on instead."""
    marker = report.MARKER.format(entry.fingerprint)
    # a marker check just before the create: the workflow's `concurrency:` group serialises
    # runs, but a re-run or a run by hand is not in it
    filed = _filed(github, marker)
    if filed is not None:
        return filed
    number = github.create_issue(
        entry.title,
        report.issue_body(entry, run_url=run.url, commit=run.commit, run_id=run.id),
        entry.labels,
        marker=marker,
        label=report.BOT_LABEL,
    )
    # a run that checked at the same instant filed it too: the older issue stays
    first = _filed(github, marker)
    if first is not None and first[0] < number:
        github.close_as_duplicate(number, first[0])
    return None


def _recur(github: Any, entry: report.Planned, run: _Run, body: str) -> None:
    """One comment per workflow run on a failure's issue, reopening it if it was closed. The
    comment goes first: a run stopped in between leaves the issue closed, the next run reopens
    it, and the regression comment is not lost."""
    marker = report.occurrence_marker(entry.fingerprint, run.id)
    reported = marker is not None and (marker in body or github.comments(entry.issue, marker))
    if not reported:  # else this workflow run reported it already, before it was stopped
        github.comment(
            entry.issue,
            report.recurrence_comment(entry, run_url=run.url, commit=run.commit, run_id=run.id),
            marker=marker,
        )
    if entry.action == "reopen":
        github.reopen(entry.issue, entry.labels)


def _filed(github: Any, marker: str) -> tuple[int, str] | None:
    """(number, state) of the oldest of the bot's issues carrying `marker`, if one exists."""
    found = github.issues_with(report.BOT_LABEL, marker)
    return found[0] if found else None


def _report_summary(plan: list[report.Planned]) -> str:
    lines = ["### runbook-bot report", "", "| action | failure | runbook |", "|---|---|---|"]
    for entry in plan:
        link = (
            f"[{entry.runbook.section.title}]({entry.runbook.url})"
            if entry.runbook and entry.runbook.section
            else "needs-runbook"
        )
        lines.append(f"| {entry.action} | {report.neutralise(entry.title)} | {link} |")
    capped = sum(1 for p in plan if p.action == "capped")
    if capped:
        lines.append(
            f"\n{capped} more failure{'s' * (capped != 1)} not filed: the per-run cap was reached."
        )
    return "\n".join(lines)


def _print(document: dict[str, Any], fmt: str, text: str) -> int:
    # CI logs are public on public repositories. Each value is redacted before JSON escapes
    # it: after `json.dumps`, `password = \"...\"` no longer looks like an assignment, and a
    # cut that runs to the end of the text would take the closing quotes with it.
    if fmt == "json":
        output = json.dumps(redact_all(document), indent=2, ensure_ascii=False)
    else:
        output = redact(text)
    sys.stdout.write(output + "\n")
    return 0


def _pull_number(text: str) -> int:
    if not re.fullmatch(r"[1-9][0-9]{0,9}", text):
        raise argparse.ArgumentTypeError(f"not a pull request number: {text[:40]!r}")
    return int(text)


def _commit_sha(text: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{40}", text):
        raise argparse.ArgumentTypeError(f"not a 40-hex commit id: {text[:60]!r}")
    return text


# runbook-guard: ignore[ssot-duplicate-definition] -- each command has its own parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Definition-of-Done comments and runbook-linked issues."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = sub.add_parser(
        "checklist", help="comment the Definition-of-Done checklist on the pull request"
    )
    check.add_argument(
        "--dry-run", action="store_true", help="print what would be posted; no token, no network"
    )
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    check.add_argument(
        "--findings",
        action="append",
        default=[],
        metavar="F",
        help="a runbook-guard JSON file whose findings the comment lists (repeatable)",
    )
    check.add_argument(
        "--pull",
        type=_pull_number,
        metavar="N",
        help="the pull request, when the event does not say (workflow_run after a fork's PR)",
    )
    check.add_argument(
        "--head",
        type=_commit_sha,
        metavar="SHA",
        help="with --pull: refuse unless the pull request's head is this commit",
    )
    check.set_defaults(func=cmd_checklist)
    rep = sub.add_parser("report", help="file CI failures as runbook-linked issues")
    for flag, what in (
        ("--junit", "JUnit XML"),
        ("--findings", "runbook-guard JSON or SARIF"),
        ("--ruff", "ruff JSON"),
        ("--log", "log file"),
    ):
        rep.add_argument(
            flag, action="append", default=[], metavar="F", help=f"a {what} file (repeatable)"
        )
    rep.add_argument(
        "--dry-run", action="store_true", help="print what would be filed; no token, no network"
    )
    rep.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    rep.set_defaults(func=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    reopen_closed_streams()
    return dispatch(build_parser(), argv, PROG)


if __name__ == "__main__":
    raise SystemExit(main())
