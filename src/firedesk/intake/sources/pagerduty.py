"""PagerDuty: V3 webhooks (incident events) and Events API v2 bodies."""

from __future__ import annotations

from typing import Any

from firedesk.intake.alert import (
    Alert, Parsed, UnrecognisedPayload, dig, key_of, links_of, listing, mapping, string_map,
    text,
)
from firedesk.intake.severity import normalise_severity
from firedesk.intake.times import parse_time

NAME = "pagerduty"
_EVENT_ACTIONS = ("trigger", "acknowledge", "resolve")


def looks_like(body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    if isinstance(dig(body, "event", "event_type"), str):
        return True
    return body.get("event_action") in _EVENT_ACTIONS and (
        "routing_key" in body or "dedup_key" in body)


def parse(body: Any, headers: Any = None, *, now: str | None = None) -> Parsed:
    if isinstance(dig(body, "event", "event_type"), str):
        return _parse_webhook(body, headers or {})
    if isinstance(body, dict) and body.get("event_action") in _EVENT_ACTIONS:
        return _parse_event(body)
    raise UnrecognisedPayload("not a PagerDuty V3 webhook or Events API v2 body")


# What an incident event without `data.status` says about the status.
_IMPLIED_STATUS = {"incident.triggered": "triggered", "incident.reopened": "triggered",
                   "incident.unacknowledged": "triggered", "incident.acknowledged": "acknowledged",
                   "incident.resolved": "resolved"}


# The events that (re)assign the incident: its assignees are then who has it.
_ASSIGNING = {"incident.triggered", "incident.reassigned", "incident.escalated",
              "incident.delegated", "incident.reopened"}


def _parse_webhook(body: dict[str, Any], headers: Any) -> Parsed:
    event = mapping(body.get("event"))
    event_type = text(event.get("event_type")) or ""
    # The event id is inside the signed body: a replay cannot change it (X-Webhook-Id can).
    delivery = text(event.get("id")) or text(headers.get("X-Webhook-Id"))
    data = mapping(event.get("data"))
    occurred = parse_time(event.get("occurred_at"))
    if event.get("resource_type") != "incident" and not event_type.startswith("incident."):
        return Parsed(NAME, [], delivery, kind="ignored", note=f"PagerDuty {event_type} (not an incident)")
    agent = text(dig(event, "agent", "summary"))
    # `data` is the incident (data.type "incident") for the status events; a note, status
    # update or responder (docs/webhooks/01-Overview.md) names it under `data.incident`.
    is_incident = text(data.get("type")) == "incident" or (
        data.get("type") is None and isinstance(data.get("id"), str) and "incident" not in data)
    status = text(data.get("status")) or _IMPLIED_STATUS.get(event_type)
    if not is_incident or status is None:
        incident_id = text(dig(data, "incident", "id")) or (text(data.get("id")) if is_incident else None)
        if not incident_id:
            return Parsed(NAME, [], delivery, kind="ignored",
                          note=f"PagerDuty {event_type} names no incident")
        # A note, status update or responder: about the incident, never its status.
        return Parsed(NAME, [Alert(
            source=NAME, dedup_key=incident_id,
            title=text(dig(data, "incident", "summary")) or text(data.get("title")) or incident_id,
            status=None, at=occurred,
        )], delivery)
    incident_id = text(data.get("id"))
    if not incident_id:
        raise UnrecognisedPayload("PagerDuty incident event without data.id")
    priority = text(dig(data, "priority", "summary"))
    urgency = text(data.get("urgency"))
    raw_severity = priority or urgency
    severity = normalise_severity(priority) if priority else (
        "high" if urgency == "high" else "low" if urgency == "low" else "medium")
    labels = {k: v for k, v in {
        "incident_number": text(data.get("number")),
        "incident_key": text(data.get("incident_key")),
        "urgency": urgency,
        "priority": priority,
        "pagerduty_status": status,
        "escalation_policy": text(dig(data, "escalation_policy", "summary")),
        "teams": ",".join(t for t in (text(dig(x, "summary")) for x in listing(data.get("teams"))) if t) or None,
        "assignees": ",".join(a for a in (text(dig(x, "summary")) for x in listing(data.get("assignees"))) if a) or None,
    }.items() if v}
    resolved = status == "resolved"
    started = parse_time(data.get("created_at"))
    if event_type == "incident.reopened":
        started = parse_time(data.get("reopened_at")) or occurred
    return Parsed(NAME, [Alert(
        source=NAME, dedup_key=incident_id,
        title=text(data.get("title")) or text(data.get("summary")) or event_type,
        status="resolved" if resolved else "firing",
        severity=severity, severity_raw=raw_severity,
        service=text(dig(data, "service", "summary")), labels=labels,
        annotations={k: v for k, v in {
            "resolve_reason": text(data.get("resolve_reason")),
            "conference_url": text(dig(data, "conference_bridge", "conference_url")),
        }.items() if v},
        links=links_of(source=text(data.get("html_url")),
                       conference=text(dig(data, "conference_bridge", "conference_url"))),
        starts_at=started, at=occurred, resolved_at=occurred if resolved else None,
        # Only the acknowledging event says who; a later event's agent did something else.
        acked_by=(agent or "PagerDuty") if event_type == "incident.acknowledged" else None,
        unacknowledged=event_type == "incident.unacknowledged",
        owner=labels.get("assignees", "") if event_type in _ASSIGNING else None,
    )], delivery)


def _parse_event(body: dict[str, Any]) -> Parsed:
    """Events API v2: trigger / acknowledge / resolve against a dedup_key."""
    payload = mapping(body.get("payload"))
    action = body["event_action"]
    summary = text(payload.get("summary"))
    dedup = text(body.get("dedup_key")) or key_of(summary, text(payload.get("source")))
    if action == "trigger" and not summary:
        raise UnrecognisedPayload("PagerDuty trigger event without payload.summary")
    labels = string_map(payload.get("custom_details"))
    for key in ("source", "component", "group", "class"):
        if text(payload.get(key)):
            labels.setdefault(key, text(payload.get(key)))
    links = links_of(source=text(body.get("client_url")))
    for index, link in enumerate(listing(body.get("links"))):
        href = text(dig(link, "href"))
        if href:
            links.setdefault("link" if index == 0 else f"link{index + 1}", href)
    raw_severity = text(payload.get("severity"))
    return Parsed(NAME, [Alert(
        source=NAME, dedup_key=dedup, title=summary or "",
        status="resolved" if action == "resolve" else "firing",
        severity=normalise_severity(raw_severity), severity_raw=raw_severity,
        service=text(payload.get("component")) or text(payload.get("group")),
        labels=labels, links=links, starts_at=parse_time(payload.get("timestamp")),
        acked_by="PagerDuty" if action == "acknowledge" else None,
    )])
