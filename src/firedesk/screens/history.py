"""History: past incidents, each opened read-only with a replay control.

The list shows key, title, severity, duration and date. The highlighted incident's
replay shows it as it stood at one instant (status, severity, roles, open hypotheses,
alerts, last update); `[` and `]` step through the moments it changed, `{` and `}` jump
to its start and end. "Seen before" lists the three most similar other incidents and
how they were resolved. Nothing here writes.

Mount: `app.push_screen(HistoryScreen())` (e.g. a binding `Binding("f7", "history",
"History", id="history")` on the app with `action_history`).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Label, OptionList, Static
from textual.widgets.option_list import Option

from firedesk.clock import TimeView, format_duration, parse_utc
from firedesk.model import Incident
from firedesk.review.replay import Replay, ReplayState
from firedesk.review.search import SimilarIncident, similar_to_incident
from firedesk.store import list_incidents, resolve_incident
from firedesk.text import one_line, visible
from firedesk.widgets.pane import Pane


class SimilarPast(Widget):
    """Seen before? The three incidents most like this one, and how each was resolved.

    Follows the console's pane contract (`load` in a worker thread, `show` on the UI
    thread), so the incident screen can mount it as a pane too."""

    DEFAULT_CSS = "SimilarPast { height: auto; }"

    @staticmethod
    def load(store, incident: Incident | None, config) -> list[SimilarIncident]:  # noqa: ANN001
        if incident is None:
            return []
        return similar_to_incident(store, incident.id)

    def compose(self) -> ComposeResult:
        yield Static(Text("…"), id="similar-text")

    def show(self, data: list[SimilarIncident] | None) -> None:
        text = Text()
        if not data:
            text.append("Nothing like it in the record.", "dim")
        for found in data or []:
            text.append(f"{found.key} ", "bold")
            text.append(f"{found.severity} {found.status}  ")
            text.append(one_line(found.title, 70))
            text.append("\n  resolved: ", "dim")
            text.append(one_line(found.resolution, 90) if found.resolution else "(not recorded)")
            text.append("\n")
        self.query_one("#similar-text", Static).update(text)


@dataclass
class Opened:
    incident: Incident
    replay: Replay
    similar: list[SimilarIncident]


def _duration(incident: Incident) -> str:
    if not incident.resolved_at:
        return "open"
    return format_duration(parse_utc(incident.resolved_at) - parse_utc(incident.declared_at))


def replay_text(state: ReplayState, times: TimeView, position: str) -> Text:
    """The replay pane's text: every record string made visible, never markup; times in
    the reader's view, labelled (the day named when it is not the moment's own)."""
    text = Text()
    moment = parse_utc(state.at)
    text.append(f"{state.key} at {times.time(moment, date=True)}", "bold")
    text.append(f"   {position}\n", "dim")
    if not state.declared:
        text.append("not declared yet\n")
    else:
        text.append(f"status {state.status} · severity {state.severity} · "
                    f"{state.events} events\n")
    text.append("roles: ", "bold")
    text.append(", ".join(f"{role} {one_line(', '.join(people))}"
                          for role, people in state.roles.items()) or "none")
    text.append("\nopen hypotheses: ", "bold")
    text.append("; ".join(one_line(h, 70) for h in state.open_hypotheses) or "none")
    text.append("\nopen tasks: ", "bold")
    text.append("; ".join(one_line(t, 70) for t in state.open_tasks) or "none")
    text.append("\nalerts: ", "bold")
    text.append(", ".join(f"{one_line(a['title'], 50)} ({a['status']})" for a in state.alerts)
                or "none")
    text.append("\nlast update: ", "bold")
    if state.last_update:
        at = times.time(state.last_update["at"], now=moment)
        text.append(f"{at} {one_line(state.last_update['author'])}: ")
        text.append(visible(state.last_update["text"], multiline=True))
    else:
        text.append("none yet")
    if state.recent:
        text.append(f"\n\ntimeline up to here ({times.label(moment)}):\n", "bold")
        for entry in state.recent:
            text.append(f"{times.time(entry['at'], now=moment, label_zone=False)} ", "dim")
            body = entry["text"]
            kind = "" if body.startswith(f"{entry['kind']}: ") else f" {entry['kind']}:"
            text.append(f"{one_line(entry['author'], 16)}{kind} ")
            text.append(one_line(body, 100) + "\n")
    return text


class HistoryScreen(Screen):
    """Past incidents, read-only, with replay. Escape goes back."""

    HELP_TITLE = "History"
    DEFAULT_CSS = """
    HistoryScreen #history-body { height: 1fr; }
    HistoryScreen #history-list-pane { width: 1fr; }
    HistoryScreen #history-list { height: 1fr; border: none; background: $surface; }
    HistoryScreen #history-side { width: 1fr; }
    HistoryScreen #replay-pane { height: 1fr; }
    HistoryScreen #similar-pane { height: auto; max-height: 12; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back", id="history.back"),
        Binding("left_square_bracket", "earlier", "Earlier", id="history.earlier"),
        Binding("right_square_bracket", "later", "Later", id="history.later"),
        Binding("left_curly_bracket", "first", "Start", show=False, id="history.start"),
        Binding("right_curly_bracket", "last", "End", show=False, id="history.end"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.incidents: list[Incident] = []
        self.opened: Opened | None = None
        self.moments: list[str] = []
        self.position = 0
        self._loading = False

    def compose(self) -> ComposeResult:
        yield Label("firedesk · history (read-only)", id="history-title", markup=False)
        with Horizontal(id="history-body"):
            with Pane(title="Past incidents", id="history-list-pane"):
                yield OptionList(id="history-list", markup=False)
            with Vertical(id="history-side"):
                with Pane(title="Replay  [ earlier · ] later", id="replay-pane"):
                    with VerticalScroll():
                        yield Static(Text("Highlight an incident."), id="replay")
                with Pane(title="Seen before", id="similar-pane"):
                    yield SimilarPast(id="similar")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#history-list", OptionList).focus()
        self._loading = True
        self._load_list()

    def reload(self) -> None:
        """The change feed: past incidents do not change under us, but new ones appear."""
        if not self._loading:
            self._loading = True
            self._load_list()

    @work(thread=True, group="loads", exit_on_error=False)
    def _load_list(self) -> None:
        app = self.app
        try:
            with app.read_lock:
                found = list_incidents(app.reader, include_resolved=True)
        finally:
            app.call_from_thread(setattr, self, "_loading", False)
        found.sort(key=lambda i: i.declared_at, reverse=True)
        app.call_from_thread(self.show_list, found)

    def show_list(self, incidents: list[Incident]) -> None:
        self.incidents = incidents
        options = self.query_one("#history-list", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        if not incidents:
            options.add_option(Option("No incidents in the record yet.", disabled=True))
            return
        for i in incidents:
            text = Text(no_wrap=True, overflow="ellipsis")
            text.append(f"{i.key:<8}", "bold")
            text.append(f"{i.severity} ")
            text.append(f"{_duration(i):>8}  ")
            text.append(f"{self.app.time_view_for(i.zone).time(i.declared_at, date=True)}  ",
                        "dim")
            text.append(one_line(i.title, 100))
            options.add_option(Option(text, id=str(i.id)))
        options.highlighted = min(highlighted or 0, len(incidents) - 1)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self._open(int(event.option.id))

    @work(thread=True, group="history-open", exclusive=True, exit_on_error=False)
    def _open(self, incident_id: int) -> None:
        app = self.app
        with app.read_lock:
            incident = resolve_incident(app.reader, incident_id)
            opened = Opened(incident, Replay(app.reader, incident,
                                             cadence_minutes=app.config.cadence_minutes,
                                             alert_window=app.config.clock.alert_window),
                            SimilarPast.load(app.reader, incident, app.config))
        app.call_from_thread(self.show_opened, opened)

    def show_opened(self, opened: Opened) -> None:
        self.opened = opened
        self.moments = opened.replay.moments() or [opened.incident.declared_at]
        self.position = len(self.moments) - 1
        self.query_one("#similar", SimilarPast).show(opened.similar)
        self.show_moment()

    def show_moment(self) -> None:
        if self.opened is None:
            return
        state = self.opened.replay.at(self.moments[self.position])
        where = f"moment {self.position + 1} of {len(self.moments)}"
        times = self.app.time_view_for(self.opened.incident.zone)
        self.query_one("#replay", Static).update(replay_text(state, times, where))

    def times_changed(self) -> None:
        """F8: the replay and the list again, in the zone now chosen."""
        self.show_moment()
        self.show_list(self.incidents)

    def _step(self, to: int) -> None:
        if self.moments:
            self.position = max(0, min(len(self.moments) - 1, to))
            self.show_moment()

    def action_earlier(self) -> None:
        self._step(self.position - 1)

    def action_later(self) -> None:
        self._step(self.position + 1)

    def action_first(self) -> None:
        self._step(0)

    def action_last(self) -> None:
        self._step(len(self.moments) - 1)

    def action_back(self) -> None:
        self.app.pop_screen()

    @property
    def replay_state(self) -> ReplayState | None:
        """What the replay pane shows now (for tests and the help)."""
        if self.opened is None or not self.moments:
            return None
        return self.opened.replay.at(self.moments[self.position])
