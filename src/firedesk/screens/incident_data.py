"""What the incident screen reads from the record, in one worker-thread call.

Textual-free: runs in a thread worker on the reader connection and returns plain data
that the screen shows on the UI thread. The timeline is read in windows: the newest
events first, then only what is new (by id) or, when the reader scrolls up, older pages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from firedesk.cadence import last_update_at
from firedesk.model import Event, Incident, RoleTenure
from firedesk.store import events_for, list_incidents, load_draft, recent_authors, resolve_incident, role_tenures
from firedesk.store.timeline import _COLUMNS

log = logging.getLogger(__name__)

NEWEST_WINDOW = 200   # events read when an incident opens
OLDER_PAGE = 500      # events read each time the reader scrolls to the top
NEW_BATCH = 5000      # most new events taken in one refresh (a flood is read in steps)


@dataclass
class IncidentView:
    """One consistent read of an incident for the screen."""

    incident: Incident
    tenures: list[RoleTenure]
    events: list[Event]          # new events (after the cursor), oldest first
    has_older: bool              # the first read left older events unread
    more_new: bool               # a flood: more new events than one batch
    last_update_at: str | None
    roster: list[str]
    panes: dict[str, Any] = field(default_factory=dict)
    pane_errors: dict[str, str] = field(default_factory=dict)
    draft: str | None = None     # None: not looked for; "": none kept


def newest_events(store, incident_id: int, limit: int = NEWEST_WINDOW) -> tuple[list[Event], bool]:
    """The newest `limit` events, oldest first, and whether older ones exist."""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM events WHERE incident_id = ? ORDER BY id DESC LIMIT ?",
        (incident_id, limit + 1),
    )
    events = [Event.from_row(r) for r in rows[:limit]]
    events.reverse()
    return events, len(rows) > limit


def older_events(store, incident_id: int, before_id: int, limit: int = OLDER_PAGE) -> tuple[list[Event], bool]:
    """Up to `limit` events before `before_id`, oldest first, and whether more remain."""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM events WHERE incident_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
        (incident_id, before_id, limit + 1),
    )
    events = [Event.from_row(r) for r in rows[:limit]]
    events.reverse()
    return events, len(rows) > limit


def roster(config, store) -> list[str]:
    """People to offer when assigning a role: configured people, then recent authors."""
    names = [p.name for p in config.people]
    for author in recent_authors(store):
        if author not in names:
            names.append(author)
    return names


def load_incident_view(store, incident_id: int, config, *, after_id: int, actor: str,
                       panes: dict[str, Any], with_draft: bool = False) -> IncidentView:
    """Everything the incident screen shows; `after_id` 0 means the first read."""
    incident = resolve_incident(store, incident_id)
    if after_id == 0:
        events, has_older = newest_events(store, incident_id)
        more_new = False
    else:
        events = events_for(store, incident_id, after_id=after_id, limit=NEW_BATCH)
        has_older, more_new = False, len(events) == NEW_BATCH
    view = IncidentView(
        incident=incident, tenures=role_tenures(store, incident_id), events=events,
        has_older=has_older, more_new=more_new,
        last_update_at=last_update_at(store, incident_id),
        # The roster scans every author: read once when the screen opens, then grown
        # from the authors of new events (see IncidentScreen.show_view).
        roster=roster(config, store) if after_id == 0 else [],
    )
    for name, load in panes.items():
        try:
            view.panes[name] = load(store, incident, config)
        except Exception as exc:  # a capability's bug must not blank the incident screen
            log.exception("pane %s failed to load", name)
            view.pane_errors[name] = f"{type(exc).__name__}: {exc}"
    if with_draft:
        view.draft = load_draft(store, incident_id, actor) or ""
    return view


def load_picker(store, limit: int = 200, panes: dict[str, Any] | None = None, config=None,
                actor: str | None = None) -> dict[str, Any]:
    """The picker's list (open first, then recent), the handovers waiting for `actor`, and
    the capability panes' data."""
    from firedesk.response.handover import pending_handovers_for

    data: dict[str, Any] = {"incidents": list_incidents(store, limit=limit), "panes": {},
                            "handovers": {}}
    if actor:
        data["handovers"] = {o.incident_id: o for o in pending_handovers_for(store, actor)}
    for name, load in (panes or {}).items():
        try:
            data["panes"][name] = load(store, None, config)
        except Exception:  # noqa: BLE001 (a pane's failure is logged, never fatal)
            log.exception("pane %s failed to load on the picker", name)
    return data
