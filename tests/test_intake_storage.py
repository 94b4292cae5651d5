"""Deduplicated storage: counts, transitions, flapping, duplicates, the raw record, triage."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest
from conftest import PAYLOADS

from firedesk.errors import InvalidInput, NotFound
from firedesk.intake import parse_delivery
from firedesk.intake.storage import record_delivery, record_deliveries
from firedesk.intake.triage import (
    ack_alert, attach_alert, declare_from_alert, find_alert, list_alerts, mark_noise,
    snooze_alert,
)
from firedesk.store import declare_incident, events_for


def am_body(status: str, fingerprint: str = "fp1", starts: str = "2026-11-22T02:55:00Z",
            ends: str = "0001-01-01T00:00:00Z", severity: str = "critical", **extra) -> bytes:
    return json.dumps({
        "version": "4", "status": status, "groupKey": "g", "truncatedAlerts": 0, **extra,
        "alerts": [{"status": status, "labels": {"alertname": "Down", "severity": severity,
                                                 "service": "api"},
                    "annotations": {"summary": "API down"}, "startsAt": starts, "endsAt": ends,
                    "fingerprint": fingerprint, "generatorURL": "http://prom/x"}],
    }).encode()


def ingest(store, raw: bytes, **kwargs):
    return record_delivery(store, parse_delivery(raw, now=store.now()), raw, via="test", **kwargs)


def test_fixture_alerts_are_stored_with_raw_body_verbatim(store):
    raw = (PAYLOADS / "alertmanager_v4.json").read_bytes()
    result = ingest(store, raw)
    assert (result.new, result.mentions, result.duplicate) == (1, 1, False)
    assert result.new_critical == [1]
    stored = store.query_one("SELECT body, source, via FROM alert_deliveries")
    assert bytes(stored["body"]) == raw
    [alert] = list_alerts(store)
    assert (alert.source, alert.dedup_key, alert.status, alert.count) == (
        "alertmanager", "1a30ba71cca2921f", "firing", 1)
    assert alert.first_seen == alert.last_seen == store.now()


def test_every_alert_fixture_stores(store):
    for name in ("grafana.json", "pagerduty_v3_webhook.json", "pagerduty_events_v2.json",
                 "sentry_issue_alert.json", "datadog.json", "opsgenie.json",
                 "cloudwatch_sns.json", "alertmanager_api_v2_alerts.json"):
        ingest(store, (PAYLOADS / name).read_bytes())
    sources = {a.source for a in list_alerts(store)}
    assert sources == {"grafana", "pagerduty", "sentry", "datadog", "opsgenie", "cloudwatch",
                       "alertmanager"}
    assert store.query_one("SELECT count(*) FROM alert_deliveries")[0] == 8


def test_duplicate_delivery_is_not_counted_twice(store):
    raw = (PAYLOADS / "pagerduty_v3_webhook.json").read_bytes()
    first = ingest(store, raw)
    again = ingest(store, raw)
    assert again.duplicate and again.delivery_id == first.delivery_id
    assert find_alert(store, "PGR0VU2").count == 1
    assert store.query_one("SELECT count(*) FROM alert_deliveries")[0] == 1


def test_repeat_counts_resolve_and_refire(store, clock):
    ingest(store, am_body("firing"))
    clock.advance(minutes=1)
    ingest(store, am_body("firing", notification_reason="repeat interval elapsed"))
    alert = find_alert(store, "fp1")
    assert (alert.count, alert.status, alert.fired_count) == (2, "firing", 1)
    clock.advance(minutes=1)
    result = ingest(store, am_body("resolved", ends="2026-11-22T03:01:30Z"))
    assert result.resolved == 1
    alert = find_alert(store, "fp1")
    assert (alert.status, alert.ends_at, alert.resolved_at) == (
        "resolved", "2026-11-22T03:01:30.000000Z", "2026-11-22T03:01:30.000000Z")
    # A retried "firing" for the episode that already resolved is stale.
    clock.advance(minutes=1)
    ingest(store, am_body("firing", notification_reason="stale retry"))
    assert find_alert(store, "fp1").status == "resolved"
    # A new episode (new startsAt) re-fires.
    clock.advance(minutes=1)
    result = ingest(store, am_body("firing", starts="2026-11-22T03:03:00Z"))
    assert result.refired == 1
    alert = find_alert(store, "fp1")
    assert (alert.status, alert.fired_count, alert.resolved_at, alert.ends_at) == ("firing", 2, None, None)
    transitions = store.query("SELECT from_status, to_status FROM alert_transitions ORDER BY id")
    assert [tuple(t) for t in transitions] == [("firing", "resolved"), ("resolved", "firing")]
    assert alert.first_seen == "2026-11-22T03:00:00.000000Z"
    assert alert.last_seen == "2026-11-22T03:04:00.000000Z"


def test_flapping_is_noticed(store, clock):
    for minute in range(3):
        starts = f"2026-11-22T03:{10 + minute * 2:02d}:00Z"
        clock.advance(minutes=1)
        ingest(store, am_body("firing", starts=starts))
        clock.advance(minutes=1)
        ingest(store, am_body("resolved", starts=starts, ends=f"2026-11-22T03:{11 + minute * 2:02d}:00Z"))
    assert find_alert(store, "fp1").flapping
    clock.advance(hours=2)
    ingest(store, am_body("firing", starts="2026-11-22T06:00:00Z"))
    assert not find_alert(store, "fp1").flapping


def test_pagerduty_ack_keeps_title_and_severity(store):
    trigger = json.loads((PAYLOADS / "pagerduty_events_v2.json").read_text())
    trigger["dedup_key"] = "dedupkeyhere"
    trigger["payload"]["severity"] = "critical"
    ingest(store, json.dumps(trigger).encode())
    ingest(store, (PAYLOADS / "pagerduty_events_v2_acknowledge.json").read_bytes())
    alert = find_alert(store, "dedupkeyhere")
    assert (alert.title, alert.severity, alert.acked_by) == (
        "Example alert on host1.example.com", "critical", "PagerDuty")
    ingest(store, (PAYLOADS / "pagerduty_events_v2_resolve.json").read_bytes())
    assert find_alert(store, "dedupkeyhere").status == "resolved"


def test_storm_folds_repeated_fingerprints_in_one_delivery(store):
    alerts = [{"status": "firing", "labels": {"alertname": f"A{i % 50}"}, "annotations": {},
               "startsAt": "2026-11-22T02:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
               "fingerprint": f"fp{i % 50}"} for i in range(200)]
    raw = json.dumps({"version": "4", "status": "firing", "alerts": alerts}).encode()
    result = ingest(store, raw)
    assert (result.new, result.mentions) == (50, 200)
    assert {a.count for a in list_alerts(store)} == {4}
    assert store.query_one("SELECT sum(times) FROM alert_occurrences")[0] == 200


def test_records_refuse_update_and_delete(store):
    ingest(store, am_body("firing"))
    for table in ("alert_deliveries", "alert_occurrences"):
        with pytest.raises(sqlite3.IntegrityError, match="record"):
            store.conn.execute(f"DELETE FROM {table}")
    with pytest.raises(sqlite3.IntegrityError, match="record"):
        store.conn.execute("UPDATE alert_deliveries SET body = x'00'")


def test_json_lines_are_all_or_nothing(store):
    good = am_body("firing")
    items = [(parse_delivery(good), good)]
    record_deliveries(store, items, via="ingest")
    assert store.query_one("SELECT count(*) FROM alerts")[0] == 1


def test_lone_surrogates_and_controls_survive(store):
    raw = json.dumps({"version": "4", "status": "firing", "alerts": [
        {"status": "firing", "labels": {"alertname": "x\ud800y", "k\udfff": "v"},
         "annotations": {"summary": "\x1b]0;pwned\x07title"}, "fingerprint": "s1"}]}).encode()
    ingest(store, raw)
    alert = find_alert(store, "s1")
    assert alert.title == "\x1b]0;pwned\x07title"  # stored as received, made safe on display
    assert alert.labels["alertname"] == "x\ufffdy"


def test_triage_ack_snooze_attach_noise_are_on_the_record(store, clock):
    ingest(store, am_body("firing"))
    alert = find_alert(store, "1")
    alert = ack_alert(store, alert, author="priya")
    assert alert.acked_by == "priya"
    alert = snooze_alert(store, alert, timedelta(minutes=30), reason="deploy in progress", author="priya")
    assert alert.snoozed_until == "2026-11-22T03:30:00.000000Z"
    assert alert.snoozed(store.now())
    with pytest.raises(InvalidInput):
        snooze_alert(store, alert, timedelta(minutes=5), reason=" ", author="priya")
    incident = declare_incident(store, "API down", severity="SEV2", author="priya")
    alert = attach_alert(store, alert, incident, author="sam")
    assert alert.incident == incident.key
    alert = mark_noise(store, alert, author="sam")
    assert alert.noise
    events = events_for(store, incident.id)
    assert [e.kind for e in events] == ["declared", "alert.attach", "alert.noise"]
    # The ack and snooze came before the attach: the incident's timeline still says so.
    assert events[1].text.endswith("; acknowledged before by priya at 2026-11-22 03:00 UTC"
                                   "; snoozed until 2026-11-22 03:30 UTC: deploy in progress")
    assert events[1].data["acked_by"] == "priya" and events[1].data["snooze_reason"] == "deploy in progress"
    loose = store.query("SELECT kind FROM events WHERE incident_id IS NULL ORDER BY id")
    assert [r["kind"] for r in loose] == ["alert.ack", "alert.snooze"]
    assert list_alerts(store, incident_id=incident.id)[0].id == alert.id
    # A re-fire clears the ack: it is news again.
    clock.advance(minutes=1)
    ingest(store, am_body("resolved", ends="2026-11-22T03:00:30Z"))
    ingest(store, am_body("firing", starts="2026-11-22T03:01:00Z"))
    assert find_alert(store, "1").acked_by is None


def test_declare_from_alert(store):
    ingest(store, am_body("firing"))
    incident = declare_from_alert(store, find_alert(store, "1"), severity="SEV1", author="lee")
    assert incident.title == "API down" and incident.service == "api"
    assert find_alert(store, "1").incident_id == incident.id


def test_find_alert_errors(store):
    with pytest.raises(NotFound):
        find_alert(store, "99")


def test_ordering_firing_first_then_severity(store, clock):
    ingest(store, am_body("firing", fingerprint="low", severity="info"))
    ingest(store, am_body("firing", fingerprint="crit", severity="critical"))
    ingest(store, am_body("resolved", fingerprint="gone", severity="critical",
                          ends="2026-11-22T02:59:00Z"))
    assert [a.dedup_key for a in list_alerts(store)] == ["crit", "low", "gone"]
    assert [a.dedup_key for a in list_alerts(store, status="resolved")] == ["gone"]


def test_demo_stream_fires_repeats_and_resolves(store, clock):
    from firedesk.intake.simulate import DEMO_ALERTS, feed_demo_alert

    for step in range(len(DEMO_ALERTS) * 4):
        clock.advance(seconds=30)
        feed_demo_alert(store, step)
    alerts = list_alerts(store)
    assert len(alerts) == len(DEMO_ALERTS)
    assert {a.status for a in alerts} == {"resolved"} and {a.count for a in alerts} == {4}
    clock.advance(seconds=30)
    feed_demo_alert(store, len(DEMO_ALERTS) * 4)
    assert list_alerts(store, status="firing")[0].severity == "critical"


def test_take_and_hand_over_an_alert_owner_and_timeline(store):
    from firedesk.intake.triage import take_alert

    ingest(store, am_body("firing"))
    incident = declare_incident(store, "API down", severity="SEV2", author="Dana")
    alert = attach_alert(store, find_alert(store, "fp1"), incident, author="Dana")
    taken = take_alert(store, alert, author="Dana")
    assert (taken.owner, taken.owned_at) == ("Dana", store.now())
    handed = take_alert(store, taken, author="Dana", owner="Priya")
    assert handed.owner == "Priya" and handed.to_json()["owner"] == "Priya"
    texts = [e.text for e in events_for(store, incident.id) if e.kind == "alert.take"]
    assert texts == ["took alert 1: API down", "handed alert 1 to Priya: API down"]
    # Acknowledging records who; it does not take an alert someone else has.
    acked = ack_alert(store, handed, author="Kenji")
    assert (acked.acked_by, acked.owner) == ("Kenji", "Priya")


def test_ack_of_an_unowned_alert_makes_it_the_ackers(store):
    ingest(store, am_body("firing"))
    acked = ack_alert(store, find_alert(store, "fp1"), author="Kenji")
    assert (acked.acked_by, acked.owner) == ("Kenji", "Kenji")


def test_taking_many_writes_one_entry_per_incident(store):
    from firedesk.intake.triage import take_alert

    incident = declare_incident(store, "Storm", severity="SEV2", author="Dana")
    for n in range(30):
        ingest(store, am_body("firing", fingerprint=f"fp{n}"))
    alerts = attach_alert(store, list_alerts(store), incident, author="Dana")
    assert alerts == 30
    take_alert(store, list_alerts(store), author="Dana")
    [entry] = [e for e in events_for(store, incident.id) if e.kind == "alert.take"]
    assert entry.text.startswith("took 30 alerts: ") and entry.text.endswith(" …")
    assert {a.owner for a in list_alerts(store)} == {"Dana"}
