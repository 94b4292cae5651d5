"""A believable stream of Alertmanager webhooks for `firedesk demo` and soak tests.

`demo_payload(step)` is a real version-4 body (fire, repeat, resolve, re-fire over a
handful of alerts); `feed_demo_alert(store, step)` stores it exactly as `receive` would.
"""

from __future__ import annotations

import json
from datetime import timedelta

from firedesk.clock import parse_utc, to_iso
from firedesk.intake.detect import parse_delivery
from firedesk.intake.storage import Recorded, record_delivery
from firedesk.store.store import Store

# (fingerprint, alertname, service, severity, summary)
DEMO_ALERTS = (
    ("d3m0checkout5xx", "CheckoutErrorRate", "checkout-api", "critical",
     "checkout-api 5xx rate 4.2% (critical > 2%)"),
    ("d3m0retryqueue", "RetryQueueDepth", "payments-retry", "warning",
     "payments-retry queue depth 14,200 (warning > 5,000)"),
    ("d3m0dbconns", "DBConnectionsHigh", "payments-db", "warning",
     "payments-db-1 connections 180/200"),
    ("d3m0latency", "LatencySLOBurn", "checkout-api", "high",
     "checkout p99 latency 2.3s burning the SLO budget"),
    ("d3m0diskfill", "DiskWillFillIn4h", "search", "info",
     "search-3 /var fills in ~4h at the current rate"),
)


def demo_payload(step: int, now: str) -> bytes:
    """Step n fires, repeats or resolves one of the demo alerts (resolves every 4th visit)."""
    fingerprint, name, service, severity, summary = DEMO_ALERTS[step % len(DEMO_ALERTS)]
    visit = step // len(DEMO_ALERTS)
    resolved = visit % 4 == 3
    episode = visit // 4
    starts = to_iso(parse_utc(now) - timedelta(minutes=5 + step % 7)) if not episode else now
    alert = {
        "status": "resolved" if resolved else "firing",
        "labels": {"alertname": name, "service": service, "severity": severity,
                   "instance": f"{service}-1:9100", "episode": str(episode)},
        "annotations": {"summary": summary,
                        "runbook_url": f"https://runbooks.example/{name.lower()}"},
        "startsAt": starts, "endsAt": now if resolved else "0001-01-01T00:00:00Z",
        "generatorURL": f"http://prometheus.example:9090/graph?g0.expr={name}",
        "fingerprint": f"{fingerprint}{episode}",
    }
    return json.dumps({"version": "4", "status": alert["status"], "receiver": "firedesk",
                       "groupKey": f'{{}}:{{alertname="{name}"}}', "truncatedAlerts": 0,
                       "notification_reason": f"demo step {step}", "alerts": [alert],
                       "externalURL": "http://alertmanager.example:9093"}).encode()


def feed_demo_alert(store: Store, step: int) -> Recorded:
    """Store one demo webhook as the receiver would (a real parse, a real delivery row)."""
    raw = demo_payload(step, store.now())
    return record_delivery(store, parse_delivery(raw, "alertmanager", now=store.now()), raw,
                           via="demo")
