"""The PagerDuty Events API v2 trigger, sent to a real HTTP server on 127.0.0.1, and the
answer recorded on the timeline next to "paged PERSON via CONTACT"."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from firedesk.config import Person
from firedesk.oncall.model import PagerDutySettings
from firedesk.oncall.paging import record_page, send_trigger
from firedesk.store import declare_incident, events_for

FIXTURES = Path(__file__).parent / "fixtures_oncall"


class FakePagerDuty:
    """Answers POST /v2/enqueue with a chosen status and body; keeps what it received."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status = 202
        self.answer: dict = {"status": "success", "message": "Event processed",
                             "dedup_key": "dk-123"}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                owner.received.append({"path": self.path,
                                       "body": json.loads(self.rfile.read(length))})
                body = json.dumps(owner.answer).encode()
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v2/enqueue"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakePagerDuty":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def pagerduty():
    with FakePagerDuty() as fake:
        yield fake


def test_trigger_is_sent_and_accepted(store, pagerduty):
    incident = declare_incident(store, "checkout down", severity="SEV1", author="lead",
                                service="checkout-api")
    settings = PagerDutySettings("R0UT1NGKEY", pagerduty.url, "bastion-1")
    answer = send_trigger(settings, "R0UT1NGKEY", incident, "Priya")
    assert answer.ok and answer.status == 202 and answer.dedup_key == "dk-123"
    (request,) = pagerduty.received
    body = request["body"]
    assert request["path"] == "/v2/enqueue"
    assert body["routing_key"] == "R0UT1NGKEY" and body["event_action"] == "trigger"
    assert body["dedup_key"] == "firedesk-INC-1-Priya"
    assert body["payload"]["severity"] == "critical"
    assert body["payload"]["source"] == "bastion-1"
    assert body["payload"]["component"] == "checkout-api"
    assert body["payload"]["summary"] == "INC-1 SEV1: checkout down (paging Priya)"
    event = record_page(store, incident, Person("Priya", phone="+91 1"), author="lead",
                        answer=answer)
    assert event.kind == "paged"
    assert event.text == "paged Priya via phone +91 1; PagerDuty accepted the trigger (dk-123)"
    assert event.data["pagerduty"] == {"ok": True, "status": 202, "message": "Event processed",
                                       "dedup_key": "dk-123"}
    assert events_for(store, incident.id)[-1].id == event.id


def test_rejected_and_unreachable_triggers_are_answers_not_crashes(store, pagerduty):
    incident = declare_incident(store, "ledger slow", severity="SEV3", author="lead")
    pagerduty.status = 400
    pagerduty.answer = {"status": "invalid event", "message": "Event object is invalid",
                        "errors": ["'routing_key' is invalid"]}
    settings = PagerDutySettings("bad", pagerduty.url)
    answer = send_trigger(settings, "bad", incident, "Ana")
    assert not answer.ok and answer.status == 400
    assert answer.message == "HTTP 400 Event object is invalid: 'routing_key' is invalid"
    assert "component" not in pagerduty.received[0]["body"]["payload"]
    pagerduty.status = 429
    pagerduty.answer = {}
    assert send_trigger(settings, "bad", incident, "Ana").message.startswith("HTTP 429 rate limited")
    with socket.socket() as probe:  # a port nobody listens on any more
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v2/enqueue"
    answer = send_trigger(PagerDutySettings("k", url, timeout_seconds=2), "k", incident, "Ana")
    assert not answer.ok and answer.status is None
    assert answer.message == f"could not reach {url}: ConnectError"
    event = record_page(store, incident, Person("Ana", chat="@ana"), author="lead", answer=answer)
    assert event.text == f"paged Ana via chat @ana; PagerDuty trigger failed: could not reach {url}: ConnectError"


def test_page_command_sends_with_the_configured_key(firedesk, tmp_path, pagerduty):
    config = tmp_path / "firedesk.toml"
    config.write_text((FIXTURES / "payments.toml").read_text() + f"""
[oncall.pagerduty]
routing_key = "GLOBALKEY"
events_url = "{pagerduty.url}"
source = "firedesk-test"
""")
    firedesk("--config", str(config), "declare", "checkout down", "-s", "SEV2", "--service",
             "checkout-api", check=True)
    result = firedesk("--config", str(config), "page", "1", "Lukas", "--pagerduty")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "INC-1 #2 paged Lukas via phone +49 170 0000003; PagerDuty accepted the trigger (dk-123)")
    body = pagerduty.received[0]["body"]
    assert body["routing_key"] == "GLOBALKEY" and body["payload"]["severity"] == "error"


def test_page_command_without_a_key_says_how_to_set_one(firedesk):
    firedesk("--config", str(FIXTURES / "payments.toml"), "declare", "x", "-s", "SEV2", check=True)
    result = firedesk("--config", str(FIXTURES / "payments.toml"), "page", "1", "Lukas", "--pagerduty")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "firedesk: error: no PagerDuty routing key: set routing_key in [oncall.pagerduty] "
        "or pagerduty_routing_key on the service")
    timeline = firedesk("--config", str(FIXTURES / "payments.toml"), "timeline", "1")
    assert "paged" not in timeline.stdout  # nothing half-written
