"""The Alerts pane: the live, deduplicated alert feed, triaged from the keyboard.

Firing first, then by severity (critical first); snoozed and noise alerts after the
rest of the firing ones; resolved last (marked `ok`). Each row: severity as a word
(never colour alone), ✓ when acked, count, age, title, service, flags (z snoozed,
n noise, ~ flapping), who has it (@owner, when not the acknowledger), who acked (✓name)
and the incident it is attached to.

Keys with the list focused: a ack · t take (it is yours) · s snooze… · + attach to this incident ·
- detach from its incident · m noise · Enter details · ! declare from alert · / filter
(text, or label=value) · space select · * select everything shown · x silence in
Alertmanager (when configured) · g open a GitHub issue for the alert, or comment on its
ticket ([tickets]) · G group rows by alertname ([alerts] group_by). With a selection,
actions apply to every selected alert; on a group row (`▸ 12 × alertname=HighLatency`),
to every alert in the group (Enter expands or folds it). Attaching or detaching a group or
a selection writes one timeline entry naming the count. A new critical alert is
announced with a notice even when this pane does not have the focus.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from firedesk.clock import format_duration, parse_utc, to_iso
from firedesk.intake.feed import (
    AlertFeedData, AlertGroup, critical_news, feed_order, grouped, load_feed, matches,
    silence_each,
)
from firedesk.intake.triage import AlertRow
from firedesk.model import SEVERITIES
from firedesk.text import one_line
from firedesk.widgets.alert_list import AlertList
from firedesk.widgets.watching import ChangesRecord

ROW_LIMIT = 1000  # the list is windowed: the newest/most urgent 1,000 rows
AGE_TICK_SECONDS = 15  # a quiet feed still shows true ages and snoozes running out
NOTICE_EACH = 3  # more new critical alerts than this in one read get one notice together
SEVERITY_WORD = {"critical": "CRIT", "high": "HIGH", "medium": "MED ", "low": "LOW ", "info": "INFO"}
SEVERITY_STYLE = {"critical": "bold reverse", "high": "bold", "medium": "", "low": "dim", "info": "dim"}


class AlertFeed(ChangesRecord, Vertical, can_focus=False):
    """The alert feed for everyone on the incident (all alerts; attached ones marked)."""

    WRITE_ACTIONS = frozenset({"ack", "attach", "declare", "detach", "noise", "silence",
                               "snooze"})

    HELP_TITLE = "Alerts"
    # In a storm every commit changes the feed: the screen reads it a few times a second at
    # most (screens/pacing.py). Your own triage shows at once.
    PACED = True
    BORDER_TITLE = "Alerts"
    DEFAULT_CSS = """
    AlertFeed { height: 1fr; min-height: 4; }
    AlertFeed #alerts-summary { height: 1; color: $text-muted; padding: 0 1; }
    AlertFeed #alerts-problem { height: auto; background: $warning 20%; padding: 0 1; }
    AlertFeed #alerts-filter { height: 1; border: none; padding: 0 1; }
    AlertFeed #alerts-list { height: 1fr; }
    """
    BINDINGS = [
        Binding("a", "ack", "Ack", id="alerts.ack"),
        Binding("t", "take", "Take", id="alerts.take"),
        Binding("s", "snooze", "Snooze…", id="alerts.snooze"),
        Binding("plus", "attach", "Attach", id="alerts.attach"),
        Binding("minus", "detach", "Detach", show=False, id="alerts.detach"),
        Binding("G", "group", "Group", id="alerts.group"),
        Binding("m", "noise", "Noise", id="alerts.noise"),
        Binding("exclamation_mark", "declare", "Declare", id="alerts.declare"),
        Binding("slash", "filter", "Filter", id="alerts.filter"),
        Binding("space", "select", "Select", show=False, id="alerts.select"),
        Binding("asterisk", "select_all", "Select shown", show=False, id="alerts.select-all"),
        Binding("x", "silence", "Silence", id="alerts.silence"),
        Binding("g", "ticket", "Ticket (GitHub issue)", id="alerts.ticket"),
        Binding("d", "details", "Details", show=False, id="alerts.details"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data: AlertFeedData | None = None
        self.shown: list[AlertRow] = []           # the alerts shown (filtered, in order)
        self.rows: list[AlertRow | AlertGroup] = []  # the rows: alerts, or groups of them
        self.selected: set[int] = set()
        self.grouping = False
        self.expanded: set[str] = set()          # group names opened with Enter
        self.query_text = ""
        self._known_critical: set[tuple[int, int]] | None = None
        self._told: set[str] = set()   # problems already announced with a notice
        self._shown_signature: tuple | None = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Silencing is offered only when an Alertmanager URL is configured (and no write
        to a watcher: ChangesRecord)."""
        if action == "silence" and not (self.data and self.data.silence_url):
            return False
        return super().check_action(action, parameters)

    @staticmethod
    def load(store, incident, config):  # noqa: ANN001, ANN205 (runs in a worker thread)
        """Plain data for `show`: the feed (windowed), counts, poller problems."""
        return load_feed(store, incident, config, limit=ROW_LIMIT)

    def compose(self) -> ComposeResult:
        yield Static("", id="alerts-problem", markup=False)
        yield Static("Reading alerts…", id="alerts-summary", markup=False)
        yield FilterBox(placeholder="filter: words or label=value · Enter keeps · Esc clears",
                    id="alerts-filter", select_on_focus=False)
        yield AlertList(id="alerts-list")

    def on_mount(self) -> None:
        self.query_one("#alerts-problem").display = False
        self.query_one("#alerts-filter").display = False
        self.query_one("#alerts-filter", Input).cursor_blink = getattr(self.app, "cursor_blink", True)
        self.set_interval(AGE_TICK_SECONDS, self.tick)

    def tick(self) -> None:
        """No read for a while (nothing changed): redraw with the clock's time, so ages
        grow and an alert whose snooze ran out rises back among the firing ones."""
        if self.data is not None:
            self.data.now = to_iso(self.app.clock())
            self._shown_signature = None
            self._render_rows()

    # -- showing ------------------------------------------------------------------------

    def show(self, data: AlertFeedData | None) -> None:
        """Render a fresh read; announce critical alerts that are new since the last one."""
        if data is None:
            return
        had_url = bool(self.data and self.data.silence_url)
        self.data = data
        if had_url != bool(data.silence_url):
            self.refresh_bindings()
        news = critical_news(data.alerts, data.now)
        if self._known_critical is not None:
            self._announce([a for a in data.alerts if (a.id, a.fired_count) in news - self._known_critical])
        # Remembered while in the window, so the set is never larger than one read.
        window = {(a.id, a.fired_count) for a in data.alerts}
        self._known_critical = news | ((self._known_critical or set()) & window)
        for notice in data.problems:
            # An SNS subscription waits for a person: say so once, where they look.
            if notice.startswith("SNS subscription") and notice not in self._told:
                self._told.add(notice)
                self.app.notify(one_line(notice, 300), title="Confirm the SNS subscription",
                                severity="warning", markup=False, timeout=20)
        problem = self.query_one("#alerts-problem", Static)
        problem.display = bool(data.problems)
        problem.update("\n".join(one_line(p) for p in data.problems))
        # Every commit anywhere brings a fresh read; rebuilding a thousand rows when none of
        # them (nor the second their ages are shown in) changed is most of a storm's CPU.
        signature = (data.now[:19], tuple(data.counts.items()), tuple(
            (a.id, a.status, a.count, a.last_seen, a.acked_by, a.owner, a.snoozed_until,
             a.noise, a.incident_id, a.silence_id, a.flapping, a.ticket) for a in data.alerts))
        if signature == self._shown_signature:
            return
        self._shown_signature = signature
        self._render_rows()

    def _announce(self, fresh: list[AlertRow]) -> None:
        """A notice and a bell for new critical alerts: one each for a few, one for a flood
        (a storm of toasts would cover the screen and cost more than the alerts)."""
        if not fresh:
            return
        if len(fresh) <= NOTICE_EACH:
            for alert in fresh:
                self.app.notify(
                    f"{one_line(alert.title, 120)} ({one_line(alert.service or alert.source)})",
                    title=f"New critical alert {alert.id}", severity="error", markup=False,
                    timeout=15)
        else:
            first = "; ".join(one_line(a.title, 40) for a in fresh[:NOTICE_EACH])
            message = first + "; … (see the Alerts pane)"
            self.app.notify(message, title=f"{len(fresh)} new critical alerts",
                            severity="error", markup=False, timeout=15)
        self.app.bell()

    def _render_rows(self) -> None:
        data = self.data
        if data is None:
            return
        ordered = feed_order(data.alerts, data.now)
        self.shown = [a for a in ordered if matches(a, self.query_text)] if self.query_text else ordered
        ids = {a.id for a in data.alerts}
        self.selected &= ids
        counts = data.counts
        summary = (f"{counts['firing']} firing ({counts['critical']} critical) · "
                   f"{counts['resolved']} resolved")
        if counts["total"] > len(data.alerts):
            summary += f" · showing {len(data.alerts)} of {counts['total']}"
        if self.query_text:
            summary += f" · filter “{one_line(self.query_text, 30)}”: {len(self.shown)}"
        if self.selected:
            summary += f" · {len(self.selected)} selected"
        self.rows = list(self.shown)
        if self.grouping:
            self.rows = grouped(self.shown, data.group_by, self.expanded)
            groups = sum(isinstance(r, AlertGroup) for r in self.rows)
            summary += f" · grouped by {', '.join(data.group_by)}: {groups} groups"
        self.query_one("#alerts-summary", Static).update(summary)
        if self.parent is not None and hasattr(self.parent, "border_subtitle"):
            self.parent.border_subtitle = f"{counts['firing']} firing"
        now, rows = parse_utc(data.now), self.rows
        self.query_one("#alerts-list", AlertList).show_rows(
            [("group", r.name) if isinstance(r, AlertGroup) else r.id for r in rows],
            lambda index: self._row(rows[index], now, data),
            empty="no alerts" + (" match the filter" if self.query_text else
                                 " yet (firedesk receive / ingest / poll)"))

    def _row(self, alert: AlertRow | AlertGroup, now: datetime, data: AlertFeedData) -> Text:
        """`● CRIT ✓ ×4 12m Title — service [z~] ✓priya INC-3`: what matters first, so a
        narrow pane still shows severity, ack, count, age and the title."""
        if isinstance(alert, AlertGroup):
            return self._group_row(alert, data)
        quiet = alert.status != "firing" or alert.noise or alert.snoozed(data.now)
        text = Text(no_wrap=True, overflow="ellipsis", style="dim" if quiet else "")
        text.append("●" if alert.id in self.selected else " ", "bold")
        if alert.status != "firing":
            text.append("ok ")
        text.append(SEVERITY_WORD.get(alert.severity, alert.severity[:4].upper()),
                    SEVERITY_STYLE.get(alert.severity, "") if not quiet else "")
        text.append(" ✓" if alert.acked_by else "  ", "bold")
        started = alert.starts_at or alert.first_seen
        age = format_duration(now - parse_utc(started)) if started else "-"
        text.append(f" ×{alert.count} {age} ")
        text.append(one_line(alert.title), "bold" if alert.severity == "critical" and not quiet else "")
        if alert.service:
            text.append(f" — {one_line(alert.service, 24)}", "italic")
        flags = "".join(f for f, on in (("z", alert.snoozed(data.now)), ("n", alert.noise),
                                        ("~", alert.flapping)) if on)
        if flags:
            text.append(f" [{flags}]")
        if alert.owner and alert.owner != alert.acked_by:   # who has it, when not the acker
            text.append(f" @{one_line(alert.owner, 16)}", "bold")
        if alert.acked_by:
            text.append(f" ✓{one_line(alert.acked_by, 16)}")
        if alert.incident_id:
            current = data.incident is not None and alert.incident_id == data.incident.id
            text.append(f" {alert.incident}", "bold" if current else "")
        if alert.ticket:
            text.append(f" ticket #{one_line(alert.ticket.rstrip('/').rsplit('/', 1)[-1], 8)}")
        return text

    def _group_row(self, group: AlertGroup, data: AlertFeedData) -> Text:
        """`▸ HIGH 12 × alertname=HighLatency · 9 firing · 3 acked · INC-3`."""
        firing = group.firing
        text = Text(no_wrap=True, overflow="ellipsis", style="" if firing else "dim")
        text.append("▾ " if group.name in self.expanded else "▸ ", "bold")
        text.append(SEVERITY_WORD.get(group.severity, group.severity[:4].upper()),
                    SEVERITY_STYLE.get(group.severity, "") if firing else "")
        text.append(f" {len(group.alerts)} × ")
        text.append(one_line(group.name), "bold")
        acked = sum(1 for a in group.alerts if a.acked_by)
        text.append(f" · {firing} firing" + (f" · {acked} acked" if acked else ""))
        incidents = sorted({a.incident for a in group.alerts if a.incident_id})
        if incidents:
            text.append(" " + " ".join(incidents[:3]) + (" …" if len(incidents) > 3 else ""))
        return text

    # -- which alerts an action applies to ------------------------------------------------

    def highlighted_row(self) -> AlertRow | AlertGroup | None:
        index = self.query_one("#alerts-list", AlertList).highlighted
        if index is None or index >= len(self.rows):
            return None
        return self.rows[index]

    def highlighted_alert(self) -> AlertRow | None:
        row = self.highlighted_row()
        return row if isinstance(row, AlertRow) else None

    def highlighted_group(self) -> AlertGroup | None:
        row = self.highlighted_row()
        return row if isinstance(row, AlertGroup) else None

    def targets(self) -> list[AlertRow]:
        """The selected alerts, else the highlighted group's alerts, else the highlighted one."""
        if self.selected and self.data is not None:
            return [a for a in self.data.alerts if a.id in self.selected]
        row = self.highlighted_row()
        if isinstance(row, AlertGroup):
            return list(row.alerts)
        return [row] if row else []

    def _group_named(self) -> str | None:
        """The group the action is on (for the timeline entry), when it is on a group."""
        group = self.highlighted_group()
        return group.name if group is not None and not self.selected else None

    def _write(self, fn, targets: list[AlertRow], *args: Any, done: str, **kwargs: Any) -> None:  # noqa: ANN001
        if not targets:
            self.app.notify("No alert highlighted or selected.", markup=False)
            return
        self.selected.clear()
        self.app.run_write(fn, targets if len(targets) > 1 else targets[0], *args,
                           done=done, **kwargs)

    @staticmethod
    def _label(targets: list[AlertRow]) -> str:
        return f"{len(targets)} alerts" if len(targets) > 1 else f"alert {targets[0].id}"

    # -- actions --------------------------------------------------------------------------

    def action_ack(self) -> None:
        from firedesk.intake.triage import ack_alert

        targets = self.targets()
        if targets:
            self._write(ack_alert, targets, author=self.app.actor,
                        done=f"{self._label(targets)} acknowledged")

    def action_take(self) -> None:
        from firedesk.intake.triage import take_alert

        targets = self.targets()
        if targets:
            self._write(take_alert, targets, author=self.app.actor,
                        done=f"{self._label(targets)} taken: yours now")

    def action_noise(self) -> None:
        from firedesk.intake.triage import mark_noise

        targets = self.targets()
        if targets:
            noise = not all(a.noise for a in targets)
            self._write(mark_noise, targets, author=self.app.actor, noise=noise,
                        done=f"{self._label(targets)} {'marked' if noise else 'unmarked'} as noise")

    def action_attach(self) -> None:
        from firedesk.intake.triage import attach_alert

        incident = self.data.incident if self.data else None
        if incident is None:
            self.app.notify("Open an incident first: alerts attach to the open incident.",
                            markup=False)
            return
        targets, group = self.targets(), self._group_named()
        if targets:
            self._write(attach_alert, targets, incident, author=self.app.actor, group=group,
                        done=f"{self._label(targets)} attached to {incident.key}")

    def action_detach(self) -> None:
        """Undo an attachment (recorded on the incident's timeline)."""
        from firedesk.intake.triage import detach_alert

        targets = [a for a in self.targets() if a.incident_id]
        if not self.targets():
            self.app.notify("No alert highlighted or selected.", markup=False)
        elif not targets:
            self.app.notify("Not attached to an incident: nothing to detach.", markup=False)
        else:
            self._write(detach_alert, targets, author=self.app.actor,
                        group=self._group_named(),
                        done=f"{self._label(targets)} detached")

    def action_group(self) -> None:
        """Rows grouped by [alerts] group_by (alertname by default), or one per alert."""
        self.grouping = not self.grouping
        self.expanded.clear()
        self._shown_signature = None
        self._render_rows()
        by = ", ".join(self.data.group_by) if self.data else "alertname"
        self.app.notify(f"Alerts grouped by {by}" if self.grouping else "One row per alert",
                        markup=False, timeout=3)

    def action_snooze(self) -> None:
        self._ask_duration("Snooze", self._snooze)

    def _snooze(self, targets: list[AlertRow], duration, reason: str) -> None:  # noqa: ANN001
        from firedesk.intake.triage import snooze_alert

        self._write(snooze_alert, targets, duration, reason=reason, author=self.app.actor,
                    done=f"{self._label(targets)} snoozed")

    def action_silence(self) -> None:
        url = self.data.silence_url if self.data else None
        if not url:
            self.app.notify("No Alertmanager configured: set [receiver.sources.alertmanager] "
                            "url in firedesk.toml.", markup=False)
            return
        targets = [a for a in self.targets() if a.source == "alertmanager"]
        if not targets:
            self.app.notify("Only Alertmanager alerts can be silenced from here.", markup=False)
            return
        self._ask_duration("Silence in Alertmanager",
                           lambda chosen, duration, reason: self._silence(chosen, duration, reason, url),
                           targets)

    def _silence(self, targets: list[AlertRow], duration, reason: str, url: str) -> None:  # noqa: ANN001
        self.selected.clear()
        self.app.run_write(silence_each, targets, url, duration, reason=reason, author=self.app.actor,
                           done=f"{self._label(targets)} silenced in Alertmanager")

    def action_ticket(self) -> None:
        from firedesk.intake.tickets import ticket_each, ticket_settings

        # A scratch copy: config problems are reported once, by the app, not per key press.
        settings = ticket_settings(self.app.config)
        if settings is None:
            self.app.notify("Tickets are not configured: [tickets] repo and a token in "
                            "firedesk.toml (firedesk doctor says what is missing).", markup=False)
            return
        targets = self.targets()
        if targets:
            self._write(ticket_each, targets, settings, author=self.app.actor,
                        done=f"{self._label(targets)} ticketed in {settings.repo}")

    def _ask_duration(self, verb: str, then, targets: list[AlertRow] | None = None) -> None:  # noqa: ANN001
        from firedesk.clock import parse_duration
        from firedesk.errors import FiredeskError
        from firedesk.screens.response_form import ResponseForm

        targets = targets if targets is not None else self.targets()
        if not targets:
            return
        fields = [("duration", "For how long (empty: 30m):", "", "30m · 15m, 1h, 2d", False),
                  ("reason", "Why (recorded):", "", "e.g. known: deploy rolling back", True)]

        def answered(values: dict | None) -> None:
            if not values:
                return
            try:
                duration = parse_duration(values["duration"] or "30m")
            except FiredeskError as exc:
                self.app.notify(str(exc), title="Not recorded", severity="error", markup=False)
                return
            then(targets, duration, values["reason"])

        self.app.push_screen(ResponseForm(f"{verb} {self._label(targets)}", fields), answered)

    def action_declare(self) -> None:
        from firedesk.intake.triage import declare_from_alert
        from firedesk.screens.response_form import ResponseForm

        alert = self.highlighted_alert()
        if alert is None:
            return

        def answered(values: dict | None) -> None:
            if not values:
                return
            self.app.run_write(declare_from_alert, alert, severity=values["choice"],
                               author=self.app.actor, zone=self.app.config.clock.zone,
                               done="incident declared",
                               then=lambda incident: self.app.open_incident(incident.id))

        chosen = "SEV2" if alert.severity == "critical" else "SEV3"
        self.app.push_screen(ResponseForm(
            f"Declare an incident from alert {alert.id}: {one_line(alert.title, 60)}", [],
            choices=[(s, s) for s in SEVERITIES], chosen=chosen,
            hint="↑↓ severity · Enter declare · Esc cancel"), answered)

    def action_details(self) -> None:
        from firedesk.screens.alert_details import AlertDetails

        alert = self.highlighted_alert()
        if alert is not None:
            self.app.push_screen(AlertDetails(alert))

    @on(AlertList.Opened)
    def _opened(self, event: AlertList.Opened) -> None:
        event.stop()
        group = self.highlighted_group()
        if group is not None:
            self.expanded ^= {group.name}
            self._render_rows()
        else:
            self.action_details()

    def action_select(self) -> None:
        row = self.highlighted_row()
        if isinstance(row, AlertGroup):
            ids = {a.id for a in row.alerts}
            self.selected = self.selected - ids if ids <= self.selected else self.selected | ids
            self._render_rows()
        elif row is not None:
            self.selected ^= {row.id}
            self._render_rows()

    def action_select_all(self) -> None:
        shown = {a.id for a in self.shown}
        self.selected = set() if shown and shown <= self.selected else self.selected | shown
        self._render_rows()

    # -- filtering ------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#alerts-filter", Input)
        box.display = True
        box.value = self.query_text
        box.focus()

    @on(Input.Changed, "#alerts-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_text = event.value.strip()
        self._render_rows()

    @on(Input.Submitted, "#alerts-filter")
    def _filter_kept(self, event: Input.Submitted) -> None:
        event.stop()
        box = self.query_one("#alerts-filter", Input)
        box.display = bool(self.query_text)
        self.query_one("#alerts-list", AlertList).focus()

    @on(Input.Blurred, "#alerts-filter")
    def _filter_left(self, event: Input.Blurred) -> None:
        self.query_one("#alerts-filter", Input).display = bool(self.query_text)

    def clear_filter(self) -> None:
        box = self.query_one("#alerts-filter", Input)
        box.value = ""
        box.display = False
        self.query_text = ""
        self._render_rows()
        self.query_one("#alerts-list", AlertList).focus()


class FilterBox(Input):
    """The filter line: Esc clears it and returns to the list."""

    BINDINGS = [Binding("escape", "clear_filter", "Clear filter", id="alerts.filter-clear")]

    def action_clear_filter(self) -> None:
        feed = next((a for a in self.ancestors if isinstance(a, AlertFeed)), None)
        if feed is not None:
            feed.clear_filter()
