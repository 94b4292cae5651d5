"""The Who to wake pane: the escalation tiers for the incident's service (or one chosen
with `e`), each person with their local time, awake/asleep/away in words and contacts.

`w` records "paged PERSON via CONTACT" on the timeline for the highlighted person; when a
PagerDuty routing key is configured ([oncall.pagerduty] routing_key, or a service's
pagerduty_routing_key) the same key also sends a real Events API v2 trigger first and
records PagerDuty's answer with the page. All computing happens in thread workers; the
network call never holds the record's write lock.
"""

from __future__ import annotations

from datetime import datetime, timezone

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from firedesk.clock import label, parse_utc
from firedesk.errors import FiredeskError
from firedesk.oncall.pane import WakeView, next_service, wake_view
from firedesk.oncall.wake import Candidate
from firedesk.text import one_line
from firedesk.widgets.watching import ChangesRecord

NOT_CONFIGURED = "No on-call schedules configured yet."
RECOMPUTE_SECONDS = 60  # awake/asleep changes with the clock even when the record is quiet


class WhoToWake(ChangesRecord, Widget, can_focus=True):
    """Who to wake for the open incident, tier by tier, awake people first."""

    WRITE_ACTIONS = frozenset({"page"})

    HELP_TITLE = "Who to wake"
    SCOPED_CSS = False  # the zoomed rules start at the pane around this widget
    DEFAULT_CSS = """
    WhoToWake { height: auto; min-height: 3; }
    WhoToWake > .pane-title { text-style: bold; }
    WhoToWake > .pane-empty { color: $text-muted; }
    WhoToWake > OptionList {
        height: auto; max-height: 24; border: none; padding: 0;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    .-maximized > WhoToWake { height: 1fr; }
    .-maximized > WhoToWake > OptionList { height: 1fr; max-height: 100%; }
    WhoToWake > OptionList.-empty { display: none; }
    """
    BINDINGS = [
        Binding("w", "page", "Page", id="who_to_wake.page"),
        Binding("e", "other_service", "Other service", id="who_to_wake.service"),
        Binding("down", "move(1)", "Next person", show=False, id="who_to_wake.down"),
        Binding("up", "move(-1)", "Previous person", show=False, id="who_to_wake.up"),
    ]

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.view: WakeView | None = None
        self.chosen_service: str | None = None  # set by `e`; else the incident's service
        self.rows: list[Candidate | None] = []

    # It changes with the clock (its own timer) and the incident's service, not with each
    # commit: the screen paces its reads (screens/pacing.py).
    PACED = True

    @staticmethod
    def load(store, incident, config):  # noqa: ANN001 (runs in a worker thread)
        """The plan for the incident's service at the record's clock (Textual-free)."""
        now = parse_utc(store.now())
        return wake_view(config, incident.service if incident else None, now, incident, store)

    def compose(self) -> ComposeResult:
        yield Static("Reading the on-call set-up…", classes="pane-empty", markup=False)
        tiers = OptionList(markup=False, classes="-empty")
        tiers.can_focus = False  # the pane has the focus; its keys move the highlight
        yield tiers

    def on_mount(self) -> None:
        self.set_interval(RECOMPUTE_SECONDS, self._recompute_now)

    def show(self, data) -> None:  # noqa: ANN001
        """Render `data` (a WakeView); a service chosen with `e` is kept across refreshes."""
        if data is None:
            return
        if self.chosen_service and self.chosen_service != data.service:
            self.view = data
            self._compute(self.chosen_service, data.at, data.incident)
            return
        self._show_view(data)

    # -- rendering ----------------------------------------------------------------------

    def _show_view(self, view: WakeView) -> None:
        self.view = view
        message = self.query_one(".pane-empty", Static)
        tiers = self.query_one(OptionList)
        if view.plan is None and not view.problems:
            message.update(one_line(view.message) if view.message else NOT_CONFIGURED)
            message.display = True
            tiers.set_options([])
            tiers.add_class("-empty")
            self.rows = []
            return
        message.display = False
        tiers.remove_class("-empty")
        highlighted = tiers.highlighted
        options: list[Option] = []
        rows: list[Candidate | None] = []

        def heading(text: Text) -> None:
            options.append(Option(text, disabled=True))
            rows.append(None)

        title = Text(no_wrap=True, overflow="ellipsis")
        if view.plan is not None:
            # The one fact needed at 03:00 comes first, so even a 3-line pane shows it.
            first = view.plan.first_awake()
            if first:
                title.append("first awake: ")
                title.append(one_line(first.person, 24), "bold")
            else:
                title.append("nobody awake: start at tier 1", "bold")
            title.append(" · ")
        title.append(one_line(view.service or "no service", 40), "bold")
        title.append(" at " + self.app.times.time(view.at), "dim")
        if view.plan is not None:
            title.append("\n" + one_line(view.plan.policy, 120), "dim")
        heading(title)
        if view.message:
            heading(Text(one_line(view.message), style="italic"))
        if view.problems:
            heading(Text(f"{len(view.problems)} config problem(s), firedesk doctor lists them: "
                         + one_line(view.problems[0], 120), style="bold"))
        if view.plan is not None:
            for tier in view.plan.tiers:
                head = Text(f"Tier {tier.tier}", style="bold")
                if tier.wait:
                    head.append(f" · then wait {tier.wait}", "dim")
                heading(head)
                for note in tier.notes:
                    heading(Text("  " + one_line(note), style="dim italic"))
                for candidate in tier.candidates:
                    options.append(Option(_candidate_prompt(candidate,
                                                            view.readiness.get(candidate.person))))
                    rows.append(candidate)
            hint = "w pages the highlighted person (recorded on the timeline)"
            if view.pagerduty:
                hint += " and sends a PagerDuty trigger"
            heading(Text(hint + " · e: other service", style="dim", no_wrap=False))
        self.rows = rows
        tiers.set_options(options)
        if highlighted is not None and highlighted < len(rows) and rows[highlighted] is not None:
            tiers.highlighted = highlighted
        else:
            first = next((i for i, row in enumerate(rows) if row is not None), None)
            if first is not None:
                tiers.highlighted = first

    def action_move(self, step: int) -> None:
        """Move the highlight to the next (or previous) person, skipping headings."""
        tiers = self.query_one(OptionList)
        people = [i for i, row in enumerate(self.rows) if row is not None]
        if not people:
            return
        current = tiers.highlighted if tiers.highlighted in people else None
        if current is None:
            tiers.highlighted = people[0] if step > 0 else people[-1]
            return
        index = people.index(current) + step
        tiers.highlighted = people[max(0, min(index, len(people) - 1))]

    # -- computing off the UI thread ------------------------------------------------------

    @work(thread=True, group="who-to-wake", exclusive=True, exit_on_error=False)
    def _compute(self, service: str | None, at: datetime, incident) -> None:  # noqa: ANN001
        view = wake_view(self.app.config, service, at, incident,
                         readiness=self.view.readiness if self.view else None)
        self.app.call_from_thread(self._show_view, view)

    def _recompute_now(self) -> None:
        if self.view is None:
            return
        service = self.chosen_service or self.view.service
        self._compute(service, self.app.clock().astimezone(timezone.utc), self.view.incident)

    # -- actions ----------------------------------------------------------------------------

    def action_other_service(self) -> None:
        """Show the tiers for the next configured service (wraps around)."""
        if self.view is None:
            return
        service = next_service(self.view)
        if service is None:
            self.app.notify("No [[services]] in firedesk.toml to choose from.", markup=False)
            return
        self.chosen_service = service
        self._compute(service, self.app.clock().astimezone(timezone.utc), self.view.incident)

    def selected(self) -> Candidate | None:
        index = self.query_one(OptionList).highlighted
        return self.rows[index] if index is not None and index < len(self.rows) else None

    def action_page(self) -> None:
        """Record "paged PERSON via CONTACT"; with a routing key, send PagerDuty first."""
        candidate = self.selected()
        view = self.view
        if candidate is None or view is None:
            return
        if view.incident is None:
            self.app.notify("Open an incident first: a page is recorded on its timeline.",
                            markup=False)
            return
        from firedesk.oncall.paging import choose_contact, record_page

        oncall = self.app.config.oncall
        person = oncall.person(candidate.person)
        try:
            how, _ = choose_contact(person, None)
        except FiredeskError as exc:
            self.app.notify(f"{exc} (the CLI records other ways: firedesk page)",
                            severity="warning", markup=False)
            return
        if view.pagerduty:
            self._page_with_pagerduty(view, person)
            return
        self.app.run_write(record_page, view.incident, person, author=self.app.actor,
                           done=f"paged {one_line(person.name, 40)} via {how}")

    @work(thread=True, group="who-to-wake-page", exit_on_error=False)
    def _page_with_pagerduty(self, view: WakeView, person) -> None:  # noqa: ANN001
        from firedesk.oncall.paging import record_page, routing_key_for, send_trigger

        oncall = self.app.config.oncall
        service = oncall.services.get(view.service or "")
        key = routing_key_for(oncall.pagerduty, service.routing_key if service else None)
        try:
            answer = send_trigger(oncall.pagerduty, key, view.incident, person.name)
        except FiredeskError as exc:  # no key after a reload: say so, record nothing
            self.app.call_from_thread(self.app.notify, str(exc), title="Not paged",
                                      severity="error", markup=False)
            return
        done = (f"paged {one_line(person.name, 40)}; PagerDuty accepted the trigger" if answer.ok
                else f"paged {one_line(person.name, 40)}; PagerDuty: {one_line(answer.message, 80)}")
        self.app.call_from_thread(self.app.run_write, record_page, view.incident, person,
                                  author=self.app.actor, answer=answer, done=done)


def _candidate_prompt(candidate: Candidate, readiness: str | None = None) -> Text:
    """Three short lines that survive a narrow pane: who and their state in words (and
    readiness incomplete or stale, when it is); local time, zone and first contact; then
    why they are on this list."""
    text = Text(no_wrap=True, overflow="ellipsis")
    marker = "–" if candidate.away else ("●" if candidate.awake else "○")
    strong = candidate.awake and not candidate.away
    text.append(f"{marker} ")
    text.append(one_line(candidate.person, 24), "bold" if strong else "")
    text.append(f"  {one_line(candidate.state(), 40)}", "bold" if strong else "dim")
    if readiness:
        text.append(f" · {one_line(readiness, 80)}", "italic")
    # Their own wall clock (is it 3 a.m. there?), named by their zone.
    local = candidate.local_time
    text.append(f"\n  {local:%a %H:%M} {label(local, local.tzinfo)} "
                f"({one_line(candidate.timezone, 32)})")
    contact = next(iter(candidate.contacts.items()), None)
    if contact:
        text.append(f" · {contact[0]} {one_line(contact[1], 40)}", "dim")
    text.append("\n  " + one_line(candidate.reason, 160), "dim")
    return text
