"""The Checklist pane. Placeholder until the Checklist capability (issue 6) lands: it says plainly
that nothing is configured, and shows no invented data."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Static


class ChecklistPane(Widget, can_focus=True):
    """Checklist for the open incident."""

    DEFAULT_CSS = """
    ChecklistPane { height: auto; min-height: 3; }
    ChecklistPane > .pane-title { text-style: bold; }
    ChecklistPane > .pane-empty { color: $text-muted; }
    """
    BORDER_TITLE = "Checklist"

    @staticmethod
    def load(store, incident, config):  # noqa: ANN001, ARG004 (runs in a worker thread)
        """Plain data for `show`; nothing yet, because nothing is configured."""
        return None

    def compose(self) -> ComposeResult:
        yield Static("No checklists configured yet.", classes="pane-empty", markup=False)

    def show(self, data) -> None:  # noqa: ANN001
        """Render what `load` returned (nothing, for now)."""
