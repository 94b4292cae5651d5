"""`firedesk receive` over real HTTP on 127.0.0.1: auth, status codes, duplicates, busy DB."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from conftest import PAYLOADS

from firedesk.config import parse_config
from firedesk.intake.receiver import Receiver, start
from firedesk.intake.settings import receiver_settings
from firedesk.store import Store

TOKEN = "s3cret-token"


class RunningReceiver:
    """The real aiohttp receiver on an ephemeral loopback port, in a background loop."""

    def __init__(self, db_path: Path, raw_config: dict[str, Any]):
        config = parse_config(raw_config)
        self.settings = receiver_settings(config)
        assert not config.problems, config.problems
        self.receiver = Receiver(db_path, self.settings)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runner, port = self._run(start(self.receiver, "127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{port}"
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def _run(self, coroutine):  # noqa: ANN001
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    def post(self, path: str, body: bytes | str, headers: dict[str, str] | None = None,
             token: str | None = TOKEN) -> httpx.Response:
        sent = dict(headers or {})
        if token:
            sent.setdefault("Authorization", f"Bearer {token}")
        data = body.encode() if isinstance(body, str) else body
        return self.http.post(path, content=data, headers=sent)

    def close(self) -> None:
        self.http.close()
        self._run(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
        self.receiver.close()


@contextmanager
def running_receiver(db_path: Path, receiver: dict[str, Any] | None = None) -> Iterator[RunningReceiver]:
    server = RunningReceiver(db_path, {"receiver": receiver if receiver is not None else {"token": TOKEN}})
    try:
        yield server
    finally:
        server.close()


def fixture_bytes(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def count(db_path: Path, sql: str) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def sign(secret: str, body: bytes, prefix: bytes = b"") -> str:
    return hmac.new(secret.encode(), prefix + body, hashlib.sha256).hexdigest()


@pytest.fixture
def server(db_path):
    with running_receiver(db_path) as running:
        yield running


def test_healthz(server):
    response = server.http.get("/healthz")
    assert response.status_code == 200 and response.json()["ok"] is True


def test_bearer_token_and_committed_before_answer(server, db_path):
    response = server.post("/hooks/alertmanager", fixture_bytes("alertmanager_v4.json"))
    assert response.status_code == 200, response.text
    assert response.json()["new"] == 1
    # 2xx means committed: another connection sees it at once.
    assert count(db_path, "SELECT count(*) FROM alerts") == 1
    stored = sqlite3.connect(db_path).execute("SELECT body, via FROM alert_deliveries").fetchone()
    assert bytes(stored[0]) == fixture_bytes("alertmanager_v4.json") and stored[1] == "receive"


def test_basic_auth_password_is_the_token(server):
    credentials = base64.b64encode(f"alertmanager:{TOKEN}".encode()).decode()
    response = server.post("/hooks/auto", fixture_bytes("grafana.json"),
                           {"Authorization": f"Basic {credentials}"}, token=None)
    assert response.status_code == 200 and response.json()["source"] == "grafana"


def test_missing_and_wrong_credentials(server, db_path):
    missing = server.post("/hooks/alertmanager", fixture_bytes("alertmanager_v4.json"), token=None)
    assert missing.status_code == 401 and "credentials" in missing.json()["error"]
    wrong = server.post("/hooks/alertmanager", fixture_bytes("alertmanager_v4.json"), token="nope")
    assert wrong.status_code == 403
    assert count(db_path, "SELECT count(*) FROM alert_deliveries") == 0


def test_allow_unauthenticated_is_per_source(db_path):
    config = {"sources": {"alertmanager": {"allow_unauthenticated": True}}}
    with running_receiver(db_path, config) as server:
        assert server.post("/hooks/alertmanager", fixture_bytes("alertmanager_v4.json"), token=None).status_code == 200
        assert server.post("/hooks/auto", fixture_bytes("alertmanager_api_v2_alerts.json"), token=None).status_code == 200
        assert server.post("/hooks/grafana", fixture_bytes("grafana.json"), token=None).status_code == 401
        assert server.post("/hooks/auto", fixture_bytes("grafana.json"), token=None).status_code == 401


def test_pagerduty_signatures_any_v1_matches(db_path):
    config = {"sources": {"pagerduty": {"secret": ["old-secret", "new-secret"]}}}
    body = fixture_bytes("pagerduty_v3_webhook.json")
    with running_receiver(db_path, config) as server:
        header = f"v1={sign('unknown', body)},v1={sign('new-secret', body)}"
        ok = server.post("/hooks/pagerduty", body, {"X-PagerDuty-Signature": header,
                                                    "X-Webhook-Id": "w-1"}, token=None)
        assert ok.status_code == 200, ok.text
        wrong = server.post("/hooks/auto", body, {"X-PagerDuty-Signature": f"v1={sign('bad', body)}",
                                                  "X-Webhook-Id": "w-2"}, token=None)
        assert wrong.status_code == 403
        tampered = server.post("/hooks/pagerduty", body + b" ", {"X-PagerDuty-Signature": header}, token=None)
        assert tampered.status_code == 403


def test_sentry_signature(db_path):
    body = fixture_bytes("sentry_issue_alert.json")
    with running_receiver(db_path, {"sources": {"sentry": {"secret": "client-secret"}}}) as server:
        headers = {"Sentry-Hook-Resource": "event_alert", "Request-ID": "req-1"}
        ok = server.post("/hooks/auto", body, {**headers, "Sentry-Hook-Signature": sign("client-secret", body)}, token=None)
        assert ok.status_code == 200 and ok.json()["source"] == "sentry"
        bad = server.post("/hooks/sentry", body, {**headers, "Sentry-Hook-Signature": sign("x", body)}, token=None)
        assert bad.status_code == 403


def test_grafana_hmac_both_header_names_and_timestamp(db_path):
    body = fixture_bytes("grafana.json")
    with running_receiver(db_path, {"sources": {"grafana": {"secret": "g"}}}) as server:
        for header in ("X-Grafana-Alerting-Signature", "X-Grafana-Alert-Signature"):
            assert server.post("/hooks/grafana", body, {header: sign("g", body)}, token=None).status_code == 200
        assert server.post("/hooks/grafana", body, {"X-Grafana-Alert-Signature": sign("h", body)},
                           token=None).status_code == 403
    config = {"sources": {"grafana": {"secret": "g", "timestamp_header": "X-Grafana-Alerting-Signature-Timestamp"}}}
    with running_receiver(db_path, config) as server:
        stamp = str(int(time.time()))
        signed = {"X-Grafana-Alerting-Signature": sign("g", body, stamp.encode() + b":"),
                  "X-Grafana-Alerting-Signature-Timestamp": stamp}
        assert server.post("/hooks/grafana", body, signed, token=None).status_code == 200
        old = str(int(time.time()) - 3600)
        replayed = {"X-Grafana-Alerting-Signature": sign("g", body, old.encode() + b":"),
                    "X-Grafana-Alerting-Signature-Timestamp": old}
        assert server.post("/hooks/grafana", body, replayed, token=None).status_code == 403


def test_body_limit_gives_413(db_path):
    with running_receiver(db_path, {"token": TOKEN, "max_body": "1KiB"}) as server:
        response = server.post("/hooks/auto", fixture_bytes("sentry_issue_alert.json"))
        assert response.status_code == 413
        assert server.post("/hooks/auto", fixture_bytes("alertmanager_v4.json")).status_code == 413
        assert server.post("/hooks/auto", fixture_bytes("datadog.json")).status_code == 200


def test_malformed_unrecognised_unknown_and_still_serving(server, db_path):
    bad = server.post("/hooks/auto", b'{"alerts": [')
    assert bad.status_code == 400 and "malformed JSON" in bad.json()["error"]
    assert server.post("/hooks/auto", b"\xff\xfe\xfa").status_code == 400
    unknown = server.post("/hooks/auto", fixture_bytes("slack_incoming_webhook.json"))
    assert unknown.status_code == 422 and "no parser" in unknown.json()["error"]
    assert server.post("/hooks/pagerduty", fixture_bytes("grafana.json")).status_code == 422
    assert server.post("/hooks/nosuch", b"{}").status_code == 404
    assert server.http.get("/hooks/auto").status_code == 405
    assert count(db_path, "SELECT count(*) FROM alert_deliveries") == 0
    assert server.post("/hooks/auto", fixture_bytes("opsgenie.json")).status_code == 200


def test_duplicate_delivery_acknowledged_not_counted(server, db_path):
    body = fixture_bytes("pagerduty_v3_webhook.json")
    first = server.post("/hooks/pagerduty", body, {"X-Webhook-Id": "delivery-7"})
    again = server.post("/hooks/pagerduty", body, {"X-Webhook-Id": "delivery-7"})
    assert first.status_code == again.status_code == 200
    assert again.json()["duplicate"] is True
    assert count(db_path, "SELECT count FROM alerts") == 1
    assert count(db_path, "SELECT count(*) FROM alert_deliveries") == 1


def test_sns_subscription_confirmation(server, db_path):
    body = json.dumps({"Type": "SubscriptionConfirmation", "MessageId": "m-1", "Token": "t",
                       "TopicArn": "arn:aws:sns:eu-west-1:1:alarms", "Message": "confirm me",
                       "SubscribeURL": "https://sns.example/confirm"})
    response = server.post("/hooks/auto", body, {"x-amz-sns-message-type": "SubscriptionConfirmation",
                                                  "Content-Type": "text/plain; charset=UTF-8"})
    assert response.status_code == 200
    assert response.json()["kind"] == "subscription" and "sns.example/confirm" in response.json()["note"]


def test_held_write_lock_gives_503_then_retry_succeeds(db_path):
    Store(db_path).close()
    with running_receiver(db_path, {"token": TOKEN, "busy_timeout": "100ms"}) as server:
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            busy = server.post("/hooks/auto", fixture_bytes("alertmanager_v4.json"))
            assert busy.status_code == 503
            assert busy.headers["Retry-After"] == "5"
            assert server.http.get("/healthz").status_code == 200  # the loop stayed responsive
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        retry = server.post("/hooks/auto", fixture_bytes("alertmanager_v4.json"))
        assert retry.status_code == 200 and retry.json()["new"] == 1
    assert count(db_path, "SELECT count(*) FROM alert_deliveries") == 1


def test_generic_mapping_route(db_path):
    config = {"token": TOKEN, "generic": {"uptime": {"alerts": "checks", "dedup_key": "id",
                                                     "title": "name", "status": "state",
                                                     "resolved_values": ["up"]}}}
    with running_receiver(db_path, config) as server:
        body = json.dumps({"checks": [{"id": "c1", "name": "homepage", "state": "down"}]})
        assert server.post("/hooks/uptime", body).json()["source"] == "uptime"
        assert server.post("/hooks/generic", json.dumps({"checks": [{"id": "c1", "name": "homepage",
                                                                     "state": "up"}]})).json()["resolved"] == 1


def test_receive_command_serves_and_spools(firedesk, db_path, tmp_path):
    """The real `firedesk receive` in a subprocess: port 0, --spool, then a webhook."""
    import os
    import subprocess
    import sys

    config = tmp_path / "firedesk.toml"
    config.write_text(f'[receiver]\ntoken = "{TOKEN}"\n')
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "am.json").write_bytes(fixture_bytes("alertmanager_v4.json"))
    (spool / "junk.json").write_bytes(b"{not json")
    os.utime(spool / "junk.json", (time.time() - 10, time.time() - 10))
    env = {**os.environ, "FIREDESK_DB": str(db_path), "FIREDESK_CONFIG": str(config), "TZ": "UTC"}
    process = subprocess.Popen([sys.executable, "-m", "firedesk", "receive", "--port", "0",
                                "--spool", str(spool)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, process.stderr.read()
        url = line.split("listening on ")[1].split()[0]
        response = httpx.post(f"{url}/hooks/auto", content=fixture_bytes("grafana.json"),
                              headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert response.status_code == 200
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not (spool / "failed" / "junk.json.reason.txt").exists():
            time.sleep(0.05)
        assert (spool / "done" / "am.json").exists()
        assert "malformed JSON" in (spool / "failed" / "junk.json.reason.txt").read_text()
        assert not (spool / "am.json").exists()
        # A file dropped while it runs (written aside, then renamed in) is noticed too.
        (spool / "later.json.tmp").write_bytes(fixture_bytes("opsgenie.json"))
        (spool / "later.json.tmp").rename(spool / "later.json")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not (spool / "done" / "later.json").exists():
            time.sleep(0.05)
        assert (spool / "done" / "later.json").exists()
    finally:
        process.terminate()
        process.wait(10)
    listed = json.loads(firedesk("alerts", "--json", check=True).stdout)
    assert {a["source"] for a in listed} == {"alertmanager", "grafana", "opsgenie"}


def test_loop_answers_while_a_write_waits_for_the_lock(db_path):
    """The SQLite wait happens on the writer thread: /healthz answers meanwhile, and the
    webhook gets its 200 only once the commit happened."""
    Store(db_path).close()
    with running_receiver(db_path, {"token": TOKEN, "busy_timeout": "20s"}) as server:
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        outcome: dict[str, httpx.Response] = {}
        poster = threading.Thread(target=lambda: outcome.setdefault(
            "response", server.post("/hooks/auto", fixture_bytes("alertmanager_v4.json"))))
        try:
            poster.start()
            assert server.http.get("/healthz").status_code == 200
            assert poster.is_alive() and "response" not in outcome
            assert count(db_path, "SELECT count(*) FROM alerts") == 0
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        poster.join(30)
        assert outcome["response"].status_code == 200
        assert count(db_path, "SELECT count(*) FROM alerts") == 1
