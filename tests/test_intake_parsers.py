"""Every fixture payload parses into the expected alerts; detection; the awkward cases."""

from __future__ import annotations

import json

import pytest
from conftest import PAYLOADS
from test_intake_semantics import VENDOR_FIXTURES

from firedesk.intake import MalformedPayload, UnrecognisedPayload, parse_delivery
from firedesk.intake.alert import Headers
from firedesk.intake.detect import detect_source
from firedesk.intake.severity import normalise_severity
from firedesk.intake.sources.generic import GenericMapping
from firedesk.intake.times import parse_time

NOW = "2026-03-11T12:50:00.000000Z"


def load(name: str, **kwargs):
    return parse_delivery((PAYLOADS / name).read_bytes(), now=NOW, **kwargs)


def test_alertmanager_webhook_v4():
    parsed = load("alertmanager_v4.json")
    assert parsed.source == "alertmanager"
    [alert] = parsed.alerts
    assert alert.dedup_key == "1a30ba71cca2921f"
    assert alert.title == "BlackBox Probe Failure: https://server.example.org"
    assert (alert.status, alert.severity, alert.severity_raw) == ("firing", "critical", "critical")
    assert alert.service == "http_checks"
    assert alert.starts_at == "2023-02-06T13:08:45.828000Z"
    assert alert.ends_at is None  # Go's zero time means "not set"
    # Go escapes & as \u0026; json decoding restores it.
    assert alert.links["source"].endswith("probe_success+%3D%3D+0&g0.tab=1")
    assert alert.labels["instance"] == "https://server.example.org"
    assert alert.annotations["description"].startswith("Instance https://server.example.org")


def test_alertmanager_api_v2_list():
    parsed = load("alertmanager_api_v2_alerts.json")
    assert parsed.source == "alertmanager"
    first, second = parsed.alerts
    assert first.dedup_key == "aae7a1432b5d2f1b" and second.dedup_key == "54c2f185e49cfccb"
    assert first.status == second.status == "firing"
    assert first.ends_at is None  # a future endsAt is an expiry, not an end
    assert first.title == "Free_Disk_Space_Too_Low" and second.title == "Example summary"
    assert second.annotations["alertmanager_state"] == "suppressed"
    assert first.links["dashboard"] == "http://localhost/dashboard.html"


def test_alertmanager_api_v2_expired_alert_is_resolved():
    parsed = parse_delivery((PAYLOADS / "alertmanager_api_v2_alerts.json").read_bytes(),
                            now="2026-03-11T13:00:00.000000Z")
    assert {a.status for a in parsed.alerts} == {"resolved"}
    assert parsed.alerts[0].ends_at == "2026-03-11T12:54:18.427000Z"


def test_grafana_webhook():
    parsed = load("grafana.json")
    assert parsed.source == "grafana"
    assert [a.dedup_key for a in parsed.alerts] == ["c6eadffa33fcdf37", "bc97ff14869b13e3"]
    alert = parsed.alerts[0]
    assert alert.title == "This alert was triggered for zone us-1"
    assert alert.starts_at == "2021-10-12T07:51:03.157076Z"  # +02:00 made UTC
    assert alert.ends_at is None
    assert alert.links["runbook"] == "https://myrunbook.com/runbook/1234"
    assert alert.links["silence"].startswith("https://play.grafana.org/alerting/silence/new")
    assert "dashboard" not in alert.links  # empty dashboardURL is no link


def test_pagerduty_v3_webhook():
    parsed = load("pagerduty_v3_webhook.json")
    assert parsed.source == "pagerduty"
    assert parsed.delivery_id == "5ac64822-4adc-4fda-ade0-410becf0de4f"
    [alert] = parsed.alerts
    assert (alert.dedup_key, alert.title) == ("PGR0VU2", "A little bump in the road")
    assert (alert.severity, alert.severity_raw, alert.status) == ("critical", "P1", "firing")
    assert alert.service == "API Service"
    assert alert.links["source"] == "https://acme.pagerduty.com/incidents/PGR0VU2"


def test_pagerduty_v3_delivery_key_is_the_signed_event_id_and_resolution():
    body = json.loads((PAYLOADS / "pagerduty_v3_webhook.json").read_text())
    body["event"]["event_type"] = "incident.resolved"
    body["event"]["data"]["status"] = "resolved"
    parsed = parse_delivery(json.dumps(body), headers={"X-Webhook-Id": "hook-1"})
    # The unsigned X-Webhook-Id header is not the key: a replay could change it.
    assert parsed.delivery_id == "5ac64822-4adc-4fda-ade0-410becf0de4f"
    assert parsed.alerts[0].status == "resolved"
    assert parsed.alerts[0].resolved_at == "2020-10-02T18:45:22.169000Z"  # occurred_at


def test_pagerduty_events_v2_trigger_ack_resolve():
    trigger = load("pagerduty_events_v2.json")
    [alert] = trigger.alerts
    assert (alert.dedup_key, alert.status, alert.severity) == ("samplekeyhere", "firing", "info")
    assert alert.title == "Example alert on host1.example.com"
    assert alert.labels["ping time"] == "1500ms" and alert.labels["load avg"] == "0.75"
    assert alert.starts_at == "2015-07-17T08:42:58.315000Z"
    ack = load("pagerduty_events_v2_acknowledge.json").alerts[0]
    assert (ack.dedup_key, ack.status, ack.acked_by) == ("dedupkeyhere", "firing", "PagerDuty")
    assert ack.severity_raw is None  # an ack says nothing about severity
    resolve = load("pagerduty_events_v2_resolve.json").alerts[0]
    assert (resolve.dedup_key, resolve.status) == ("dedupkeyhere", "resolved")


def test_sentry_issue_alert():
    parsed = load("sentry_issue_alert.json")
    assert parsed.source == "sentry"
    [alert] = parsed.alerts
    assert (alert.dedup_key, alert.title) == ("1117540176", "ReferenceError: heck is not defined")
    assert (alert.severity, alert.severity_raw) == ("high", "error")
    assert alert.service == "front-end"
    assert alert.labels["browser"] == "Chrome 75.0.3770"
    assert alert.annotations["rule"] == "Very Important Alert Rule!"
    assert alert.starts_at == "2019-08-19T21:06:17.677000Z"


def test_sentry_metric_alert_resolved_by_header_route():
    body = {"action": "resolved", "actor": {"type": "application"},
            "data": {"metric_alert": {"id": "7", "alert_rule": {"name": "Too many errors"}},
                     "description_title": "Resolved: Too many errors",
                     "web_url": "https://sentry.io/alerts/7"},
            "installation": {"uuid": "x"}}
    parsed = parse_delivery(json.dumps(body), headers={"Sentry-Hook-Resource": "metric_alert",
                                                       "Request-ID": "r-1"})
    [alert] = parsed.alerts
    # Request-ID is an unsigned header: the body (its SHA-256) is the delivery key.
    assert (alert.dedup_key, alert.status, parsed.delivery_id) == ("metric:7", "resolved", None)


def test_datadog_default_payload_all_strings():
    parsed = load("datadog.json")
    assert parsed.source == "datadog"
    [alert] = parsed.alerts
    assert alert.title == "[Memory Alert]"  # transition prefix removed: trigger and recovery match
    assert alert.starts_at == "2014-07-29T19:37:52.000000Z"  # "$DATE" epoch ms as a string
    assert alert.status == "firing"
    recovered = parse_delivery(json.dumps({**json.loads((PAYLOADS / "datadog.json").read_text()),
                                           "title": "[Recovered] [Memory Alert]", "id": "2"}))
    assert recovered.alerts[0].dedup_key == alert.dedup_key
    assert recovered.alerts[0].status == "resolved"


def test_datadog_extended_template_strings():
    body = {"title": "[P1] [Triggered on {host:web-1}] Disk full", "alert_transition": "Triggered",
            "alert_cycle_key": "cycle-9", "alert_priority": "P1", "tags": "service:api,env:prod",
            "date": "1406662672000", "link": "https://app.datadoghq.com/event/1", "id": "5"}
    [alert] = parse_delivery(json.dumps(body)).alerts
    # No monitor id in this template: the title is the identity, the cycle the occurrence.
    assert (alert.occurrence, alert.severity, alert.service) == ("cycle-9", "critical", "api")
    assert alert.title == "Disk full" and alert.labels["env"] == "prod"
    body.update(alert_transition="Recovered", id="6")
    recovered = parse_delivery(json.dumps(body)).alerts[0]
    assert recovered.status == "resolved" and recovered.dedup_key == alert.dedup_key
    assert recovered.resolved_at == "2014-07-29T19:37:52.000000Z"


def test_datadog_unrendered_template_is_refused():
    with pytest.raises(UnrecognisedPayload, match="unrendered"):
        load("datadog_template.json")


def test_opsgenie_webhook_and_close():
    parsed = load("opsgenie.json")
    [alert] = parsed.alerts
    assert parsed.source == "opsgenie"
    assert (alert.dedup_key, alert.title, alert.status) == ("aliastest", " test alert", "firing")
    assert alert.starts_at == "2015-01-05T10:03:11.104000Z"  # createdAt epoch ms
    assert alert.labels["tag1"] == "true" and alert.labels["teams"] == "team1,team2"
    body = json.loads((PAYLOADS / "opsgenie.json").read_text())
    body["action"] = "Close"
    assert parse_delivery(json.dumps(body)).alerts[0].status == "resolved"
    body["action"] = "Acknowledge"
    assert parse_delivery(json.dumps(body)).alerts[0].acked_by == "fili@ifountain.com"


def test_opsgenie_alert_api_body():
    [alert] = load("opsgenie_create_alert.json").alerts
    assert (alert.dedup_key, alert.severity) == ("Life is too short for no alias", "critical")
    assert alert.service == "An example entity"


def test_cloudwatch_through_sns():
    parsed = load("cloudwatch_sns.json")
    assert parsed.source == "cloudwatch"
    assert parsed.delivery_id == "95df01b4-ee98-5cb9-9903-4c221d41eb5e"
    [alert] = parsed.alerts
    assert alert.dedup_key == "arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE"
    assert (alert.title, alert.status, alert.severity_raw) == ("EXAMPLE", "firing", "ALARM")
    assert alert.starts_at == "2015-06-03T17:43:27.123000Z"  # +0000 offset
    assert alert.labels["InstanceId"] == "TestInstance"
    ok = json.loads((PAYLOADS / "cloudwatch_sns.json").read_text())
    message = json.loads(ok["Message"])
    message["NewStateValue"] = "OK"
    ok.update(Message=json.dumps(message), MessageId="m-2")
    assert parse_delivery(json.dumps(ok)).alerts[0].status == "resolved"


def test_cloudwatch_decoded_message_alone():
    [alert] = load("cloudwatch_alarm_message_decoded.json").alerts
    assert alert.title == "EXAMPLE" and alert.status == "firing"


def test_sns_subscription_confirmation_recognised():
    body = {"Type": "SubscriptionConfirmation", "MessageId": "c-1", "Token": "t",
            "TopicArn": "arn:aws:sns:us-east-1:1:alarms", "Message": "You have chosen...",
            "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
            "Timestamp": "2026-01-01T00:00:00Z"}
    parsed = parse_delivery(json.dumps(body), headers={"x-amz-sns-message-type": "SubscriptionConfirmation"})
    assert (parsed.source, parsed.kind, parsed.alerts) == ("cloudwatch", "subscription", [])
    assert "ConfirmSubscription" in parsed.note


@pytest.mark.parametrize("name", ["slack_incoming_webhook.json", "statuspage_create_incident.json",
                                  "statuspage_summary.json", "alertmanager_api_v2_silences.json",
                                  "alertmanager_silence_post.json"])
def test_non_alert_payloads_are_unrecognised(name):
    with pytest.raises(UnrecognisedPayload):
        load(name)


def test_every_fixture_is_accounted_for():
    """A new fixture must be added to one of the lists above (alerts or not alerts)."""
    known = {"alertmanager_v4.json", "alertmanager_api_v2_alerts.json", "grafana.json",
             "pagerduty_v3_webhook.json", "pagerduty_events_v2.json",
             "pagerduty_events_v2_acknowledge.json", "pagerduty_events_v2_resolve.json",
             "sentry_issue_alert.json", "datadog.json", "datadog_template.json",
             "opsgenie.json", "opsgenie_create_alert.json", "cloudwatch_sns.json",
             "cloudwatch_alarm_message_decoded.json", "slack_incoming_webhook.json",
             "statuspage_create_incident.json", "statuspage_summary.json",
             "alertmanager_api_v2_silences.json", "alertmanager_silence_post.json",
             *VENDOR_FIXTURES}
    assert {p.name for p in PAYLOADS.glob("*.json")} <= known


def test_detection_by_headers_before_body():
    body = json.loads((PAYLOADS / "alertmanager_v4.json").read_text())
    assert detect_source(body) == "alertmanager"
    assert detect_source(body, Headers({"X-Grafana-Alerting-Signature": "ab"})) == "grafana"
    assert detect_source(body, Headers({"User-Agent": "Alertmanager/0.27.0"})) == "alertmanager"


def test_named_source_must_fit():
    with pytest.raises(UnrecognisedPayload):
        parse_delivery((PAYLOADS / "grafana.json").read_bytes(), source="pagerduty")


def test_malformed_json_has_a_reason():
    with pytest.raises(MalformedPayload, match="line 1 column"):
        parse_delivery(b'{"alerts": [')
    with pytest.raises(MalformedPayload, match="empty"):
        parse_delivery(b"  ")
    with pytest.raises(MalformedPayload):
        parse_delivery(b"\xff\xfe\x00garbage")


def test_generic_mapping():
    mapping = GenericMapping(name="uptime", alerts="checks", dedup_key="id", title="name",
                             status="state", resolved_values=("up",), severity="level",
                             service="svc", labels="tags", link="url", starts_at="since")
    body = {"checks": [
        {"id": 1, "name": "api down", "state": "down", "level": "P2", "svc": "api",
         "tags": {"region": "eu"}, "url": "https://status/1", "since": 1700000000},
        {"id": 2, "name": "db", "state": "up"},
    ]}
    parsed = parse_delivery(json.dumps(body), source="uptime", generic={"uptime": mapping})
    first, second = parsed.alerts
    assert (first.source, first.dedup_key, first.severity, first.service) == ("uptime", "1", "high", "api")
    assert first.starts_at == "2023-11-14T22:13:20.000000Z"
    assert second.status == "resolved"
    assert parse_delivery(json.dumps(body), source="generic", generic={"uptime": mapping}).source == "uptime"
    with pytest.raises(UnrecognisedPayload, match="nothing at 'name'"):
        parse_delivery(json.dumps({"checks": [{"id": 3}]}), source="uptime", generic={"uptime": mapping})


@pytest.mark.parametrize("value, expected", [
    ("0001-01-01T00:00:00Z", None), ("", None), (None, None), ("garbage", None),
    ("2015-06-03T17:43:27.123+0000", "2015-06-03T17:43:27.123000Z"),
    (1420452191104, "2015-01-05T10:03:11.104000Z"),          # epoch ms
    (1420452193166002000, "2015-01-05T10:03:13.166002Z"),    # epoch ns (Opsgenie updatedAt)
    ("1406662672000", "2014-07-29T19:37:52.000000Z"),        # Datadog string ms
    (1566248777.677, "2019-08-19T21:06:17.677000Z"),
])
def test_parse_time(value, expected):
    assert parse_time(value) == expected


def test_severity_words():
    assert [normalise_severity(s) for s in ("P1", "error", "warning", "minor", "debug", None, "??")] == [
        "critical", "high", "medium", "low", "info", "medium", "medium"]
