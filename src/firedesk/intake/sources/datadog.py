"""Datadog webhooks: a user template, so every value arrives as a string."""

from __future__ import annotations

import re
from typing import Any

from firedesk.intake.alert import Alert, Parsed, UnrecognisedPayload, key_of, links_of, text
from firedesk.intake.severity import normalise_severity
from firedesk.intake.times import parse_time

NAME = "datadog"
# `[Triggered] `, `[Recovered on {host:a}] `, `[P1] [Warn] ` … in front of titles.
_TRANSITION_WORDS = ("triggered", "re-triggered", "recovered", "warn", "re-warn", "no data",
                     "re-no data", "renotify")
_TYPE_SEVERITY = {"error": "high", "warning": "medium", "info": "info", "success": "info"}


def looks_like(body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    keys = set(body)
    if keys & {"alert_transition", "alert_cycle_key", "aggreg_key", "alert_id", "alert_priority"}:
        return True
    return {"event_type", "title", "date"} <= keys and isinstance(body.get("org"), (dict, str))


def _strip_transition(title: str) -> str:
    """`[Triggered on {host:a}] Disk full` → `Disk full`, so trigger and recovery match."""
    stripped = title
    while True:
        match = re.match(r"^\s*\[([^\]]*)\]\s*", stripped)
        if not match or not match.group(1).lower().startswith(_TRANSITION_WORDS + ("p1", "p2", "p3", "p4", "p5")):
            return stripped
        stripped = stripped[match.end():]


def _tags(raw: str | None) -> dict[str, str]:
    tags: dict[str, str] = {}
    for part in (raw or "").split(","):
        part = part.strip()
        if not part:
            continue
        key, _, value = part.partition(":")
        tags[key] = value if value else "true"
    return tags


def parse(body: Any, headers: Any = None, *, now: str | None = None) -> Parsed:
    if not isinstance(body, dict):
        raise UnrecognisedPayload("not a Datadog webhook: the body is not an object")
    get = lambda key: text(body.get(key))  # noqa: E731
    title = get("alert_title") or get("title") or get("event_title")
    if not title:
        raise UnrecognisedPayload("Datadog webhook without a title (add \"title\": \"$EVENT_TITLE\")")
    if re.fullmatch(r"\$[A-Z_]+(\[[^\]]*\])?", title.strip()):
        raise UnrecognisedPayload(
            f"Datadog template with unrendered variables ({title.strip()}); this is the template, "
            "not a notification")
    transition = get("alert_transition") or ""
    status = "resolved" if transition.lower() == "recovered" or title.lower().startswith(
        "[recovered") else "firing"
    tags = _tags(get("tags"))
    base_title = _strip_transition(title) or title
    # The alert is the monitor and its scope (the group that fires); each trigger →
    # recovery cycle is an occurrence of it, so a re-trigger re-fires the same row.
    if get("alert_id"):
        dedup = f"{get('alert_id')}:{get('alert_scope') or ''}"
    else:
        dedup = get("aggreg_key") or key_of("title", base_title)
    when = parse_time(get("date")) or parse_time(get("last_updated"))
    priority = get("alert_priority")
    alert_type = get("alert_type")
    if priority:
        severity, raw = normalise_severity(priority), priority
    else:
        severity, raw = _TYPE_SEVERITY.get((alert_type or "").lower(), "medium"), alert_type
    annotations = {k: v for k, v in {"body": get("body"), "transition": transition or None,
                                     "event_type": get("event_type"),
                                     "query": get("alert_query")}.items() if v}
    labels = dict(tags)
    for key in ("hostname", "alert_metric", "alert_scope", "org_name"):
        if get(key):
            labels.setdefault(key, get(key))
    if isinstance(body.get("org"), dict) and text(body["org"].get("name")):
        labels.setdefault("org", text(body["org"].get("name")))
    return Parsed(NAME, [Alert(
        source=NAME, dedup_key=dedup, title=base_title, status=status, severity=severity,
        severity_raw=raw, service=tags.get("service"), labels=labels, annotations=annotations,
        links=links_of(source=get("link"), snapshot=get("snapshot")),
        starts_at=when if status == "firing" else None, at=when,
        resolved_at=when if status == "resolved" else None,
        occurrence=get("alert_cycle_key"),
    )], get("id") if get("id") and get("id") != "$ID" else None)
