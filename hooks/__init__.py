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
        if not issubclass(kind, KeyboardInterrupt):
            previous(kind, value, tb)  # type: ignore[arg-type]
            return
        name = program if program in COMMANDS else "runbook-guard"
        try:
            sys.stderr.write(f"{name}: interrupted\n")
            sys.stderr.flush()
        finally:
            os._exit(130)  # what a shell reports for Ctrl-C; nothing is half-written here

    sys.excepthook = hook


quiet_interrupts()
