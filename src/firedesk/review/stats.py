"""`firedesk stats`: how the response has been going, across incidents.

Every figure is read from the same measures the postmortem and `show` give
(review/measures.py, from the same events and alerts), so a number here can always be
traced to the incidents it came from.

- time to acknowledge: detection → the first response by someone other than the
  declarer (incidents nobody else has answered yet are counted as "not measured");
- time to resolve: first sign of the problem → resolution (resolved incidents only);
- updates: how many were sent, and each deadline between them kept or missed for the
  most urgent severity in force;
- alert noise ratio: the share of alerts never attached to any incident (alerts people
  flagged as noise are counted separately).
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from firedesk.clock import DEFAULT_ALERT_WINDOW
from firedesk.config import DEFAULT_CADENCE_MINUTES
from firedesk.model import SEVERITIES, Event, incident_key
from firedesk.review import measures
from firedesk.review.record import alerts_for, table_columns
from firedesk.store.store import Store


@dataclass(frozen=True)
class Spread:
    """Mean and median of a duration over the incidents that have it (seconds)."""

    count: int
    mean: float | None
    median: float | None

    @classmethod
    def of(cls, values: list[int]) -> "Spread":
        if not values:
            return cls(0, None, None)
        return cls(len(values), float(statistics.fmean(values)), float(statistics.median(values)))


@dataclass(frozen=True)
class Stats:
    since: str | None
    incidents: int
    open: int
    by_severity: dict[str, int]
    time_to_acknowledge: Spread
    time_to_resolve: Spread
    acknowledge_not_measured: int
    updates_sent: int
    deadlines_kept: int
    deadlines_missed: int
    incidents_with_missed_deadlines: int
    alerts: int | None
    alerts_without_incident: int | None
    alert_noise_ratio: float | None
    alerts_marked_noise: int | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _events_by_incident(store: Store, ids: list[int]) -> dict[int, list[Event]]:
    out: dict[int, list[Event]] = {i: [] for i in ids}
    if not ids:
        return out
    # Every event, as the export reads them: a measure must not depend on who asks.
    first, last = min(ids), max(ids)
    rows = store.query(
        "SELECT id, incident_id, at, recorded_at, author, role, kind, text, data, corrects, "
        "prev_hash, hash FROM events WHERE incident_id BETWEEN ? AND ? ORDER BY id",
        (first, last))
    for row in rows:
        if row["incident_id"] in out:
            out[row["incident_id"]].append(Event.from_row(row))
    return out


def incident_stats(store: Store, *, since: str | None = None,
                   cadence_minutes: dict[str, int] | None = None,
                   alert_window: timedelta = DEFAULT_ALERT_WINDOW) -> Stats:
    """Figures over incidents declared at or after `since` (UTC ISO; None: all)."""
    cadence_minutes = cadence_minutes or DEFAULT_CADENCE_MINUTES
    where, params = ("WHERE declared_at >= ?", [since]) if since else ("", [])
    rows = store.query(f"SELECT id, status FROM incidents {where} ORDER BY id", params)
    ids = [r[0] for r in rows]
    events = _events_by_incident(store, ids)
    has_alerts = "id" in table_columns(store, "alerts")
    by_severity = {s: 0 for s in SEVERITIES}
    ack: list[int] = []
    resolve: list[int] = []
    unmeasured = sent = kept = missed = missed_incidents = 0
    notes: list[str] = []
    for incident_id in ids:
        evs = events[incident_id]
        peak = min((e.data.get("severity") if e.kind == "declared" else e.data.get("to"))
                   or "SEV5" for e in evs if e.kind in ("declared", "severity")) if evs else None
        if peak in by_severity:
            by_severity[peak] += 1
        alerts = alerts_for(store, incident_id) if has_alerts else []
        m = measures.measure_incident(evs, alerts, cadence_minutes=cadence_minutes,
                                      alert_window=alert_window)
        took = m.seconds("time to acknowledge")
        if took is not None:
            ack.append(took)
        elif m.milestones["declared"].at:
            unmeasured += 1
        took = m.seconds("time to resolve")
        if took is not None:
            resolve.append(took)
        sent += m.updates.sent
        kept += m.updates.kept
        missed += m.updates.missed
        missed_incidents += 1 if m.updates.missed else 0
        notes.extend(f"{incident_key(incident_id)}: {note}" for note in m.ignored)
    total_alerts = unlinked = noise = marked = None
    if has_alerts:
        columns = table_columns(store, "alerts")
        seen = next((c for c in ("first_seen", "received_at", "created_at") if c in columns), None)
        alert_where, alert_params = (f"WHERE {seen} >= ?", [since]) if since and seen else ("", [])
        total_alerts = store.query_one(f"SELECT count(*) FROM alerts {alert_where}",
                                       alert_params)[0]
        if "incident_id" in columns:
            joiner = "AND" if alert_where else "WHERE"
            unlinked = store.query_one(
                f"SELECT count(*) FROM alerts {alert_where} {joiner} incident_id IS NULL",
                alert_params)[0]
            noise = round(unlinked / total_alerts, 4) if total_alerts else None
        else:
            notes.append("alerts are not linked to incidents in this record: no noise ratio")
        if "noise" in columns:
            joiner = "AND" if alert_where else "WHERE"
            marked = store.query_one(
                f"SELECT count(*) FROM alerts {alert_where} {joiner} noise != 0", alert_params)[0]
    else:
        notes.append("no alerts table in this record: no alert figures")
    return Stats(
        since=since, incidents=len(ids), open=sum(1 for r in rows if r[1] != "resolved"),
        by_severity=by_severity, time_to_acknowledge=Spread.of(ack),
        time_to_resolve=Spread.of(resolve), acknowledge_not_measured=unmeasured,
        updates_sent=sent, deadlines_kept=kept, deadlines_missed=missed,
        incidents_with_missed_deadlines=missed_incidents, alerts=total_alerts,
        alerts_without_incident=unlinked, alert_noise_ratio=noise, alerts_marked_noise=marked,
        notes=notes,
    )
