"""Any JSON body, read through a mapping the team writes in config.

```toml
[receiver.generic.uptime]            # POST /hooks/uptime, `firedesk ingest --source uptime`
alerts = "checks"                    # dotted path to the list of alerts (omit: the body is
                                     # one alert, or a top-level array is the list)
dedup_key = "id"                     # required, dotted path inside each alert
title = "name"                       # required
status = "state"                     # firing unless the value is in resolved_values
resolved_values = ["up", "ok"]       # default: resolved ok closed recovered up normal inactive
severity = "level"                   # mapped to critical|high|medium|low|info
service = "service"
labels = "tags"                      # path to an object of labels
annotations = "details"
link = "url"
starts_at = "since"
ends_at = "until"
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from firedesk.intake.alert import (
    Alert, Parsed, UnrecognisedPayload, links_of, string_map, text,
)
from firedesk.intake.severity import normalise_severity
from firedesk.intake.times import parse_time

DEFAULT_RESOLVED = ("resolved", "ok", "closed", "recovered", "up", "normal", "inactive")
PATH_KEYS = ("alerts", "dedup_key", "title", "status", "severity", "service", "labels",
             "annotations", "link", "starts_at", "ends_at")


@dataclass
class GenericMapping:
    """Where each normalised field lives in a team's own JSON."""

    name: str
    dedup_key: str
    title: str
    alerts: str | None = None
    status: str | None = None
    resolved_values: tuple[str, ...] = DEFAULT_RESOLVED
    severity: str | None = None
    service: str | None = None
    labels: str | None = None
    annotations: str | None = None
    link: str | None = None
    starts_at: str | None = None
    ends_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def lookup(value: Any, path: str | None) -> Any:
    """Follow `a.b.0.c` through objects and arrays; None when any step is missing."""
    if not path:
        return None
    for step in path.split("."):
        if isinstance(value, dict):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return value


def parse_with(mapping: GenericMapping, body: Any) -> Parsed:
    """Read `body` through `mapping`; every alert needs a dedup key and a title."""
    if mapping.alerts:
        items = lookup(body, mapping.alerts)
        if not isinstance(items, list):
            raise UnrecognisedPayload(f"{mapping.name}: no list of alerts at {mapping.alerts!r}")
    else:
        items = body if isinstance(body, list) else [body]
    alerts = []
    for index, item in enumerate(items):
        key, title = text(lookup(item, mapping.dedup_key)), text(lookup(item, mapping.title))
        if not key or not title:
            missing = mapping.dedup_key if not key else mapping.title
            raise UnrecognisedPayload(f"{mapping.name}: alert {index} has nothing at {missing!r}")
        state = (text(lookup(item, mapping.status)) or "").lower()
        raw = text(lookup(item, mapping.severity))
        alerts.append(Alert(
            source=mapping.name, dedup_key=key, title=title,
            status="resolved" if state and state in mapping.resolved_values else "firing",
            severity=normalise_severity(raw), severity_raw=raw,
            service=text(lookup(item, mapping.service)),
            labels=string_map(lookup(item, mapping.labels)),
            annotations=string_map(lookup(item, mapping.annotations)),
            links=links_of(source=text(lookup(item, mapping.link))),
            starts_at=parse_time(lookup(item, mapping.starts_at)),
            ends_at=parse_time(lookup(item, mapping.ends_at)),
        ))
    return Parsed(mapping.name, alerts)


def mapping_from_config(name: str, table: Any, problem) -> GenericMapping | None:  # noqa: ANN001
    """Build a mapping from `[receiver.generic.NAME]`; report what is wrong via `problem`."""
    where = f"receiver.generic.{name}"
    if not isinstance(table, dict):
        problem(where, "must be a table")
        return None
    values: dict[str, Any] = {}
    for key in PATH_KEYS:
        value = table.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            problem(f"{where}.{key}", "must be a dotted path string like \"alert.id\"")
            continue
        values[key] = value.strip()
    for required in ("dedup_key", "title"):
        if required not in values:
            problem(f"{where}.{required}", "is required (a dotted path into each alert)")
            return None
    resolved = table.get("resolved_values")
    if resolved is not None:
        if isinstance(resolved, list) and all(isinstance(v, str) for v in resolved):
            values["resolved_values"] = tuple(v.lower() for v in resolved)
        else:
            problem(f"{where}.resolved_values", "must be a list of strings")
    return GenericMapping(name=name, **values)
