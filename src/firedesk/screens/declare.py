"""Declare an incident: title, severity, service. Enter in the last field declares."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from firedesk.model import SEVERITIES
from firedesk.widgets.watching import ChangesRecord


SEVERITY_WORDS = {"SEV1": "critical: many customers cannot use the product",
                  "SEV2": "major: a key feature is broken or badly degraded",
                  "SEV3": "minor: degraded, with a workaround",
                  "SEV4": "low: little customer impact", "SEV5": "cosmetic or internal"}


class DeclareScreen(ChangesRecord, ModalScreen[dict | None]):
    """Returns {"title", "severity", "service"} or None when cancelled."""

    WRITE_ACTIONS = frozenset({"declare"})

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="declare-cancel"),
        Binding("ctrl+s", "declare", "Declare", id="declare-submit"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="declare"):
            yield Label("Declare an incident", classes="dialog-title", markup=False)
            yield Input(placeholder="what is wrong, in a few words", id="declare-title")
            yield OptionList(*[Option(f"{s}  {SEVERITY_WORDS[s]}", id=s) for s in SEVERITIES],
                             id="declare-severity", markup=False)
            yield Input(placeholder="service (optional)", id="declare-service")
            yield Label("", id="declare-problem", markup=False)
            yield Label("Enter: next / declare · Ctrl+S: declare · Esc: cancel",
                        classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = self.app.cursor_blink
        self.query_one("#declare-severity", OptionList).highlighted = SEVERITIES.index("SEV3")
        self.query_one("#declare-title", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "declare-title":
            self.query_one("#declare-severity", OptionList).focus()
        else:
            self.action_declare()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#declare-service", Input).focus()

    def action_declare(self) -> None:
        title = self.query_one("#declare-title", Input).value.strip()
        if not title:
            self.query_one("#declare-problem", Label).update("The title is empty: say what is wrong.")
            self.query_one("#declare-title", Input).focus()
            return
        service = self.query_one("#declare-service", Input).value.strip() or None
        options = self.query_one("#declare-severity", OptionList)
        severity = SEVERITIES[options.highlighted if options.highlighted is not None else 2]
        self.dismiss({"title": title, "severity": severity, "service": service})
