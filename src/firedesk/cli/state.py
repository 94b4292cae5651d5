"""`firedesk show`'s picture of an incident, shared by every capability that adds to it."""

from __future__ import annotations

from typing import Any

from firedesk.cli.env import Env


def incident_state(env: Env, ref: str) -> dict[str, Any]:
    """The incident as JSON-ready data: the record's fields plus each capability's part."""
    from firedesk.store import resolve_incident

    store = env.store
    incident = resolve_incident(store, ref)
    state = incident.to_json()
    state["event_count"] = store.query_one(
        "SELECT count(*) FROM events WHERE incident_id = ?", (incident.id,))[0]
    from firedesk.response.state import running_state  # issue 6: clock, tasks, handover…

    state.update(running_state(store, incident, env.config, env.clock()))
    from firedesk.intake.triage import list_alerts  # issue 4: alerts attached to it

    from firedesk.review.measures import measure_incident
    from firedesk.review.record import alerts_for
    from firedesk.store import events_for

    state["measures"] = measure_incident(
        events_for(store, incident.id), alerts_for(store, incident.id),
        cadence_minutes=env.config.cadence_minutes,
        alert_window=env.config.clock.alert_window).to_json()
    state["alerts"] = [
        {k: a.to_json()[k] for k in ("id", "source", "title", "severity", "status", "count")}
        for a in list_alerts(store, incident_id=incident.id)]
    return state
