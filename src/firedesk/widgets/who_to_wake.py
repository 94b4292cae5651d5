"""The Who to wake pane. Placeholder until the Who to wake capability (issue 5) lands: it says plainly
that nothing is configured, and shows no invented data."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Static


class WhoToWake(Widget, can_focus=True):
    """Who to wake for the open incident."""

    DEFAULT_CSS = """
    WhoToWake { height: auto; min-height: 3; }
    WhoToWake > .pane-title { text-style: bold; }
    WhoToWake > .pane-empty { color: $text-muted; }
    """
    BORDER_TITLE = "Who to wake"

    @staticmethod
    def load(store, incident, config):  # noqa: ANN001, ARG004 (runs in a worker thread)
        """Plain data for `show`; nothing yet, because nothing is configured."""
        return None

    def compose(self) -> ComposeResult:
        yield Static("No on-call schedules configured yet.", classes="pane-empty", markup=False)

    def show(self, data) -> None:  # noqa: ANN001
        """Render what `load` returned (nothing, for now)."""
