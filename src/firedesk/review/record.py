"""Reading what other capabilities keep, when they keep it.

The review works from the timeline alone; the alert and running-the-incident tables add
what events do not carry (alerts' counts, checklist items nobody touched). Each reader
here checks the table and its columns first and answers empty when they are absent, so
an export never fails because a capability is missing from this record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from firedesk.errors import StoreError
from firedesk.store.store import Store


def table_columns(store: Store, table: str) -> set[str]:
    """The columns of `table`, or an empty set when the record has no such table."""
    return {row[1] for row in store.query(f"PRAGMA table_info({table})")}


def _first(columns: set[str], *names: str) -> str | None:
    return next((name for name in names if name in columns), None)


@dataclass(frozen=True)
class AlertRow:
    """One alert linked to an incident, in the few fields the review needs."""

    id: int | None
    source: str
    title: str
    status: str
    severity: str | None
    first_seen: str | None
    last_seen: str | None
    deliveries: int
    acked_at: str | None = None
    acked_by: str | None = None
    starts_at: str | None = None


def _alert_incident_filter(store: Store, columns: set[str]) -> tuple[str, str] | None:
    """How alerts are tied to incidents: a column on alerts, or a link table."""
    if "incident_id" in columns:
        return "alerts.incident_id = ?", ""
    for link in ("alert_incidents", "incident_alerts", "alert_links"):
        link_columns = table_columns(store, link)
        if {"alert_id", "incident_id"} <= link_columns:
            return f"{link}.incident_id = ?", f" JOIN {link} ON {link}.alert_id = alerts.id"
    return None


def alerts_for(store: Store, incident_id: int | None = None) -> list[AlertRow]:
    """Alerts linked to one incident (or every alert when `incident_id` is None)."""
    columns = table_columns(store, "alerts")
    if "id" not in columns:
        return []
    where, join = "1", ""
    params: list[Any] = []
    if incident_id is not None:
        found = _alert_incident_filter(store, columns)
        if found is None:
            return []
        where, join = found
        params.append(incident_id)

    def pick(*names: str, default: str = "NULL") -> str:
        name = _first(columns, *names)
        return f"alerts.{name}" if name else default

    sql = (
        f"SELECT alerts.id, {pick('source', default=repr('alert'))}, "
        f"{pick('title', 'summary', default=repr(''))}, {pick('status', default=repr('firing'))}, "
        f"{pick('severity', 'severity_norm')}, "
        f"{pick('first_seen', 'received_at', 'created_at', 'starts_at', 'started_at')}, "
        f"{pick('last_seen', 'updated_at', 'ends_at')}, "
        f"{pick('deliveries', 'delivery_count', 'count', 'occurrences', default='1')}, "
        f"{pick('acked_at', 'acknowledged_at')}, {pick('acked_by', 'acknowledged_by')}, "
        f"{pick('starts_at', 'started_at')} "
        f"FROM alerts{join} WHERE {where} ORDER BY alerts.id"
    )
    try:
        rows = store.query(sql, params)
    except StoreError:  # an alerts table of a shape we cannot read: the review goes on
        return []
    return [
        AlertRow(r[0], str(r[1] or "alert"), str(r[2] or ""), str(r[3] or ""), r[4], r[5], r[6],
                 int(r[7] or 1) if str(r[7] or "1").isdigit() else 1, r[8], r[9], r[10])
        for r in rows
    ]


@dataclass(frozen=True)
class ChecklistRow:
    """A checklist item as the incident's copy of the list holds it."""

    item: str
    list: str
    section: str
    text: str
    state: str
    by: str | None
    at: str | None
    note: str | None


def checklist_for(store: Store, incident_id: int) -> list[ChecklistRow] | None:
    """The incident's checklist items in order; None when the record keeps no checklists."""
    columns = table_columns(store, "checklist_items")
    if not {"incident_id", "item", "text", "state"} <= columns:
        return None
    order = "position, id" if "position" in columns else "id"
    pick = {c: (c if c in columns else "NULL") for c in ("list", "section", "by", "at", "note")}
    try:
        rows = store.query(
            f"SELECT item, {pick['list']}, {pick['section']}, text, state, {pick['by']}, "
            f"{pick['at']}, {pick['note']} FROM checklist_items WHERE incident_id = ? "
            f"ORDER BY {order}", (incident_id,),
        )
    except StoreError:
        return None
    return [ChecklistRow(str(r[0]), r[1] or "", r[2] or "", r[3], r[4], r[5], r[6], r[7])
            for r in rows]


def task_texts(store: Store, incident_id: int) -> dict[int, str]:
    """Task number → its text as given (the timeline's text carries the owner in front)."""
    if not {"incident_id", "number", "text"} <= table_columns(store, "tasks"):
        return {}
    return {r[0]: r[1] for r in store.query(
        "SELECT number, text FROM tasks WHERE incident_id = ?", (incident_id,))}


def alert_transitions(store: Store, alert_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Alert id → [(at, to_status), …] in order, when the record keeps transitions."""
    if not alert_ids or not {"alert_id", "to_status", "at"} <= table_columns(store, "alert_transitions"):
        return {}
    out: dict[int, list[tuple[str, str]]] = {}
    marks = ", ".join("?" for _ in alert_ids)
    for r in store.query(f"SELECT alert_id, at, to_status FROM alert_transitions "
                         f"WHERE alert_id IN ({marks}) ORDER BY at, id", alert_ids):
        out.setdefault(r[0], []).append((r[1], r[2]))
    return out
