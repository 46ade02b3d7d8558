from __future__ import annotations

from runbook_guard.hooks.cli import main

raise SystemExit(main())
