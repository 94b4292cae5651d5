"""The incident picker: open incidents first, then recent ones; declare a new one."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from firedesk.clock import format_duration, parse_utc
from firedesk.model import Incident
from firedesk.screens.incident_data import load_picker
from firedesk.screens.pacing import PanePacer
from firedesk.store import declare_incident
from firedesk.text import one_line
from firedesk.widgets.alert_feed import AlertFeed
from firedesk.widgets.header import WATCHING
from firedesk.widgets.pane import Pane
from firedesk.widgets.watching import ChangesRecord
from firedesk.widgets.who_to_wake import WhoToWake

PICKER_PANES = (("alerts", AlertFeed, "Alerts", "alerts"),
                ("who_to_wake", WhoToWake, "Who to wake", "who-to-wake"))


class PickerScreen(ChangesRecord, Screen):
    """Enter opens the highlighted incident; n declares a new one."""

    WRITE_ACTIONS = frozenset({"declare"})

    HELP_TITLE = "Incidents"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-normal")]
    BINDINGS = [
        Binding("n", "declare", "Declare incident", id="declare"),
        Binding("z", "zoom", "Zoom pane", id="picker-zoom"),
        Binding("escape", "unzoom", "Back", show=False, id="picker-unzoom"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.incidents: list[Incident] = []
        self._loading = False
        self._dirty = False
        self.pacer = PanePacer(PICKER_PANES)
        self._shown_list: tuple | None = None

    def compose(self) -> ComposeResult:
        title = "firedesk · incidents"
        yield Label(f"{title} · {WATCHING}" if self.app.watching else title, id="picker-title",
                    markup=False)
        with Horizontal(id="picker-body"):
            with Pane(title="Incidents (open first)", id="incidents-pane"):
                yield OptionList(id="incidents", markup=False)
            with Vertical(id="picker-side"):
                for _, cls, title, dom_id in PICKER_PANES:
                    with Pane(title=title, id=f"{dom_id}-pane"):
                        yield cls(id=dom_id)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#incidents", OptionList).focus()
        self.reload()

    def reload(self, everything: bool = False) -> None:
        """Re-read in a worker (coalesced); panes are paced as on the incident screen."""
        self.pacer.everything |= everything
        if not self.query("#incidents"):
            return  # not composed yet: on_mount reads
        if self._loading:
            self._dirty = True
            return
        self._loading = True
        self._load(self.pacer.due(self, self.reload))

    @work(thread=True, group="loads", exit_on_error=False)
    def _load(self, panes: dict) -> None:
        app = self.app
        data = None
        try:
            with app.read_lock:
                data = load_picker(app.reader, panes=panes, config=app.config, actor=app.actor)
        finally:
            app.call_from_thread(self._loaded, data)

    def _loaded(self, data: dict | None) -> None:
        try:
            if data is not None:
                self.show_data(data)
        finally:
            self._loading = False
            if self._dirty:
                self._dirty = False
                self.reload()

    def _prompt(self, incident: Incident) -> Text:
        """Two lines: key, severity, status and age; then the title (never markup)."""
        now = self.app.clock()
        quiet = "" if incident.is_open else "dim"
        start = parse_utc(incident.declared_at)
        text = Text(style=quiet)
        text.append(f"{incident.key:<7}", "bold")
        text.append(f"{incident.severity}  ", "bold" if incident.is_open else "")
        text.append(incident.status.upper() if not incident.is_open else incident.status)
        when = self.app.time_view_for(incident.zone).time(start, date=True)
        age = f"open {format_duration(now - start)}" if incident.is_open else f"declared {when}"
        text.append(f"  {age}\n", "dim")
        text.append(f"       {one_line(incident.title, 120)}")
        if incident.service:
            text.append(f"  [{one_line(incident.service, 40)}]", "dim")
        offer = getattr(self, "handovers", {}).get(incident.id)
        if offer is not None:
            text.append(f"\n       ⇄ handover offered to you by {one_line(offer.offered_by, 40)}"
                        " — open it to read the brief and accept", "bold reverse")
        return text

    def show_data(self, data: dict) -> None:
        self.incidents = data["incidents"]
        self.handovers = data.get("handovers", {})
        # An alert storm brings a read per commit: rebuild the list only when it changed
        # (or a minute passed, for the ages).
        shown = (tuple(self.incidents), tuple(self.handovers.items()),
                 self.app.clock().replace(second=0, microsecond=0))
        if shown != self._shown_list:
            self._shown_list = shown
            self._show_incidents()
        for name, cls, _, dom_id in PICKER_PANES:
            if name not in data["panes"]:
                continue  # paced: not read this time
            try:
                self.query_one(f"#{dom_id}", cls).show(data["panes"].get(name))
            except Exception as exc:  # noqa: BLE001 (a pane's bug must not stop the picker)
                self.app.notify(f"{name} pane: {exc}", severity="error", markup=False)

    def _show_incidents(self) -> None:
        options = self.query_one("#incidents", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        if not self.incidents:
            options.add_option(Option("No incidents yet. Press n to declare one.", disabled=True))
        options.add_options([Option(self._prompt(i), id=str(i.id)) for i in self.incidents])
        if self.incidents:
            options.highlighted = min(highlighted or 0, len(self.incidents) - 1)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.open_incident(int(event.option.id))

    def action_declare(self) -> None:
        from firedesk.screens.declare import DeclareScreen

        def declared(form: dict | None) -> None:
            if form:
                self.app.run_write(declare_incident, form["title"], severity=form["severity"],
                                   service=form["service"], author=self.app.actor,
                                   zone=self.app.config.clock.zone, done="Declared", then=lambda inc: self.app.open_incident(inc.id))

        self.app.push_screen(DeclareScreen(), declared)

    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        focused = self.focused
        pane = next((a for a in [focused, *focused.ancestors] if isinstance(a, Pane)), None) if focused else None
        if pane is not None:
            self.maximize(pane, container=False)

    def action_unzoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
