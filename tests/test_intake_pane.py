"""The Alerts pane in the real console (pilot): order, triage keys, filter and select,
details, declare, Alertmanager silences, and the notice for a new critical alert."""

from __future__ import annotations

import dataclasses
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from firedesk.config import Config, parse_config
from firedesk.intake import parse_delivery
from firedesk.intake.storage import record_delivery
from firedesk.intake.triage import find_alert, list_alerts
from firedesk.screens.alert_details import AlertDetails
from firedesk.screens.incident import IncidentScreen
from firedesk.screens.response_form import ResponseForm
from firedesk.store import declare_incident, events_for
from firedesk.intake.feed import matches
from firedesk.widgets.alert_feed import AlertFeed
from firedesk.widgets.alert_list import AlertList
from test_console_helpers import TEAM, build_app, settle


def ingest(store, raw: bytes):
    return record_delivery(store, parse_delivery(raw, now=store.now()), raw, via="test")


def am(fingerprint: str, title: str, severity: str = "critical", status: str = "firing",
       **labels: str) -> bytes:
    return json.dumps({"version": "4", "status": status, "alerts": [{
        "status": status, "fingerprint": fingerprint,
        "labels": {"alertname": title, "severity": severity, "service": "checkout", **labels},
        "annotations": {"summary": title, "runbook_url": "https://runbooks/" + fingerprint},
        "startsAt": "2026-11-22T02:50:00Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-22T02:55:00Z"}]}).encode()


@pytest.fixture
def incident(store):
    return declare_incident(store, "Checkout failing", severity="SEV2", author="Dana")


@pytest.fixture
def feed(store):
    ingest(store, am("info1", "Queue depth", "info"))
    ingest(store, am("crit1", "Checkout 5xx", "critical", zone="eu"))
    ingest(store, am("gone1", "Old disk alarm", "critical", status="resolved"))
    ingest(store, am("warn1", "Latency high", "warning", zone="us"))
    return store


def ingest_disks(store, count: int) -> None:  # noqa: ANN001
    """`count` distinct warning alerts: more rows than the pane shows."""
    for n in range(count):
        ingest(store, am(f"many{n}", f"Disk {n:03} full", "warning"))


def rows(app) -> list[str]:  # noqa: ANN001
    rows = app.screen.query_one("#alerts-list", AlertList)
    return [rows.row_text(i) for i in range(len(rows.keys))]


async def focus_alerts(pilot):  # noqa: ANN001
    await settle(pilot)
    pilot.app.screen.query_one("#alerts-list", AlertList).focus()
    await pilot.pause()


async def wait_for_screen(pilot, kind):  # noqa: ANN001
    for _ in range(100):
        await settle(pilot)
        if isinstance(pilot.app.screen, kind):
            return pilot.app.screen
    raise AssertionError(f"{kind.__name__} never opened (screen is {pilot.app.screen})")


def test_filter_words_and_labels(feed):
    alerts = {a.dedup_key: a for a in list_alerts(feed)}
    assert matches(alerts["crit1"], "checkout 5xx")
    assert matches(alerts["crit1"], "zone=eu severity=critical")
    assert not matches(alerts["warn1"], "zone=eu")
    assert matches(alerts["warn1"], "status=firing latency")


async def test_firing_first_then_severity_with_service_count_age(db_path, clock, feed, incident):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(AlertFeed)
        assert [a.dedup_key for a in pane.shown] == ["crit1", "warn1", "info1", "gone1"]
        shown = rows(app)
        assert [r.split()[0] for r in shown] == ["CRIT", "MED", "INFO", "ok"]
        assert shown[0].startswith(" CRIT   ×1 10m Checkout 5xx — checkout")
        assert shown[-1].startswith(" ok CRIT")
        summary = str(app.screen.query_one("#alerts-summary").render())
        assert summary.startswith("3 firing (1 critical) · 1 resolved")


async def test_ack_snooze_attach_noise_from_the_keyboard(db_path, clock, feed, incident):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(140, 40)) as pilot:
        await focus_alerts(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert find_alert(feed, "crit1").acked_by == "tester"
        assert rows(app)[0].startswith(" CRIT ✓ ×1") and rows(app)[0].endswith("✓tester")
        assert find_alert(feed, "crit1").owner == "tester"   # an unowned alert: the acker has it
        await pilot.press("plus")
        await settle(pilot)
        assert find_alert(feed, "crit1").incident_id == incident.id
        assert [e.kind for e in events_for(feed, incident.id)][-1] == "alert.attach"
        await pilot.press("down", "s")
        await wait_for_screen(pilot, ResponseForm)
        await pilot.press(*"45m", "enter", *"known slow, deploy rolling back", "enter")
        await settle(pilot)
        latency = find_alert(feed, "warn1")
        assert latency.snoozed_until == "2026-11-22T03:45:00.000000Z"
        assert latency.snooze_reason == "known slow, deploy rolling back"
        # Snoozed alerts sink below the other firing ones.
        assert [r.split()[0] for r in rows(app)][:2] == ["CRIT", "INFO"]
        await pilot.press("up", "m")  # the highlight followed the snoozed alert down
        await settle(pilot)
        assert find_alert(feed, "info1").noise
        # Acks and snoozes of an attached alert land on that incident's timeline too.
        assert [e.kind for e in events_for(feed, incident.id)] == ["declared", "alert.attach"]


async def test_filter_select_shown_and_act_on_all(db_path, clock, feed, incident):
    ingest(feed, am("crit2", "Checkout timeouts", "critical", zone="eu"))
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(140, 40)) as pilot:
        await focus_alerts(pilot)
        await pilot.press("slash", *"zone=eu")
        await settle(pilot)
        assert len(rows(app)) == 2
        await pilot.press("enter", "asterisk")
        await pilot.pause()
        assert "2 selected" in str(app.screen.query_one("#alerts-summary").render())
        await pilot.press("a")
        await settle(pilot)
        acked = {a.dedup_key for a in list_alerts(feed) if a.acked_by}
        assert acked == {"crit1", "crit2"}
        await pilot.press("slash", "escape")
        await settle(pilot)
        assert len(rows(app)) == 5


async def test_details_show_labels_links_and_raw_body_safely(db_path, clock, store, incident):
    hostile = "\x1b]0;pwned\x07 [bold]markup[/bold] \u202eevil"
    ingest(store, am("evil", hostile, "critical"))
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(140, 40)) as pilot:
        await focus_alerts(pilot)
        assert "\x1b" not in rows(app)[0] and "^[]0;pwned^G" in rows(app)[0]
        await pilot.press("enter")
        details = await wait_for_screen(pilot, AlertDetails)
        await settle(pilot)
        fields = str(details.query_one("#alert-fields").render())
        assert "runbook: https://runbooks/evil" in fields and "critical (source said: critical)" in fields
        assert "\x1b" not in fields and "[bold]markup[/bold]" in fields
        raw = str(details.query_one("#alert-raw").render())
        assert '"fingerprint": "evil"' in raw and "\x1b" not in raw
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)


async def test_declare_an_incident_from_an_alert(db_path, clock, feed, incident):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(140, 40)) as pilot:
        await focus_alerts(pilot)
        await pilot.press("exclamation_mark")
        await wait_for_screen(pilot, ResponseForm)
        await pilot.press("up", "enter")  # SEV2 suggested for critical; up → SEV1
        await settle(pilot)
        alert = find_alert(feed, "crit1")
        assert alert.incident_id not in (None, incident.id)
        screen = app.screen
        assert isinstance(screen, IncidentScreen) and screen.incident_id == alert.incident_id
        assert screen.incident.severity == "SEV1" and screen.incident.title == "Checkout 5xx"


async def test_new_critical_alert_is_noticed_without_focus(db_path, clock, feed, incident):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert not app.screen.query_one("#alerts-list").has_focus
        assert not any("New critical alert" in (n.title or "") for n in app._notifications)
        ingest(feed, am("crit9", "Payments down", "critical"))
        ingest(feed, am("warn9", "Payments slow", "warning"))
        app.poll_feed()
        await settle(pilot)
        notices = [n for n in app._notifications if "New critical alert" in (n.title or "")]
        assert len(notices) == 1 and "Payments down" in notices[0].message


class FakeAlertmanager(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        self.received.append(json.loads(self.rfile.read(length)))
        body = b'{"silenceID": "sil-123"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # noqa: ANN002
        pass


async def test_silence_creates_a_real_silence_and_records_it(db_path, clock, feed, incident):
    server = HTTPServer(("127.0.0.1", 0), FakeAlertmanager)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    config = parse_config({"receiver": {"sources": {"alertmanager": {
        "url": f"http://127.0.0.1:{server.server_port}"}}}})
    config = dataclasses.replace(config, people=list(TEAM.people))  # settings are frozen
    try:
        app = build_app(db_path, clock, incident.id, config=config)
        async with app.run_test(size=(140, 40)) as pilot:
            await focus_alerts(pilot)
            await pilot.press("x")
            await wait_for_screen(pilot, ResponseForm)
            await pilot.press(*"2h", "enter", *"maintenance window", "enter")
            await settle(pilot)
            for _ in range(50):
                if find_alert(feed, "crit1").silence_id:
                    break
                await settle(pilot)
    finally:
        server.shutdown()
        server.server_close()
    assert find_alert(feed, "crit1").silence_id == "sil-123"
    [body] = FakeAlertmanager.received
    assert {"name": "alertname", "value": "Checkout 5xx", "isRegex": False, "isEqual": True} in body["matchers"]
    assert body["comment"] == "maintenance window" and body["createdBy"] == "tester"
    assert body["endsAt"] == "2026-11-22T05:00:00.000000Z"


async def test_picker_shows_the_feed_and_attach_needs_an_incident(db_path, clock, feed):
    app = build_app(db_path, clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        if not app.screen.query("#alerts-list"):
            pytest.skip("the picker does not show the alerts pane")
        await focus_alerts(pilot)
        await pilot.press("plus")
        await settle(pilot)
        assert any("Open an incident first" in n.message for n in app._notifications)
        assert find_alert(feed, "crit1").incident_id is None


def test_pane_load_is_plain_data(feed):
    data = AlertFeed.load(feed, None, Config())
    assert [a.dedup_key for a in data.alerts][:1] == ["crit1"]
    assert data.counts == {"firing": 3, "critical": 1, "resolved": 1, "total": 4}
    assert data.silence_url is None and data.problems == []


async def test_a_failing_poller_shows_in_the_pane(db_path, clock, feed, incident):
    with feed.write() as conn:
        conn.execute("INSERT INTO alert_polls (url, interval_seconds, last_attempt, failures, "
                     "last_error) VALUES ('http://am:9093/api/v2/alerts', 15, ?, 3, "
                     "'http://am:9093/api/v2/alerts: HTTP 503')", (feed.now(),))
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        problem = app.screen.query_one("#alerts-problem")
        assert problem.display and "failing (3 in a row)" in str(problem.render())


async def test_a_flood_of_critical_alerts_gets_one_notice(db_path, clock, feed, incident):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        for n in range(12):
            ingest(feed, am(f"flood{n}", f"Shard {n} down", "critical"))
        app.poll_feed()
        await settle(pilot)
        notices = [n for n in app._notifications if "critical alert" in (n.title or "")]
        assert [n.title for n in notices] == ["12 new critical alerts"]
        assert "Shard" in notices[0].message and "see the Alerts pane" in notices[0].message
        ingest(feed, am("flood0", "Shard 0 down", "critical"))   # the same alert again: no news
        app.poll_feed()
        await settle(pilot)
        assert len([n for n in app._notifications if "critical alert" in (n.title or "")]) == 1


async def test_rows_are_drawn_only_when_in_view(db_path, clock, store, incident):
    ingest_disks(store, 300)
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(140, 40)) as pilot:
        await focus_alerts(pilot)
        rows_widget = app.screen.query_one("#alerts-list", AlertList)
        assert len(rows_widget.keys) == 300
        assert len(rows_widget._cache) < 40          # only the rows on screen were drawn
        await pilot.press("end")
        await settle(pilot)
        pane = app.screen.query_one(AlertFeed)
        assert pane.highlighted_alert() is pane.shown[-1]
        assert rows_widget.scroll_offset.y > 0       # the highlight was scrolled into view
        await pilot.press("home", "down", "down")
        assert pane.highlighted_alert() is pane.shown[2]


async def test_a_click_on_a_row_opens_that_alert(db_path, clock, feed, incident):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(AlertFeed)
        await pilot.click("#alerts-list", offset=(6, 1))
        details = await wait_for_screen(pilot, AlertDetails)
        assert details.alert.id == pane.shown[1].id == pane.highlighted_alert().id


async def test_in_a_storm_the_feed_is_paced_and_own_triage_shows_at_once(
        db_path, clock, feed, incident):
    from firedesk.app import make_app
    from firedesk.config import Config
    from firedesk.store import add_entry

    app = make_app(db_path, Config(people=[]), "tester", clock, incident.id,
                   cursor_blink=False)          # paced, as people run it
    ticks = [1000.0]
    app.monotonic = lambda: ticks[0]
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert len(rows(app)) == 4
        ingest(feed, am("storm1", "Storm one", "warning"))
        add_entry(feed, incident, "a note during the storm", author="Priya")
        app.poll_feed()
        await settle(pilot)
        assert "a note during the storm" in " ".join(screen.query_one("#timeline").visible_text())
        assert len(rows(app)) == 4                  # the feed was read just now: paced
        assert screen.pacer.timer is not None       # ... and will be read when due
        ticks[0] += 1.0
        screen.pacer.timer.stop()
        screen.pacer.read_due()                     # the timer firing
        await settle(pilot)
        assert len(rows(app)) == 5 and screen.pacer.timer is None
        ingest(feed, am("storm2", "Storm two", "warning"))
        app.poll_feed()
        await focus_alerts(pilot)
        assert len(rows(app)) == 5
        await pilot.press("home", "a")              # my own write reads every pane at once
        await settle(pilot)
        assert len(rows(app)) == 6 and "✓tester" in rows(app)[0]


async def test_a_quiet_feed_still_ages_and_ends_snoozes(db_path, clock, feed, incident):
    from datetime import timedelta

    from firedesk.intake.triage import snooze_alert

    snooze_alert(feed, find_alert(feed, "crit1"), timedelta(minutes=10), reason="deploying",
                 author="Dana")
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(AlertFeed)
        assert [a.dedup_key for a in pane.shown][:2] == ["warn1", "info1"]   # snoozed sinks
        assert " 10m Checkout 5xx" in rows(app)[2]
        clock.advance(minutes=11)                 # nothing is written meanwhile
        pane.tick()
        await pilot.pause()
        assert pane.shown[0].dedup_key == "crit1"     # the snooze ran out: back on top
        assert rows(app)[0].startswith(" CRIT   ×1 21m Checkout 5xx")


async def test_a_reader_scrolled_away_is_not_pulled_back_by_new_alerts(db_path, clock, store, incident):
    ingest_disks(store, 100)
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(140, 40)) as pilot:
        await focus_alerts(pilot)
        rows_widget = app.screen.query_one("#alerts-list", AlertList)
        rows_widget.scroll_to(y=50, animate=False, immediate=True)   # the mouse wheel
        await pilot.pause()
        ingest(store, am("new1", "Disk new full", "warning"))
        app.poll_feed()
        await settle(pilot)
        assert len(rows_widget.keys) == 101 and rows_widget.scroll_offset.y == 50
        await pilot.press("down")               # the keyboard brings the highlight into view
        assert rows_widget.scroll_offset.y < 50


async def test_t_takes_the_highlighted_alert_and_the_row_says_who_has_it(db_path, clock, feed, incident):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(140, 40)) as pilot:
        await focus_alerts(pilot)
        await pilot.press("t")
        await settle(pilot)
        taken = find_alert(feed, "crit1")
        assert (taken.owner, taken.acked_by) == ("tester", None)
        assert rows(app)[0].endswith("@tester")
        await pilot.press("down", "space", "down", "space", "t")   # a selection: both
        await settle(pilot)
        assert {find_alert(feed, key).owner for key in ("warn1", "info1")} == {"tester"}
