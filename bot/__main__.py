from __future__ import annotations

from runbook_guard.bot.cli import main

raise SystemExit(main())
