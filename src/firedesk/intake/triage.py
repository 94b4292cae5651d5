"""Working the alert feed: list, acknowledge, snooze, attach to an incident, mark as noise.

Each triage act updates the alert row and appends a timeline event in the same
transaction (on the attached incident, or with no incident), so the record says who did
what and when.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any, Sequence

from firedesk.clock import parse_utc, to_iso
from firedesk.errors import InvalidInput, NotFound
from firedesk.intake.severity import SEVERITY_ORDER
from firedesk.model import Incident, incident_key
from firedesk.store.store import Store
from firedesk.store.timeline import append_event

_COLUMNS = (
    "id, source, dedup_key, title, service, severity, severity_raw, status, labels, "
    "annotations, links, starts_at, ends_at, first_seen, last_seen, count, fired_count, "
    "resolved_at, flapping, acked_by, acked_at, snoozed_until, snooze_reason, noise, "
    "incident_id, silence_id, last_delivery, owner, owned_at, occurrence, changed_at, "
    # The GitHub issue filed for it, if any (intake/tickets.py).
    "(SELECT t.url FROM alert_ticket_links l JOIN tickets t ON t.id = l.ticket_id "
    "WHERE l.alert_id = alerts.id) AS ticket"
)
_SEVERITY_SQL = "CASE severity " + " ".join(
    f"WHEN '{s}' THEN {i}" for i, s in enumerate(SEVERITY_ORDER)) + " ELSE 9 END"
_REF = re.compile(r"^(?:a-?|alert-?)?(\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class AlertRow:
    """One deduplicated alert as it stands now."""

    id: int
    source: str
    dedup_key: str
    title: str
    service: str | None
    severity: str
    severity_raw: str | None
    status: str
    labels: dict[str, str]
    annotations: dict[str, str]
    links: dict[str, str]
    starts_at: str | None
    ends_at: str | None
    first_seen: str
    last_seen: str
    count: int
    fired_count: int
    resolved_at: str | None
    flapping: bool
    acked_by: str | None
    acked_at: str | None
    snoozed_until: str | None
    snooze_reason: str | None
    noise: bool
    incident_id: int | None
    silence_id: str | None
    last_delivery: int | None = None
    owner: str | None = None                 # who has it (taken here, or as the source says)
    owned_at: str | None = None
    occurrence: str | None = None            # the source's current episode (Datadog's cycle)
    changed_at: str | None = None            # the source's time of the status shown
    ticket: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: Any) -> "AlertRow":
        values = dict(row)
        for key in ("labels", "annotations", "links"):
            values[key] = json.loads(values[key] or "{}")
        values["flapping"] = bool(values["flapping"])
        values["noise"] = bool(values["noise"])
        return cls(**values)

    @property
    def incident(self) -> str | None:
        return incident_key(self.incident_id) if self.incident_id else None

    def snoozed(self, now: str) -> bool:
        return bool(self.snoozed_until and self.snoozed_until > now)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        data["incident"] = self.incident
        return data


def list_alerts(store: Store, *, status: str | None = None, incident_id: int | None = None,
                limit: int | None = None, include_noise: bool = True) -> list[AlertRow]:
    """Firing first, then by severity (critical first), then most recently seen."""
    where, params = [], []
    if status:
        if status not in ("firing", "resolved"):
            raise InvalidInput(f"unknown alert status {status!r}; use firing or resolved")
        where.append("status = ?")
        params.append(status)
    if incident_id is not None:
        where.append("incident_id = ?")
        params.append(incident_id)
    if not include_noise:
        where.append("noise = 0")
    sql = f"SELECT {_COLUMNS} FROM alerts"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY status = 'resolved', {_SEVERITY_SQL}, last_seen DESC, id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return _parsed(store.query(sql, params))


# Consoles re-read the feed after every commit; most rows have not changed since the last
# read, so their parsed form (three JSON columns, a dataclass) is kept by the row's exact
# values. Any change to any column is a new key, so nothing stale can be served. Only the
# last read's rows are kept: the cache is never larger than one read.
_LAST_READ: dict[tuple, AlertRow] = {}


def _parsed(rows: Any) -> list[AlertRow]:
    global _LAST_READ
    known, fresh = _LAST_READ, {}
    for row in rows:
        key = tuple(row)
        fresh[key] = known.get(key) or AlertRow.from_row(row)
    _LAST_READ = fresh
    return list(fresh.values())


def find_alert(store: Store, ref: str | int) -> AlertRow:
    """An alert by id (`12`, `A-12`) or by its dedup key (when that is unambiguous)."""
    text = str(ref).strip()
    match = _REF.match(text)
    if match:
        row = store.query_one(f"SELECT {_COLUMNS} FROM alerts WHERE id = ?", (int(match.group(1)),))
        if row:
            return AlertRow.from_row(row)
    rows = store.query(f"SELECT {_COLUMNS} FROM alerts WHERE dedup_key = ? LIMIT 2", (text,))
    if len(rows) == 1:
        return AlertRow.from_row(rows[0])
    if len(rows) > 1:
        raise InvalidInput(f"{text!r} names alerts from several sources; use the alert id")
    raise NotFound(f"no alert {text!r} (see `firedesk alerts` for ids)")


def raw_body(store: Store, alert: AlertRow, limit: int = 65536) -> tuple[bytes, int]:
    """The last delivery's body that mentioned the alert (first `limit` bytes, full size)."""
    if not alert.last_delivery:
        return b"", 0
    row = store.query_one(
        "SELECT substr(body, 1, ?) AS head, length(body) AS size FROM alert_deliveries "
        "WHERE id = ?", (limit, alert.last_delivery))
    return (bytes(row["head"]), row["size"]) if row else (b"", 0)


def _summary(alert: AlertRow) -> dict[str, Any]:
    return {"alert_id": alert.id, "source": alert.source, "dedup_key": alert.dedup_key,
            "title": alert.title, "severity": alert.severity}


def _minute(iso: str) -> str:
    """`2026-11-22 03:02 UTC` from a stored UTC time."""
    return f"{iso[:10]} {iso[11:16]} UTC"


def _current(conn: Any, alert_id: int) -> Any:
    row = conn.execute("SELECT incident_id FROM alerts WHERE id = ?", (alert_id,)).fetchone()
    if row is None:
        raise NotFound(f"alert {alert_id} no longer exists")
    return row[0]


def _many(alerts: AlertRow | Sequence[AlertRow]) -> list[AlertRow]:
    found = [alerts] if isinstance(alerts, AlertRow) else list(alerts)
    if not found:
        raise InvalidInput("no alerts selected; nothing was recorded")
    return found


def _result(alerts: AlertRow | Sequence[AlertRow], store: Store) -> Any:
    """The fresh row for one alert, or the number of alerts changed for several."""
    if isinstance(alerts, AlertRow):
        return find_alert(store, alerts.id)
    return len(alerts)


def ack_alert(store: Store, alerts: AlertRow | Sequence[AlertRow], *, author: str) -> Any:
    """Record that `author` has the alert(s) in hand (one transaction for all).

    An alert nobody owns becomes the acknowledger's: who acked it is who has it.
    """
    with store.write() as conn:
        now = store.now()
        for alert in _many(alerts):
            incident_id = _current(conn, alert.id)
            conn.execute("UPDATE alerts SET acked_by = ?, acked_at = ?, "
                         "owned_at = CASE WHEN owner IS NULL THEN ? ELSE owned_at END, "
                         "owner = coalesce(owner, ?) WHERE id = ?",
                         (author, now, now, author, alert.id))
            append_event(store, incident_id=incident_id, kind="alert.ack", author=author,
                         text=f"acknowledged alert {alert.id}: {alert.title}", data=_summary(alert))
    return _result(alerts, store)


def take_alert(store: Store, alerts: AlertRow | Sequence[AlertRow], *, author: str,
               owner: str | None = None) -> Any:
    """`author` takes the alert(s), or hands them to `owner`; one timeline entry per incident."""
    owner = (owner or author).strip()
    if not owner:
        raise InvalidInput("who should have it? (--to NAME); nothing was recorded")
    with store.write() as conn:
        now = store.now()
        by_incident: dict[Any, list[AlertRow]] = {}
        for alert in _many(alerts):
            incident_id = _current(conn, alert.id)
            conn.execute("UPDATE alerts SET owner = ?, owned_at = ? WHERE id = ?",
                         (owner, now, alert.id))
            by_incident.setdefault(incident_id, []).append(alert)
        to = "" if owner == author else f" to {owner}"
        for incident_id, taken in by_incident.items():
            what = (f"alert {taken[0].id}{to}: {taken[0].title}" if len(taken) == 1 else
                    f"{len(taken)} alerts{to}: " + ", ".join(str(a.id) for a in taken[:20])
                    + (" …" if len(taken) > 20 else ""))
            append_event(store, incident_id=incident_id, kind="alert.take", author=author,
                         text=f"{'took' if not to else 'handed'} {what}",
                         data={"owner": owner, "count": len(taken),
                               "alerts": [_summary(a) for a in taken]})
    return _result(alerts, store)


def snooze_alert(store: Store, alerts: AlertRow | Sequence[AlertRow], duration: timedelta, *,
                 reason: str, author: str) -> Any:
    """Hide the alert(s) from the feed until now + `duration`, with a reason on the record."""
    if not reason or not reason.strip():
        raise InvalidInput("a snooze needs a reason (--reason TEXT); nothing was recorded")
    with store.write() as conn:
        until = to_iso(parse_utc(store.now()) + duration)
        for alert in _many(alerts):
            incident_id = _current(conn, alert.id)
            conn.execute("UPDATE alerts SET snoozed_until = ?, snooze_reason = ? WHERE id = ?",
                         (until, reason, alert.id))
            append_event(store, incident_id=incident_id, kind="alert.snooze", author=author,
                         text=f"snoozed alert {alert.id} until {until}: {reason}",
                         data={**_summary(alert), "until": until, "reason": reason})
    return _result(alerts, store)


def _titles(alerts: Sequence[AlertRow], most: int = 3) -> str:
    shown = "; ".join(a.title for a in alerts[:most])
    return shown + (f"; … {len(alerts) - most} more" if len(alerts) > most else "")


def _bulk_data(alerts: Sequence[AlertRow], group: str | None) -> dict[str, Any]:
    return {"count": len(alerts), "group": group, "alert_ids": [a.id for a in alerts],
            "alerts": [_summary(a) for a in alerts[:50]]}


def attach_alert(store: Store, alerts: AlertRow | Sequence[AlertRow], incident: Incident, *,
                 author: str, group: str | None = None) -> Any:
    """Link the alert(s) to an incident. One alert: one timeline entry about it. A group
    or a selection: ONE entry naming the count (and the group), however many there are."""
    with store.write() as conn:
        attached: list[tuple[AlertRow, Any, dict[str, Any]]] = []
        for alert in _many(alerts):
            current = _current(conn, alert.id)
            if current == incident.id:
                continue
            conn.execute("UPDATE alerts SET incident_id = ? WHERE id = ?", (incident.id, alert.id))
            before = dict(zip(("acked_by", "acked_at", "snoozed_until", "snooze_reason"), conn.execute(
                "SELECT acked_by, acked_at, snoozed_until, snooze_reason FROM alerts WHERE id = ?",
                (alert.id,)).fetchone()))
            attached.append((alert, current, before))
        if len(attached) == 1 and group is None:
            _attach_entry(store, incident, *attached[0], author=author)
        elif attached:
            taken = [a for a, _, _ in attached]
            acked = sum(1 for _, _, before in attached if before["acked_by"])
            named = f" (group {group})" if group else ""
            append_event(store, incident_id=incident.id, kind="alert.attach", author=author,
                         text=f"attached {len(taken)} alerts{named}: {_titles(taken)}"
                              + (f"; {acked} of them acknowledged before" if acked else ""),
                         data={**_bulk_data(taken, group),
                               "previous_incidents": sorted({c for _, c, _ in attached if c})})
    return _result(alerts, store)


def _attach_entry(store: Store, incident: Incident, alert: AlertRow, current: Any,
                  before: dict[str, Any], *, author: str) -> None:
    # An ack or snooze made before the alert was attached is on no incident's timeline:
    # say it here, so the incident's record has who did it and when.
    earlier = ""
    if before["acked_by"] and before["acked_at"]:
        earlier += f"; acknowledged before by {before['acked_by']} at {_minute(before['acked_at'])}"
    if before["snoozed_until"] and before["snoozed_until"] > store.now():
        earlier += (f"; snoozed until {_minute(before['snoozed_until'])}: "
                    f"{before['snooze_reason'] or ''}").rstrip(": ")
    append_event(store, incident_id=incident.id, kind="alert.attach", author=author,
                 text=f"attached alert {alert.id} ({alert.source}, {alert.severity}, "
                      f"{alert.status}): {alert.title}{earlier}",
                 data={**_summary(alert), "status": alert.status,
                       "service": alert.service, "links": alert.links,
                       "previous_incident": current,
                       **({k: v for k, v in before.items() if v} if earlier else {})})


def detach_alert(store: Store, alerts: AlertRow | Sequence[AlertRow], *, author: str,
                 group: str | None = None) -> Any:
    """Undo an attachment: the incident's timeline says so (one entry for a group/selection)."""
    with store.write() as conn:
        by_incident: dict[int, list[AlertRow]] = {}
        for alert in _many(alerts):
            current = _current(conn, alert.id)
            if current is None:
                continue
            conn.execute("UPDATE alerts SET incident_id = NULL WHERE id = ?", (alert.id,))
            by_incident.setdefault(current, []).append(alert)
        if not by_incident:
            raise InvalidInput("not attached to an incident; nothing was recorded")
        for incident_id, gone in by_incident.items():
            if len(gone) == 1 and group is None:
                alert = gone[0]
                text = (f"detached alert {alert.id} ({alert.source}, {alert.severity}, "
                        f"{alert.status}): {alert.title}")
                data = {**_summary(alert), "status": alert.status}
            else:
                named = f" (group {group})" if group else ""
                text = f"detached {len(gone)} alerts{named}: {_titles(gone)}"
                data = _bulk_data(gone, group)
            append_event(store, incident_id=incident_id, kind="alert.detach", author=author,
                         text=text, data=data)
    return _result(alerts, store)


def mark_noise(store: Store, alerts: AlertRow | Sequence[AlertRow], *, author: str,
               noise: bool = True) -> Any:
    """Flag (or unflag) alert(s) as noise: kept, counted, shown last and dimmed."""
    with store.write() as conn:
        for alert in _many(alerts):
            incident_id = _current(conn, alert.id)
            conn.execute("UPDATE alerts SET noise = ? WHERE id = ?", (1 if noise else 0, alert.id))
            append_event(store, incident_id=incident_id, kind="alert.noise", author=author,
                         text=f"{'marked' if noise else 'unmarked'} alert {alert.id} as noise: "
                              f"{alert.title}", data={**_summary(alert), "noise": noise})
    return _result(alerts, store)


def record_silence(store: Store, alert: AlertRow, silence_id: str, *, until: str, reason: str,
                   author: str, url: str) -> AlertRow:
    """Remember the Alertmanager silence created for an alert."""
    with store.write() as conn:
        incident_id = _current(conn, alert.id)
        conn.execute("UPDATE alerts SET silence_id = ? WHERE id = ?", (silence_id, alert.id))
        append_event(store, incident_id=incident_id, kind="alert.silence", author=author,
                     text=f"silenced alert {alert.id} in Alertmanager until {until}: {reason}",
                     data={**_summary(alert), "silence_id": silence_id, "until": until,
                           "reason": reason, "alertmanager": url})
    return find_alert(store, alert.id)


def declare_from_alert(store: Store, alert: AlertRow, *, severity: str, author: str,
                       zone: str | None = None) -> Incident:
    """Declare an incident titled after the alert and attach the alert to it."""
    from firedesk.store.incidents import declare_incident

    incident = declare_incident(store, alert.title, severity=severity, author=author,
                                service=alert.service,
                                summary=alert.annotations.get("description"), zone=zone)
    attach_alert(store, alert, incident, author=author)
    return incident


def feed_summary(store: Store) -> dict[str, int]:
    """Counts for the pane's title: firing, critical firing, resolved."""
    row = store.query_one(
        "SELECT count(*) FILTER (WHERE status = 'firing'), "
        "count(*) FILTER (WHERE status = 'firing' AND severity = 'critical'), "
        "count(*) FILTER (WHERE status = 'resolved'), count(*) FROM alerts")
    return {"firing": row[0], "critical": row[1], "resolved": row[2], "total": row[3]}
