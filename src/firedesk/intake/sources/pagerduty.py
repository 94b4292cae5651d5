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


def _parse_webhook(body: dict[str, Any], headers: Any) -> Parsed:
    event = mapping(body.get("event"))
    event_type = text(event.get("event_type")) or ""
    delivery = text(headers.get("X-Webhook-Id")) or text(event.get("id"))
    data = mapping(event.get("data"))
    if event.get("resource_type") != "incident" and not event_type.startswith("incident."):
        return Parsed(NAME, [], delivery, kind="ignored", note=f"PagerDuty {event_type} (not an incident)")
    incident_id = text(data.get("id")) or text(dig(data, "incident", "id"))
    if not incident_id:
        raise UnrecognisedPayload("PagerDuty incident event without data.id")
    status = text(data.get("status"))
    if status is None:
        status = "resolved" if event_type == "incident.resolved" else "triggered"
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
        "event_type": event_type,
        "escalation_policy": text(dig(data, "escalation_policy", "summary")),
        "teams": ",".join(t for t in (text(dig(x, "summary")) for x in listing(data.get("teams"))) if t) or None,
        "assignees": ",".join(a for a in (text(dig(x, "summary")) for x in listing(data.get("assignees"))) if a) or None,
    }.items() if v}
    acked_by = None
    if status == "acknowledged":
        acked_by = text(dig(event, "agent", "summary")) or "PagerDuty"
    return Parsed(NAME, [Alert(
        source=NAME, dedup_key=incident_id,
        title=text(data.get("title")) or text(data.get("summary")) or event_type,
        status="resolved" if status == "resolved" else "firing",
        severity=severity, severity_raw=raw_severity,
        service=text(dig(data, "service", "summary")), labels=labels,
        annotations={k: v for k, v in {
            "resolve_reason": text(data.get("resolve_reason")),
            "conference_url": text(dig(data, "conference_bridge", "conference_url")),
        }.items() if v},
        links=links_of(source=text(data.get("html_url")),
                       conference=text(dig(data, "conference_bridge", "conference_url"))),
        starts_at=parse_time(data.get("created_at")),
        acked_by=acked_by,
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
