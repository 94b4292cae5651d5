"""This capability's part of `firedesk show --json` (and of the console header)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from firedesk.clock import to_iso
from firedesk.config import Config
from firedesk.model import Incident
from firedesk.response.checklist import checklist_for, checklist_progress
from firedesk.response.handover import pending_handover
from firedesk.response.hypotheses import hypotheses_for
from firedesk.response.impact import impact_for
from firedesk.response.tasks import tasks_for
from firedesk.response.updates import update_clock
from firedesk.roles.nag import nags_for
from firedesk.store.store import Store


def running_state(store: Store, incident: Incident, config: Config | None = None,
                  now: datetime | None = None) -> dict[str, Any]:
    """update clock, impact, open tasks, hypotheses, checklist progress, pending handover,
    and the roles the nag would ask someone to take."""
    now = now or store.clock()
    clock = update_clock(store, incident, config)
    impact = impact_for(store, incident.id)
    offer = pending_handover(store, incident.id)
    progress = checklist_progress(checklist_for(store, incident, config))
    return {
        "update_due_at": to_iso(clock.due_at) if clock.due_at else None,
        "update_clock": clock.state(now),
        "last_update_at": clock.last_update_at,
        "impact": impact.to_json() if impact else None,
        "open_tasks": [t.to_json(now) for t in tasks_for(store, incident.id, open_only=True)],
        "hypotheses": [h.to_json() for h in hypotheses_for(store, incident.id)],
        "checklist": progress.to_json(),
        "pending_handover": (
            {"to": offer.to, "offered_by": offer.offered_by, "offered_at": offer.offered_at,
             "note": offer.note} if offer else None),
        "missing_roles": [{"role": n.role, "empty_minutes": int(n.empty_for.total_seconds() // 60)}
                          for n in nags_for(store, incident, config, now)],
    }
