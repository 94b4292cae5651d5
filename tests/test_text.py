"""`visible()`: the one function every display path uses for untrusted text."""

from __future__ import annotations

import pytest

from hostile import HOSTILE, assert_terminal_safe
from firedesk.text import one_line, visible


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_hostile_string_is_made_visible_and_safe(name: str) -> None:
    shown = visible(HOSTILE[name])
    assert_terminal_safe(shown, multiline=False)


def test_escapes_are_readable_caret_and_unicode_notation() -> None:
    assert visible("a\x1b]0;x\x07b") == "a^[]0;x^Gb"
    assert visible("\x9b2J") == "\\u009b2J"
    assert visible("a\u202eb") == "a\\u202eb"
    assert visible("a\rb") == "a^Mb"
    assert visible("\x7f") == "^?"


def test_plain_text_and_markup_are_untouched() -> None:
    # Markup characters are harmless text here: widgets receive Content, never markup.
    for text in ("disk full on db-2", "[@click=app.quit]", "🔥 火事", "naïve café"):
        assert visible(text) == text


def test_newlines_only_where_asked_and_tabs_expand() -> None:
    assert visible("a\nb") == "a^Jb"
    assert visible("a\nb", multiline=True) == "a\nb"
    assert visible("a\tb") == "a    b"


def test_one_line_truncates_after_escaping() -> None:
    assert one_line("x" * 50, 10) == "x" * 9 + "…"
    assert one_line("\x1b" * 3, 4) == "^[^…"
