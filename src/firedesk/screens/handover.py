"""The handover brief, and the offer / accept steps, in one dialog.

b (checklist pane) opens it; it also opens by itself when the lead is offered to the
person at this console. a accepts (only the person offered to), o offers the lead to
someone, ctrl+s exports the brief as Markdown, ctrl+y copies it, Esc closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from firedesk.response.handover import (
    HandoverBrief, accept_handover, build_brief, offer_handover,
)
from firedesk.text import one_line, visible
from firedesk.widgets.watching import ChangesRecord


@dataclass
class HandoverData:
    brief: HandoverBrief
    markdown: str


def load_handover(store, incident_id: int, config, now, zone) -> HandoverData:  # noqa: ANN001
    """Textual-free: the brief and its Markdown, read in a worker thread."""
    brief = build_brief(store, incident_id, config, now=now)
    return HandoverData(brief, brief.to_markdown(zone))


def export_brief(markdown: str, key: str, directory: Path | None = None) -> Path:
    """Write the brief next to the responder (their working directory)."""
    target = (directory or Path.cwd()) / f"handover-{key}.md"
    target.write_text(markdown, encoding="utf-8")
    return target


class HandoverScreen(ChangesRecord, ModalScreen[None]):
    """Read the brief; accept the lead if it is offered to you; offer it if you lead."""

    WRITE_ACTIONS = frozenset({"accept", "export", "offer"})

    HELP_TITLE = "Handover"
    BINDINGS = [
        Binding("a", "accept", "Accept the lead", id="handover.accept"),
        Binding("o", "offer", "Offer the lead…", id="handover.offer"),
        Binding("ctrl+s", "export", "Export Markdown", id="handover.export"),
        Binding("ctrl+y", "copy", "Copy brief", id="handover.copy"),
        Binding("escape", "dismiss(None)", "Close", id="handover.close"),
    ]
    DEFAULT_CSS = """
    HandoverScreen #handover-dialog { width: 90%; height: 90%; }
    HandoverScreen #handover-offer { height: auto; text-style: bold; background: $warning 20%; padding: 0 1; }
    HandoverScreen #handover-scroll { height: 1fr; }
    """

    def __init__(self, incident_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.data: HandoverData | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="handover-dialog"):
            yield Label("Handover brief", classes="dialog-title", id="handover-title",
                        markup=False)
            yield Static("", id="handover-offer", markup=False)
            with VerticalScroll(id="handover-scroll", can_focus=True):
                yield Static("Reading the record…", id="handover-brief", markup=False)
            yield Label("a accept · o offer the lead · ctrl+s export .md · ctrl+y copy · "
                        "Esc close", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#handover-offer").display = False
        self.query_one("#handover-scroll").focus()
        self.reload()

    @work(thread=True, group="loads", exit_on_error=False)
    def reload(self) -> None:
        app = self.app
        with app.read_lock:
            data = load_handover(app.reader, self.incident_id, app.config, app.clock(),
                                 app.times.zone)
        app.call_from_thread(self._show, data)

    def _show(self, data: HandoverData) -> None:
        if not self.is_attached:
            return
        self.data = data
        incident = data.brief.incident
        self.query_one("#handover-title", Label).update(
            one_line(f"Handover brief — {incident.key} {incident.title}", 100))
        offer = data.brief.pending
        banner = self.query_one("#handover-offer", Static)
        banner.display = offer is not None
        if offer is not None:
            if offer.to == self.app.actor:
                banner.update(one_line(f"{offer.offered_by} offers you the lead of {incident.key}"
                                       + (f": {offer.note}" if offer.note else "")
                                       + ". Read the brief, then press a to accept."))
            else:
                banner.update(one_line(f"Lead offered to {offer.to} by {offer.offered_by}; "
                                       f"waiting for them to accept."))
        # Already made safe by to_markdown(); shown as plain Text, never as markup.
        self.query_one("#handover-brief", Static).update(Text(visible(data.markdown, multiline=True)))

    def action_accept(self) -> None:
        data = self.data
        if data is None:
            return
        offer = data.brief.pending
        if offer is None or offer.to != self.app.actor:
            who = f"it is offered to {offer.to}" if offer else "no handover is waiting"
            self.app.notify(f"Cannot accept: {who}", severity="warning", markup=False)
            return
        self.app.run_write(accept_handover, data.brief.incident, person=self.app.actor,
                           done=f"You lead {data.brief.incident.key} now",
                           then=lambda _r: self.dismiss(None))

    def action_offer(self) -> None:
        from firedesk.screens.response_form import ResponseForm

        data = self.data
        if data is None:
            return
        incident = data.brief.incident

        def chosen(values: dict | None) -> None:
            if values:
                person = self.app.config.person(values["person"])
                name = person.name if person else values["person"]
                self.app.run_write(offer_handover, incident, name, author=self.app.actor,
                                   note=values["note"] or None,
                                   done=f"Lead offered to {name}; they must accept",
                                   then=lambda _r: self.reload())

        self.app.push_screen(ResponseForm(
            f"Offer the lead of {incident.key} to…",
            [("person", "Person:", "", "their name", True),
             ("note", "A word for them:", "", "optional", False)]), chosen)

    def action_export(self) -> None:
        if self.data is not None:
            self._export(self.data.markdown, self.data.brief.incident.key)

    @work(thread=True, group="writes-files", exit_on_error=False)
    def _export(self, markdown: str, key: str) -> None:
        try:
            target = export_brief(markdown, key)
        except OSError as exc:
            self.app.call_from_thread(self.app.notify, f"Cannot write the brief: {exc.strerror}",
                                      severity="error", markup=False)
            return
        self.app.call_from_thread(self.app.notify, f"Brief written to {target}", markup=False)

    def action_copy(self) -> None:
        if self.data is not None:
            self.app.copy_to_clipboard(self.data.markdown)
            self.app.notify("Brief copied (if your terminal allows the clipboard)", markup=False)
