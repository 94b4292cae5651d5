"""The shift handover report: `firedesk shift`, notes for the next person, read receipts,
against a real record and a frozen clock (Banno's Tuesday handoff, seed 001)."""

from __future__ import annotations

import json

import pytest
from between_story import SQUAD, deliver, make_cli

from firedesk.config import load_config
from firedesk.intake.triage import ack_alert, attach_alert, mark_noise, snooze_alert
from firedesk.oncall import load_oncall
from firedesk.oncall.shift import (
    mark_shift_read, pick_rotation, shift_report, shift_window, waiting_handover,
)
from firedesk.response.tasks import assign_task
from firedesk.store import declare_incident, set_status, verify_chain
from datetime import timedelta


@pytest.fixture
def setup():
    oncall, problems = load_oncall(load_config(SQUAD))
    assert problems == []
    return oncall


@pytest.fixture
def cli(monkeypatch, clock, db_path):
    return make_cli(monkeypatch, clock, db_path)


def _busy_shift(store, clock):  # noqa: ANN001
    """Lukas's week (Tue 17 Nov 09:00 Berlin → Tue 24 Nov): alerts, an incident, a task."""
    # The clock starts on Sun 2026-11-22 03:00 UTC.
    old = deliver(store, "old", "Reader 500s", service="reader")          # fired in the shift
    clock.advance(minutes=5)
    disk = deliver(store, "disk", "Disk 91% on efolder-3", service="efolder", severity="low")
    ack_alert(store, old, author="Lukas")
    snooze_alert(store, disk, timedelta(hours=2), reason="cleanup running", author="Lukas")
    mark_noise(store, disk, author="Ana")
    incident = declare_incident(store, "Reader slow for some users", severity="SEV3",
                                author="Lukas", service="reader")
    attach_alert(store, old, incident, author="Lukas")
    assign_task(store, incident, "Check the reader cache hit rate", owner="Priya",
                check_in="30m", author="Lukas")
    closed = declare_incident(store, "Dispatch queue stuck", severity="SEV2", author="Lukas")
    set_status(store, closed, "resolved", author="Lukas")
    return incident


def test_report_of_the_running_shift(store, clock, setup):
    _busy_shift(store, clock)
    rotation = pick_rotation(setup, clock(), person="Lukas")
    assert rotation.name == "prod-squad"
    window = shift_window(setup, rotation, clock())
    assert (window.outgoing, window.incoming) == (("Lukas",), "Priya")
    assert window.running and window.start.isoformat() == "2026-11-17T08:00:00+00:00"
    data = shift_report(store, window).to_json()
    assert data["counts"] == {"fired": 2, "acked": 1, "snoozed": 1, "silenced": 0, "noise": 1,
                              "attached": 1}
    assert [i["key"] for i in data["open_incidents"]] == ["INC-1"]
    assert [i["key"] for i in data["resolved_incidents"]] == ["INC-2"]
    assert [(t["by"], t["action"]) for t in data["alert_actions"]] == [
        ("Lukas", "acked"), ("Lukas", "snoozed"), ("Ana", "noise"), ("Lukas", "attached")]
    [task] = data["open_tasks"]
    assert (task["incident"], task["id"], task["owner"]) == ("INC-1", "T1", "Priya")


def test_cli_markdown_note_and_read_receipt(store, clock, cli):
    _busy_shift(store, clock)
    result = cli("shift", "--note", "Reader cache keeps evicting; Priya owns the check.")
    assert result.exit_code == 0, result.output
    assert "note left for the next prod-squad shift" in result.output
    result = cli("shift")
    assert result.exit_code == 0, result.output
    md = result.output
    assert md.startswith("# Shift handover: prod-squad\n")
    assert "Shift Tue 2026-11-17 09:00 → Tue 2026-11-24 09:00 Europe/Berlin" in md
    assert "Outgoing: Lukas · incoming: Priya" in md
    assert "Alerts: 2 fired, 1 acked, 1 snoozed, 0 silenced, 1 marked noise." in md
    assert "- INC-1 SEV3 investigating: Reader slow for some users" in md
    assert "- INC-1 T1 Priya: Check the reader cache hit rate" in md
    assert "Lukas: Reader cache keeps evicting; Priya owns the check." in md
    assert "Ana noise A-2: Disk 91% on efolder-3" in md

    # Tuesday: the handoff. Priya now holds the layer; the console would show her the report.
    clock.now = clock.now.replace(day=24, hour=9)
    oncall, _ = load_oncall(load_config(SQUAD))
    [waiting] = waiting_handover(store, oncall, "Priya", clock())
    assert waiting.outgoing == ("Lukas",)
    assert waiting_handover(store, oncall, "Lukas", clock()) == []   # not on the layer now
    # At the boundary, `--at` names the shift that ends there.
    data = json.loads(cli("shift", "--rotation", "prod-squad", "--at", "2026-11-24T08:00Z",
                          "--json", actor="Priya").output)
    assert data["running"] is False and data["outgoing"] == ["Lukas"] and data["read_by"] == []
    assert [n["text"] for n in data["notes"]] == ["Reader cache keeps evicting; Priya owns the check."]
    result = cli("shift", "--rotation", "prod-squad", "--at", "2026-11-24T08:00Z", "--read",
                 actor="Priya")
    assert result.exit_code == 0 and "read the handover report of prod-squad" in result.output
    assert waiting_handover(store, oncall, "Priya", clock()) == []
    data = json.loads(cli("shift", "--rotation", "prod-squad", "--at", "2026-11-24T08:00Z",
                          "--json").output)
    assert [r["by"] for r in data["read_by"]] == ["Priya"]
    assert verify_chain(store).ok


def test_note_on_a_finished_shift_is_refused(store, clock, cli):
    result = cli("shift", "--rotation", "prod-squad", "--at", "2026-11-17T08:00Z",
                 "--note", "late")
    assert result.exit_code == 1
    assert "that shift is over" in result.output
    assert store.query_one("SELECT count(*) FROM events")[0] == 0


def test_several_rotations_need_a_choice_and_bad_names_are_one_line(store, clock, cli):
    result = cli("shift", actor="Mark")   # Mark holds neither layer
    assert result.exit_code == 1
    assert "several rotations; pass --rotation (one of prod-squad, prod-squad-backup)" in result.output
    result = cli("shift", "--rotation", "nope")
    assert result.exit_code == 1 and "no rotation 'nope'" in result.output
    result = cli("shift", "--note", "   ")
    assert result.exit_code == 1 and "the note is empty" in result.output


def test_hostile_text_is_made_visible(store, clock, cli):
    deliver(store, "evil", "boom \x1b]0;pwned\x07 \u202e", service="reader")
    result = cli("shift")
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert "^[" in result.output


async def test_console_shows_the_report_to_the_incoming_person_who_marks_it_read(
        db_path, store, clock):
    from firedesk.screens.shift_report import ShiftReportScreen
    from test_console_helpers import build_app, settle

    _busy_shift(store, clock)
    clock.now = clock.now.replace(day=24, hour=9)   # Tuesday, after the 09:00 Berlin handoff
    config = load_config(SQUAD)
    app = build_app(db_path, clock, config=config, actor="Priya")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ShiftReportScreen)
        text = str(app.screen.query_one("#shift-report-text").render())
        assert "Outgoing: Lukas · incoming: Priya" in text
        await pilot.press("r")
        await settle(pilot)
        assert not isinstance(app.screen, ShiftReportScreen)
    [read] = store.query("SELECT author, data FROM events WHERE kind = 'shift.read'")
    assert read["author"] == "Priya"
    assert json.loads(read["data"])["shift_start"] == "2026-11-17T08:00:00.000000Z"
    # Read once: the next console start shows nothing.
    app = build_app(db_path, clock, config=config, actor="Priya")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert not isinstance(app.screen, ShiftReportScreen)


def test_the_console_offers_the_report_only_in_the_first_day_of_the_shift(store, clock):
    oncall, _ = load_oncall(load_config(SQUAD))
    clock.now = clock.now.replace(day=24, hour=8)            # the 09:00 Berlin handoff
    assert [w.outgoing for w in waiting_handover(store, oncall, "Priya", clock())] == [("Lukas",)]
    clock.advance(hours=23, minutes=59)
    assert len(waiting_handover(store, oncall, "Priya", clock())) == 1
    clock.advance(minutes=2)
    assert waiting_handover(store, oncall, "Priya", clock()) == []


def test_a_shift_across_the_start_of_summer_time_keeps_its_wall_clock_handoffs(store, setup):
    from datetime import datetime, timezone

    from firedesk.oncall.shift import render_shift_markdown

    at = datetime(2027, 3, 29, 12, 0, tzinfo=timezone.utc)   # the day after clocks went forward
    window = shift_window(setup, setup.rotations["prod-squad"], at)
    assert (window.start.isoformat(), window.end.isoformat()) == (
        "2027-03-23T08:00:00+00:00", "2027-03-30T07:00:00+00:00")
    md = render_shift_markdown(shift_report(store, window))
    assert "Shift Tue 2027-03-23 09:00 → Tue 2027-03-30 09:00 Europe/Berlin" in md
