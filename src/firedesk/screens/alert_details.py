"""One alert in full: labels, annotations, links, counts and the raw body as received.

Everything shown is untrusted text from the sender: it goes through `visible()` and
reaches the screen as plain `Text`, never markup. The raw body is read in a thread
worker (the first 64 KiB; storms can be megabytes).
"""

from __future__ import annotations

import json
from datetime import timezone

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from firedesk.clock import TimeView
from firedesk.intake.triage import AlertRow, raw_body
from firedesk.text import one_line, visible

RAW_LIMIT = 65536


def describe_alert(alert: AlertRow, times: TimeView | None = None) -> Text:
    """The alert's fields as plain text lines (no markup anywhere); times in the reader's
    view, labelled (a time the sender got wrong is shown as sent)."""
    text = Text()
    times = times or TimeView(timezone.utc)

    def when(stored: str | None) -> str:
        if not stored:
            return "-"
        try:
            return times.time(stored, date=True)
        except ValueError:
            return stored

    def line(label: str, value: object) -> None:
        text.append(f"{label:<13}", "bold")
        text.append(one_line("" if value is None else str(value)) + "\n")

    line("title", alert.title)
    line("status", f"{alert.status}{' (flapping)' if alert.flapping else ''}")
    line("severity", f"{alert.severity} (source said: {alert.severity_raw or '-'})")
    line("source", f"{alert.source} · key {alert.dedup_key}")
    line("service", alert.service or "-")
    line("seen", f"{alert.count}× · first {when(alert.first_seen)} · last "
                 f"{when(alert.last_seen)}")
    line("started", when(alert.starts_at))
    if alert.ends_at or alert.resolved_at:
        line("ended", when(alert.ends_at or alert.resolved_at))
    line("acked by", f"{alert.acked_by} at {when(alert.acked_at)}" if alert.acked_by else "-")
    if alert.snoozed_until:
        line("snoozed", f"until {when(alert.snoozed_until)}: {alert.snooze_reason or ''}")
    if alert.noise:
        line("noise", "marked as noise")
    if alert.silence_id:
        line("silence", alert.silence_id)
    line("incident", alert.incident or "-")
    line("ticket", alert.ticket or "-")
    for title, values in (("links", alert.links), ("labels", alert.labels),
                          ("annotations", alert.annotations)):
        text.append(f"\n{title}\n", "bold underline")
        if not values:
            text.append("  (none)\n", "dim")
        for key, value in sorted(values.items()):
            text.append(f"  {one_line(key)}: ", "bold")
            text.append(visible(value, multiline=True).replace("\n", "\n    ") + "\n")
    return text


def pretty_body(raw: bytes, size: int) -> str:
    """The raw body, pretty-printed when it is complete JSON, always made visible."""
    decoded = raw.decode("utf-8", "replace")
    if size <= len(raw):
        try:
            decoded = json.dumps(json.loads(decoded), indent=2, ensure_ascii=False)
        except ValueError:
            pass
    shown = visible(decoded, multiline=True)
    if size > len(raw):
        shown += f"\n… ({size - len(raw):,} more bytes not shown)"
    return shown


class AlertDetails(ModalScreen[None]):
    """Esc or q closes."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="alert-details.close"),
                Binding("q", "dismiss(None)", "Close", show=False, id="alert-details.close-q")]

    def __init__(self, alert: AlertRow) -> None:
        super().__init__()
        self.alert = alert

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="alert-details"):
            yield Label(one_line(f"Alert {self.alert.id}: {self.alert.title}", 100),
                        classes="dialog-title", markup=False)
            with VerticalScroll(id="alert-details-body"):
                yield Static(describe_alert(self.alert, self.app.times), id="alert-fields",
                             markup=False)
                yield Label("raw body (last delivery)", classes="dialog-title", markup=False)
                yield Static("reading…", id="alert-raw", markup=False)
            yield Label("↑↓ PgUp PgDn scroll · Esc close", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#alert-details-body").focus()
        self._read_raw()

    @work(thread=True, group="loads", exit_on_error=False)
    def _read_raw(self) -> None:
        app = self.app
        with app.read_lock:
            raw, size = raw_body(app.reader, self.alert, RAW_LIMIT)
        shown = pretty_body(raw, size) if size else "(no body stored)"
        app.call_from_thread(self._show_raw, shown)

    def _show_raw(self, shown: str) -> None:
        if self.is_mounted:
            self.query_one("#alert-raw", Static).update(Text(shown))
