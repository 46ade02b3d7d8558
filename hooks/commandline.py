"""The one error boundary both command lines (`runbook-guard`, `runbook-bot`) run behind, and
runbook-guard's parser class.

Kept out of hooks/cli.py so that a replayed run (hooks/replay.py) never imports argparse.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from runbook_guard.hooks.errors import FatalError, UsageError

# top-level module -> the optional dependency group (pyproject.toml) that installs it
EXTRAS = {"github": "bot", "requests": "bot", "junitparser": "bot", "urllib3": "bot"}


class HelpFormatter(argparse.HelpFormatter):
    """argparse sizes help with `shutil`, whose import (bz2, lzma, ...) costs every commit more
    than the rest of argument parsing; `os` answers the same question."""

    def __init__(self, prog: str) -> None:
        try:
            width = int(os.environ.get("COLUMNS", "0")) or os.get_terminal_size().columns
        except (ValueError, OSError):
            width = 80
        super().__init__(prog, width=max(width - 2, 40))


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose subcommands (argparse makes them of the same class) all size
    their help with `HelpFormatter`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def reopen_closed_streams() -> None:
    """A stream closed before the start (`runbook-guard run >&-`) is None in Python: what would
    be written to it goes nowhere, as a shell's would, and the exit code still tells."""
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (for the process)
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (for the process)


def dispatch(parser: argparse.ArgumentParser, argv: Sequence[str] | None, prog: str) -> int:
    """Run the chosen subcommand behind the one error boundary."""
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except UsageError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    except FatalError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 1
    except ModuleNotFoundError as e:
        # the bot's client libraries are an extra (`runbook-guard[bot]`); say so, not a traceback
        extra = EXTRAS.get((e.name or "").partition(".")[0])
        if extra is None:
            raise
        print(
            f"{prog}: error: this command needs the module {e.name!r}, which comes with the "
            f"{extra!r} extra: pip install 'runbook-guard[{extra}]'",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`check-links | head -1`): stop quietly, as a command that the
        # pipe's SIGPIPE ends (128 + 13), and let no flush at exit print a traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
