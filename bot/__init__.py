"""runbook-bot: Definition-of-Done comments and runbook-linked issues for CI failures."""
