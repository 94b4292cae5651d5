"""Prometheus Alertmanager: webhook (version 4) and the API v2 alert list."""

from __future__ import annotations

from typing import Any

from firedesk.intake.alert import (
    Alert, Parsed, UnrecognisedPayload, key_of, links_of, listing, mapping, string_map, text,
)
from firedesk.intake.severity import normalise_severity
from firedesk.intake.times import parse_time

NAME = "alertmanager"
SERVICE_LABELS = ("service", "app", "application", "job", "namespace")


def looks_like(body: Any) -> bool:
    if isinstance(body, dict):
        return str(body.get("version")) == "4" and isinstance(body.get("alerts"), list)
    return is_api_list(body)


def is_api_list(body: Any) -> bool:
    """`GET /api/v2/alerts`: a list of alerts whose `status` is an object with `state`."""
    return (isinstance(body, list) and bool(body) and all(isinstance(a, dict) for a in body)
            and isinstance(body[0].get("status"), dict) and "fingerprint" in body[0])


def alert_from(item: dict[str, Any], source: str, status: str | None,
               extra_links: dict[str, str] | None = None) -> Alert:
    """One Alertmanager-shaped alert (also used by Grafana, which sends the same shape)."""
    labels = string_map(item.get("labels"))
    annotations = string_map(item.get("annotations"))
    fingerprint = text(item.get("fingerprint")) or key_of(sorted(labels.items()))
    title = (annotations.get("summary") or annotations.get("title") or labels.get("alertname")
             or annotations.get("description") or fingerprint)
    service = next((labels[k] for k in SERVICE_LABELS if labels.get(k)), None)
    raw_severity = labels.get("severity") or labels.get("priority")
    links = links_of(
        source=text(item.get("generatorURL")),
        runbook=annotations.get("runbook_url") or annotations.get("runbook"),
        dashboard=annotations.get("dashboard") or annotations.get("dashboard_url"),
    )
    links.update(links_of(**(extra_links or {})))
    status = status or "firing"
    starts, ends = parse_time(item.get("startsAt")), parse_time(item.get("endsAt"))
    resolved = ends if status == "resolved" else None
    return Alert(
        source=source, dedup_key=fingerprint, title=title,
        status=status, severity=normalise_severity(raw_severity),
        severity_raw=raw_severity, service=service, labels=labels, annotations=annotations,
        links=links, starts_at=starts, ends_at=ends,
        # A firing alert's time is its start; a resolved one's, its end.
        at=resolved or starts, resolved_at=resolved,
    )


def _webhook_status(item: dict[str, Any], group_status: Any) -> str:
    status = item.get("status", group_status)
    return "resolved" if status == "resolved" else "firing"


def parse(body: Any, headers: Any = None, *, now: str | None = None) -> Parsed:
    if is_api_list(body):
        return parse_api_list(body, now=now)
    if not isinstance(body, dict) or not isinstance(body.get("alerts"), list):
        raise UnrecognisedPayload("not an Alertmanager webhook: no `alerts` list")
    alerts = [
        alert_from(item, NAME, _webhook_status(item, body.get("status")))
        for item in listing(body.get("alerts")) if isinstance(item, dict)
    ]
    if not alerts and body.get("alerts"):
        raise UnrecognisedPayload("Alertmanager webhook whose alerts are not objects")
    truncated = body.get("truncatedAlerts")
    note = None
    if isinstance(truncated, int) and not isinstance(truncated, bool) and truncated > 0:
        note = (f"Alertmanager left out {truncated} alert(s) of group {text(body.get('groupKey'))} "
                "(its max_alerts setting)")
    return Parsed(NAME, alerts, note=note)


def parse_api_list(body: list[Any], *, now: str | None = None) -> Parsed:
    """API v2 alerts are all current: `endsAt` is a future expiry, resolved only once past."""
    alerts = []
    for item in body:
        if not isinstance(item, dict):
            continue
        alert = alert_from(item, NAME, "firing")
        alert.observed = True  # a snapshot: seeing it again is not another occurrence
        state = text(mapping(item.get("status")).get("state"))
        if state and state != "active":
            alert.annotations.setdefault("alertmanager_state", state)
        if alert.ends_at and now and alert.ends_at <= now:
            alert.status, alert.resolved_at, alert.at = "resolved", alert.ends_at, alert.ends_at
        elif alert.status == "firing":
            alert.ends_at = None  # an expiry, not an end
        alerts.append(alert)
    return Parsed(NAME, alerts)
