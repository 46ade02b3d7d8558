"""Why a command line could not be compiled."""

from __future__ import annotations


class Unsupported(Exception):
    """The command cannot be compiled with exactly GNU grep's meaning; the message says why."""

    @property
    def reason(self) -> str:
        return str(self)


def rejected(message: str) -> Unsupported:
    """GNU grep itself exits with an error on this pattern (so there is nothing to mirror)."""
    return Unsupported(f"GNU grep rejects this pattern: {message}")
