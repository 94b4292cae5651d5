"""The incident clock from the command line: a zone per incident (declare, `zone`, on the
timeline), every printed time labelled in it, the day named when it changes."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

import firedesk.cli as cli_module
from firedesk.cli import cli
from firedesk.cli.env import Env
from firedesk.clock import frozen, show_time
from firedesk.store import Store, events_for, resolve_incident
from firedesk.store.derived import derived_mismatches

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def run(db_path, tmp_path, monkeypatch):  # noqa: ANN001
    monkeypatch.setattr(cli_module, "Env", lambda **kw: Env(**kw, clock=frozen(NOW)))
    config = tmp_path / "firedesk.toml"
    config.write_text('[clock]\nzone = "Europe/Berlin"\n')

    def invoke(*args: str, check: bool = True):
        result = CliRunner().invoke(cli, ["--db", str(db_path), "--config", str(config),
                                          "--as", "ana", *args])
        if check:
            assert result.exit_code == 0, result.output
        return result

    return invoke


def test_declare_takes_the_configs_zone_or_its_own(run, db_path):
    run("declare", "Checkout down", "--severity", "SEV2")
    run("declare", "Search slow", "--severity", "SEV3", "--zone", "Asia/Kolkata")
    bad = run("declare", "x", "--severity", "SEV3", "--zone", "Mars/Olympus", check=False)
    assert bad.exit_code == 1 and "unknown time zone 'Mars/Olympus'" in bad.output
    with Store(db_path) as store:
        assert resolve_incident(store, 1).zone == "Europe/Berlin"
        assert resolve_incident(store, 2).zone == "Asia/Kolkata"
        assert events_for(store, 2)[0].data["zone"] == "Asia/Kolkata"
        assert len(list(store.query("SELECT id FROM incidents"))) == 2  # nothing half-made
    listed = run("incidents").output
    assert "2026-11-22 13:00 CET" in listed and "2026-11-22 17:30 IST" in listed


def test_the_zone_changes_on_the_timeline_and_every_output_follows(run, db_path):
    run("declare", "Checkout down", "--severity", "SEV2")
    run("note", "INC-1", "deploy went out", "--at", "2026-11-21 23:30")
    shown = run("show", "INC-1").output
    assert "zone:     Europe/Berlin" in shown and "declared: 2026-11-22 13:00 CET" in shown
    assert run("zone", "INC-1", "America/Sao_Paulo").output.strip() == \
        "INC-1: times shown in America/Sao_Paulo (was Europe/Berlin)"
    assert "already" in run("zone", "INC-1", "America/Sao_Paulo").output
    shown = run("show", "INC-1").output
    assert "declared: 2026-11-22 09:00 UTC-03" in shown
    lines = run("timeline", "INC-1").output.splitlines()
    # The day (and the zone) is a line of its own, so the time column keeps its width.
    assert lines[0] == "── Sun 22 Nov 2026 (UTC-03) ──"
    assert lines[1].startswith("#1     09:00  declared")
    assert lines[2] == "── Sat 21 Nov 2026 (UTC-03) ──"
    assert lines[3].startswith("#2     19:30* note")
    assert lines[4] == "── Sun 22 Nov 2026 (UTC-03) ──"
    assert "zone" in lines[5] and "times shown in America/Sao_Paulo" in lines[5]
    assert run("timeline", "INC-1", "--utc").output.splitlines()[0] == \
        "── Sun 22 Nov 2026 (UTC) ──"
    data = json.loads(run("show", "INC-1", "--json").output)
    assert data["zone"] == "America/Sao_Paulo"
    # The export's second column is the incident's zone unless asked otherwise.
    assert "| Milestone | UTC | America/Sao_Paulo | From |" in run("export", "INC-1").output
    with Store(db_path) as store:
        assert derived_mismatches(store) == []
    assert run("verify").exit_code == 0


def test_unlabelled_times_are_gone_from_command_output(run):
    run("declare", "Checkout down", "--severity", "SEV2")
    out = run("task", "INC-1", "page dba", "--owner", "ben", "--check-in", "30m").output
    assert "(check in by 13:30 CET)" in out
    out = run("impact", "INC-1", "checkout fails", "--since", "12:40").output
    assert "since 2026-11-22 12:40 CET" in out
    out = run("update", "INC-1", "rolling back").output
    assert "next due 13:30 CET" in out
    out = run("replay", "INC-1", "--at", "12:59").output
    assert out.startswith("INC-1 at 2026-11-22 12:59 CET")


def test_one_formatting_rule_across_a_dst_change():
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    before, after = "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"  # both 02:30 local
    assert show_time(before, berlin) == "02:30 CEST"
    assert show_time(after, berlin) == "02:30 CET"
    now = datetime(2026, 10, 26, 9, 0, tzinfo=timezone.utc)
    assert show_time(after, berlin, now=now) == "Sun 25 Oct 02:30 CET"
    assert show_time(after, ZoneInfo("America/Sao_Paulo"), date=True) == "2026-10-24 22:30 UTC-03"
    assert show_time(after, ZoneInfo("Asia/Kolkata")) == "07:00 IST"
