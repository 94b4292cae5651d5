"""The incident as it stood at any instant, rebuilt from the events recorded by then.

"As it stood" means what the responders' consoles showed: an event counts from the moment
it was recorded (`recorded_at`), so an entry backdated later does not appear earlier than
anyone could have read it. Alerts come from the alert table when the record has one
(present once first seen; resolved once last seen, if resolved now).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from typing import Any, Sequence

from firedesk.clock import DEFAULT_ALERT_WINDOW

from firedesk.review.measures import measure_incident, parse_utc
from firedesk.errors import InvalidInput
from firedesk.model import Event, Incident
from firedesk.review.record import AlertRow, alert_transitions, alerts_for
from firedesk.store import events_for
from firedesk.store.store import Store


RECENT = 8


@dataclass(frozen=True)
class ReplayState:
    """One moment of an incident: what its console showed then."""

    key: str
    at: str
    status: str | None
    severity: str | None
    roles: dict[str, list[str]]
    open_hypotheses: list[str]
    open_tasks: list[str]
    alerts: list[dict[str, Any]]
    last_update: dict[str, Any] | None
    last_entry: dict[str, Any] | None
    events: int
    checklist_done: int = 0
    recent: list[dict[str, Any]] = field(default_factory=list)  # the last entries, oldest first
    measures: dict[str, Any] = field(default_factory=dict)  # review/measures as known then

    @property
    def declared(self) -> bool:
        return self.status is not None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def state_at(incident: Incident, events: Sequence[Event], at: str,
             alerts: Sequence[AlertRow] = (),
             transitions: dict[int, list[tuple[str, str]]] | None = None, *,
             cadence_minutes: dict[str, int] | None = None,
             alert_window: timedelta = DEFAULT_ALERT_WINDOW) -> ReplayState:
    """Fold `events` (in recorded order) up to the instant `at` into a ReplayState."""
    moment = parse_utc(at)
    status = severity = None
    roles: dict[str, list[str]] = {}
    hypotheses: dict[int | str, str] = {}
    tasks: dict[int, str] = {}
    checklist: dict[str, str] = {}
    last_update = last_entry = None
    recent: list[dict[str, Any]] = []
    count = 0
    for e in events:
        if parse_utc(e.recorded_at) > moment:
            break
        count += 1
        d = e.data
        if e.kind == "declared":
            status, severity = d.get("status", "investigating"), d.get("severity")
        elif e.kind == "status":
            status = d.get("to", status)
        elif e.kind == "severity":
            severity = d.get("to", severity)
        elif e.kind == "role" and d.get("role"):
            holders = [p for p in roles.get(d["role"], []) if p not in (d.get("previous") or [])]
            if d.get("person"):
                holders.append(d["person"])
            roles[d["role"]] = holders
        elif e.kind == "hypothesis":
            hypotheses[d.get("hypothesis") if isinstance(d.get("hypothesis"), int) else f"#{e.id}"] = (
                (f"H{d['hypothesis']} " if isinstance(d.get("hypothesis"), int) else "") + e.text)
        elif e.kind == "hypothesis-tracked" and isinstance(d.get("hypothesis"), int):
            text = hypotheses.pop(f"#{d.get('event')}", None)
            if text is not None:
                hypotheses[d["hypothesis"]] = f"H{d['hypothesis']} {text}"
        elif e.kind == "conclusion" and isinstance(d.get("hypothesis"), int):
            hypotheses.pop(d["hypothesis"], None)
        elif e.kind == "task" and isinstance(d.get("task"), int):
            tasks[d["task"]] = e.text
        elif e.kind.startswith("task-") and e.kind != "task-check-in" and isinstance(d.get("task"), int):
            tasks.pop(d["task"], None)
        elif e.kind == "checklist" and d.get("item"):
            checklist[str(d["item"])] = str(d.get("state"))
        if e.kind == "update":
            last_update = {"at": e.at, "author": e.author, "text": e.text, "event_id": e.id}
        last_entry = {"at": e.at, "author": e.author, "kind": e.kind, "text": e.text,
                      "event_id": e.id}
        recent.append(last_entry)
        if len(recent) > 2 * RECENT:
            del recent[:-RECENT]
    shown_alerts = []
    for a in alerts:
        if not a.first_seen or parse_utc(a.first_seen) > moment:
            continue
        changes = (transitions or {}).get(a.id or 0)
        if changes:
            alert_status = "firing"
            for when, to_status in changes:
                if parse_utc(when) <= moment:
                    alert_status = to_status
        else:
            ended = a.status == "resolved" and a.last_seen and parse_utc(a.last_seen) <= moment
            alert_status = "resolved" if ended else "firing"
        shown_alerts.append({"id": a.id, "source": a.source, "title": a.title,
                             "status": alert_status,
                             "first_seen": a.first_seen})
    known = [e for e in events if parse_utc(e.recorded_at) <= moment]
    seen = [a if not a.acked_at or parse_utc(a.acked_at) <= moment
            else replace(a, acked_at=None, acked_by=None)
            for a in alerts if a.first_seen and parse_utc(a.first_seen) <= moment]
    measured = measure_incident(known, seen, cadence_minutes=cadence_minutes,
                                alert_window=alert_window)
    return ReplayState(
        key=incident.key, at=at, status=status, severity=severity,
        roles={r: p for r, p in roles.items() if p}, open_hypotheses=list(hypotheses.values()),
        open_tasks=list(tasks.values()), alerts=shown_alerts, last_update=last_update,
        last_entry=last_entry, events=count,
        checklist_done=sum(1 for s in checklist.values() if s in ("done", "na")),
        recent=recent[-RECENT:], measures=measured.to_json(),
    )


class Replay:
    """An incident's events loaded once, to look at many instants cheaply."""

    def __init__(self, store: Store, incident: Incident, *,
                 cadence_minutes: dict[str, int] | None = None,
                 alert_window: timedelta = DEFAULT_ALERT_WINDOW):
        self.incident = incident
        self.cadence_minutes = cadence_minutes
        self.alert_window = alert_window
        self.events = events_for(store, incident.id)
        self.alerts = alerts_for(store, incident.id)
        self.transitions = alert_transitions(store, [a.id for a in self.alerts if a.id])

    @property
    def start(self) -> str:
        return self.events[0].recorded_at if self.events else self.incident.declared_at

    @property
    def end(self) -> str:
        return self.events[-1].recorded_at if self.events else self.incident.updated_at

    def moments(self) -> list[str]:
        """Every instant at which something changed: each event's recorded time, each
        alert's first sighting and status change, in order."""
        times = {e.recorded_at for e in self.events}
        times.update(a.first_seen for a in self.alerts if a.first_seen)
        times.update(at for changes in self.transitions.values() for at, _ in changes)
        return sorted(times, key=parse_utc)

    def at(self, moment: str) -> ReplayState:
        try:
            parse_utc(moment)
        except ValueError as exc:
            raise InvalidInput(f"cannot read time {moment!r}; use ISO 8601 like "
                               "2026-11-22T03:15") from exc
        return state_at(self.incident, self.events, moment, self.alerts, self.transitions,
                        cadence_minutes=self.cadence_minutes, alert_window=self.alert_window)
