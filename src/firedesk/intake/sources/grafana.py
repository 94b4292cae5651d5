"""Grafana unified alerting webhook: Alertmanager's shape plus `orgId`, `version: "1"`."""

from __future__ import annotations

from typing import Any

from firedesk.intake.alert import Parsed, UnrecognisedPayload, listing, text
from firedesk.intake.sources.alertmanager import alert_from

NAME = "grafana"


def looks_like(body: Any) -> bool:
    return (isinstance(body, dict) and isinstance(body.get("alerts"), list)
            and ("orgId" in body or str(body.get("version")) == "1"))


def parse(body: Any, headers: Any = None, *, now: str | None = None) -> Parsed:
    if not isinstance(body, dict) or not isinstance(body.get("alerts"), list):
        raise UnrecognisedPayload("not a Grafana webhook: no `alerts` list")
    alerts = []
    for item in listing(body.get("alerts")):
        if not isinstance(item, dict):
            continue
        status = item.get("status", body.get("status"))
        extra = {
            "silence": text(item.get("silenceURL")),
            "dashboard": text(item.get("dashboardURL")),
            "panel": text(item.get("panelURL")),
            "image": text(item.get("imageURL")),
        }
        alert = alert_from(item, NAME, "resolved" if status == "resolved" else "firing", extra)
        alerts.append(alert)
    return Parsed(NAME, alerts)
