"""Incidents and their roles: each change is an event, written with the state it changes."""

from __future__ import annotations

import re
from typing import Any

from firedesk.errors import InvalidInput, NotFound
from firedesk.model import (
    ENTRY_KINDS, SEVERITIES, STATUSES, Event, Incident, RoleTenure, incident_key,
)
from firedesk.store.store import Store
from firedesk.store.timeline import append_event

_INCIDENT_COLUMNS = (
    "id, title, severity, status, service, summary, declared_by, declared_at, "
    "resolved_at, updated_at, zone"
)
_REF = re.compile(r"^(?:inc-?)?(\d+)$", re.IGNORECASE)


def parse_severity(value: str) -> str:
    """`sev2`, `SEV2` or `2` → `SEV2`; anything else is a clear error."""
    text = value.strip().upper()
    if text.isdigit():
        text = f"SEV{text}"
    if text not in SEVERITIES:
        raise InvalidInput(f"unknown severity {value!r}; use one of {', '.join(SEVERITIES)}")
    return text


def parse_status(value: str) -> str:
    text = value.strip().lower()
    if text not in STATUSES:
        raise InvalidInput(f"unknown status {value!r}; use one of {', '.join(STATUSES)}")
    return text


def parse_entry_kind(value: str) -> str:
    text = value.strip().lower()
    if text not in ENTRY_KINDS:
        raise InvalidInput(f"unknown entry kind {value!r}; use one of {', '.join(ENTRY_KINDS)}")
    return text


def _require_text(value: str, what: str) -> str:
    if not value or not value.strip():
        raise InvalidInput(f"the {what} is empty; nothing was recorded")
    require_utf8(value, what)
    return value


def require_utf8(value: str, what: str) -> str:
    """Refuse text that cannot be stored as UTF-8 (undecodable bytes from argv or a pipe)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(
            f"the {what} contains bytes that are not UTF-8 text (at character {exc.start}); "
            "nothing was recorded"
        ) from exc
    return value


def _incident_from_row(store: Store, row: Any) -> Incident:
    roles: dict[str, list[str]] = {}
    for r in store.query(
        "SELECT role, person FROM role_assignments WHERE incident_id = ? AND until IS NULL "
        "ORDER BY id", (row["id"],),
    ):
        roles.setdefault(r["role"], []).append(r["person"])
    return Incident(**{k: row[k] for k in row.keys()}, roles=roles)


def resolve_incident(store: Store, ref: str | int) -> Incident:
    """The incident named by `12`, `INC-12` or `inc-12`; NotFound otherwise."""
    match = _REF.match(str(ref).strip())
    if not match:
        raise NotFound(f"{ref!r} is not an incident; use its key (INC-12) or id (12)")
    row = store.query_one(
        f"SELECT {_INCIDENT_COLUMNS} FROM incidents WHERE id = ?", (int(match.group(1)),)
    )
    if row is None:
        raise NotFound(f"no incident {incident_key(int(match.group(1)))} in {store.path}")
    return _incident_from_row(store, row)


def list_incidents(store: Store, *, include_resolved: bool = True, limit: int | None = None) -> list[Incident]:
    """Open incidents first (most severe, then newest), then resolved ones, newest first."""
    sql = f"SELECT {_INCIDENT_COLUMNS} FROM incidents"
    if not include_resolved:
        sql += " WHERE status != 'resolved'"
    sql += " ORDER BY status = 'resolved', CASE WHEN status = 'resolved' THEN 0 ELSE severity END, id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [_incident_from_row(store, row) for row in store.query(sql)]


def declare_incident(
    store: Store, title: str, *, severity: str, author: str, service: str | None = None,
    summary: str | None = None, at: str | None = None, zone: str | None = None,
) -> Incident:
    """Open a new incident, status `investigating`, and record its declaration (with its
    display zone, when one is given)."""
    _require_text(title, "title")
    severity = parse_severity(severity)
    zone = _zone_name(zone) if zone else None
    with store.write() as conn:
        now = store.now()
        declared_at = at or now
        cursor = conn.execute(
            "INSERT INTO incidents (title, severity, status, service, summary, declared_by, "
            "declared_at, updated_at, zone) VALUES (?, ?, 'investigating', ?, ?, ?, ?, ?, ?)",
            (title, severity, service, summary, author, declared_at, now, zone),
        )
        incident_id = cursor.lastrowid
        append_event(
            store, incident_id=incident_id, kind="declared", author=author, text=title,
            at=declared_at,
            data={"severity": severity, "status": "investigating", "service": service,
                  "summary": summary, **({"zone": zone} if zone else {})},
        )
    return resolve_incident(store, incident_id)


def _zone_name(zone: str) -> str:
    from firedesk.clock import zone_name, zone_named

    return zone_name(zone_named(zone))


def set_zone(store: Store, incident: Incident, zone: str, *, author: str,
             default: str = "UTC") -> Event | None:
    """Show the incident's times in `zone` from now on (recorded on its timeline); None
    when that is already its zone. `default` is the zone it had without one of its own."""
    name = _zone_name(zone)
    with store.write() as conn:
        current = conn.execute("SELECT zone FROM incidents WHERE id = ?",
                               (incident.id,)).fetchone()[0] or default
        if current == name:
            return None
        conn.execute("UPDATE incidents SET zone = ?, updated_at = ? WHERE id = ?",
                     (name, store.now(), incident.id))
        return append_event(store, incident_id=incident.id, kind="zone", author=author,
                            text=f"times shown in {name} (was {current})",
                            data={"from": current, "to": name})


def add_entry(
    store: Store, incident: Incident, text: str, *, author: str, kind: str = "note",
    at: str | None = None, data: dict[str, Any] | None = None, corrects: int | None = None,
) -> Event:
    """Record a note, hypothesis, action, decision or update on the timeline."""
    _require_text(text, kind)
    with store.write():
        if corrects is not None and not store.conn.execute(
            "SELECT 1 FROM events WHERE id = ? AND incident_id = ?", (corrects, incident.id)
        ).fetchone():
            raise NotFound(f"no event {corrects} in {incident.key} to correct")
        return append_event(
            store, incident_id=incident.id, kind=kind, author=author, text=text, at=at,
            data=data, corrects=corrects,
        )


def set_status(store: Store, incident: Incident, status: str, *, author: str, note: str = "") -> Event | None:
    """Change the status (recorded on the timeline); None when it already had that status."""
    status = parse_status(status)
    with store.write() as conn:
        current = conn.execute("SELECT status FROM incidents WHERE id = ?", (incident.id,)).fetchone()[0]
        if current == status:
            return None
        event = append_event(
            store, incident_id=incident.id, kind="status", author=author,
            text=note or f"status {current} → {status}", data={"from": current, "to": status},
        )
        now = event.recorded_at  # the row says exactly what its event says
        conn.execute(
            "UPDATE incidents SET status = ?, updated_at = ?, resolved_at = ? WHERE id = ?",
            (status, now, now if status == "resolved" else None, incident.id),
        )
        return event


def set_severity(store: Store, incident: Incident, severity: str, *, author: str, note: str = "") -> Event | None:
    """Change the severity (recorded on the timeline); None when unchanged."""
    severity = parse_severity(severity)
    with store.write() as conn:
        current = conn.execute("SELECT severity FROM incidents WHERE id = ?", (incident.id,)).fetchone()[0]
        if current == severity:
            return None
        event = append_event(
            store, incident_id=incident.id, kind="severity", author=author,
            text=note or f"severity {current} → {severity}", data={"from": current, "to": severity},
        )
        conn.execute(
            "UPDATE incidents SET severity = ?, updated_at = ? WHERE id = ?",
            (severity, event.recorded_at, incident.id),
        )
        return event


def assign_role(
    store: Store, incident: Incident, role: str, person: str, *, author: str,
    shared: bool = False,
) -> Event | None:
    """Give `person` a role. Unless the role is `shared` (investigators), the holder before
    them steps down in the same transaction. None when they already hold it."""
    _require_text(person, "person's name")
    _require_text(role, "role")
    with store.write() as conn:
        holders = [r[0] for r in conn.execute(
            "SELECT person FROM role_assignments WHERE incident_id = ? AND role = ? AND until IS NULL",
            (incident.id, role),
        )]
        if person in holders:
            return None
        previous = [] if shared else holders
        text = f"{person} is {role}" + (f" (was {', '.join(previous)})" if previous else "")
        event = append_event(
            store, incident_id=incident.id, kind="role", author=author, text=text,
            data={"role": role, "person": person, "previous": previous},
        )
        now = event.recorded_at
        if previous:
            conn.execute(
                "UPDATE role_assignments SET until = ?, ended_by_event = ? "
                "WHERE incident_id = ? AND role = ? AND until IS NULL",
                (now, event.id, incident.id, role),
            )
        conn.execute(
            "INSERT INTO role_assignments (incident_id, role, person, since, event_id) "
            "VALUES (?, ?, ?, ?, ?)",
            (incident.id, role, person, now, event.id),
        )
        conn.execute("UPDATE incidents SET updated_at = ? WHERE id = ?", (now, incident.id))
        return event


def release_role(store: Store, incident: Incident, role: str, person: str, *, author: str) -> Event | None:
    """End `person`'s tenure in a role without naming a successor."""
    with store.write() as conn:
        held = conn.execute(
            "SELECT 1 FROM role_assignments WHERE incident_id = ? AND role = ? AND person = ? "
            "AND until IS NULL", (incident.id, role, person),
        ).fetchone()
        if not held:
            return None
        event = append_event(
            store, incident_id=incident.id, kind="role", author=author,
            text=f"{person} is no longer {role}",
            data={"role": role, "person": None, "previous": [person]},
        )
        conn.execute(
            "UPDATE role_assignments SET until = ?, ended_by_event = ? WHERE incident_id = ? "
            "AND role = ? AND person = ? AND until IS NULL",
            (event.recorded_at, event.id, incident.id, role, person),
        )
        return event


def role_tenures(store: Store, incident_id: int) -> list[RoleTenure]:
    """Every tenure in the incident, oldest first."""
    return [
        RoleTenure(r["incident_id"], r["role"], r["person"], r["since"], r["until"])
        for r in store.query(
            "SELECT incident_id, role, person, since, until FROM role_assignments "
            "WHERE incident_id = ? ORDER BY id", (incident_id,),
        )
    ]


def recent_authors(store: Store, limit: int = 20) -> list[str]:
    """People who wrote on any timeline recently (for the roster when assigning roles)."""
    rows = store.query(
        "SELECT author FROM events GROUP BY author ORDER BY max(id) DESC LIMIT ?", (limit,)
    )
    return [r["author"] for r in rows]


def save_draft(store: Store, incident_id: int, person: str, text: str) -> None:
    """Keep unsent entry-line text for a person (empty text clears it)."""
    with store.write() as conn:
        if text.strip():
            conn.execute(
                "INSERT INTO drafts (person, incident_id, text, saved_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (person, incident_id) DO UPDATE SET text = excluded.text, "
                "saved_at = excluded.saved_at",
                (person, incident_id, text, store.now()),
            )
        else:
            conn.execute("DELETE FROM drafts WHERE person = ? AND incident_id = ?", (person, incident_id))


def load_draft(store: Store, incident_id: int, person: str) -> str | None:
    row = store.query_one(
        "SELECT text FROM drafts WHERE person = ? AND incident_id = ?", (person, incident_id)
    )
    return row["text"] if row else None
