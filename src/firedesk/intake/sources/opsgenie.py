"""Opsgenie outgoing webhooks (alert actions: Create, Acknowledge, Close, …)."""

from __future__ import annotations

from typing import Any

from firedesk.intake.alert import Alert, Parsed, UnrecognisedPayload, listing, string_map, text
from firedesk.intake.severity import normalise_severity
from firedesk.intake.times import parse_time

NAME = "opsgenie"
# What each documented alert action (support.atlassian.com "Opsgenie Edge Connector alert
# action data") says about the alert's status: firing, resolved, or nothing (None).
# Anything else (custom actions, AddNote, AddTag, AddRecipient, AddTeam, Escalate,
# Snooze, SnoozeEnded, UpdatePriority, …) is about the alert and never re-fires it.
_STATUS = {"create": "firing", "acknowledge": "firing", "unacknowledge": "firing",
           "close": "resolved", "delete": "resolved"}


def _is_webhook(body: Any) -> bool:
    return (isinstance(body, dict) and isinstance(body.get("action"), str)
            and isinstance(body.get("alert"), dict)
            and ("alertId" in body["alert"] or "alias" in body["alert"]))


def _is_create_request(body: Any) -> bool:
    """The Alert API's create body (`POST /v2/alerts`), as a forwarder might relay it."""
    return (isinstance(body, dict) and isinstance(body.get("message"), str)
            and "alias" in body and bool({"responders", "visibleTo", "priority"} & set(body)))


def looks_like(body: Any) -> bool:
    return _is_webhook(body) or _is_create_request(body)


def parse(body: Any, headers: Any = None, *, now: str | None = None) -> Parsed:
    if _is_create_request(body) and not _is_webhook(body):
        body = {"action": "Create", "alert": body}
    if not _is_webhook(body):
        raise UnrecognisedPayload("not an Opsgenie webhook: needs `action` and `alert.alertId`")
    alert = body["alert"]
    action = body["action"]
    key = text(alert.get("alias")) or text(alert.get("alertId"))
    if not key:
        raise UnrecognisedPayload("Opsgenie alert without alias or alertId")
    raw = text(alert.get("priority"))
    labels = {str(t): "true" for t in listing(alert.get("tags")) if text(t)}
    labels.update(string_map(alert.get("details")))
    teams = [t for t in (text(x) for x in listing(alert.get("teams"))) if t]
    if teams:
        labels["teams"] = ",".join(teams)
    for field in ("tinyId", "alertId", "source"):
        if text(alert.get(field)):
            labels[field] = text(alert.get(field))  # type: ignore[assignment]
    verb = action.replace(" ", "").lower()
    who = text(alert.get("username")) or text(alert.get("userId")) or "Opsgenie"
    updated = parse_time(alert.get("updatedAt"))
    status = _STATUS.get(verb)
    owner = None
    if verb == "assignownership":
        owner = text(alert.get("owner")) or text(body.get("owner")) or who
    elif verb == "takeownership":
        owner = who
    return Parsed(NAME, [Alert(
        source=NAME, dedup_key=key, title=text(alert.get("message")) or key,
        status=status,
        severity=normalise_severity(raw), severity_raw=raw,
        service=text(alert.get("entity")) or (teams[0] if teams else None),
        labels=labels,
        annotations={k: v for k, v in {"description": text(alert.get("description")),
                                       "action": action,
                                       "integration": text(body.get("integrationName"))}.items() if v},
        starts_at=parse_time(alert.get("createdAt")),
        at=updated, resolved_at=updated if status == "resolved" else None,
        acked_by=who if verb == "acknowledge" else None,
        unacknowledged=verb == "unacknowledge",
        owner=owner,
    )], None)
