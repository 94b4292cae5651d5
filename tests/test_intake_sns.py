"""AWS SNS and EventBridge (issue 16, point 8): the confirmation is surfaced and can be
made, to SNS's own host only; CloudWatch alarm events from EventBridge are recognised."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from conftest import PAYLOADS

from firedesk.errors import InvalidInput
from firedesk.intake import parse_delivery
from firedesk.intake.sns import (
    confirm_subscription, find_subscription, pending_notices, subscriptions,
    validate_subscribe_url,
)
from firedesk.intake.storage import record_delivery
from firedesk.intake.triage import list_alerts
from firedesk.store import Store
from test_console_helpers import build_app, settle
from test_intake_receiver import running_receiver

CONFIRMATION = (PAYLOADS / "sns_subscription_confirmation.json").read_bytes()
TOPIC = "arn:aws:sns:us-west-2:123456789012:MyTopic"
# The ConfirmSubscription answer as the SNS API reference documents it.
CONFIRMED_XML = """<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <ConfirmSubscriptionResult>
    <SubscriptionArn>arn:aws:sns:us-west-2:123456789012:MyTopic:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55</SubscriptionArn>
  </ConfirmSubscriptionResult>
  <ResponseMetadata><RequestId>075ecce8-8dac-11e1-bf80-f781d96e9307</RequestId></ResponseMetadata>
</ConfirmSubscriptionResponse>"""


def ingest(store, raw: bytes):
    return record_delivery(store, parse_delivery(raw, now=store.now()), raw, via="test")


class FakeSns:
    """A loopback HTTP server answering GET /?Action=ConfirmSubscription as SNS does."""

    def __init__(self, status: int = 200):
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.requests.append(self.path)
                body = CONFIRMED_XML.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # noqa: ANN002
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_sns():
    server = FakeSns()
    yield server
    server.close()


def test_the_receiver_keeps_the_confirmation_and_alerts_and_doctor_say_so(db_path, firedesk):
    with running_receiver(db_path) as server:
        answer = server.post("/hooks/auto", CONFIRMATION, {
            "x-amz-sns-message-type": "SubscriptionConfirmation",
            "Content-Type": "text/plain; charset=UTF-8"})
        assert answer.status_code == 200 and answer.json()["kind"] == "subscription"
    listing = firedesk("alerts")
    assert "waiting for confirmation" in listing.stdout and f"firedesk sns confirm {TOPIC}" in listing.stdout
    assert "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription" in listing.stdout
    as_json = firedesk("alerts", "--json")
    assert json.loads(as_json.stdout) == [] and "waiting for confirmation" in as_json.stderr
    doctor = firedesk("doctor")
    assert doctor.returncode == 1 and "SNS subscription" in doctor.stdout
    listed = json.loads(firedesk("sns", "list", "--json").stdout)
    assert [(s["topic_arn"], s["confirmed_at"]) for s in listed] == [(TOPIC, None)]


def test_confirm_gets_the_subscribe_url_and_records_who(store, fake_sns):
    ingest(store, CONFIRMATION)
    found = confirm_subscription(store, find_subscription(store, None), author="Dana",
                                 base=fake_sns.base)
    [path] = fake_sns.requests
    assert path.startswith("/?Action=ConfirmSubscription&TopicArn=") and "&Token=2336412f" in path
    assert (found.confirmed_by, found.confirmed_at) == ("Dana", store.now())
    assert found.subscription_arn.endswith(":2bcfbf39-05c3-41de-beaa-fcfcc21c8f55")
    assert pending_notices(store) == []
    event = store.query_one("SELECT kind, author, text FROM events WHERE kind = 'alert.sns_confirm'")
    assert (event["author"], TOPIC in event["text"]) == ("Dana", True)


def test_a_failed_confirmation_records_nothing(store):
    refusing = FakeSns(status=403)
    try:
        ingest(store, CONFIRMATION)
        with pytest.raises(Exception, match="HTTP 403"):
            confirm_subscription(store, find_subscription(store, TOPIC), author="Dana",
                                 base=refusing.base)
        assert [s.confirmed_at for s in subscriptions(store)] == [None]
    finally:
        refusing.close()


@pytest.mark.parametrize("url", [
    "http://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=t&Token=x",
    "https://sns.us-west-2.amazonaws.com.evil.example/?Action=ConfirmSubscription&TopicArn=t&Token=x",
    "https://evil.example/?Action=ConfirmSubscription&TopicArn=t&Token=x",
    "https://sns.amazonaws.com/?Action=ConfirmSubscription&TopicArn=t&Token=x",
    "https://sns.us-west-2.amazonaws.com@evil.example/?Action=ConfirmSubscription&TopicArn=t&Token=x",
    "https://user:pw@sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=t&Token=x",
    "https://sns.us-west-2.amazonaws.com:8443/?Action=ConfirmSubscription&TopicArn=t&Token=x",
    "https://sns.us-west-2.amazonaws.com/other?Action=ConfirmSubscription&TopicArn=t&Token=x",
    "https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&TopicArn=t&Token=x",
    "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=t",
    "https://xsns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=t&Token=x",
    "https://sns.us-west-2.amazonaws.com\\@evil.example/?Action=ConfirmSubscription&TopicArn=t&Token=x",
    "https://[::1]/?Action=ConfirmSubscription&TopicArn=t&Token=x",
    "javascript:alert(1)",
])
def test_only_sns_own_confirm_url_is_ever_opened(url):
    with pytest.raises(InvalidInput, match="refusing|not a URL"):
        validate_subscribe_url(url)


def test_the_documented_urls_pass_validation():
    assert validate_subscribe_url(json.loads(CONFIRMATION)["SubscribeURL"])
    assert validate_subscribe_url(
        "https://sns.cn-north-1.amazonaws.com.cn/?Action=ConfirmSubscription&TopicArn=t&Token=x")


def test_a_hostile_subscribe_url_is_refused_before_any_request(db_path, firedesk, fake_sns):
    hostile = json.loads(CONFIRMATION)
    hostile["SubscribeURL"] = fake_sns.base + "/?Action=ConfirmSubscription&TopicArn=t&Token=x"
    with Store(db_path) as store:
        ingest(store, json.dumps(hostile).encode())
    result = firedesk("sns", "confirm")
    assert result.returncode != 0 and "refusing to open it" in result.stderr
    assert "Traceback" not in result.stderr and fake_sns.requests == []


async def test_the_console_tells_about_a_waiting_subscription(db_path, clock, store):
    ingest(store, CONFIRMATION)
    app = build_app(db_path, clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        notices = [n for n in app._notifications if n.title == "Confirm the SNS subscription"]
        assert len(notices) == 1 and "sns.us-west-2.amazonaws.com" in notices[0].message


def test_eventbridge_alarm_state_changes_are_one_cloudwatch_alarm(store):
    for name in ("cloudwatch_eventbridge_alarm.json", "cloudwatch_eventbridge_ok.json"):
        assert parse_delivery((PAYLOADS / name).read_bytes()).source == "cloudwatch"
        ingest(store, (PAYLOADS / name).read_bytes())
    [alarm] = list_alerts(store)
    assert alarm.dedup_key == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh"
    assert (alarm.title, alarm.status, alarm.fired_count) == ("ServerCpuTooHigh", "resolved", 1)
    assert alarm.starts_at == "2019-10-02T17:04:40.989000Z"
    assert alarm.resolved_at == "2019-10-02T17:34:40.991000Z"
    assert alarm.labels["InstanceId"] == "i-12345678901234567" and alarm.service == "AWS/EC2"


def test_eventbridge_through_sns_is_the_same_alarm(store):
    event = (PAYLOADS / "cloudwatch_eventbridge_alarm.json").read_text()
    wrapped = json.dumps({"Type": "Notification", "MessageId": "eb-1",
                          "TopicArn": "arn:aws:sns:us-east-1:123456789012:alarms",
                          "Message": event, "Timestamp": "2019-10-02T17:04:41.000Z"})
    ingest(store, wrapped.encode())
    ingest(store, (PAYLOADS / "cloudwatch_eventbridge_ok.json").read_bytes())
    [alarm] = list_alerts(store)
    assert alarm.status == "resolved" and alarm.count == 2
