"""Replay (issue 16, point 5): a captured signed body re-sent with fresh unsigned headers.

The delivery key comes from what the source signs (the PagerDuty event id inside the
body, the Sentry body itself), so changing X-Webhook-Id or Request-ID counts nothing
again and cannot bring a resolved alert back.
"""

from __future__ import annotations

import sqlite3

from conftest import PAYLOADS
from test_intake_receiver import running_receiver, sign


def fixture(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def row(db_path, key: str) -> tuple:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT status, count, fired_count FROM alerts WHERE dedup_key = ?",
                            (key,)).fetchone()
    finally:
        conn.close()


def deliveries(db_path) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM alert_deliveries").fetchone()[0]
    finally:
        conn.close()


def test_replayed_pagerduty_trigger_with_a_new_webhook_id_does_not_refire(db_path):
    config = {"sources": {"pagerduty": {"secret": "pd-secret"}}}
    trigger, resolve = fixture("pagerduty_v3_triggered.json"), fixture("pagerduty_v3_resolved.json")
    with running_receiver(db_path, config) as server:
        def send(body: bytes, webhook_id: str):
            return server.post("/hooks/pagerduty", body, {
                "X-PagerDuty-Signature": f"v1={sign('pd-secret', body)}",
                "X-Webhook-Id": webhook_id}, token=None)

        assert send(trigger, "w-1").status_code == 200
        assert send(resolve, "w-2").status_code == 200
        replay = send(trigger, "attacker-chose-this")  # captured body, still validly signed
        assert replay.status_code == 200 and replay.json()["duplicate"] is True
    assert row(db_path, "PGR0VU2") == ("resolved", 2, 1)
    assert deliveries(db_path) == 2


def test_replayed_sentry_body_with_a_new_request_id_is_a_duplicate(db_path):
    body = fixture("sentry_metric_alert_critical.json")
    resolved = fixture("sentry_metric_alert_resolved.json")
    with running_receiver(db_path, {"sources": {"sentry": {"secret": "client-secret"}}}) as server:
        def send(payload: bytes, request_id: str):
            return server.post("/hooks/sentry", payload, {
                "Sentry-Hook-Resource": "metric_alert", "Request-ID": request_id,
                "Sentry-Hook-Signature": sign("client-secret", payload)}, token=None)

        assert send(body, "req-1").status_code == 200
        assert send(resolved, "req-2").status_code == 200
        again = send(body, "req-3")
        assert again.status_code == 200 and again.json()["duplicate"] is True
    assert row(db_path, "metric:53") == ("resolved", 2, 1)
    assert deliveries(db_path) == 2
