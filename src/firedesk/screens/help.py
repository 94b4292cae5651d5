"""The help screen: every binding of the open screen and its panes, with ids for remapping."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label


class HelpScreen(ModalScreen[None]):
    """Keys, what they do, and the id to remap them with in firedesk.toml [keymap]."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close help", id="help-close"),
        Binding("f1", "dismiss", "Close help", show=False, id="help-close-f1"),
        Binding("q", "dismiss", "Close help", show=False, id="help-close-q"),
    ]

    def __init__(self, rows: list[tuple[str, str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help"):
            yield Label("Keys (remap any in firedesk.toml: [keymap] id = \"key\")",
                        classes="dialog-title", markup=False)
            table = DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            table.add_columns("where", "key", "what it does", "id")
            for where, key, description, binding_id in self.rows:
                table.add_row(where, key, description, binding_id)
            yield table
            yield Label("Ctrl+P: every action by name · Esc: close", classes="dialog-hint",
                        markup=False)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
