"""The demo record: believable, live, and never written into someone's real record."""

from __future__ import annotations

import threading

import pytest

from firedesk.clock import system_clock
from firedesk.demo import STREAM, build_demo, demo_path, simulate_stream, write_stream_entry
from firedesk.errors import InvalidInput
from firedesk.store import Store, declare_incident, events_for, list_incidents, verify_chain
from test_console_helpers import settle, timeline_text


def test_demo_builds_an_ongoing_sev2_with_history(tmp_path):
    demo = build_demo(tmp_path / "demo.db", actor="you", fresh=True)
    with Store(demo.path) as store:
        incidents = list_incidents(store)
        ongoing = [i for i in incidents if i.is_open]
        assert [i.severity for i in ongoing] == ["SEV2"] and ongoing[0].id == demo.incident_id
        assert len([i for i in incidents if not i.is_open]) >= 3
        roles = ongoing[0].roles
        assert roles["leader"] == ["Dana"] and roles["communications"] == ["Sam"]
        assert len(roles["investigator"]) == 3 and roles["scribe"] == ["you"]
        kinds = {e.kind for e in events_for(store, demo.incident_id)}
        assert {"note", "hypothesis", "action", "decision", "update", "role", "severity"} <= kinds
        assert verify_chain(store).ok
    zones = {p.timezone for p in demo.config.people}
    assert len(zones) >= 4 and demo.config.problems == []


def test_demo_never_writes_into_an_existing_record(tmp_path, clock):
    real = tmp_path / "real.db"
    with Store(real, clock=clock) as store:
        declare_incident(store, "Real outage", severity="SEV1", author="Dana")
    with pytest.raises(InvalidInput, match="already holds a record"):
        build_demo(real, actor="you", fresh=False)
    with Store(real, clock=clock) as store:
        assert [i.title for i in list_incidents(store)] == ["Real outage"]


def test_default_demo_path_is_its_own_file(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert demo_path(None) == tmp_path / "firedesk" / "demo" / "demo.db"
    assert demo_path("~/x.db").name == "x.db"


def test_the_stream_writes_through_its_own_connection(tmp_path):
    demo = build_demo(tmp_path / "demo.db", actor="you", fresh=True)
    stop = threading.Event()
    with Store(demo.path) as store:
        before = len(events_for(store, demo.incident_id))
        deliveries = store.query_one("SELECT count(*) FROM alert_deliveries")[0]
        write_stream_entry(store, demo.incident_id, 0)   # an Alertmanager webhook
        assert store.query_one("SELECT count(*) FROM alert_deliveries")[0] == deliveries + 1
        write_stream_entry(store, demo.incident_id, 2)   # a responder's entry
        assert events_for(store, demo.incident_id)[-1].text == STREAM[0][2]
    stop.set()
    simulate_stream(demo.path, demo.incident_id, stop)   # returns at once when stopped
    with Store(demo.path) as store:
        assert len(events_for(store, demo.incident_id)) == before + 1


def test_the_demo_opens_with_alerts_and_who_to_wake(tmp_path):
    from firedesk.intake.triage import list_alerts
    from firedesk.oncall import load_oncall, who_to_wake

    demo = build_demo(tmp_path / "demo.db", actor="you", fresh=True)
    with Store(demo.path) as store:
        alerts = list_alerts(store)
        assert len(alerts) == 5
        attached = [a for a in alerts if a.incident_id == demo.incident_id]
        assert [a.acked_by for a in attached] == ["Dana"]
    oncall, problems = load_oncall(demo.config)
    assert problems == [] and demo.config.problems == []
    plan = who_to_wake(oncall, "checkout-api", system_clock())
    assert plan.tiers and plan.tiers[0].candidates


async def test_the_console_opens_on_the_demo(tmp_path):
    from firedesk.app import make_app

    demo = build_demo(tmp_path / "demo.db", actor="you", fresh=True)
    app = make_app(demo.path, demo.config, "you", incident=demo.incident_id, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "Roll back checkout-api" in timeline_text(app)
        assert app.screen.query_one("#hdr-severity").render().plain == "SEV2"
