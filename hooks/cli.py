"""`runbook-guard`: the command line. A run whose inputs did not change is replayed before the
arguments are even parsed (hooks/replay.py); every other runs behind the one error boundary
(hooks/commandline.py).

Exit codes: 0 no error-severity finding, 1 findings (or a broken link), 2 usage or configuration
error (one line on stderr, no traceback), 130 interrupted.
"""

from __future__ import annotations

import os
import sys

from runbook_guard.hooks import __version__, replay
from runbook_guard.hooks.errors import UsageError

# Names for annotations only: a replayed run imports this module, and nothing else that it does
# not use (tests/hooks/test_startup.py).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from typing import Any

    from runbook_guard.hooks.config import Config
    from runbook_guard.hooks.findings import Finding, Link, Note

PROG = "runbook-guard"


def _split_ids(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _skipped_rule_ids(compiled: dict[str, object]) -> list[str]:
    # pre-commit's SKIP names hook ids; we also accept rule ids there (SKIP=no-direct-environ),
    # the runbook's compiled ones included (SKIP=runbook:doubled-words)
    from runbook_guard.hooks.rules import all_rules

    known = {*all_rules(), *compiled}
    return [s for s in _split_ids(os.environ.get("SKIP", "")) if s in known]


def cmd_run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from runbook_guard.hooks import cache, engine, git
    from runbook_guard.hooks import config as config_module
    from runbook_guard.hooks.report import Report, quoted, render, valid_utf8

    inputs: replay.RunInputs | None = getattr(args, "replay", None)
    root, head = git.repo_root_and_head()
    config = config_module.load(root, Path(args.config) if args.config else None)
    from_ref = args.from_ref or os.environ.get("PRE_COMMIT_FROM_REF")
    to_ref = args.to_ref or os.environ.get("PRE_COMMIT_TO_REF")
    if bool(from_ref) != bool(to_ref):
        raise UsageError("--from-ref and --to-ref go together: give both or neither")
    extra = _runbook_rules(root, config)
    rules = engine.select_rules(
        config,
        _split_ids(args.select) if args.select else None,
        [*_split_ids(args.ignore or ""), *_skipped_rule_ids(extra)],
        extra,
    )
    run, notes = engine.build_run(
        root,
        config,
        paths=engine.relative_paths(root, args.files),
        all_files=args.all_files,
        from_ref=from_ref,
        to_ref=to_ref,
        head=head,
        staged_patch=inputs.patch if inputs else None,
        searched=_searcher(rules),
    )
    result = engine.check(run, rules, jobs=os.cpu_count() or 1, use_cache=not args.no_cache)
    result.notes[:0] = notes
    resolved = cache.links(
        root,
        config,
        {f.rule for f in result.findings},
        lambda ids: _resolve_links(root, config, ids, {**engine.all_rules(), **rules}),
        enabled=not args.no_cache,
    )
    result.findings = _without_echoes(result.findings, resolved)
    result.findings, result.notes, cut = _without_secrets(result.findings, result.notes, rules)
    report = Report(
        result.findings,
        result.notes,
        result.files,
        resolved,
        {**engine.all_rules(), **extra},
        color=args.format == "text" and not args.output and wants_color(),
    )
    text = render(report, args.format)
    notes_text = valid_utf8(
        "".join(
            f"{PROG}: note: {quoted(note.path)}: {note.message}\n"
            for note in (result.notes if args.format != "github" else [])
        )
    )
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as e:
            raise UsageError(f"cannot write --output {args.output}: {e.strerror}") from None
    else:
        sys.stdout.write(text)
    sys.stderr.write(notes_text)
    code = 1 if result.failed else 0
    # A report secrets were cut from is not kept: its text depends on the environment's values.
    if inputs is not None and not cut and os.path.samefile(root, inputs.top):
        replay.record(
            inputs,
            text,
            notes_text,
            code,
            files=config_module.input_files(root, config),
            runbooks=config.runbooks,
        )
    return code


def _resolve_links(
    root: Path, config: Config, rule_ids: list[str], rules: dict[str, Any]
) -> dict[str, Link | None]:
    """Each rule's runbook link, from the runbooks themselves (see `cache.links`)."""
    from runbook_guard.hooks.links import Links

    links = Links(root, config)
    return {r: links.for_rule(rules[r]).link if r in rules else None for r in rule_ids}


def _without_secrets(
    findings: list[Finding], notes: list[Note], rules: dict[str, Any]
) -> tuple[list[Finding], list[Note], bool]:
    """Secrets out of everything a report prints: messages (a rule may quote the code it
    found, `StripeClient(api_key="sk_live_...")`), fixes (the team's own, for `runbook:*`),
    the paths findings name (a file may be named after a token) and the notes; and whether
    anything was cut (such a report is not kept for replay)."""
    if not notes and not findings:
        return findings, notes, False
    from runbook_guard.hooks.findings import Note
    from runbook_guard.hooks.secrets import redactor

    redact = redactor()

    cut = False

    def clean(text: str) -> str:
        nonlocal cut
        cleaned = redact(text)
        cut = cut or cleaned != text
        return cleaned

    cleaned = [
        f._replace(
            path=clean(f.path),
            message=clean(f.message),
            fix=clean(f.fix or getattr(rules.get(f.rule), "FIX", "")),
        )
        for f in findings
    ]
    return cleaned, [Note(clean(n.path), clean(n.message)) for n in notes], cut


def _without_echoes(findings: list[Finding], resolved: dict[str, Link | None]) -> list[Finding]:
    """Drop a runbook grep rule's finding where a built-in rule already reports the same line
    and links to the same section: one mistake, one finding."""
    covered = {
        (f.path, f.line, resolved[f.rule].url)
        for f in findings
        if not f.rule.startswith("runbook:") and resolved.get(f.rule)
    }
    return [
        f
        for f in findings
        if not (
            f.rule.startswith("runbook:")
            and resolved.get(f.rule)
            and (f.path, f.line, resolved[f.rule].url) in covered
        )
    ]


def wants_color() -> bool:
    """Colour on a terminal; `NO_COLOR` turns it off, `FORCE_COLOR` on (no-color.org,
    force-color.org), and under pre-commit its `--color` choice (`PRE_COMMIT_COLOR`) decides."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    chosen = os.environ.get("PRE_COMMIT_COLOR")
    if chosen in ("always", "never"):
        return chosen == "always"
    return sys.stdout.isatty()


def _runbook_rules(root: Path, config: object) -> dict[str, object]:
    """Rules compiled from the configured runbooks' "How to Check" grep commands (if any)."""
    if not getattr(config, "runbooks", None):
        return {}  # the shipped runbook has no commands: spare every commit the grep compiler
    try:
        from runbook_guard.hooks import runbook_rules
    except ImportError:
        return {}
    return runbook_rules.compile_rules(root, config)  # type: ignore[attr-defined]


def _searcher(rules: dict[str, object]) -> Callable[[str], bool] | None:
    """Which non-Python files the selected runbook commands search (None: there are none)."""
    if not any(rule_id.startswith("runbook:") for rule_id in rules):
        return None
    from runbook_guard.hooks import runbook_rules

    return runbook_rules.searcher(rules.values())


def cmd_explain(args: argparse.Namespace) -> int:
    from runbook_guard.hooks.explain import explain

    sys.stdout.write(explain(args.rule, config_path=args.config))
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from runbook_guard.hooks.explain import catalogue

    sys.stdout.write(catalogue(args.format, config_path=args.config))
    return 0


def cmd_check_links(args: argparse.Namespace) -> int:
    from runbook_guard.hooks.check_links import check_links

    return check_links(config_path=args.config)


def cmd_init(args: argparse.Namespace) -> int:
    from runbook_guard.hooks.init import init

    return init(force=args.force)


def cmd_critical_tests(args: argparse.Namespace) -> int:
    from runbook_guard.hooks.critical_tests import run_critical_tests

    return run_critical_tests(args.files, config_path=args.config)


# runbook-guard: ignore[ssot-duplicate-definition] -- each command has its own parser
def build_parser() -> argparse.ArgumentParser:
    from runbook_guard.hooks.commandline import Parser
    from runbook_guard.hooks.report import FORMATS

    parser = Parser(prog=PROG, description="Check the staged diff against the team's runbooks.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="check the lines the change adds (the default scope)")
    run.add_argument(
        "files", nargs="*", metavar="FILES", help="only these paths (pre-commit passes them)"
    )
    run.add_argument(
        "--all-files", action="store_true", help="check whole files, not only added lines"
    )
    run.add_argument("--from-ref", help="check the lines added since this ref (with --to-ref)")
    run.add_argument("--to-ref", help="check the lines added up to this ref (with --from-ref)")
    run.add_argument("--select", help="comma-separated rule ids to run (default: the config's)")
    run.add_argument("--ignore", help="comma-separated rule ids to skip")
    run.add_argument("--format", choices=FORMATS, default="text", help="output format")
    run.add_argument(
        "--config", help="configuration file (default: .runbook-guard.toml, pyproject.toml)"
    )
    run.add_argument("--output", help="write the report to this file instead of stdout")
    run.add_argument(
        "--no-cache",
        action="store_true",
        help="check every file afresh: no replay of an unchanged run, no result cache",
    )
    run.set_defaults(func=cmd_run)

    explain = sub.add_parser("explain", help="the rule, why, example, fix and its runbook section")
    explain.add_argument("rule", metavar="RULE-ID", help="a rule id, e.g. no-direct-environ")
    explain.add_argument("--config", help="configuration file")
    explain.set_defaults(func=cmd_explain)

    rules = sub.add_parser("rules", help="the rule catalogue with each rule's runbook link")
    rules.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    rules.add_argument("--config", help="configuration file")
    rules.set_defaults(func=cmd_rules)

    links = sub.add_parser("check-links", help="check that every runbook link resolves")
    links.add_argument("--config", help="configuration file")
    links.set_defaults(func=cmd_check_links)

    init = sub.add_parser(
        "init", help="write a starter config and a .pre-commit-config.yaml snippet"
    )
    init.add_argument(
        "--force", action="store_true", help="overwrite an existing .runbook-guard.toml"
    )
    init.set_defaults(func=cmd_init)

    critical = sub.add_parser(
        "critical-tests", help="run the configured critical tests for the staged paths"
    )
    critical.add_argument("files", nargs="*", metavar="FILES", help="staged paths")
    critical.add_argument("--config", help="configuration file")
    critical.set_defaults(func=cmd_critical_tests)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    if sys.stdout is None or sys.stderr is None:  # started with `>&-`
        from runbook_guard.hooks.commandline import reopen_closed_streams

        reopen_closed_streams()
    # Nothing changed since the same run here: print what it printed (hooks/replay.py).
    try:
        inputs = replay.run_inputs(arguments)
        code = replay.replay(inputs) if inputs is not None else None
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    if code is not None:
        return code
    from runbook_guard.hooks.commandline import dispatch

    parser = build_parser()
    parser.set_defaults(replay=inputs)
    return dispatch(parser, arguments, PROG)


if __name__ == "__main__":
    raise SystemExit(main())
