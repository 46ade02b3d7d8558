"""The browser harness itself: GitHub's rendering, read back from a real Chromium's DOM.

Each expectation was checked against cmark-gfm's output first: the harness must report what
GitHub shows, not what the Markdown looks like it says.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import (
    BrowserError,
    checkbox_counts,
    headings_in_list_items,
    inspect,
    links_under,
    live_references,
    need_browser,
    render,
    sanitize,
)

PULL = "https://github.com/o/r/pull/7"


def test_relative_links_resolve_against_the_pull_requests_url() -> None:
    """In a PR comment a relative link is relative to the PR's page, not to the repository."""
    need_browser()
    markdown = (
        "[spec](SPEC/x.md), [parent](../SPEC/x.md) and "
        "[blob](https://github.com/o/r/blob/main/SPEC/x.md)\n"
    )
    [result] = inspect([(render(markdown), PULL)])
    assert {link["text"]: link["href"] for link in result["links"]} == {
        "spec": "https://github.com/o/r/pull/SPEC/x.md",
        "parent": "https://github.com/o/r/SPEC/x.md",  # `..` leaves pull/, still no file there
        "blob": "https://github.com/o/r/blob/main/SPEC/x.md",
    }
    assert links_under(result, "https://github.com/o/r/pull/") == [
        "https://github.com/o/r/pull/SPEC/x.md"
    ]
    assert links_under(result, "https://github.com/o/r/blob/") == [
        "https://github.com/o/r/blob/main/SPEC/x.md"
    ]


def test_a_line_right_after_a_list_item_joins_it() -> None:
    """Lazy continuation: without a blank line the bold group line is part of the item above."""
    need_browser()
    joined, apart = inspect(
        [
            (render("- [ ] a\n**Group:**\n- [ ] b\n"), PULL),
            (render("- [ ] a\n\n**Group:**\n- [ ] b\n"), PULL),
        ]
    )
    assert joined["list_items"] == ["a Group:", "b"]
    assert apart["list_items"] == ["a", "b"]
    assert "\nGroup:\n" in apart["text"]


def test_only_an_indented_heading_stays_in_the_list_item() -> None:
    """An ATX heading at the margin interrupts the item; indented to its content, it is inside."""
    need_browser()
    outside, inside = inspect(
        [
            (render("- [ ] a\n### Heading\n- [ ] b\n"), PULL),
            (render("- [ ] a\n  ### Heading\n- [ ] b\n"), PULL),
        ]
    )
    assert [h["level"] for h in outside["headings"]] == [3]
    assert headings_in_list_items(outside) == []
    assert headings_in_list_items(inside) == ["Heading"]


def test_references_and_mentions_outside_code_are_live() -> None:
    """GitHub links `#4`, `o/r#5` and `@alice` in prose; code, links and addresses are left."""
    assert live_references(render("WHY #4 Fix\n")) == ["#4"]
    assert live_references(render("WHY `#4` Fix\n")) == []
    assert live_references(render("```\n#4 @alice\n```\n")) == []
    assert live_references(render("[#4](https://example.com) ok\n")) == []
    assert live_references(render("See o/r#5, (#6) and @alice or @org/team.\n")) == [
        "o/r#5",
        "#6",
        "@alice",
        "@org/team",
    ]
    assert live_references(render("mail a@b.example, C#4x, issue#7, page#top\n")) == []


def test_checkboxes_are_counted_inside_and_outside_details() -> None:
    """A task list folded in <details> is there but hidden until the reader opens it."""
    need_browser()
    markdown = (
        "- [x] shown\n"
        "\n"
        "<details><summary>More</summary>\n"
        "\n"
        "- [x] folded done\n"
        "- [ ] folded todo\n"
        "\n"
        "</details>\n"
    )
    [result] = inspect([(render(markdown), PULL)], find=["shown", "More", "folded todo"])
    assert checkbox_counts(result) == {"outside_details": 1, "inside_details": 2, "checked": 2}
    assert [(box["label"], box["visible"]) for box in result["checkboxes"]] == [
        ("shown", True),
        ("folded done", False),
        ("folded todo", False),
    ]
    assert result["find"]["shown"] < result["find"]["More"]
    assert result["find"]["folded todo"] == -1  # closed: not in the visible text


def test_markers_are_found_in_document_order() -> None:
    need_browser()
    [result] = inspect([(render("## Second\n\nfirst?\n\n# Third\n"), PULL)], find=["Third", "x"])
    assert result["find"] == {"Third": result["text"].index("Third"), "x": -1}
    assert result["text"].index("Second") < result["find"]["Third"]


def test_a_screenshot_is_written_as_png(tmp_path: Path) -> None:
    need_browser()
    shot = tmp_path / "comment.png"
    [result] = inspect([(render("# Hello\n\n- [ ] one\n"), PULL)], screenshot=shot)
    assert result["screenshot"] == str(shot)
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_several_pages_get_numbered_screenshots(tmp_path: Path) -> None:
    need_browser()
    pages = [(render("one\n"), PULL), (render("two\n"), f"{PULL}#issuecomment-1")]
    results = inspect(pages, screenshot=tmp_path / "page.png")
    assert [Path(r["screenshot"]).name for r in results] == ["page-1.png", "page-2.png"]
    assert [r["url"] for r in results] == [PULL, f"{PULL}#issuecomment-1"]
    assert all(Path(r["screenshot"]).is_file() for r in results)


def test_a_page_that_cannot_open_is_a_clear_error() -> None:
    need_browser()
    with pytest.raises(BrowserError, match=r"inspect\.mjs exited with 1:\n.*Invalid URL"):
        inspect([(render("x\n"), "not a url")])


def test_raw_html_is_cut_to_what_github_keeps() -> None:
    """<details> stays (GitHub shows it); raw inputs, handlers and javascript: links do not, and
    a <script> is shown as text (the tagfilter extension), never run."""
    page = render(
        "<details open><summary>S</summary>\n\n"
        "x <input type=checkbox checked> [j](javascript:alert(1)) "
        "<a href=' java\tscript:alert(2)'>k</a> <b onclick=x>bold</b>\n\n"
        "</details>\n\n"
        "<script>alert(3)</script>\n"
    )
    body = page[page.index("<article") :]
    assert "<details open><summary>S</summary>" in body
    assert "<b>bold</b>" in body
    assert "<a>j</a> <a>k</a>" in body
    for gone in ("<input", "javascript", "script:", "onclick", "<script"):
        assert gone not in body, gone
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in body
    assert sanitize('<a href="https://x.example/?a=1&amp;b=2">x</a>') == (
        '<a href="https://x.example/?a=1&amp;b=2">x</a>'
    )
