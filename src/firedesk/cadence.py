"""The update clock: when the next stakeholder update is due, by severity.

The clock starts when the incident is declared and restarts at every `update` entry;
severities without a cadence (SEV4, SEV5 by default) have no clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from firedesk.clock import parse_utc
from firedesk.config import DEFAULT_CADENCE_MINUTES


def update_due_at(
    severity: str, declared_at: str, last_update_at: str | None,
    cadence_minutes: dict[str, int] | None = None, resolved: bool = False,
) -> datetime | None:
    """When the next update is due (aware UTC), or None when no update is owed."""
    if resolved:
        return None
    minutes = (cadence_minutes or DEFAULT_CADENCE_MINUTES).get(severity)
    if not minutes:
        return None
    since = parse_utc(last_update_at or declared_at)
    return since + timedelta(minutes=minutes)


def last_update_at(store, incident_id: int) -> str | None:  # noqa: ANN001 (store.Store)
    """When the last stakeholder update (an `update` entry) was recorded, if any."""
    row = store.query_one(
        "SELECT max(recorded_at) FROM events WHERE incident_id = ? AND kind = 'update'",
        (incident_id,),
    )
    return row[0] if row else None
