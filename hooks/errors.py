"""The user-facing error types. Each message says what is wrong and what to do next."""

from __future__ import annotations


class UsageError(Exception):
    """Bad command-line use: exit 2."""


class ConfigError(UsageError):
    """A configuration file is wrong: exit 2, the file and key named."""


class GitError(UsageError):
    """git could not answer: exit 2, with the remedy."""


class FatalError(Exception):
    """Something outside the user's command failed (GitHub did not answer): exit 1, one line
    saying what to do next."""
