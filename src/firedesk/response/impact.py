"""Impact: what is affected, for one customer or many, since when.

The newest statement is the current impact; every statement is on the timeline, so the
postmortem can show how the picture of the damage changed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from firedesk.errors import InvalidInput
from firedesk.model import Incident
from firedesk.response.common import require_text, touch_incident
from firedesk.store.store import Store
from firedesk.store.timeline import append_event

SCOPES = ("one", "some", "many", "all", "unknown")
SCOPE_WORDS = {"one": "one customer", "some": "some customers", "many": "many customers",
               "all": "all customers", "unknown": "customers affected: unknown"}


@dataclass(frozen=True)
class Impact:
    """The current statement of impact."""

    what: str
    scope: str
    since: str
    set_by: str
    set_at: str

    def describe(self) -> str:
        return f"{self.what} ({SCOPE_WORDS[self.scope]})"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def parse_scope(value: str) -> str:
    text = value.strip().lower()
    if text not in SCOPES:
        raise InvalidInput(f"unknown customer scope {value!r}; use one of {', '.join(SCOPES)}")
    return text


def impact_for(store: Store, incident_id: int) -> Impact | None:
    row = store.query_one(
        "SELECT what, scope, since, set_by, set_at FROM impact WHERE incident_id = ?",
        (incident_id,),
    )
    return Impact(**dict(row)) if row else None


def record_impact(
    store: Store, incident: Incident, what: str, *, author: str, scope: str = "unknown",
    since: str | None = None,
) -> Impact:
    """State the impact now (replaces the current statement; history stays on the timeline).
    `since` defaults to the previous statement's start, else the declaration."""
    what = require_text(what, "impact")
    scope = parse_scope(scope)
    with store.write() as conn:
        previous = conn.execute(
            "SELECT since FROM impact WHERE incident_id = ?", (incident.id,)).fetchone()
        started = since or (previous[0] if previous else incident.declared_at)
        event = append_event(
            store, incident_id=incident.id, kind="impact", author=author,
            text=f"impact: {what} ({SCOPE_WORDS[scope]})",
            data={"what": what, "scope": scope, "since": started},
        )
        conn.execute(
            "INSERT INTO impact (incident_id, what, scope, since, set_by, set_at, event_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (incident_id) DO UPDATE SET "
            "what = excluded.what, scope = excluded.scope, since = excluded.since, "
            "set_by = excluded.set_by, set_at = excluded.set_at, event_id = excluded.event_id",
            (incident.id, what, scope, started, author, event.recorded_at, event.id),
        )
        touch_incident(conn, incident.id, event.recorded_at)
    found = impact_for(store, incident.id)
    assert found is not None
    return found
