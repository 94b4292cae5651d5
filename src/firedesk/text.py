"""Make untrusted text safe to show on a terminal, without changing what is stored.

Alert titles come from the internet and notes from other people. Textual passes ESC
and C1 controls straight to the terminal and parses markup in several widgets, so every
place that shows record text runs it through `visible()` and hands the result to the
UI as plain `Content`/`Text`, never as markup.
"""

from __future__ import annotations

import unicodedata

# Categories that never belong on screen as-is: controls, format (bidi, zero-width),
# surrogates, private use, unassigned code points and the Unicode line/paragraph
# separators (which some terminals treat as line breaks).
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_CARET = {i: "^" + chr(i + 64) for i in range(0x20)}
_CARET[0x7F] = "^?"


def _escape(char: str) -> str:
    code = ord(char)
    if code in _CARET:
        return _CARET[code]
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str, *, multiline: bool = False, tab: str = "    ") -> str:
    """Return `text` with every control, bidi and invisible character shown as an escape.

    ESC becomes `^[`, C1 and format characters become `\\u009b`, `\\u202e`.
    Newlines are kept only when `multiline` is true; tabs become spaces.
    """
    if text.isprintable() and "\t" not in text:
        return text
    out: list[str] = []
    for char in text:
        if char == "\n" and multiline:
            out.append(char)
        elif char == "\t":
            out.append(tab)
        elif char.isprintable() or (
            char == " " or unicodedata.category(char) not in _HIDDEN_CATEGORIES
        ):
            out.append(char)
        else:
            out.append(_escape(char))
    return "".join(out)


def one_line(text: str, limit: int | None = None) -> str:
    """`visible()` for single-line places (lists, headers), optionally truncated with `…`."""
    shown = visible(text)
    if limit is not None and len(shown) > limit:
        return shown[: max(0, limit - 1)] + "…"
    return shown
