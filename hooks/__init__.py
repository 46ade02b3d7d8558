"""runbook-guard: pre-commit hooks that enforce a team's runbooks on the staged diff."""

from __future__ import annotations

import os
import sys

__version__ = "0.1.0"
COMMANDS = ("runbook-guard", "runbook-bot")


def quiet_interrupts() -> None:
    """Ctrl-C ends a command with one line and exit 130 at any moment, even while its modules
    are still being imported (before the command's own error boundary, commandline.dispatch,
    is reached), where Python would print a KeyboardInterrupt traceback. Only for our commands
    (a console script, or `python -m`): a program that imports the package keeps its hook."""
    program = os.path.basename(sys.argv[0]) if sys.argv else ""
    if program not in COMMANDS and program != "-m":
        return
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: object) -> None:
        if not _interrupted(value):
            previous(kind, value, tb)  # type: ignore[arg-type]
            return
        name = program if program in COMMANDS else "runbook-guard"
        try:
            sys.stderr.write(f"{name}: interrupted\n")
            sys.stderr.flush()
        finally:
            os._exit(130)  # what a shell reports for Ctrl-C; nothing is half-written here

    sys.excepthook = hook


def _interrupted(error: BaseException | None) -> bool:
    """Is this a Ctrl-C, even one Python wrapped on the way (a KeyboardInterrupt raised while
    a class is being created becomes "RuntimeError: Error calling __set_name__" on 3.11)?"""
    seen = 0
    while error is not None and seen < 20:
        if isinstance(error, KeyboardInterrupt):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


try:
    quiet_interrupts()
except KeyboardInterrupt:
    # Ctrl-C landed while the hook was being put in place: put it in place (no second signal
    # is coming) and let the interrupt reach it, one line and exit 130 like any other
    quiet_interrupts()
    raise
