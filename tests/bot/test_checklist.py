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
    body = checklist.render(chosen, {}, files=["netra_backend/app/db/postgres.py"])
    first = chosen[0].items[0]
    [line] = [line for line in body.splitlines() if f"<!-- rb:{first.id} -->" in line]
    ticked_body = body.replace(line, line.replace("- [ ]", "- [x]", 1))
    ticks = checklist.ticks(ticked_body)
    assert ticks[first.id] is True and sum(ticks.values()) == 1
    again = checklist.parse((NETRA / "reports" / "DEFINITION_OF_DONE_CHECKLIST.md").read_text())
    assert again[0].items[0].id == team_sections[0].items[0].id
    rerendered = checklist.render(
        checklist.select(again, ["netra_backend/app/db/postgres.py"]),
        ticks,
        files=["netra_backend/app/db/postgres.py"],
    )
    assert line.replace("- [ ]", "- [x]", 1) in rerendered.splitlines()


def test_status_counts_only_our_boxes(team_sections: list[checklist.ChecklistSection]) -> None:
    chosen = checklist.select(team_sections, ["netra_backend/app/db/postgres.py"])
    all_ticked = {i.id: True for s in chosen for i in s.items}
    assert checklist.status(chosen, {})[0] == "pending"
    assert checklist.status(chosen, all_ticked)[0] == "success"


def test_the_module_boxes_gate_the_status_unless_the_team_names_more(
    team_sections: list[checklist.ChecklistSection],
) -> None:
    """By default the boxes of the modules a change touches count; the parts that apply to
    every change are shown folded and count only when `checklist-gate` names them. Files to
    review are listed, never boxes."""
    chosen = checklist.select(team_sections, ["netra_backend/app/db/postgres.py"])
    modules = [s for s in chosen if not s.always]
    assert checklist.counts(chosen, {}) == (0, sum(len(s.boxes) for s in modules))
    assert all(not i.text.startswith("`/netra_backend") for s in modules for i in s.boxes)
    assert checklist.status([s for s in chosen if s.always], {})[0] == "success"
    need_shared()
    text = (NETRA / "reports" / "DEFINITION_OF_DONE_CHECKLIST.md").read_text()
    gated = checklist.select(checklist.parse(text, gate=["*post-change*"]), [])
    post = [s for s in gated if s.part == "Post-Change Validation"]
    assert checklist.counts(gated, {})[1] == sum(len(s.boxes) for s in post) > 0


def test_procedures_are_never_posted_unless_asked(
    team_sections: list[checklist.ChecklistSection],
) -> None:
    assert not [s for s in team_sections if "Rollback" in s.title]
    text = (NETRA / "reports" / "DEFINITION_OF_DONE_CHECKLIST.md").read_text()
    kept = checklist.parse(text, omit=[])
    assert [s.title for s in kept if "Rollback" in s.title] == ["Emergency Rollback Procedures"]


def test_stale_sections_collapse_and_body_stays_under_the_limit(
    team_sections: list[checklist.ChecklistSection],
) -> None:
    chosen = checklist.select(team_sections, [])
    stale = [s for s in team_sections if not s.always]
    body = checklist.render(chosen, {stale[0].items[0].id: True}, stale=stale[:1], files=[])
    assert "<details><summary>Sections that no longer apply</summary>" in body
    huge = checklist.render(chosen, {}, findings_markdown="x" * 100_000, files=[])
    assert len(huge) < checklist.LIMIT and "cut to stay under" in huge


def test_a_change_no_module_checklist_covers_says_so(
    team_sections: list[checklist.ChecklistSection],
) -> None:
    chosen = checklist.select(team_sections, ["README.md"])
    assert checklist.status(chosen, {}) == (
        "success",
        "No module checklist applies to this change",
    )
    body = checklist.render(chosen, {}, files=["README.md"])
    assert "No module checklist applies to the 1 changed file" in body
    assert "0 of 0" not in body and "<summary>On every change" in body
