"""The alert feed as the console shows it, Textual-free: what to load, in what order,
what a filter matches, how rows group, and which critical alerts are news.

Groups: alerts sharing the values of `[alerts] group_by` (default `["alertname"]`; an
alert with none of those labels groups by its title) show as one row with counts, in
the place of the most urgent of them; a group can be expanded to its alerts. A group of
one is just the alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from firedesk.config import Loading
from firedesk.intake.severity import SEVERITY_ORDER
from firedesk.intake.triage import AlertRow

DEFAULT_GROUP_BY = ("alertname",)


@dataclass
class AlertFeedData:
    """What `load` read (Textual-free, built in a worker thread)."""

    incident: Any                       # firedesk.model.Incident or None (the picker)
    alerts: list[AlertRow]
    now: str
    counts: dict[str, int]
    problems: list[str] = field(default_factory=list)
    silence_url: str | None = None
    group_by: tuple[str, ...] = DEFAULT_GROUP_BY


@dataclass
class AlertGroup:
    """Alerts that share the grouping labels' values, shown as one row."""

    name: str                       # "alertname=HighLatency", or the shared title
    alerts: list[AlertRow]

    @property
    def firing(self) -> int:
        return sum(1 for a in self.alerts if a.status == "firing")

    @property
    def severity(self) -> str:
        """The most severe of its firing alerts (of all, when none fires)."""
        pool = [a for a in self.alerts if a.status == "firing"] or self.alerts
        return min((a.severity for a in pool), key=lambda s: SEVERITY_ORDER.index(s)
                   if s in SEVERITY_ORDER else len(SEVERITY_ORDER))


def group_name(alert: AlertRow, group_by: tuple[str, ...]) -> str:
    values = [(label, alert.labels.get(label)) for label in group_by]
    if any(value for _, value in values):
        return ", ".join(f"{label}={value}" for label, value in values if value)
    return alert.title


def grouped(alerts: list[AlertRow], group_by: tuple[str, ...],
            expanded: set[str]) -> list[AlertRow | AlertGroup]:
    """The rows to show: a group where two or more alerts share a name (followed by its
    alerts when expanded), each at the place of its first (most urgent) alert."""
    buckets: dict[str, list[AlertRow]] = {}
    for alert in alerts:
        buckets.setdefault(group_name(alert, group_by), []).append(alert)
    rows: list[AlertRow | AlertGroup] = []
    for name, members in buckets.items():
        if len(members) == 1:
            rows.append(members[0])
            continue
        rows.append(AlertGroup(name, members))
        if name in expanded:
            rows.extend(members)
    return rows


@dataclass(frozen=True)
class AlertViewSettings:
    group_by: tuple[str, ...] = DEFAULT_GROUP_BY


def parse_alerts(config: Loading) -> AlertViewSettings:
    """`[alerts] group_by = ["alertname", …]` (read once, in load_config: `config.alerts`)."""
    section = config.section("alerts")
    if section is None:
        return AlertViewSettings()
    if not isinstance(section, dict):
        config.problem("alerts", "must be a table ([alerts])")
        return AlertViewSettings()
    for unknown in sorted(set(section) - {"group_by"}):
        config.problem(f"alerts.{unknown}", "unknown key (the section has group_by)")
    value = section.get("group_by", list(DEFAULT_GROUP_BY))
    if isinstance(value, str):
        value = [value]
    if (not isinstance(value, list) or not value
            or not all(isinstance(v, str) and v.strip() for v in value)):
        config.problem("alerts.group_by", "must be a label name or a list of label names; "
                       "grouping by alertname")
        return AlertViewSettings()
    return AlertViewSettings(tuple(v.strip() for v in value))


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
    group_by = config.alerts.group_by if config is not None else DEFAULT_GROUP_BY
    from firedesk.intake.sns import pending_notices

    return AlertFeedData(incident, list_alerts(store, limit=limit), store.now(),
                         feed_summary(store), poll_problems(store) + pending_notices(store), url,
                         group_by)
