"""Sentry integration-platform webhooks: issue alerts, metric alerts and issue events."""

from __future__ import annotations

import re
from typing import Any

from firedesk.intake.alert import (
    Alert, Parsed, UnrecognisedPayload, dig, links_of, listing, mapping, text,
)
from firedesk.intake.severity import normalise_severity
from firedesk.intake.times import parse_time

NAME = "sentry"
_METRIC_SEVERITY = {"critical": "critical", "warning": "medium", "resolved": "info"}


def looks_like(body: Any) -> bool:
    return (isinstance(body, dict) and isinstance(body.get("action"), str)
            and isinstance(body.get("data"), dict)
            and ("installation" in body or "actor" in body))


def _tags(event: dict[str, Any]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for pair in listing(event.get("tags")):
        if isinstance(pair, list) and len(pair) == 2 and text(pair[0]) and text(pair[1]):
            tags[text(pair[0])] = text(pair[1])  # type: ignore[index]
        elif isinstance(pair, dict) and text(pair.get("key")) and text(pair.get("value")):
            tags[text(pair["key"])] = text(pair["value"])  # type: ignore[index]
    return tags


def _project_slug(event: dict[str, Any]) -> str | None:
    """`…/projects/<org>/<project>/events/…` → the project slug (the event has only its id)."""
    match = re.search(r"/projects/[^/]+/([^/]+)/", text(event.get("url")) or "")
    return match.group(1) if match else None


def parse(body: Any, headers: Any = None, *, now: str | None = None) -> Parsed:
    if not looks_like(body):
        raise UnrecognisedPayload("not a Sentry webhook: needs `action` and `data`")
    headers = headers or {}
    # Sentry signs the body, not its Request-ID header: a replayed body with a new
    # Request-ID must not count again, so the delivery key is the body's (its SHA-256,
    # or the event id inside it), never the header.
    delivery = None
    resource = text(headers.get("Sentry-Hook-Resource"))
    data = body["data"]
    action = body["action"]
    if isinstance(data.get("metric_alert"), dict) or resource == "metric_alert":
        return _metric_alert(data, action, delivery)
    event = data.get("event")
    if isinstance(event, dict):
        return _issue_alert(data, event, delivery)
    issue = data.get("issue")
    if isinstance(issue, dict):
        return _issue(issue, action, delivery)
    return Parsed(NAME, [], delivery, kind="ignored", note=f"Sentry {resource or action} (no alert)")


def _issue_alert(data: dict[str, Any], event: dict[str, Any], delivery: str | None) -> Parsed:
    issue_id = text(event.get("issue_id")) or text(event.get("event_id"))
    if not issue_id:
        raise UnrecognisedPayload("Sentry issue alert without event.issue_id")
    tags = _tags(event)
    level = text(event.get("level")) or tags.get("level")
    started = parse_time(event.get("datetime")) or parse_time(event.get("timestamp"))
    annotations = {k: v for k, v in {
        "culprit": text(event.get("culprit")),
        "rule": text(data.get("triggered_rule")),
        "message": text(event.get("message")),
    }.items() if v}
    return Parsed(NAME, [Alert(
        source=NAME, dedup_key=issue_id, title=text(event.get("title")) or issue_id,
        status="firing", severity=normalise_severity(level), severity_raw=level,
        service=tags.get("service") or tags.get("server_name") or _project_slug(event),
        labels=tags, annotations=annotations,
        links=links_of(source=text(event.get("web_url")), issue=text(event.get("issue_url"))),
        starts_at=started, at=started,
    )], text(event.get("event_id")))


def _metric_alert(data: dict[str, Any], action: str, delivery: str | None) -> Parsed:
    metric = mapping(data.get("metric_alert"))
    rule = mapping(metric.get("alert_rule"))
    ident = text(metric.get("id")) or text(metric.get("identifier")) or text(rule.get("id"))
    if not ident:
        raise UnrecognisedPayload("Sentry metric alert without metric_alert.id")
    resolved = action == "resolved"
    started = parse_time(metric.get("date_started")) or parse_time(metric.get("date_detected"))
    closed = parse_time(metric.get("date_closed"))
    return Parsed(NAME, [Alert(
        source=NAME, dedup_key=f"metric:{ident}",
        title=text(data.get("description_title")) or text(rule.get("name")) or f"metric alert {ident}",
        status="resolved" if resolved else "firing",
        severity=_METRIC_SEVERITY.get(action, "medium"), severity_raw=action,
        labels={k: v for k, v in {"rule": text(rule.get("name")),
                                  "aggregate": text(rule.get("aggregate")),
                                  "query": text(rule.get("query"))}.items() if v},
        annotations={"description": d} if (d := text(data.get("description_text"))) else {},
        links=links_of(source=text(data.get("web_url"))),
        starts_at=started, ends_at=closed if resolved else None,
        at=closed if resolved else started, resolved_at=closed if resolved else None,
    )], delivery)


# Issue webhooks (Sentry-Hook-Resource: issue): what each action says about the status.
_ISSUE_STATUS = {"created": "firing", "unresolved": "firing", "resolved": "resolved",
                 "archived": "resolved", "ignored": "resolved"}


def _issue(issue: dict[str, Any], action: str, delivery: str | None) -> Parsed:
    ident = text(issue.get("id"))
    if not ident:
        raise UnrecognisedPayload("Sentry issue event without data.issue.id")
    level = text(issue.get("level"))
    status = _ISSUE_STATUS.get(action)  # assigned (and anything new): not a status change
    first_seen = parse_time(issue.get("firstSeen"))
    owner = None
    if action == "assigned":
        assignee = issue.get("assignedTo")
        owner = (text(dig(assignee, "name")) or text(dig(assignee, "email"))
                 if isinstance(assignee, dict) else text(assignee)) or ""
    return Parsed(NAME, [Alert(
        source=NAME, dedup_key=ident, title=text(issue.get("title")) or ident,
        status=status,
        severity=normalise_severity(level), severity_raw=level,
        service=text(dig(issue, "project", "slug")),
        annotations={"culprit": c} if (c := text(issue.get("culprit"))) else {},
        links=links_of(source=text(issue.get("web_url")) or text(issue.get("permalink"))),
        starts_at=first_seen, at=first_seen if action == "created" else None,
        owner=owner,
    )], delivery)
