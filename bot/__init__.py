"""runbook-bot: Definition-of-Done comments and runbook-linked issues for CI failures."""

from runbook_guard import hooks  # noqa: F401 (Ctrl-C during start-up: hooks.quiet_interrupts)
