"""End to end with a real Alertmanager (Debian's prometheus-alertmanager).

Alerts posted to Alertmanager's API v2 reach `firedesk receive` through its webhook,
show in `firedesk alerts`, and resolve when Alertmanager resolves them. Skips cleanly
when the binary is absent.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from test_intake_receiver import TOKEN, running_receiver

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
pytestmark = pytest.mark.skipif(
    BINARY is None, reason="prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, what: str, timeout: float = 30.0):  # noqa: ANN001
    """Poll a real other process's effect, with a bounded deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def alertmanager(tmp_path):
    def launch(webhook_url: str) -> str:
        port = free_port()
        config = tmp_path / "alertmanager.yml"
        config.write_text(f"""
route:
  receiver: firedesk
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: firedesk
    webhook_configs:
      - url: {webhook_url}
        send_resolved: true
        http_config:
          authorization:
            credentials: {TOKEN}
""")
        log = (tmp_path / "alertmanager.log").open("w")
        process = subprocess.Popen(
            [BINARY, f"--config.file={config}", f"--storage.path={tmp_path / 'am-data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
            stdout=log, stderr=subprocess.STDOUT)
        processes.append(process)
        url = f"http://127.0.0.1:{port}"

        def ready():
            if process.poll() is not None:
                raise AssertionError((tmp_path / "alertmanager.log").read_text())
            try:
                return httpx.get(f"{url}/-/ready", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(ready, "Alertmanager to start")
        return url

    processes: list[subprocess.Popen] = []
    yield launch
    for process in processes:
        process.terminate()
        process.wait(10)


def post_alert(url: str, name: str, *, ends: datetime | None = None, starts: datetime) -> None:
    alert = {"labels": {"alertname": name, "severity": "critical", "service": "checkout"},
             "annotations": {"summary": f"{name} on checkout", "runbook_url": "https://runbooks/x"},
             "startsAt": starts.isoformat(), "generatorURL": "http://prometheus/graph"}
    if ends:
        alert["endsAt"] = ends.isoformat()
    response = httpx.post(f"{url}/api/v2/alerts", json=[alert], timeout=5)
    assert response.status_code == 200, response.text


def test_alerts_arrive_through_the_webhook_and_resolve(db_path, firedesk, alertmanager):
    with running_receiver(db_path) as receiver:
        am = alertmanager(f"{receiver.url}/hooks/alertmanager")
        started = datetime.now(timezone.utc) - timedelta(seconds=5)
        post_alert(am, "CheckoutErrors", starts=started)

        def listed(status: str):
            found = json.loads(firedesk("alerts", "--json", check=True).stdout)
            return [a for a in found if a["title"] == "CheckoutErrors on checkout" and a["status"] == status]

        [alert] = wait_for(lambda: listed("firing"), "the firing alert in firedesk alerts")
        assert (alert["source"], alert["severity"], alert["service"]) == ("alertmanager", "critical", "checkout")
        assert alert["links"]["runbook"] == "https://runbooks/x"

        # The poller sees the same alert through the API (same fingerprint: one row).
        polled = firedesk("poll", "alertmanager", am, "--once", check=True)
        assert "0 new" in polled.stdout

        post_alert(am, "CheckoutErrors", starts=started, ends=datetime.now(timezone.utc))
        [resolved] = wait_for(lambda: listed("resolved"), "the alert to resolve")
        assert resolved["id"] == alert["id"] and resolved["ends_at"]

        # A real silence (after the resolve: a silence mutes resolved notices too), created through Alertmanager's API and recorded on the alert.
        config = db_path.parent / "silence.toml"
        config.write_text(f'[receiver.sources.alertmanager]\nurl = "{am}"\n')
        out = firedesk("--config", str(config), "silence", str(alert["id"]), "1h",
                       "--reason", "fix deploying", check=True)
        silence_id = out.stdout.strip().split("(")[-1].rstrip(")")
        silences = httpx.get(f"{am}/api/v2/silences", timeout=5).json()
        [created] = [s for s in silences if s["id"] == silence_id]
        assert created["comment"] == "fix deploying" and created["createdBy"] == "tester"
        assert {"name": "alertname", "value": "CheckoutErrors", "isRegex": False,
                "isEqual": True} in created["matchers"]

    deliveries = json.loads(firedesk("alerts", "--json", "--status", "resolved", check=True).stdout)
    assert len(deliveries) == 1
