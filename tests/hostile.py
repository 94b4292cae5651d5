"""One corpus of hostile text, pushed through every way in and every way out.

Each entry is text an attacker (or a broken exporter) could put in an alert title, a
label, a note or a config value. Stored, it must come back byte for byte; shown, it must
never reach the terminal as a control sequence or be parsed as markup.
"""

from __future__ import annotations

C0 = "".join(chr(c) for c in range(0x00, 0x20) if chr(c) not in "\n")
C1 = "".join(chr(c) for c in range(0x80, 0xA0))

HOSTILE: dict[str, str] = {
    "c0 controls": f"c0[{C0}]",
    "del and c1": f"c1[\x7f{C1}]",
    "osc title": "retitled \x1b]0;pwned by alert\x07 done",
    "osc 52 clipboard": "copy \x1b]52;c;cm0gLXJmIC8K\x07 paste",
    "osc 8 link": "\x1b]8;;https://evil.example\x1b\\click me\x1b]8;;\x1b\\",
    "csi clear": "before \x1b[2J\x1b[H after",
    "csi 8-bit": "eight-bit \x9b2J csi",
    "dcs": "dcs \x1bP1$qm\x1b\\ end",
    "carriage return": "legit text\roverwritten",
    "bidi override": "invoice_\u202egnp.exe and \u2066isolate\u2069",
    "zero width": "zero\u200bwidth\u200d\ufeffjoiner",
    "line separators": "line\u2028sep\u2029para",
    "textual click markup": "[@click=app.quit]press me[/]",
    "rich link markup": "[link=https://evil.example]docs[/link]",
    "bold markup": "[bold red]not bold[/]",
    "escaped markup": "\\[bold]literal",
    "very long line": "A" * 20000,
    "emoji and wide": "🔥 火事 disk full on db-2",
}

# What must never appear in sanitised output.
FORBIDDEN = [chr(c) for c in range(0x00, 0x20) if chr(c) not in "\n"] + \
    [chr(c) for c in range(0x7F, 0xA0)] + \
    ["\u202e", "\u2066", "\u2069", "\u200b", "\u200d", "\ufeff", "\u2028", "\u2029"]


def assert_terminal_safe(shown: str, multiline: bool = True) -> None:
    """No control, bidi or invisible character from the corpus survived into `shown`."""
    bad = [ch for ch in FORBIDDEN if ch in shown and not (multiline and ch == "\n")]
    assert not bad, f"unsafe characters reached the output: {[hex(ord(c)) for c in bad]}"
