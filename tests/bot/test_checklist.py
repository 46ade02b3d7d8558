"""The Definition-of-Done checklist: the team's real file, selection, ticks, limits."""

from __future__ import annotations

import pytest

from runbook_guard.bot import checklist
from runbook_guard.hooks.links import SHIPPED_DIR
from tests.helpers import NETRA, need_shared


@pytest.fixture(scope="module")
def team_sections() -> list[checklist.ChecklistSection]:
    need_shared()
    return checklist.parse((NETRA / "reports" / "DEFINITION_OF_DONE_CHECKLIST.md").read_text())


def test_the_teams_checklist_as_it_is(team_sections: list[checklist.ChecklistSection]) -> None:
    modules = [s.title for s in team_sections if not s.always]
    assert len(modules) == 8
    assert modules[0].startswith("🔴 WEBSOCKET MODULE")
    websocket = team_sections[[s.title for s in team_sections].index(modules[0])]
    assert "/netra_backend/app/websocket_core/manager.py" in websocket.paths
    assert any(i.group == "Required Events (MUST ALL BE SENT)" for i in websocket.items)
    always = [s.title for s in team_sections if s.always]
    assert "1. System Status Review" in always and "1. Code Quality Checks" in always


def test_module_sections_are_selected_by_the_paths_they_list(
    team_sections: list[checklist.ChecklistSection],
) -> None:
    def chosen(*files: str) -> set[str]:
        return {
            s.title.split(" (")[0] for s in checklist.select(team_sections, files) if not s.always
        }

    assert chosen("netra_backend/app/websocket_core/manager.py") == {"🔴 WEBSOCKET MODULE"}
    assert chosen("netra_backend/app/websocket_core/new_handler.py") == {"🔴 WEBSOCKET MODULE"}
    assert chosen("auth_service/auth_core/core/jwt_handler.py") == {"🔴 AUTHENTICATION MODULE"}
    assert chosen("README.md") == set()


def test_shipped_checklist_globs() -> None:
    sections = checklist.parse((SHIPPED_DIR / "DEFINITION_OF_DONE.md").read_text())
    titles = {s.title for s in checklist.select(sections, ["app/settings.py", "tests/test_x.py"])}
    assert {"CONFIGURATION MODULE", "TESTS MODULE"} <= titles
    assert "DATABASE MODULE" not in titles


def test_ticks_survive_a_render_and_ids_are_stable(
    team_sections: list[checklist.ChecklistSection],
) -> None:
    chosen = checklist.select(team_sections, ["netra_backend/app/db/postgres.py"])
    body = checklist.render(chosen, {}, files=1)
    first = chosen[0].items[0]
    ticked_body = body.replace(
        f"- [ ] {first.text} <!-- rb:{first.id} -->", f"- [x] {first.text} <!-- rb:{first.id} -->"
    )
    ticks = checklist.ticks(ticked_body)
    assert ticks[first.id] is True and sum(ticks.values()) == 1
    again = checklist.parse((NETRA / "reports" / "DEFINITION_OF_DONE_CHECKLIST.md").read_text())
    assert again[0].items[0].id == team_sections[0].items[0].id
    rerendered = checklist.render(
        checklist.select(again, ["netra_backend/app/db/postgres.py"]), ticks, files=1
    )
    assert f"- [x] {first.text} <!-- rb:{first.id} -->" in rerendered


def test_status_counts_only_our_boxes(team_sections: list[checklist.ChecklistSection]) -> None:
    chosen = checklist.select(team_sections, [])
    all_ticked = {i.id: True for s in chosen for i in s.items}
    assert checklist.status(chosen, {})[0] == "pending"
    assert checklist.status(chosen, all_ticked)[0] == "success"


def test_stale_sections_collapse_and_body_stays_under_the_limit(
    team_sections: list[checklist.ChecklistSection],
) -> None:
    chosen = checklist.select(team_sections, [])
    stale = [s for s in team_sections if not s.always]
    body = checklist.render(chosen, {stale[0].items[0].id: True}, stale=stale[:1], files=0)
    assert "<details><summary>Sections that no longer apply</summary>" in body
    huge = checklist.render(chosen, {}, findings_markdown="x" * 100_000, files=0)
    assert len(huge) < checklist.LIMIT and "cut to stay under" in huge
