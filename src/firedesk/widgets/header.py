"""The incident header: key, severity and status as words, title, elapsed, update clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from firedesk.cadence import update_due_at
from firedesk.clock import TimeView, format_duration, parse_utc
from firedesk.model import Incident
from firedesk.text import one_line


SOON = timedelta(minutes=5)
WATCHING = "watching (read-only)"


def update_clock_text(due: datetime | None, now: datetime) -> tuple[str, str]:
    """The countdown in words and its state: `ok`, `soon` (under 5 minutes, so the
    communications person starts writing) or `overdue`. Never colour alone."""
    if due is None:
        return "no update clock", "ok"
    if now >= due:
        return f"UPDATE OVERDUE {format_duration(now - due)}", "overdue"
    if due - now <= SOON:
        return f"UPDATE DUE in {format_duration(due - now)}", "soon"
    return f"update in {format_duration(due - now)}", "ok"


class IncidentHeader(Horizontal):
    """One line that answers: which incident, how bad, how long, when is the next update."""

    def __init__(self, clock, cadence: dict[str, int], watching: bool = False,  # noqa: ANN001
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.watching = watching
        self.clock = clock
        self.cadence = cadence
        self.incident: Incident | None = None
        self.last_update_at: str | None = None
        self.times: TimeView | None = None

    def compose(self) -> ComposeResult:
        yield Label("…", id="hdr-key", markup=False)
        yield Label("", id="hdr-severity", markup=False)
        yield Label("", id="hdr-status", markup=False)
        yield Label("", id="hdr-title", markup=False)
        yield Label("", id="hdr-clock", markup=False)
        yield Label("", id="hdr-elapsed", markup=False)
        yield Label("", id="hdr-due", markup=False)
        if self.watching:
            yield Label(WATCHING, id="hdr-watching", markup=False)

    def on_mount(self) -> None:
        self.set_interval(1, self.tick)

    def show(self, incident: Incident, last_update_at: str | None,
             times: TimeView | None = None) -> None:
        self.incident = incident
        self.last_update_at = last_update_at
        self.times = times or self.times
        self.query_one("#hdr-key", Label).update(incident.key)
        severity = self.query_one("#hdr-severity", Label)
        severity.update(incident.severity)
        severity.set_classes(incident.severity.lower())
        status = self.query_one("#hdr-status", Label)
        status.update(incident.status.upper() if incident.status == "resolved" else incident.status)
        self.query_one("#hdr-title", Label).update(one_line(incident.title))
        self.tick()

    def tick(self) -> None:
        """Once a second: elapsed time and the update countdown (no reads: clock only)."""
        incident = self.incident
        if incident is None:
            return
        now = self.clock()
        if self.times is not None:
            # The clock names the zone every time on screen is in, and whose zone it is.
            self.query_one("#hdr-clock", Label).update(self.times.caption(now))
        end = parse_utc(incident.resolved_at) if incident.resolved_at else now
        elapsed = format_duration(end - parse_utc(incident.declared_at))
        self.query_one("#hdr-elapsed", Label).update(
            f"{'lasted' if incident.resolved_at else 'open'} {elapsed}")
        due = update_due_at(incident.severity, incident.declared_at, self.last_update_at,
                            self.cadence, resolved=not incident.is_open)
        text, state = update_clock_text(due, now)
        label = self.query_one("#hdr-due", Label)
        label.update(text)
        label.set_class(state == "overdue", "overdue")
        label.set_class(state == "soon", "soon")
