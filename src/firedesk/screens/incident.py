"""The incident screen: header, timeline with entry line, roles board, capability panes.

The screen coordinates: it reads the record in a thread worker (`reload`, coalesced),
hands each widget its part (`show`), and turns keystrokes into writes through
`app.run_write`. Widgets never read or write the record themselves.
"""

from __future__ import annotations

from functools import partial

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label

from firedesk.clock import (
    NeedsDate, backdate_parts, display_zone, split_backdate, to_iso, understood,
)
from firedesk.errors import FiredeskError
from firedesk.model import ENTRY_KINDS, SEVERITIES, STATUSES, Incident
from firedesk.roles import BUILTIN_ROLES, Role, role_catalog
from firedesk.screens.incident_data import IncidentView, load_incident_view, older_events
from firedesk.screens.pacing import PanePacer
from firedesk.store import (
    add_entry, assign_role, release_role, save_draft, set_severity,
)
from firedesk.widgets.alert_feed import AlertFeed
from firedesk.widgets.checklist import ChecklistPane
from firedesk.widgets.header import IncidentHeader
from firedesk.widgets.pane import Pane
from firedesk.widgets.roles_board import RolesBoard
from firedesk.widgets.text_input import TextInput
from firedesk.widgets.timeline import Timeline
from firedesk.widgets.watching import ChangesRecord
from firedesk.widgets.who_to_wake import WhoToWake

# The capability panes: (name, widget class, pane title, DOM id).
CAPABILITY_PANES = (
    ("alerts", AlertFeed, "Alerts", "alerts"),
    ("checklist", ChecklistPane, "Checklist", "checklist"),
    ("who_to_wake", WhoToWake, "Who to wake", "who-to-wake"),
)
ENTRY_KEYS = {"note": "n", "hypothesis": "h", "action": "a", "decision": "d", "update": "u"}
ENTRY_HINT = ("{key} {kind}: type, Enter records · @14:02 text backdates (incident's zone; "
              "@14:02 IST names one) · Esc leaves")


def record_entry(store, incident: Incident, text: str, *, kind: str, author: str,  # noqa: ANN001
                 at: str | None):
    """Write one timeline entry and clear the author's draft (nothing unsent remains)."""
    event = add_entry(store, incident, text, author=author, kind=kind, at=at)
    save_draft(store, incident.id, author, "")
    return event


class IncidentScreen(ChangesRecord, Screen):
    """One incident, live."""

    WRITE_ACTIONS = frozenset({"assign", "compose_update", "set_zone", "severity", "status",
                               "write"})

    HELP_TITLE = "Incident"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-normal"), (160, "-wide")]
    BINDINGS = [
        *[Binding(key, f"write('{kind}')", f"Write {kind}", show=kind in ("note", "update"),
                  id=kind) for kind, key in ENTRY_KEYS.items()],
        *[Binding(role.key, f"assign('{role.name}')", f"Assign {role.name}",
                  show=role.name == "leader", id=f"assign-{role.name}") for role in BUILTIN_ROLES
          if role.key],  # a shadow is assigned from the roles board (Enter)
        Binding("v", "severity", "Severity", id="severity"),
        Binding("t", "status", "Status", id="status"),
        Binding("z", "zoom", "Zoom pane", id="zoom"),
        Binding("escape", "unzoom", "Back", show=False, id="unzoom"),
        Binding("o", "incidents", "Incidents", id="incidents"),
        Binding("tab", "app.focus_next", "Next pane", show=False, id="next-pane"),
        # Running the incident (issue 6): dialogs reachable from anywhere on this screen.
        Binding("f4", "compose_update", "Write update…", show=False, id="compose-update"),
        Binding("f5", "work", "Tasks & hypotheses", show=False, id="work"),
        Binding("f6", "handover", "Handover brief", show=False, id="handover"),
        Binding("f9", "set_zone", "Set the incident's zone…", show=False, id="set-zone"),
    ]

    def __init__(self, incident_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.incident: Incident | None = None
        self.view: IncidentView | None = None
        self.entry_kind = "note"
        self._loading = False
        self._dirty = False
        self.pacer = PanePacer(CAPABILITY_PANES)
        self._draft_checked = False
        self._troubles: set[tuple[str, str]] = set()

    def compose(self) -> ComposeResult:
        app = self.app
        self.roles: list[Role] = role_catalog(app.config)
        for role in self.roles:
            if role.key and role not in BUILTIN_ROLES:
                self._bindings.bind(role.key, f"assign('{role.name}')", f"Assign {role.name}",
                                    show=False)
        yield IncidentHeader(app.clock, app.config.cadence_minutes, watching=app.watching,
                             id="header")
        with Horizontal(id="body"):
            with Pane(title="Timeline", id="timeline-pane"):
                yield Timeline(app.actor, app.times, app.clock, id="timeline")
                with Horizontal(id="entry-line"):
                    yield Label("note ›", id="entry-kind", markup=False)
                    yield TextInput(placeholder=self._hint(), id="entry", select_on_focus=False,
                                    clear_on_submit=True)
            with Vertical(id="side"):
                with Pane(title="Roles", id="roles-pane"):
                    yield RolesBoard(self.roles, app.times, app.clock, id="roles")
                for name, cls, title, dom_id in CAPABILITY_PANES:
                    with Pane(title=title, id=f"{dom_id}-pane"):
                        yield cls(id=dom_id)
        yield Footer()

    def _hint(self) -> str:
        return ENTRY_HINT.format(key=ENTRY_KEYS.get(self.entry_kind, ""), kind=self.entry_kind)

    def on_mount(self) -> None:
        entry = self.query_one("#entry", Input)
        entry.cursor_blink = self.app.cursor_blink
        if self.app.watching:   # a watcher writes nothing: no entry line at all
            entry.disabled = True
            self.query_one("#entry-line").display = False
        self.query_one("#timeline", Timeline).focus()
        self.reload()

    def settings_changed(self, config) -> None:  # noqa: ANN001 (firedesk.config.Config)
        """The config file was read again: attributes down to what was built from it
        (the panes read `app.config` on their next read). New `[[roles]]` keys and board
        rows come with the next opening of the incident."""
        header = self.query_one("#header", IncidentHeader)
        header.cadence = config.cadence_minutes
        header.tick()

    # -- reading ----------------------------------------------------------------------------

    def reload(self, everything: bool = False) -> None:
        """Re-read the record in a worker; a request during a read runs once it finishes.
        Paced panes are read a few times a second at most, unless `everything`
        (screens/pacing.py)."""
        self.pacer.everything |= everything
        if not self.query("#timeline"):
            return  # not composed yet: on_mount reads
        if self._loading:
            self._dirty = True
            return
        self._loading = True
        self._dirty = False
        self._load(self.query_one("#timeline", Timeline).last_id, not self._draft_checked,
                   self.pacer.due(self, self.reload))

    @work(thread=True, group="loads", exit_on_error=False)
    def _load(self, after_id: int, with_draft: bool, panes: dict) -> None:
        app = self.app
        view = None
        try:
            with app.read_lock:
                view = load_incident_view(app.reader, self.incident_id, app.config,
                                          after_id=after_id, actor=app.actor, panes=panes,
                                          with_draft=with_draft)
        finally:  # a failed read still ends the load (the app shows the error)
            app.call_from_thread(self._loaded, view)

    def _loaded(self, view: IncidentView | None) -> None:
        """UI thread: show the read first, then run any reload asked for meanwhile."""
        try:
            if view is not None:
                self.show_view(view)
        finally:
            self._loading = False
            if self._dirty:
                self.reload()

    def show_view(self, view: IncidentView) -> None:
        """UI thread: hand each widget its part of a fresh read."""
        if self.view is not None:
            view.roster = self.view.roster + [
                a for a in dict.fromkeys(e.author for e in view.events) if a not in self.view.roster]
        self.view = view
        self.incident = view.incident
        times = self.app.times = self.app.time_view_for(view.incident.zone)
        self.query_one("#header", IncidentHeader).show(view.incident, view.last_update_at, times)
        timeline = self.query_one("#timeline", Timeline)
        timeline.set_times(times)
        if not timeline.events and view.has_older:
            timeline.has_older = True
        timeline.append(view.events)
        self._show_roles(view, times)
        for name, cls, _, dom_id in CAPABILITY_PANES:
            if name not in view.panes and name not in view.pane_errors:
                continue  # paced: not read this time
            if name in view.pane_errors:
                self._pane_trouble(name, view.pane_errors[name])
                continue
            try:
                self.query_one(f"#{dom_id}", cls).show(view.panes.get(name))
            except Exception as exc:  # noqa: BLE001 (a pane's bug must not stop the screen)
                self._pane_trouble(name, f"{type(exc).__name__}: {exc}")
        if view.draft is not None:  # this read looked for a draft (the first one)
            self._draft_checked = True
            entry = self.query_one("#entry", Input)
            if view.draft and not entry.value:
                entry.value = view.draft
                self.app.notify("Your unsent text is back in the entry line: Enter records it.",
                                title="Draft restored", markup=False, timeout=8)
        if view.more_new:
            self._dirty = True  # a flood: read the next batch once this one is shown

    def times_changed(self) -> None:
        """F8: every pane again, in the zone now chosen."""
        view = self.view
        if view is not None:
            times = self.app.times = self.app.time_view_for(view.incident.zone)
            self.query_one("#header", IncidentHeader).show(view.incident, view.last_update_at,
                                                           times)
            self.query_one("#timeline", Timeline).set_times(times)
            self._show_roles(view, times)
        self.reload(everything=True)

    def _show_roles(self, view: IncidentView, times) -> None:  # noqa: ANN001 (TimeView)
        self.query_one("#roles-pane", Pane).border_title = f"Roles ({times.label(self.app.clock())})"
        self.query_one("#roles", RolesBoard).show(view.tenures, times)

    def _pane_trouble(self, pane: str, problem: str) -> None:
        """Say once that a pane failed (reloads come every change; notices must not)."""
        if (pane, problem) not in self._troubles:
            self._troubles.add((pane, problem))
            self.app.notify(f"{pane} pane: {problem}", severity="error", markup=False)

    @on(Timeline.NeedsOlder)
    def read_older(self, message: Timeline.NeedsOlder) -> None:
        self._load_older(message.before_id)

    @work(thread=True, group="loads", exit_on_error=False)
    def _load_older(self, before_id: int) -> None:
        with self.app.read_lock:
            events, has_older = older_events(self.app.reader, self.incident_id, before_id)
        self.app.call_from_thread(self.query_one("#timeline", Timeline).prepend, events, has_older)

    # -- the entry line -------------------------------------------------------------------

    def action_write(self, kind: str) -> None:
        """Open the entry line for one kind of entry."""
        if kind not in ENTRY_KINDS:
            return
        self.entry_kind = kind
        self.query_one("#entry-kind", Label).update(f"{kind} ›")
        entry = self.query_one("#entry", Input)
        entry.placeholder = self._hint()
        entry.focus()

    @on(Input.Submitted, "#entry")
    def submit_entry(self, event: Input.Submitted) -> None:
        """Record what was typed before this Enter. The entry line cleared itself when
        Enter was pressed and keeps the focus, so keys typed ahead start the next entry;
        Enter on an empty line (or Esc) goes back to the timeline."""
        sent = event.value
        line = sent.strip()
        if not line:
            self.query_one("#timeline", Timeline).focus()
            return
        incident = self.incident
        app = self.app
        try:
            if incident is None:
                raise FiredeskError("the incident is still loading; try again in a moment")
            zone = display_zone(incident.zone, app.config.clock)
            text, at = split_backdate(line, app.clock(), zone)
            if not text:
                raise FiredeskError("write the entry after the time: @14:02 what happened")
        except NeedsDate as exc:
            self._ask_earlier_day(incident, sent, exc, zone)
            return
        except FiredeskError as exc:
            self._give_back(sent)
            app.notify(str(exc), title="Not recorded", severity="error", markup=False)
            return
        self._record_line(incident, sent, text, at)

    def _ask_earlier_day(self, incident: Incident, sent: str, exc: NeedsDate, zone) -> None:  # noqa: ANN001
        """`@HH:MM` still ahead today: ask before recording it on the day before; a "no"
        gives the text back to edit."""
        from firedesk.screens.choice import ChoiceScreen

        when = understood(exc.candidate, zone)
        text, at = backdate_parts(sent.strip())[1], to_iso(exc.candidate)
        if not text:
            self._give_back(sent)
            self.app.notify("write the entry after the time: @14:02 what happened",
                            title="Not recorded", severity="error", markup=False)
            return
        record = f"record at {when}"

        def chosen(answer: str | None) -> None:
            if answer == record:
                self._record_line(incident, sent, text, at)
            else:
                self._give_back(sent)
            self.query_one("#entry", Input).focus()

        self.app.push_screen(ChoiceScreen(f"{str(exc).split(';')[0]}. Record it on the day "
                                          "before?", [record, "no, keep editing"], None),
                             chosen)

    def _record_line(self, incident: Incident, sent: str, text: str, at: str | None) -> None:
        app = self.app
        app.run_write(record_entry, incident, text, kind=self.entry_kind, author=app.actor,
                      at=at, failed=lambda _error: self._give_back(sent))

    def _give_back(self, sent: str) -> None:
        """An entry that was not recorded returns to the entry line, before anything
        typed since."""
        entry = self.query_one("#entry", Input)
        entry.value = f"{sent} {entry.value}" if entry.value else sent
        entry.cursor_position = len(entry.value)

    def unsent_draft(self) -> tuple[int, str] | None:
        """(incident id, entry-line text) to keep as a draft; None before it was offered."""
        if not self._draft_checked or not self.is_mounted:
            return None
        return self.incident_id, self.query_one("#entry", Input).value

    def keep_draft(self) -> None:
        """Leaving this screen for another: keep the unsent text (in a worker)."""
        draft = self.unsent_draft()
        if draft is not None:
            self.app.run_write(save_draft, draft[0], self.app.actor, draft[1])

    # -- roles, severity, status ----------------------------------------------------------

    def action_assign(self, role_name: str) -> None:
        from firedesk.screens.person_picker import PersonPicker

        role = next((r for r in self.roles if r.name == role_name), None)
        if role is None or self.incident is None:
            return
        incident = self.incident
        holders = self.query_one("#roles", RolesBoard).current(role.name)
        roster = self.view.roster if self.view else []

        def chosen(person: str | None) -> None:
            if person and person in [t.person for t in holders]:
                self.app.run_write(release_role, incident, role.name, person,
                                   author=self.app.actor, done=f"{person} is no longer {role.name}")
            elif person:
                self.app.run_write(assign_role, incident, role.name, person,
                                   author=self.app.actor, shared=role.shared,
                                   done=f"{person} is {role.name}")

        self.app.push_screen(PersonPicker(role, roster, [t.person for t in holders],
                                          self.app.config), chosen)

    @on(RolesBoard.RoleChosen)
    def role_chosen(self, message: RolesBoard.RoleChosen) -> None:
        self.action_assign(message.role.name)

    def action_severity(self) -> None:
        self._choose("severity", SEVERITIES, set_severity)

    def action_status(self) -> None:
        from firedesk.review.analysis import analysis_rules, set_status_checked

        # A scratch copy: config problems are reported once, by the app.
        rules = analysis_rules(self.app.config)
        self._choose("status", STATUSES, partial(set_status_checked, rules=rules))

    def _choose(self, what: str, choices, write) -> None:  # noqa: ANN001
        from firedesk.screens.choice import ChoiceScreen

        incident = self.incident
        if incident is None:
            return
        current = getattr(incident, what)

        def chosen(value: str | None) -> None:
            if value and value != current:
                self.app.run_write(write, incident, value, author=self.app.actor,
                                   done=f"{what} {current} → {value}")

        self.app.push_screen(ChoiceScreen(f"{incident.key} {what}", list(choices), current), chosen)

    def action_set_zone(self) -> None:
        """Choose the zone this incident's times are shown in, for everyone (recorded)."""
        from firedesk.clock import zone_name
        from firedesk.screens.response_form import ResponseForm
        from firedesk.store import set_zone

        incident = self.incident
        if incident is None:
            return
        app = self.app
        current = zone_name(display_zone(incident.zone, app.config.clock))

        def chosen(values: dict | None) -> None:
            if values and values["zone"].strip():
                app.run_write(set_zone, incident, values["zone"], author=app.actor,
                              default=app.config.clock.zone, done="zone recorded")

        app.push_screen(ResponseForm(
            f"{incident.key}: show its times, for everyone, in (now {current})",
            [("zone", "Zone:", "", "UTC, Asia/Kolkata, Europe/Berlin, America/Sao_Paulo",
              True)]), chosen)

    # -- layout ----------------------------------------------------------------------------

    def action_zoom(self) -> None:
        """Zoom the pane holding the focus to full screen, or back."""
        if self.maximized is not None:
            self.minimize()
            return
        focused = self.focused or self.query_one("#timeline")
        pane = next((a for a in [focused, *focused.ancestors] if isinstance(a, Pane)), None)
        if pane is not None:
            self.maximize(pane, container=False)

    def action_unzoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is self.query_one("#entry", Input):
            self.query_one("#timeline", Timeline).focus()

    def action_incidents(self) -> None:
        self.app.open_picker()

    def action_compose_update(self) -> None:
        from firedesk.screens.update_composer import UpdateComposer

        self.app.push_screen(UpdateComposer(self.incident_id))

    def action_work(self) -> None:
        from firedesk.screens.response_work import WorkScreen

        self.app.push_screen(WorkScreen(self.incident_id))

    def action_handover(self) -> None:
        from firedesk.screens.handover import HandoverScreen

        self.app.push_screen(HandoverScreen(self.incident_id))
