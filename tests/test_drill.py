"""Drills (Sendwithus's training, seed 000): a past incident replayed into a separate
scratch record, alerts and timeline arriving as they happened; shadows write only notes;
the roster counts rotations and drills served and shadowed. Frozen clock, no sleeps:
the replay's waits advance the clock."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from between_story import SQUAD, make_cli
from review_story import record_checkout_incident

from firedesk.config import load_config
from firedesk.errors import InvalidInput
from firedesk.oncall import load_oncall
from firedesk.oncall.roster import served_counts
from firedesk.review.drill import is_drill, plan_drill, run_drill, start_drill
from firedesk.store import Store, add_entry, events_for, set_status, verify_chain
from firedesk.store.incidents import list_incidents


@pytest.fixture
def source(store, clock):  # noqa: ANN001
    incident = record_checkout_incident(store, clock)
    clock.now = clock.now.replace(day=29, hour=12, minute=0)   # a week later: training day
    return incident


def _counts(store):  # noqa: ANN001
    return {t: store.query_one(f"SELECT count(*) FROM {t}")[0]
            for t in ("events", "incidents", "alerts", "alert_deliveries")}


def test_replay_arrives_in_order_at_speed_and_never_touches_the_real_record(
        store, clock, source, tmp_path):
    plan = plan_drill(store, source)
    # A backdated note (the deploy at 02:41) comes first, then the alerts from 02:52.
    assert plan.started.startswith("2026-11-22T02:41")
    assert [s.kind for s in plan.steps[:3]] == ["event", "alerts", "alerts"]
    before = _counts(store)
    path = tmp_path / "drill.db"
    incident = start_drill(store, plan, path, leader="Ana", shadows=("Sam",), speed=10)
    after = _counts(store)
    assert after == {**before, "events": before["events"] + 1}   # one line: the drill took place
    [line] = store.query("SELECT data FROM events WHERE kind = 'drill.started'")
    assert json.loads(line["data"])["shadows"] == ["Sam"]
    waits = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        clock.advance(seconds=seconds)
        return False

    with Store(path, clock=clock) as scratch:
        assert is_drill(scratch)["source"] == "INC-1" and is_drill(store) is None
        assert incident.title == "DRILL: Checkout requests timing out"
        arrived = []
        done = run_drill(scratch, incident, plan, speed=10, wait=wait, on_step=arrived.append)
        assert done == len(plan.steps)
        # Ten times faster: the source's 89 minutes (02:41 → 04:10) take 8.9.
        assert sum(waits) == pytest.approx(plan.length.total_seconds() / 10)
        assert arrived[1].startswith("alert: CheckoutHighErrorRate")
        alerts = scratch.query("SELECT title, incident_id, first_seen FROM alerts ORDER BY id")
        assert [a["incident_id"] for a in alerts] == [incident.id, incident.id]
        assert alerts[0]["first_seen"].startswith("2026-11-29T12:01:06")   # 11 min / 10
        replayed = [e for e in events_for(scratch, incident.id) if e.kind == "drill.replay"]
        assert replayed[0].text == ("then: chen (investigator) note: Checkout p99 latency "
                                    "started climbing right after the deploy")
        assert verify_chain(scratch).ok
    assert _counts(store) == after and verify_chain(store).ok
    assert [i.title for i in list_incidents(store)] == ["Checkout requests timing out"]


def test_a_shadow_writes_only_notes(store, clock, source, tmp_path):
    plan = plan_drill(store, source)
    incident = start_drill(store, plan, tmp_path / "drill.db", leader="Ana", shadows=("Sam",))
    with Store(tmp_path / "drill.db", clock=clock) as scratch:
        add_entry(scratch, incident, "I would check the pool size first", author="Sam")
        with pytest.raises(InvalidInput, match="Sam is a shadow in this incident: shadows write only notes"):
            add_entry(scratch, incident, "roll back", author="Sam", kind="decision")
        with pytest.raises(InvalidInput, match="shadows write only notes"):
            set_status(scratch, incident, "resolved", author="Sam")
        set_status(scratch, incident, "identified", author="Ana")   # the leader runs it


def test_refusals(store, clock, source, tmp_path):
    plan = plan_drill(store, source)
    with pytest.raises(InvalidInput, match="never writes to the real record"):
        start_drill(store, plan, store.path, leader="Ana")
    with pytest.raises(InvalidInput, match="--speed must be more than 0"):
        start_drill(store, plan, tmp_path / "d.db", leader="Ana", speed=0)
    start_drill(store, plan, tmp_path / "d.db", leader="Ana")
    with pytest.raises(InvalidInput, match="already exists"):
        start_drill(store, plan, tmp_path / "d.db", leader="Ana")
    with Store(tmp_path / "d.db", clock=clock) as scratch:
        from firedesk.store import resolve_incident

        with pytest.raises(InvalidInput, match="itself a drill"):
            plan_drill(scratch, resolve_incident(scratch, 1))


def test_cli_drill_headless_and_roster_served(store, clock, source, tmp_path, monkeypatch, db_path):
    cli = make_cli(monkeypatch, clock, db_path)
    path = tmp_path / "drills" / "one.db"
    result = cli("drill", "INC-1", "--speed", "100000", "--into", str(path), "--leader", "ana",
                 "--shadow", "Lukas", "--no-console")
    assert result.exit_code == 0, result.output
    assert f"drill of INC-1 in {path}" in result.output
    assert "  alert: CheckoutHighErrorRate" in result.output
    assert result.output.rstrip().endswith("drill replay finished")
    # Sun 22 Nov → Sun 29 Nov 12:00 UTC on the squad's weekly Tuesday rotations.
    data = {r["person"]: r for r in json.loads(cli("roster", "--served", "--json").output)}
    assert data["Ana"]["drills_led"] == 1 and data["Lukas"]["drills_shadowed"] == 1
    # prod-squad: Priya (3 Nov), Ana (10), Lukas (17), Priya (24) → Priya 2, Ana 1, Lukas 1;
    # the backup layer is one turn ahead: Ana, Lukas, Priya, Ana.
    assert [(data[p]["rotations_served"]) for p in ("Priya", "Ana", "Lukas")] == [3, 3, 2]
    out = cli("roster", "--served").output
    assert out.splitlines()[0].split() == ["PERSON", "TEAMS", "ROTATIONS", "SHADOWED", "DRILLS",
                                           "LED", "DRILLS", "SHADOWED"]
    plain = cli("roster").output
    assert "Priya   Whiskey  prod-squad, prod-squad-backup" in plain


def test_a_shadow_rotation_counts_as_shadowed(store, clock, tmp_path):
    config_path = tmp_path / "firedesk.toml"
    config_path.write_text(open(SQUAD).read() + '''
[[rotations]]
name = "fire-duty-shadow"
layer = "shadow"
members = ["Mark"]
start = "2026-11-10"
handoff = "tuesday 09:00"
timezone = "Europe/Berlin"
length = "1w"
''')
    oncall, problems = load_oncall(load_config(config_path))
    counts = {c.person: c for c in served_counts(store, oncall, clock.now + timedelta(days=7))}
    assert (counts["Mark"].rotations_shadowed, counts["Mark"].rotations_served) == (3, 0)


async def test_the_console_says_it_is_a_drill(store, clock, source, tmp_path):
    from test_console_helpers import build_app, settle

    plan = plan_drill(store, source)
    path = tmp_path / "drill.db"
    start_drill(store, plan, path, leader="Ana")
    app = build_app(path, clock, actor="Ana")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.title == "firedesk · DRILL of INC-1"
        assert any("This is a drill" in n.message for n in app._notifications)
