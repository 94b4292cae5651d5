"""Tasks and hypotheses in their own dialog (k from the checklist pane).

Reads in a thread worker on the app's reader connection; re-reads after its own writes
and whenever the incident screen has read something new (another console wrote).
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from firedesk.store import resolve_incident
from firedesk.widgets.response import ResponsePane


class WorkScreen(ModalScreen[None]):
    """Who is doing what, what we think is wrong. Esc closes."""

    HELP_TITLE = "Tasks & hypotheses"
    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="work.close")]
    DEFAULT_CSS = """
    WorkScreen #work-dialog { width: 90%; height: 80%; }
    """

    def __init__(self, incident_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id
        self._seen_view = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="work-dialog"):
            yield Label("Tasks & hypotheses", classes="dialog-title", id="work-title",
                        markup=False)
            yield ResponsePane(id="work")
            yield Label("k task · y hypothesis · x done/confirm · - drop/rule out · "
                        "e check-in/likelihood · Esc close", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self._seen_view = getattr(self.app.main_screen, "view", None)
        self.set_interval(0.5, self._follow_main_screen)
        self.query_one("#work-items").focus()
        self.reload()

    def _follow_main_screen(self) -> None:
        """The incident screen re-reads when anyone writes; follow it (no SQLite here)."""
        view = getattr(self.app.main_screen, "view", None)
        if view is not self._seen_view:
            self._seen_view = view
            self.reload()

    def on_response_pane_changed(self, event: ResponsePane.Changed) -> None:
        event.stop()
        self.reload()

    @work(thread=True, group="loads", exit_on_error=False)
    def reload(self) -> None:
        app = self.app
        with app.read_lock:
            incident = resolve_incident(app.reader, self.incident_id)
            data = ResponsePane.load(app.reader, incident, app.config)
        app.call_from_thread(self._show, data)

    def _show(self, data) -> None:  # noqa: ANN001
        if not self.is_attached:
            return
        self.query_one("#work-title", Label).update(
            f"{data.incident.key} tasks & hypotheses" if data.incident else "Tasks & hypotheses")
        self.query_one("#work", ResponsePane).show(data)
