"""The Checklist pane: the triage checklist with its progress, the polite nag about
unfilled roles, and the door to tasks, hypotheses, the update composer and handover.

Keys (with the list focused): x/Enter done · - not applicable · e note… (any state) ·
m impact… · k tasks & hypotheses · w write an update · b handover brief. A handover offered to the
person at this console opens its brief by itself, once.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from firedesk.clock import format_duration
from firedesk.response.checklist import STATE_WORDS, ChecklistItem, check_item
from firedesk.response.views import ChecklistView, checklist_view
from firedesk.text import one_line
from firedesk.widgets.watching import ChangesRecord

MARKS = {"open": "[ ]", "done": "[x]", "na": "[-]"}  # state in words, never colour alone


class ChecklistPane(ChangesRecord, Vertical):
    """Triage checklist for the open incident."""

    WRITE_ACTIONS = frozenset({"compose_update", "impact", "mark", "note"})

    HELP_TITLE = "Checklist"
    BORDER_TITLE = "Checklist"
    DEFAULT_CSS = """
    ChecklistPane { height: 1fr; min-height: 3; }
    ChecklistPane #checklist-nag { height: auto; max-height: 2; text-style: bold; background: $warning 20%; padding: 0 1; }
    ChecklistPane #checklist-summary { height: 1; color: $text-muted; padding: 0 1; }
    ChecklistPane #checklist-impact { height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    ChecklistPane #checklist-items { height: 1fr; border: none; padding: 0; background: $surface; text-wrap: nowrap; text-overflow: ellipsis; }
    """
    BINDINGS = [
        Binding("x", "mark('done')", "Done", id="checklist.done"),
        Binding("minus", "mark('na')", "N/A", id="checklist.na"),
        Binding("e", "note", "Note…", id="checklist.note"),
        Binding("m", "impact", "Impact…", id="checklist.impact"),
        Binding("k", "work", "Tasks & hypotheses", id="checklist.work"),
        Binding("w", "compose_update", "Write update", id="checklist.update"),
        Binding("b", "handover", "Handover brief", id="checklist.handover"),
    ]

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.data: ChecklistView | None = None
        self._nagged: set[tuple[int, str]] = set()
        self._offers_shown: set[int] = set()

    @staticmethod
    def load(store, incident, config):  # noqa: ANN001, ANN205 (runs in a worker thread)
        """Plain data for `show` (Textual-free)."""
        return checklist_view(store, incident, config)

    def compose(self) -> ComposeResult:
        yield Static("", id="checklist-nag", markup=False)
        yield Static("", id="checklist-impact", markup=False)
        yield Static("Reading the checklist…", id="checklist-summary", markup=False)
        yield OptionList(id="checklist-items", markup=False)

    def on_mount(self) -> None:
        self.query_one("#checklist-nag").display = False
        # Nags and overdue tasks appear as time passes, even when nobody writes: re-ask
        # the last read every few seconds (the clock only, no SQLite on the UI thread).
        self.set_interval(5, self.tick)

    def tick(self) -> None:
        data = self.data
        if data is None or data.incident is None:
            return
        now = self.app.clock()
        data.nags = data.nags_at(now)
        data.overdue_tasks = data.overdue_at(now)
        self._show_nags(data)
        self._show_summary(data)

    # -- showing ------------------------------------------------------------------------

    def show(self, data: ChecklistView | None) -> None:
        """Render a fresh read; keeps the highlighted item where it was."""
        if data is None:
            return
        self.data = data
        self._show_nags(data)
        self._prompt_handover(data)
        summary = self.query_one("#checklist-summary", Static)
        options = self.query_one("#checklist-items", OptionList)
        if data.incident is None:
            summary.update("Open an incident to see its checklist.")
            options.clear_options()
            return
        self._show_summary(data)
        self._show_impact(data)
        self.border_subtitle = f"{data.progress}"
        if self.parent is not None and hasattr(self.parent, "border_subtitle"):
            self.parent.border_subtitle = f"{data.progress} checked"
        previous = self.highlighted_item()
        options.clear_options()
        section = None
        prompts: list[Option] = []
        for item in data.items:
            if item.section != section:
                section = item.section
                prompts.append(Option(Text(one_line(section), style="bold"), disabled=True))
            prompts.append(Option(self._prompt(item), id=item.id))
        options.add_options(prompts)
        ids = [o.id for o in prompts]
        target = previous.id if previous else next(
            (i.id for i in data.items if i.state == "open"), data.items[0].id if data.items else None)
        if target in ids:
            options.highlighted = ids.index(target)

    def _show_impact(self, data: ChecklistView) -> None:
        line = self.query_one("#checklist-impact", Static)
        impact = data.impact
        if impact is None:
            line.update("Impact: not recorded (m)")
            return
        since = self.app.times.time(impact.since, now=self.app.clock()) if impact.since else "-"
        line.update(one_line(f"Impact: {impact.describe()} since {since}"))

    def _show_summary(self, data: ChecklistView) -> None:
        work = f"{data.open_tasks} task{'s' if data.open_tasks != 1 else ''}"
        if data.overdue_tasks:
            work += f" ({data.overdue_tasks} OVERDUE)"
        self.query_one("#checklist-summary", Static).update(
            f"{data.progress} checked · {work} · {data.open_hypotheses} hyp · k")

    def _prompt(self, item: ChecklistItem) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{MARKS[item.state]} ", "bold" if item.state == "open" else "dim")
        text.append(one_line(item.text), "" if item.state == "open" else "dim")
        if item.by:
            text.append(f"  {one_line(item.by, 16)}", "dim")
        if item.note:
            text.append(f" — {one_line(item.note)}", "italic")
        return text

    def _show_nags(self, data: ChecklistView) -> None:
        nag = self.query_one("#checklist-nag", Static)
        nag.display = bool(data.nags)
        # One line in the pane (the full sentence is in the notice): room is scarce at 80x24.
        keys = [k for n in data.nags if (k := data.nag_rule.get("keys", {}).get(n.role))]
        nag.update("! " + " · ".join(f"No {n.role} for {format_duration(n.empty_for)}"
                                     for n in data.nags)
                   + (f" — press {'/'.join(keys)}" if keys else ""))
        incident_id = data.incident.id if data.incident else 0
        fresh = [n for n in data.nags if (incident_id, n.role) not in self._nagged]
        if fresh:  # one short notice when a role first goes unfilled; the line stays
            self._nagged.update((incident_id, n.role) for n in fresh)
            self.app.notify(" ".join(n.text.split(": ")[0] + "." for n in fresh)
                            + (f" Press {'/'.join(keys)} to assign." if keys else ""),
                            title="Please fill the role", severity="warning", markup=False,
                            timeout=10)

    def _prompt_handover(self, data: ChecklistView) -> None:
        """An offer to the person at this console opens its brief (once per offer)."""
        mine = [o for o in data.offers if o.to == self.app.actor and o.id not in self._offers_shown]
        if not mine or self.app.screen is not self.screen:
            return  # another dialog is open: ask on a later refresh
        offer = mine[0]
        self._offers_shown.add(offer.id)
        from firedesk.screens.handover import HandoverScreen

        self.app.push_screen(HandoverScreen(offer.incident_id))

    # -- acting -------------------------------------------------------------------------

    def highlighted_item(self) -> ChecklistItem | None:
        if self.data is None:
            return None
        options = self.query_one("#checklist-items", OptionList)
        if options.highlighted is None or options.highlighted >= options.option_count:
            return None
        option_id = options.get_option_at_index(options.highlighted).id
        return next((i for i in self.data.items if i.id == option_id), None)

    def _record(self, item: ChecklistItem, state: str, note: str | None = None) -> None:
        incident = self.data.incident if self.data else None
        if incident is None:
            return
        self.app.run_write(check_item, incident, item.id, author=self.app.actor, state=state,
                           note=note, config=self.app.config,
                           done=f"{item.id}: {STATE_WORDS[state] if state != 'open' else 'open'}")

    def action_mark(self, state: str) -> None:
        item = self.highlighted_item()
        if item is not None:
            self._record(item, state)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_mark("done")

    def action_note(self) -> None:
        from firedesk.screens.response_form import ResponseForm

        item = self.highlighted_item()
        if item is None:
            return

        def chosen(values: dict | None) -> None:
            if values:
                self._record(item, values["choice"], values["note"] or None)

        self.app.push_screen(ResponseForm(
            one_line(f"{item.id}: {item.text}", 70),
            [("note", "What was found:", one_line(item.note or ""), "optional note", False)],
            choices=[("done", "done"), ("na", "not applicable"), ("open", "open again")],
            chosen="done" if item.state == "open" else item.state,
        ), chosen)

    def action_impact(self) -> None:
        """State what is affected, for how many customers, since when."""
        from firedesk.clock import display_zone, parse_when, to_iso
        from firedesk.errors import FiredeskError
        from firedesk.response.impact import SCOPE_WORDS, record_impact
        from firedesk.screens.response_form import ResponseForm

        data = self.data
        if data is None or data.incident is None:
            return
        incident, current = data.incident, data.impact
        app = self.app

        def chosen(values: dict | None) -> None:
            if not values:
                return
            since = None
            if values["since"]:
                try:
                    zone = display_zone(incident.zone, app.config.clock)
                    since = to_iso(parse_when(values["since"], app.clock(), zone))
                except FiredeskError as exc:
                    app.notify(str(exc), title="Not recorded", severity="error", markup=False)
                    return
            app.run_write(record_impact, incident, values["what"], author=app.actor,
                          scope=values["choice"], since=since, done="impact recorded")

        app.push_screen(ResponseForm(
            f"{incident.key} impact: what is affected, for whom, since when?",
            [("what", "Affected:", one_line(current.what) if current else "", "e.g. EU checkout fails", True),
             ("since", "Since (HH:MM in the incident's zone, or 14:02 IST; blank = as before):", "",
              "14:02", False)],
            choices=list(SCOPE_WORDS.items()), chosen=current.scope if current else "unknown",
        ), chosen)

    def _incident_id(self) -> int | None:
        return self.data.incident.id if self.data and self.data.incident else None

    def action_work(self) -> None:
        from firedesk.screens.response_work import WorkScreen

        if self._incident_id():
            self.app.push_screen(WorkScreen(self._incident_id()))

    def action_compose_update(self) -> None:
        from firedesk.screens.update_composer import UpdateComposer

        if self._incident_id():
            self.app.push_screen(UpdateComposer(self._incident_id()))

    def action_handover(self) -> None:
        from firedesk.screens.handover import HandoverScreen

        if self._incident_id():
            self.app.push_screen(HandoverScreen(self._incident_id()))
