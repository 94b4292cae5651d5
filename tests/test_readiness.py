"""Readiness (Caseflow's access list, seed 002): each member confirms their checks with
dates on the record; missing or stale ones are marked in who to wake. Frozen clock."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from between_story import SQUAD, make_cli

from firedesk.config import load_config, parse_config
from firedesk.oncall import load_oncall
from firedesk.oncall.readiness import confirm_ready, readiness_of, readiness_settings

READINESS = '''
[readiness]
checks = ["PagerDuty", "CloudWatch logs", "Sentry", "AWS", "Production", "SSH"]
stale_after = "30d"

[readiness.teams.Tango]
checks = ["PagerDuty", "Dispatch admin"]

[[escalation]]
default = true
tiers = [{ targets = ["rotation:prod-squad", "rotation:prod-squad-backup"] }]
'''


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "firedesk.toml"
    path.write_text(open(SQUAD).read() + READINESS)
    return str(path)


@pytest.fixture
def cli(monkeypatch, clock, db_path, config_file):
    return make_cli(monkeypatch, clock, db_path, config_file)


def test_confirm_with_dates_then_stale(store, clock, config_file):
    config = load_config(config_file)
    settings = readiness_settings(config)
    oncall, _ = load_oncall(config)
    assert config.problems == []
    assert settings.checks_for(oncall, "Lukas") == ("PagerDuty", "Dispatch admin")   # Tango's own
    confirm_ready(store, settings, oncall, "Ana", ["pagerduty", "SENTRY"])
    clock.advance(days=20)
    confirm_ready(store, settings, oncall, "Ana", [], everything=True)
    ana = readiness_of(store, settings, oncall, ["Ana"], clock())["Ana"]
    assert ana.ready
    clock.advance(days=15)   # 35 days after the first, 15 after the second
    ana = readiness_of(store, settings, oncall, ["Ana"], clock())["Ana"]
    assert ana.ready          # the latest confirmation counts
    clock.advance(days=16)
    ana = readiness_of(store, settings, oncall, ["Ana"], clock())["Ana"]
    assert ana.stale == ["PagerDuty", "CloudWatch logs", "Sentry", "AWS", "Production", "SSH"]
    assert ana.note().startswith("readiness: stale PagerDuty, CloudWatch logs")


def test_cli_ready_and_wake_marks(store, clock, cli):
    result = cli("ready", "--as", "Ana", "PagerDuty", "Sentry", "AWS")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Ana: readiness: missing CloudWatch logs, Production, SSH\n")
    assert "  PagerDuty        ok       2026-11-22 00:00 UTC-03\n" in result.output
    result = cli("ready", "--as", "Ana", "Pager Duty")
    assert result.exit_code == 1
    assert "'Pager Duty' is not one of your checks" in result.output
    data = json.loads(cli("ready", "--team", "Foxtrot", "--json").output)
    assert [(r["person"], r["ready"]) for r in data] == [("Ana", False), ("Alex", False)]
    # Sun 22 Nov: Lukas holds prod-squad, Priya the backup layer.
    result = cli("wake", "reader", "--at", "2026-11-22T03:00Z")
    assert result.exit_code == 0, result.output
    assert "Lukas: Sun 04:00 Europe/Berlin, asleep (wakes 08:00) (readiness: missing PagerDuty, Dispatch admin)" in result.output
    cli("ready", "--all", actor="Lukas")
    data = json.loads(cli("wake", "reader", "--json").output)
    readiness = {c["person"]: c["readiness"] for t in data["tiers"] for c in t["candidates"]}
    assert readiness["Lukas"] is None
    assert readiness["Priya"] == "readiness: missing PagerDuty, CloudWatch logs, Sentry, AWS, Production, SSH"
    events = store.query("SELECT author, data FROM events WHERE kind = 'readiness.confirmed'")
    assert len(events) == 5 and {e["author"] for e in events} == {"Ana", "Lukas"}


async def test_the_who_to_wake_pane_marks_unready_people(db_path, store, clock, config_file):
    from firedesk.store import declare_incident
    from firedesk.widgets.who_to_wake import WhoToWake
    from test_console_helpers import build_app, settle

    incident = declare_incident(store, "Reader down", severity="SEV2", author="Ana",
                                service="reader")
    config = load_config(config_file)
    confirm_ready(store, readiness_settings(config), load_oncall(config)[0], "Priya", [],
                  everything=True)
    app = build_app(db_path, clock, incident.id, config=config, actor="Ana")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(WhoToWake)
        assert pane.view.readiness == {"Lukas": "readiness: missing PagerDuty, Dispatch admin"}
        from textual.widgets import OptionList

        prompts = [str(o.prompt) for o in pane.query_one(OptionList).options]
        assert any("Lukas" in p and "readiness: missing PagerDuty" in p for p in prompts)
        assert not any("Priya" in p and "readiness" in p for p in prompts)


def test_bad_settings_and_no_settings(cli):
    config = parse_config({"readiness": {"checks": ["AWS", "aws"], "stale_after": "soon"}})
    readiness_settings(config)
    assert [p.key for p in config.problems] == ["readiness.checks", "readiness.stale_after"]
