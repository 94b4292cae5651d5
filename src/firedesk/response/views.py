"""Plain data the console's running-the-incident panes show, read in one worker call.

Textual-free: the panes' `load` staticmethods call these on the reader connection in a
thread worker; `show` then renders the result on the UI thread without touching SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from firedesk.config import Config
from firedesk.model import Incident
from firedesk.response.checklist import (
    ChecklistItem, ChecklistProgress, checklist_for, checklist_progress,
)
from firedesk.response.handover import HandoverOffer, pending_handover
from firedesk.model import Event
from firedesk.response.hypotheses import Hypothesis, hypotheses_for, loose_hypotheses
from firedesk.response.impact import Impact, impact_for
from firedesk.response.tasks import Task, tasks_for
from firedesk.roles.catalog import role_catalog
from firedesk.roles.nag import Nag, NagSettings, missing_role_nags
from firedesk.store.incidents import role_tenures
from firedesk.store.store import Store


@dataclass
class ChecklistView:
    """The checklist pane's data: items, progress, nags, and offers waiting for someone."""

    incident: Incident | None
    items: list[ChecklistItem] = field(default_factory=list)
    progress: ChecklistProgress = field(default_factory=lambda: ChecklistProgress(0, 0, 0))
    nags: list[Nag] = field(default_factory=list)
    open_tasks: int = 0
    overdue_tasks: int = 0
    open_hypotheses: int = 0
    offers: list[HandoverOffer] = field(default_factory=list)
    impact: Impact | None = None
    check_ins: list[str] = field(default_factory=list)  # open tasks' check-in times
    nag_rule: dict = field(default_factory=dict)         # what `nags_at` needs, read once

    def nags_at(self, now: datetime) -> list[Nag]:
        """The nags as of `now`, from this read (the pane re-asks as the clock moves)."""
        if self.incident is None or not self.nag_rule:
            return []
        return missing_role_nags(self.incident, now, **self.nag_rule)

    def overdue_at(self, now: datetime) -> int:
        from firedesk.clock import parse_utc

        return sum(1 for at in self.check_ins if parse_utc(at) <= now)


def checklist_view(store: Store, incident: Incident | None, config: Config | None) -> ChecklistView:
    """Everything the checklist pane shows. On the picker (no incident): only the offers."""
    if incident is None:
        offers = [HandoverOffer(r["id"], r["incident_id"], r["to_person"], r["offered_by"],
                                r["offered_at"], r["note"], r["state"])
                  for r in store.query(
                      "SELECT id, incident_id, to_person, offered_by, offered_at, note, state "
                      "FROM handover_offers WHERE state = 'pending' ORDER BY id")]
        return ChecklistView(None, offers=offers)
    now = store.clock()
    items = checklist_for(store, incident, config)
    tasks = tasks_for(store, incident.id, open_only=True)
    offer = pending_handover(store, incident.id)
    nag = config.nag if config is not None else NagSettings()
    rule = {"after_minutes": nag.after_minutes, "roles": nag.roles, "tenures": role_tenures(store, incident.id),
            "keys": {r.name: r.key for r in role_catalog(config) if r.key}}
    return ChecklistView(
        incident=incident, items=items, progress=checklist_progress(items),
        nags=missing_role_nags(incident, now, **rule), open_tasks=len(tasks),
        overdue_tasks=sum(1 for t in tasks if t.is_overdue(now)),
        open_hypotheses=len([h for h in hypotheses_for(store, incident.id) if h.is_open])
        + len(loose_hypotheses(store, incident.id)),
        offers=[offer] if offer else [], impact=impact_for(store, incident.id), check_ins=[t.check_in_at for t in tasks],
        nag_rule=rule,
    )


@dataclass
class WorkView:
    """Tasks (open first) and hypotheses (open first) of one incident."""

    incident: Incident | None
    tasks: list[Task] = field(default_factory=list)
    hypotheses: list[Hypothesis] = field(default_factory=list)
    read_at: datetime | None = None
    noted: list[Event] = field(default_factory=list)  # hypothesis entries not yet tracked


def work_view(store: Store, incident: Incident | None, config: Config | None = None,
              closed_tasks: int = 5) -> WorkView:
    if incident is None:
        return WorkView(None)
    tasks = tasks_for(store, incident.id)
    open_tasks = [t for t in tasks if t.is_open]
    return WorkView(incident, open_tasks + [t for t in tasks if not t.is_open][:closed_tasks],
                    hypotheses_for(store, incident.id), store.clock(),
                    loose_hypotheses(store, incident.id))
