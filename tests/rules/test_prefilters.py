"""A rule's `wants(text)` (may this module hold anything the rule reports?) is a fast stand-in
for a slower test of the text; it must answer as that test does, or a finding goes missing."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from runbook_guard.hooks.rules import no_direct_environ, stable_service_id

PIECES = st.sampled_from(
    [
        "environ",
        "environb",
        "environment",
        "Environ",
        "_environ",
        "environ_",
        "os.",
        " ",
        "\n",
        "(",
        "[",
        "getenv",
        "putenv",
        "unsetenv",
        "service",
        "Service",
        "SERVICE",
        "_",
        "-",
        "id",
        "ID",
        "Id",
        "\u017f",
        "\u0130",
        "\u0131",
        "\u212a",
        "é",
        "x",
        "1",
    ]
)
TEXT = st.lists(PIECES | st.text(max_size=4), max_size=12).map("".join)
# the tests the rules stood for before: a word search and a case-blind regex
NAMES_THE_ENVIRONMENT = re.compile(r"(?<![\w])environb?(?!\w)|getenv|putenv|unsetenv")


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_no_direct_environ_looks_where_the_words_are(text: str) -> None:
    expected = NAMES_THE_ENVIRONMENT.search(text) is not None
    assert no_direct_environ.wants(text, None) == expected  # type: ignore[arg-type]


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_stable_service_id_looks_where_a_service_id_is_named(text: str) -> None:
    expected = stable_service_id.NAMES_AN_ID.search(text) is not None
    assert stable_service_id.wants(text, None) == expected  # type: ignore[arg-type]


CRAFTED = [
    "\u017fervice_id",
    "serv\u0130ce-id",
    "serv\u0131ceid",
    "SERVICE_ID = 1",
    "service id",
    "get_environment()",
    "os.environ['A']",
    "x_environ",
    "environ_x",
    "(environb)",
    "os.unsetenv('A')",
    "\u00e9environ",
]


def test_the_crafted_texts_answer_as_the_slow_tests_do() -> None:
    for text in CRAFTED:
        assert no_direct_environ.wants(text, None) == (  # type: ignore[arg-type]
            NAMES_THE_ENVIRONMENT.search(text) is not None
        ), text
        assert stable_service_id.wants(text, None) == (  # type: ignore[arg-type]
            stable_service_id.NAMES_AN_ID.search(text) is not None
        ), text
