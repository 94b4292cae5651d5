"""The alert commands, run as real subprocesses: ingest, alerts, ack, snooze, attach, poll, doctor."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from conftest import PAYLOADS


def payload(name: str) -> str:
    return str(PAYLOADS / name)


def alerts(firedesk, *args):
    return json.loads(firedesk("alerts", "--json", *args, check=True).stdout)


def test_ingest_file_stdin_and_json_lines(firedesk):
    assert "1 new" in firedesk("ingest", payload("alertmanager_v4.json"), check=True).stdout
    stdin = (PAYLOADS / "grafana.json").read_text()
    assert "2 new" in firedesk("ingest", "-", input=stdin, check=True).stdout
    lines = "\n".join(json.dumps(json.loads((PAYLOADS / n).read_text())) for n in
                      ("opsgenie.json", "datadog.json", "pagerduty_v3_webhook.json")) + "\n"
    out = firedesk("ingest", "-", "--json", input=lines, check=True)
    assert [r["source"] for r in json.loads(out.stdout)] == ["opsgenie", "datadog", "pagerduty"]
    again = firedesk("ingest", payload("alertmanager_v4.json"), check=True)
    assert "duplicate" in again.stdout
    listed = alerts(firedesk)
    assert len(listed) == 6
    required = {"id", "source", "dedup_key", "title", "service", "severity", "status", "count",
                "first_seen", "last_seen", "acked_by", "snoozed_until", "incident"}
    assert required <= set(listed[0])
    assert listed[0]["severity"] == "critical"  # firing first, most severe first


def test_ingest_refuses_bad_input_and_writes_nothing(firedesk):
    lines = json.dumps(json.loads((PAYLOADS / "opsgenie.json").read_text())) + "\n{broken\n"
    bad = firedesk("ingest", "-", input=lines)
    assert bad.returncode == 1 and "line 2" in bad.stderr and "Traceback" not in bad.stderr
    unknown = firedesk("ingest", payload("slack_incoming_webhook.json"))
    assert unknown.returncode == 1 and "no parser recognises" in unknown.stderr
    mixed = json.dumps(json.loads((PAYLOADS / "opsgenie.json").read_text())) + "\n" + \
        json.dumps({"text": "not an alert"}) + "\n"
    wrong = firedesk("ingest", "-", input=mixed)
    assert wrong.returncode == 1 and "line 2" in wrong.stderr
    assert firedesk("ingest", "--source", "nagios", payload("opsgenie.json")).returncode == 1
    assert alerts(firedesk) == []


def test_ingest_named_source(firedesk):
    out = firedesk("ingest", "--source", "cloudwatch", payload("cloudwatch_sns.json"), check=True)
    assert out.stdout.startswith("cloudwatch: 1 alert")
    assert firedesk("ingest", "--source", "sentry", payload("cloudwatch_sns.json")).returncode == 1


def test_generic_mapping_from_config(firedesk, tmp_path):
    config = tmp_path / "generic.toml"
    config.write_text('[receiver.generic.uptime]\nalerts = "checks"\ndedup_key = "id"\n'
                      'title = "name"\nseverity = "level"\n')
    body = json.dumps({"checks": [{"id": 7, "name": "homepage down", "level": "critical"}]})
    firedesk("--config", str(config), "ingest", "--source", "uptime", "-", input=body, check=True)
    [alert] = alerts(firedesk)
    assert (alert["source"], alert["dedup_key"], alert["severity"]) == ("uptime", "7", "critical")


def test_ack_snooze_attach_and_filters(firedesk):
    firedesk("ingest", payload("alertmanager_v4.json"), check=True)
    firedesk("ingest", payload("grafana.json"), check=True)
    assert "acknowledged by tester" in firedesk("ack", "1", check=True).stdout
    out = firedesk("snooze", "2", "30m", "--reason", "known, deploy rolling back", check=True)
    assert "snoozed until" in out.stdout
    assert firedesk("snooze", "2", "soon", "--reason", "x").returncode == 1
    assert "--reason" in firedesk("snooze", "2", "5m").stderr
    incident = firedesk("declare", "Probe failures", "--severity", "SEV2", check=True).stdout.split()[0]
    assert "attached to INC-1" in firedesk("attach", "1", incident, check=True).stdout
    [attached] = alerts(firedesk, "--incident", "INC-1")
    assert (attached["id"], attached["incident"], attached["acked_by"]) == (1, "INC-1", "tester")
    assert alerts(firedesk, "--status", "resolved") == []
    snoozed = [a for a in alerts(firedesk) if a["id"] == 2][0]
    assert snoozed["snoozed_until"] and snoozed["snooze_reason"] == "known, deploy rolling back"
    timeline = json.loads(firedesk("timeline", "INC-1", "--json", check=True).stdout)
    assert [e["kind"] for e in timeline] == ["declared", "alert.attach"]
    assert timeline[1]["data"]["alert_id"] == 1
    assert firedesk("ack", "99").returncode == 1
    assert firedesk("attach", "1", "INC-9").returncode == 1
    shown = json.loads(firedesk("show", "INC-1", "--json", check=True).stdout)
    assert shown["alerts"][0]["id"] == 1


def test_plain_listing_makes_alert_text_safe(firedesk):
    body = {"version": "4", "status": "firing", "alerts": [{
        "status": "firing", "fingerprint": "evil", "labels": {"alertname": "x"},
        "annotations": {"summary": "\x1b]0;owned\x07 [bold]markup[/bold] \u202eevil"}}]}
    firedesk("ingest", "-", input=json.dumps(body), check=True)
    out = firedesk("alerts", check=True).stdout
    assert "\x1b" not in out and "\u202e" not in out
    assert "^[]0;owned^G" in out


class FakeAlertmanager(BaseHTTPRequestHandler):
    answers: list[tuple[int, bytes]] = []

    def do_GET(self):  # noqa: N802
        status, body = self.answers.pop(0) if self.answers else (500, b"")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # noqa: ANN002
        pass


@pytest.fixture
def fake_alertmanager():
    server = HTTPServer(("127.0.0.1", 0), FakeAlertmanager)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_poll_once_resolves_vanished_and_doctor_reports_failures(firedesk, fake_alertmanager):
    url = f"http://127.0.0.1:{fake_alertmanager.server_port}"
    listing = json.loads((PAYLOADS / "alertmanager_api_v2_alerts.json").read_text())
    for alert in listing:
        alert["endsAt"] = "2099-01-01T00:00:00Z"
    FakeAlertmanager.answers[:] = [(200, json.dumps(listing).encode()),
                                   (200, json.dumps(listing[:1]).encode()), (503, b"")]
    first = firedesk("poll", "alertmanager", url, "--once", check=True)
    assert "2 new" in first.stdout
    second = firedesk("poll", "alertmanager", url, "--once", check=True)
    assert "1 resolved" in second.stdout
    statuses = {a["dedup_key"]: a["status"] for a in alerts(firedesk)}
    assert statuses == {"aae7a1432b5d2f1b": "firing", "54c2f185e49cfccb": "resolved"}
    assert firedesk("doctor").stdout.count("alert poll") == 0
    failed = firedesk("poll", "alertmanager", url, "--once")
    assert failed.returncode == 1 and "HTTP 503" in failed.stderr
    doctor = firedesk("doctor")
    assert doctor.returncode == 1 and "alert poll of" in doctor.stdout and "HTTP 503" in doctor.stdout


def test_poll_unreachable_is_a_clear_error(firedesk):
    out = firedesk("poll", "alertmanager", "http://127.0.0.1:9", "--once")
    assert out.returncode == 1 and "ConnectError" in out.stderr and "Traceback" not in out.stderr


def test_doctor_lists_receiver_config_problems(firedesk, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('[receiver]\nmax_body = "lots"\n[receiver.sources.nagios]\nsecret = "x"\n'
                      '[receiver.sources.pagerduty]\nsecret = 5\n')
    out = firedesk("--config", str(config), "doctor").stdout
    assert "receiver.max_body" in out and "receiver.sources.nagios" in out
    assert "receiver.sources.pagerduty.secret" in out


def test_take_and_hand_an_alert_to_someone(firedesk):
    firedesk("ingest", payload("alertmanager_v4.json"), check=True)
    assert "is tester's now" in firedesk("take", "1", check=True).stdout
    assert "is Priya's now" in firedesk("take", "1", "--to", "Priya", check=True).stdout
    [alert] = alerts(firedesk)
    assert (alert["owner"], alert["acked_by"]) == ("Priya", None)
    listing = firedesk("alerts", check=True).stdout
    assert "OWNER" in listing.splitlines()[0] and "Priya" in listing
    assert firedesk("take", "99").returncode == 1
