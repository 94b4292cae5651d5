"""One parser per alert source. Each module has `parse(body, headers) -> Parsed` and
`looks_like(body) -> bool` (body-shape detection, used after header detection)."""

from __future__ import annotations

from firedesk.intake.sources import (
    alertmanager, cloudwatch, datadog, grafana, opsgenie, pagerduty, sentry,
)

# Detection order matters: the most specific shapes first (Grafana is Alertmanager plus).
PARSERS = {
    "grafana": grafana,
    "alertmanager": alertmanager,
    "pagerduty": pagerduty,
    "sentry": sentry,
    "opsgenie": opsgenie,
    "cloudwatch": cloudwatch,
    "datadog": datadog,
}
BUILTIN_SOURCES = tuple(PARSERS)
