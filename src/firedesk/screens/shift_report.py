"""The shift handover report, shown to the incoming on-call person at the handoff.

`r` marks it read (a `shift.read` event on the record); Esc closes it unread, and the next
console start shows it again until it is read.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from firedesk.text import visible


class ShiftReportScreen(ModalScreen[bool]):
    """One handover report; dismisses True once the reader marked it read."""

    HELP_TITLE = "Shift handover"
    BINDINGS = [
        Binding("r", "mark_read", "Mark the handover report read", id="shift-read"),
        Binding("escape", "dismiss(False)", "Close (unread)", id="shift-close"),
    ]

    def __init__(self, window, markdown: str) -> None:  # noqa: ANN001
        super().__init__()
        self.window = window
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="shift-report"):
            yield Label(f"Handover: {self.window.rotation.name}", classes="dialog-title",
                        markup=False)
            with VerticalScroll(id="shift-report-body"):
                yield Static(Content(visible(self.markdown, multiline=True)), id="shift-report-text")
            yield Label("r: mark read (on the record) · Esc: later", classes="dialog-hint",
                        markup=False)

    def action_mark_read(self) -> None:
        self.dismiss(True)  # the app records it
