"""The alert feed as the console shows it, Textual-free: what to load, in what order,
what a filter matches, and which critical alerts are news."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from firedesk.intake.triage import AlertRow


@dataclass
class AlertFeedData:
    """What `load` read (Textual-free, built in a worker thread)."""

    incident: Any                       # firedesk.model.Incident or None (the picker)
    alerts: list[AlertRow]
    now: str
    counts: dict[str, int]
    problems: list[str] = field(default_factory=list)
    silence_url: str | None = None


def feed_order(alerts: list[AlertRow], now: str) -> list[AlertRow]:
    """Firing (needing attention) → firing but snoozed/noise → resolved; stable otherwise."""
    def rank(alert: AlertRow) -> int:
        if alert.status != "firing":
            return 2
        return 1 if alert.noise or alert.snoozed(now) else 0
    return sorted(alerts, key=rank)


def matches(alert: AlertRow, query: str) -> bool:
    """Every word must match: `key=value` a label (or service/severity/status/source),
    anything else a case-insensitive substring of title, service, source or label values."""
    for word in query.lower().split():
        key, eq, value = word.partition("=")
        if eq:
            fields = {"service": alert.service, "severity": alert.severity,
                      "status": alert.status, "source": alert.source}
            labels = {k.lower(): v for k, v in alert.labels.items()}
            actual = fields.get(key) if key in fields else labels.get(key)
            if (actual or "").lower() != value:
                return False
            continue
        haystack = " ".join([alert.title, alert.service or "", alert.source, alert.dedup_key,
                             *alert.labels.values()]).lower()
        if word not in haystack:
            return False
    return True


def critical_news(alerts: list[AlertRow], now: str) -> set[tuple[int, int]]:
    """(id, times fired) of critical alerts firing and not snoozed or noise."""
    return {(a.id, a.fired_count) for a in alerts
            if a.status == "firing" and a.severity == "critical" and not a.noise
            and not a.snoozed(now)}


def silence_each(store, alerts, url, duration, *, reason, author):  # noqa: ANN001
    """Silence each Alertmanager alert (in the write worker: network and SQLite)."""
    from firedesk.intake.silences import silence_alert

    done = 0
    for alert in alerts:
        silence_alert(store, alert, url, duration, reason=reason, author=author)
        done += 1
    return done


def load_feed(store, incident, config, *, limit: int = 1000) -> AlertFeedData:  # noqa: ANN001
    """Everything the pane shows, read in one go (runs in a worker thread)."""
    from firedesk.intake.poller import poll_problems
    from firedesk.intake.triage import feed_summary, list_alerts

    url = config.receiver.source("alertmanager").url if config is not None else None
    from firedesk.intake.sns import pending_notices

    return AlertFeedData(incident, list_alerts(store, limit=limit), store.now(),
                         feed_summary(store), poll_problems(store) + pending_notices(store), url)
