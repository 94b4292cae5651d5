"""Declare an incident: title, severity, service. Enter in the last field declares."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select

from firedesk.model import SEVERITIES


class DeclareScreen(ModalScreen[dict | None]):
    """Returns {"title", "severity", "service"} or None when cancelled."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="declare-cancel"),
        Binding("ctrl+s", "declare", "Declare", id="declare-submit"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="declare"):
            yield Label("Declare an incident", classes="dialog-title", markup=False)
            yield Input(placeholder="what is wrong, in a few words", id="declare-title")
            yield Select([(s, s) for s in SEVERITIES], value="SEV3", allow_blank=False,
                         id="declare-severity")
            yield Input(placeholder="service (optional)", id="declare-service")
            yield Label("", id="declare-problem", markup=False)
            yield Label("Enter: next / declare · Ctrl+S: declare · Esc: cancel",
                        classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = self.app.cursor_blink
        self.query_one("#declare-title", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "declare-title":
            self.query_one("#declare-severity", Select).focus()
        else:
            self.action_declare()

    def on_select_changed(self, event: Select.Changed) -> None:
        if self.query_one("#declare-severity", Select).has_focus:
            self.query_one("#declare-service", Input).focus()

    def action_declare(self) -> None:
        title = self.query_one("#declare-title", Input).value.strip()
        if not title:
            self.query_one("#declare-problem", Label).update("The title is empty: say what is wrong.")
            self.query_one("#declare-title", Input).focus()
            return
        service = self.query_one("#declare-service", Input).value.strip() or None
        severity = str(self.query_one("#declare-severity", Select).value)
        self.dismiss({"title": title, "severity": severity, "service": service})
