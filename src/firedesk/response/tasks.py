"""Tasks: time-boxed delegation. "PERSON, do X, check back in N minutes."

A task shows its owner and a check-in timer, turns overdue when the timer runs out,
and ends done or dropped. The check-in is a promise to report back, not a deadline
for the work; overdue means "go and ask".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from firedesk.clock import parse_duration, parse_utc, to_iso
from firedesk.errors import InvalidInput, NotFound
from firedesk.model import Incident
from firedesk.response.common import next_number, parse_number, require_text, touch_incident
from firedesk.store.store import Store
from firedesk.text import one_line
from firedesk.store.timeline import append_event

DEFAULT_CHECK_IN = "15m"


@dataclass(frozen=True)
class Task:
    """One delegated piece of work and when its owner reports back."""

    number: int
    text: str
    owner: str
    check_in_at: str
    state: str
    created_by: str
    created_at: str
    closed_by: str | None
    closed_at: str | None
    note: str | None

    @property
    def ref(self) -> str:
        return f"T{self.number}"

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    def remaining(self, now: datetime) -> timedelta:
        """Time until check-in (negative once overdue)."""
        return parse_utc(self.check_in_at) - now

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and self.remaining(now) <= timedelta(0)

    def to_json(self, now: datetime | None = None) -> dict[str, Any]:
        data = asdict(self)
        data["id"] = self.ref
        if now is not None:
            data["overdue"] = self.is_overdue(now)
        return data


_COLUMNS = ("number, text, owner, check_in_at, state, created_by, created_at, closed_by, "
            "closed_at, note")


def tasks_for(store: Store, incident_id: int, *, open_only: bool = False) -> list[Task]:
    """Open tasks first, soonest check-in first; then closed ones, newest first."""
    sql = f"SELECT {_COLUMNS} FROM tasks WHERE incident_id = ?"
    if open_only:
        sql += " AND state = 'open'"
    sql += (" ORDER BY state != 'open', CASE WHEN state = 'open' THEN check_in_at END, "
            "closed_at DESC, number")
    return [Task(**dict(r)) for r in store.query(sql, (incident_id,))]


def _get(store: Store, incident: Incident, number: int) -> Task:
    row = store.query_one(
        f"SELECT {_COLUMNS} FROM tasks WHERE incident_id = ? AND number = ?", (incident.id, number))
    if row is None:
        raise NotFound(f"no task T{number} in {incident.key}")
    return Task(**dict(row))


def assign_task(
    store: Store, incident: Incident, text: str, *, owner: str, author: str,
    check_in: str | timedelta = DEFAULT_CHECK_IN,
) -> Task:
    """Delegate: record the task and when `owner` checks back in."""
    text = require_text(text, "task")
    owner = require_text(owner, "task owner")
    delta = parse_duration(check_in) if isinstance(check_in, str) else check_in
    if delta > timedelta(days=1):
        raise InvalidInput("a check-in more than a day away is not time-boxed; use 24h or less")
    with store.write() as conn:
        number = next_number(conn, "tasks", incident.id)
        now = store.now()
        due = to_iso(parse_utc(now) + delta)
        event = append_event(
            store, incident_id=incident.id, kind="task", author=author,
            text=f"T{number} {owner}: {text}",
            data={"task": number, "owner": owner, "check_in_at": due,
                  "check_in_minutes": round(delta.total_seconds() / 60, 1)},
        )
        conn.execute(
            "INSERT INTO tasks (incident_id, number, text, owner, check_in_at, created_by, "
            "created_at, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (incident.id, number, text, owner, due, author, event.recorded_at, event.id),
        )
        touch_incident(conn, incident.id, event.recorded_at)
    return _get(store, incident, number)


def close_task(
    store: Store, incident: Incident, ref: str | int, *, author: str, dropped: bool = False,
    note: str | None = None,
) -> Task:
    """End an open task: done, or dropped (no longer needed). Only once."""
    number = parse_number(ref, "T", "task")
    state = "dropped" if dropped else "done"
    note = note.strip() if note and note.strip() else None
    with store.write() as conn:
        row = conn.execute(
            "SELECT state, text, owner, closed_by FROM tasks WHERE incident_id = ? AND number = ?",
            (incident.id, number),
        ).fetchone()
        if row is None:
            raise NotFound(f"no task T{number} in {incident.key}")
        if row[0] != "open":
            raise InvalidInput(f"T{number} in {incident.key} is already {row[0]} "
                               f"(by {one_line(row[3], 40)})")
        event = append_event(
            store, incident_id=incident.id, kind=f"task-{state}", author=author,
            text=f"T{number} {state}: {row[1]}" + (f" — {note}" if note else ""),
            data={"task": number, "state": state, "owner": row[2], "note": note},
        )
        conn.execute(
            "UPDATE tasks SET state = ?, closed_by = ?, closed_at = ?, note = ? "
            "WHERE incident_id = ? AND number = ?",
            (state, author, event.recorded_at, note, incident.id, number),
        )
        touch_incident(conn, incident.id, event.recorded_at)
    return _get(store, incident, number)


def extend_task(store: Store, incident: Incident, ref: str | int, check_in: str, *,
                author: str) -> Task:
    """Move an open task's check-in to `check_in` from now (the owner reported back)."""
    number = parse_number(ref, "T", "task")
    delta = parse_duration(check_in)
    with store.write() as conn:
        row = conn.execute(
            "SELECT state FROM tasks WHERE incident_id = ? AND number = ?", (incident.id, number)
        ).fetchone()
        if row is None:
            raise NotFound(f"no task T{number} in {incident.key}")
        if row[0] != "open":
            raise InvalidInput(f"T{number} in {incident.key} is already {row[0]}")
        due = to_iso(parse_utc(store.now()) + delta)
        event = append_event(
            store, incident_id=incident.id, kind="task-check-in", author=author,
            text=f"T{number} checked in; next check-in in {check_in}",
            data={"task": number, "check_in_at": due},
        )
        conn.execute("UPDATE tasks SET check_in_at = ? WHERE incident_id = ? AND number = ?",
                     (due, incident.id, number))
        touch_incident(conn, incident.id, event.recorded_at)
    return _get(store, incident, number)
