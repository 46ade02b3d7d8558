"""Every grep command of the seed runbook and of the team's real runbooks
(`../shared/data/netra/checklists/*.md`), compiled and run against real GNU grep on a tree built
to exercise it: the team's layout (services, tests/e2e, env files, logs), lines that match and
lines that nearly match, files the include globs and path operands must skip."""

from __future__ import annotations

from pathlib import Path

import pytest

from runbook_guard.hooks.grep import Unsupported, compile_command
from runbook_guard.hooks.runbook import parse
from runbook_guard.hooks.runbook_rules import find_commands
from tests.helpers import NETRA, SHARED, need_shared
from tests.hooks.test_grep_oracle import Tally, differ, need_gnu_grep

SEED = SHARED / "seeds" / "000_1164bbe6e7c4fc1f.txt"
LINES = """\
SERVICE_ID = "netra-backend"
SERVICE_ID = f"netra-backend-{datetime.now().isoformat()}"
service_id = f"backend-{timestamp}"
self.service_id = str(uuid.uuid4())
SERVICE_ID = str(uuid.uuid4())
service_id_timestamp = None
db = os.environ['DATABASE_URL']
debug = os.environ.get("DEBUG")
port = os.getenv("PORT", "8000")
path = os_environ_path
env = IsolatedEnvironment()
except: pass
except Exception: pass
except Exception:
except Exception:  # logged below
except ValueError: passed = False
    raise
    logger.error("failed")
from unittest.mock import MagicMock, patch
@patch("netra_backend.app.db")
mock = Mock()
from auth_service.auth_core import config
from netra_backend.app import models
from shared.isolated_environment import IsolatedEnvironment
from ..helpers import make_user
from . import sibling
async def test_websocket_events():
    await client.connect()
async def test_no_await():
E2EAuthHelper().get_test_token()
token = get_test_token()
import docker, redis
DATABASE_URL=postgres://localhost:5432/netra
API_URL=https://api.staging.netrasystems.ai
API_URL=https://api.netrasystems.ai
NEXT_PUBLIC_API_URL=https://api.staging.netrasystems.ai
NEXT_PUBLIC_API_URL=https://api.netrasystems.ai
GOOGLE_CLIENT_ID=abc.apps.googleusercontent.com
2025-09-07 WebSocket event agent_started user_id=42
2025-09-07 WebSocket event tool_completed
2025-09-07 websocket EVENT lowercase
ERROR 401 Unauthorized: JWT expired
OAuth callback failed with 403
production = True
ENVIRONMENT=staging
""".splitlines()
PATHS = [
    "netra_backend/app/core/configuration/services.py",
    "netra_backend/app/websocket_core/manager.py",
    "netra_backend/app/.env.production",
    "auth_service/auth_core/config.py",
    "auth_service/.env.staging",
    "auth_service/.env.production",
    "frontend/.env.staging",
    "frontend/.env.production",
    "shared/isolated_environment.py",
    "shared/config.staging",
    "tests/e2e/test_file.py",
    "tests/e2e/failing_test.py",
    "tests/e2e/helpers/auth.py",
    "tests/unit/failing_test.py",
    "tests/unit/test_models.py",
    "tests/mission_critical/test_events.py",
    "test_output.log",
    "logs/backend.log",
    "scripts/deploy.sh",
    "docs/notes.md",
    ".github/workflows/ci.py",
    "setup.py",
]


def tree() -> dict[str, bytes]:
    files = {}
    for n, path in enumerate(PATHS):
        # every file gets most lines, rotated and with a few left out, so files differ
        lines = [line for i, line in enumerate(LINES) if (i + n) % 7]
        files[path] = ("\n".join([f"# {path}", *lines]) + "\n").encode()
    return files


def runbook_commands() -> list[tuple[str, int, str]]:
    """(runbook, line, command) of every grep command in the seed and the team's runbooks."""
    need_shared()
    docs = [(SEED.name, SEED)] + [(p.name, p) for p in sorted((NETRA / "checklists").glob("*.md"))]
    found = []
    for name, path in docs:
        text = path.read_text(encoding="utf-8", errors="replace")
        for command in find_commands(parse(text, name)):
            found.append((name, command.line, command.text))
    return found


REFUSED = {
    "cat": "`cat` is not grep",
    "docker ps": "`docker` is not grep",
    "| tail": "`tail` is not grep",
    "| head": "`head` is not grep",
    "grep -q": "exit status",
    "$env": "expanded by the shell",
}


def test_runbook_commands_agree_with_gnu_grep(
    tmp_path: Path,
    request: pytest.FixtureRequest,
    record_property,  # type: ignore[no-untyped-def]
) -> None:
    need_gnu_grep()
    tally = Tally("runbook commands")
    files = tree()
    for n, (doc, line, command) in enumerate(runbook_commands()):
        outcome = differ(tmp_path / f"c{n}", files, command)
        tally.add(outcome)
        assert outcome.verdict != "disagree", (doc, line, command, outcome)
        if outcome.verdict == "refused":
            expected = [reason for key, reason in REFUSED.items() if key in command]
            assert any(e in outcome.reason for e in expected), (command, outcome.reason)
        else:
            assert outcome.gnu, f"{doc}:{line}: the tree does not exercise `{command}`"
            assert len(outcome.gnu) < 30 * len(files), f"`{command}` matches nearly everything"
    tally.record(request, record_property)
    assert tally.compiled >= 30, tally.figure()  # the seed's and the team's file searches


def test_every_compiled_runbook_command_is_exercised_both_ways(tmp_path: Path) -> None:
    """Each compiled command both prints and skips lines of the tree (or it proves nothing)."""
    files = tree()
    total = sum(data.count(b"\n") for data in files.values())
    for _doc, _line, command in runbook_commands():
        try:
            pipeline = compile_command(command)
        except Unsupported:
            continue
        hits = sum(len(pipeline.search(path, data)) for path, data in files.items())
        assert 0 < hits < total, command
