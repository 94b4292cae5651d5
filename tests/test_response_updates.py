"""The update clock (frozen clock), the composer, and the Slack sender against a real
HTTP server on 127.0.0.1 (200, 500, and one that never answers)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from firedesk.config import parse_config
from firedesk.errors import InvalidInput
from firedesk.response.checklist import check_item
from firedesk.response.hypotheses import propose_hypothesis
from firedesk.response.impact import record_impact
from firedesk.response.tasks import assign_task
from firedesk.response.updates import (
    audiences_from, compose_update, deliver_update, pick_audiences, record_update,
    send_to_slack, update_clock,
)
from firedesk.store import declare_incident, events_for, set_severity, set_status


class FakeSlack:
    """A Slack incoming webhook on 127.0.0.1: `/ok` 200 ok, `/broken` 500, `/silent` hangs."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.bodies.append(json.loads(body))
                if self.path == "/silent":
                    outer.release.wait(30)  # until the test ends; never a sleep
                    return
                status, text = (200, b"ok") if self.path == "/ok" else (500, b"internal_error")
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slack():
    server = FakeSlack()
    yield server
    server.close()


@pytest.fixture
def incident(store):
    return declare_incident(store, "Checkout <fails> & more", severity="SEV2", author="alice")


def test_show_state_reports_missing_roles_after_a_while(store, incident, clock):
    from firedesk.response.state import running_state

    assert running_state(store, incident, parse_config({}))["missing_roles"] == []
    clock.advance(minutes=7)
    state = running_state(store, incident, parse_config({}))
    assert state["missing_roles"] == [{"role": "leader", "empty_minutes": 7},
                                      {"role": "communications", "empty_minutes": 7}]
    assert state["update_clock"] == "ok" and state["update_due_at"].startswith("2026-11-22T03:30")


def test_update_clock_counts_down_warns_and_goes_overdue(store, incident, clock):
    config = parse_config({})
    ticking = update_clock(store, incident, config)
    assert ticking.due_at.isoformat().startswith("2026-11-22T03:30")
    assert ticking.state(clock()) == "ok" and ticking.describe(clock()) == "next update in 30m"
    clock.advance(minutes=26)
    assert ticking.state(clock()) == "warn" and ticking.describe(clock()) == "update due in 4m"
    clock.advance(minutes=5)
    assert ticking.state(clock()) == "overdue"
    assert ticking.describe(clock()) == "update overdue by 1m"
    record_update(store, incident, "Still investigating", author="bob")
    reset = update_clock(store, incident, config)
    assert reset.due_at.isoformat().startswith("2026-11-22T04:01") and reset.state(clock()) == "ok"


def test_cadence_follows_severity_and_config(store, incident, clock):
    config = parse_config({"comms": {"cadence": {"SEV1": 10, "SEV2": 0}}})
    assert update_clock(store, incident, config).state(clock()) == "none"
    sev1 = set_severity(store, incident, "SEV1", author="a")
    assert sev1 is not None
    from firedesk.store import resolve_incident

    now_sev1 = resolve_incident(store, incident.id)
    assert update_clock(store, now_sev1, config).describe(clock()) == "next update in 10m"
    set_status(store, now_sev1, "resolved", author="a")
    assert update_clock(store, resolve_incident(store, 1), config).due_at is None


def test_composer_prefills_from_changes_since_last_update(store, incident, clock):
    record_update(store, incident, "first update", author="a")
    clock.advance(minutes=5)
    set_status(store, incident, "identified", author="a")
    record_impact(store, incident, "EU card payments fail", author="a", scope="many")
    propose_hypothesis(store, incident, "processor outage", author="a")
    assign_task(store, incident, "call the processor", owner="bob", author="a")
    check_item(store, incident, "database", author="a")
    draft = compose_update(store, incident, template="conditions")
    assert draft.startswith("Conditions: INC-1 · SEV2 · identified — Checkout <fails>")
    assert "Impact: EU card payments fail (many customers), since 03:00 UTC." in draft
    assert "- Status investigating → identified" in draft
    assert "- Investigating: processor outage" in draft
    assert "- In progress: bob: call the processor" in draft
    assert "first update" not in draft  # only what changed since
    assert "Needs:" in draft and draft.rstrip().endswith("Next update by 03:35 UTC.")
    summary = compose_update(store, incident, template="exec")
    assert summary.splitlines()[2] == "Since the last update: status investigating → identified; 1 check."
    with pytest.raises(InvalidInput):
        compose_update(store, incident, template="haiku")


def test_audiences_from_config_record_problems():
    config = parse_config({"comms": {"audiences": {
        "engineering": {"slack_webhook": "https://hooks.slack.com/services/T/B/x"},
        "execs": {"template": "executive", "severities": ["sev1"]},
        "bad": {"slack_webhook": "ftp://nope", "template": "sonnet"},
    }}})
    found = {a.name: a for a in audiences_from(config)}
    assert found["engineering"].slack_webhook and found["execs"].template == "executive"
    assert found["execs"].wants("SEV1") and not found["execs"].wants("SEV2")
    assert found["bad"].slack_webhook is None
    assert {p.key for p in config.problems} == {"comms.audiences.bad.slack_webhook",
                                                 "comms.audiences.bad.template"}
    assert "hooks.slack.com" not in repr(found["engineering"])  # the URL is a secret
    with pytest.raises(InvalidInput, match="unknown audience 'press'"):
        pick_audiences(config, ["press"])
    assert [a.name for a in pick_audiences(config, ["all"])] == ["engineering", "execs", "bad"]
    assert [a.name for a in pick_audiences(config, ["all"], "SEV2")] == ["engineering", "bad"]
    assert [a.name for a in pick_audiences(config, ["execs"], "SEV2")] == ["execs"]  # asked by name


def test_slack_sender_ok(slack, incident):
    result = send_to_slack(slack.url("/ok"), incident, "We rolled back.", audience="eng")
    assert result.ok and result.status == 200
    body = slack.bodies[0]
    assert body["text"].startswith("*INC-1 · SEV2 · investigating* Checkout &lt;fails&gt; &amp; more")
    assert body["text"].endswith("We rolled back.")


def test_slack_sender_500_is_one_line(slack, incident):
    result = send_to_slack(slack.url("/broken"), incident, "x", audience="eng")
    assert not result.ok and result.status == 500
    assert result.detail == "Slack answered 500 (internal_error)"


def test_slack_sender_gives_up_after_its_timeout(slack, incident):
    result = send_to_slack(slack.url("/silent"), incident, "x", audience="eng", timeout=0.3)
    assert not result.ok and result.detail == "Slack did not answer within 0.3s"


def test_slack_sender_unreachable(incident):
    result = send_to_slack("http://127.0.0.1:9/", incident, "x", timeout=1)
    assert not result.ok and result.detail.startswith("could not reach Slack")


def test_failed_delivery_keeps_the_update_and_records_the_outcome(store, slack, incident):
    config = parse_config({"comms": {"audiences": {
        "eng": {"slack_webhook": slack.url("/ok")},
        "execs": {"slack_webhook": slack.url("/broken")},
        "support": {},
    }}})
    update = record_update(store, incident, "Rolled back", author="a",
                           audiences=["eng", "execs", "support"])
    results = deliver_update(store, incident, update, audiences_from(config), author="a")
    assert [(r.audience, r.ok) for r in results] == [("eng", True), ("execs", False),
                                                     ("support", True)]
    kinds = [(e.kind, e.data.get("ok")) for e in events_for(store, incident.id)]
    assert kinds[-3:] == [("update", None), ("update-delivery", True), ("update-delivery", False)]


def _config_with(tmp_path, url: str, timeout: float = 5) -> None:
    (tmp_path / "firedesk.toml").write_text(
        f'[comms]\nsend_timeout_seconds = {timeout}\n'
        f'[comms.audiences.eng]\nslack_webhook = "{url}"\n')


def test_cli_update_sends_and_resets_the_clock(firedesk, slack, tmp_path):
    _config_with(tmp_path, slack.url("/ok"))
    firedesk("declare", "x", "--severity", "SEV1", check=True)
    before = json.loads(firedesk("show", "1", "--json").stdout)
    sent = firedesk("update", "1", "Mitigated by rollback", "--to", "eng", check=True)
    assert "update recorded" in sent.stdout and "eng: sent to Slack" in sent.stdout
    after = json.loads(firedesk("show", "1", "--json").stdout)
    assert after["last_update_at"] and after["update_due_at"] > before["update_due_at"]
    assert slack.bodies[0]["text"].endswith("Mitigated by rollback")
    draft = firedesk("update", "1", "--draft", "--template", "executive", check=True)
    assert draft.stdout.startswith("INC-1 · SEV1 · investigating — x")


def test_cli_update_500_and_timeout_are_one_line_and_keep_the_update(firedesk, slack, tmp_path):
    firedesk("declare", "x", "--severity", "SEV2", check=True)
    for path, timeout, words in (("/broken", 5, "Slack answered 500"),
                                 ("/silent", 0.3, "Slack did not answer within 0.3s")):
        _config_with(tmp_path, slack.url(path), timeout)
        failed = firedesk("update", "1", f"update via {path}", "--to", "eng")
        assert failed.returncode == 1
        lines = failed.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and "the update is recorded" in lines[0]
    timeline = json.loads(firedesk("timeline", "1", "--json").stdout)
    updates = [e["text"] for e in timeline if e["kind"] == "update"]
    assert updates == ["update via /broken", "update via /silent"]
    assert [e["data"]["ok"] for e in timeline if e["kind"] == "update-delivery"] == [False, False]


def test_cli_update_unknown_audience_records_nothing(firedesk):
    firedesk("declare", "x", "--severity", "SEV2", check=True)
    bad = firedesk("update", "1", "hello", "--to", "press")
    assert bad.returncode == 1 and "unknown audience 'press'" in bad.stderr
    assert json.loads(firedesk("show", "1", "--json").stdout)["last_update_at"] is None
    empty = firedesk("update", "1")
    assert empty.returncode == 1 and "say what the update is" in empty.stderr
    piped = firedesk("update", "1", "-", input="from stdin\n", check=True)
    assert "update recorded" in piped.stdout
