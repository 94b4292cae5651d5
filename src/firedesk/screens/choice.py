"""A small dialog: pick one of a few values (severity, status) with the keyboard."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option


class ChoiceScreen(ModalScreen[str | None]):
    """Enter picks the highlighted value; Esc changes nothing."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="choice-cancel")]

    def __init__(self, title: str, choices: list[str], current: str | None) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(*[
                Option(f"{value}{'  (now)' if value == self.current else ''}", id=value)
                for value in self.choices
            ], id="choices", markup=False)
            yield Label("Enter: choose · Esc: cancel", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        options = self.query_one("#choices", OptionList)
        if self.current in self.choices:
            options.highlighted = self.choices.index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
