"""Backdating that cannot surprise: `@HH:MM` and `--at` with an optional zone, read in the
incident's display zone otherwise; the future refused; an earlier day asked for.

Every test runs on a frozen clock; three incident zones (Asia/Kolkata, Europe/Berlin,
America/Sao_Paulo), and both of Berlin's DST changes in 2026.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

import firedesk.cli as cli_module
from firedesk.cli import cli
from firedesk.cli.env import Env
from firedesk.clock import NeedsDate, frozen, parse_when, split_backdate, to_iso
from firedesk.errors import InvalidInput
from firedesk.store import declare_incident, events_for

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)  # 17:30 IST, 13:00 CET, 09:00 BRT
KOLKATA, BERLIN, SAO_PAULO = (ZoneInfo("Asia/Kolkata"), ZoneInfo("Europe/Berlin"),
                              ZoneInfo("America/Sao_Paulo"))


@pytest.mark.parametrize(("zone", "typed", "utc"), [
    (KOLKATA, "17:02", "2026-11-22T11:32:00.000000Z"),
    (BERLIN, "12:02", "2026-11-22T11:02:00.000000Z"),
    (SAO_PAULO, "08:02", "2026-11-22T11:02:00.000000Z"),
])
def test_a_bare_time_is_today_in_the_incidents_zone(zone, typed, utc):
    assert to_iso(parse_when(typed, NOW, zone)) == utc


@pytest.mark.parametrize("zone", [KOLKATA, BERLIN, SAO_PAULO])
@pytest.mark.parametrize(("typed", "utc"), [
    ("11:02 UTC", "2026-11-22T11:02:00.000000Z"),
    ("11:02Z", "2026-11-22T11:02:00.000000Z"),
    ("14:02 IST", "2026-11-22T08:32:00.000000Z"),
    ("14:02+05:30", "2026-11-22T08:32:00.000000Z"),
    ("08:02 BRT", "2026-11-22T11:02:00.000000Z"),
    ("12:02 Europe/Berlin", "2026-11-22T11:02:00.000000Z"),
    ("2026-11-21 23:30 -03:00", "2026-11-22T02:30:00.000000Z"),
])
def test_a_named_zone_wins_over_the_incidents(zone, typed, utc):
    assert to_iso(parse_when(typed, NOW, zone)) == utc


@pytest.mark.parametrize(("zone", "ahead", "said"), [
    (KOLKATA, "17:40", "'17:40' is Sun 2026-11-22 17:40 IST, still ahead (it is now 17:30 IST)"),
    (BERLIN, "13:04", "'13:04' is Sun 2026-11-22 13:04 CET, still ahead (it is now 13:00 CET)"),
    (SAO_PAULO, "09:04", "'09:04' is Sun 2026-11-22 09:04 UTC-03, still ahead (it is now "
                         "09:00 UTC-03)"),
])
def test_a_time_still_ahead_today_needs_its_date(zone, ahead, said):
    with pytest.raises(NeedsDate) as raised:
        parse_when(ahead, NOW, zone)
    assert str(raised.value).startswith(said)
    assert "for the day before, give the date: 2026-11-21 " + ahead in str(raised.value)
    assert raised.value.candidate.astimezone(zone).date().isoformat() == "2026-11-21"
    # Given the date, it is recorded on that day.
    day_before = parse_when(f"2026-11-21 {ahead}", NOW, zone)
    assert day_before == raised.value.candidate


@pytest.mark.parametrize("zone", [KOLKATA, BERLIN, SAO_PAULO])
def test_the_future_is_refused_saying_what_was_understood(zone):
    with pytest.raises(InvalidInput, match=r"'2026-11-23 10:00 UTC' is Mon 2026-11-23 10:00 "
                                           r"UTC, in the future"):
        parse_when("2026-11-23 10:00 UTC", NOW, zone)
    with pytest.raises(InvalidInput, match="in the future"):
        parse_when("2026-11-22T12:30:00Z", NOW, zone)
    # A minute of clock skew between machines is not the future.
    assert parse_when("12:01Z", NOW, zone) == datetime(2026, 11, 22, 12, 1, tzinfo=timezone.utc)


def test_an_ambiguous_or_unknown_zone_is_refused():
    with pytest.raises(InvalidInput, match="CST could mean China"):
        parse_when("10:00 CST", NOW, BERLIN)
    with pytest.raises(InvalidInput, match="unknown time zone 'Mars/Olympus'"):
        parse_when("10:00 Mars/Olympus", NOW, BERLIN)
    with pytest.raises(InvalidInput, match="not a time of day"):
        parse_when("25:00", NOW, BERLIN)


def test_across_berlins_dst_changes():
    # 25 Oct 2026: 03:00 CEST became 02:00 CET, so 02:30 happened twice. At 04:30 CET both
    # are past: the later one (02:30 CET, 01:30 UTC) is what "a moment ago" means.
    after_fall_back = datetime(2026, 10, 25, 3, 30, tzinfo=timezone.utc)
    assert to_iso(parse_when("02:30", after_fall_back, BERLIN)) == "2026-10-25T01:30:00.000000Z"
    assert to_iso(parse_when("02:30+02:00", after_fall_back, BERLIN)) == \
        "2026-10-25T00:30:00.000000Z"
    # Before the second 02:30 has come, the first one is meant.
    between = datetime(2026, 10, 25, 1, 0, tzinfo=timezone.utc)  # 02:00 CET
    assert to_iso(parse_when("02:30", between, BERLIN)) == "2026-10-25T00:30:00.000000Z"
    # 29 Mar 2026: 02:00 CET became 03:00 CEST; 02:30 never happened.
    spring = datetime(2026, 3, 29, 8, 0, tzinfo=timezone.utc)  # 10:00 CEST
    with pytest.raises(InvalidInput, match="02:30 did not exist on 2026-03-29 in "
                                           "Europe/Berlin"):
        parse_when("02:30", spring, BERLIN)
    # The day before a change has another offset: 11:00 yesterday is 10:00 UTC, not 09:00.
    with pytest.raises(NeedsDate) as raised:
        parse_when("11:00", spring, BERLIN)
    assert to_iso(raised.value.candidate) == "2026-03-28T10:00:00.000000Z"


def test_the_entry_line_splits_time_zone_and_text():
    assert split_backdate("@11:02 deploy went out", NOW, BERLIN) == (
        "deploy went out", "2026-11-22T10:02:00.000000Z")
    assert split_backdate("@14:02 IST deploy went out", NOW, BERLIN) == (
        "deploy went out", "2026-11-22T08:32:00.000000Z")
    assert split_backdate("@14:02+05:30 deploy", NOW, BERLIN) == (
        "deploy", "2026-11-22T08:32:00.000000Z")
    assert split_backdate("@2026-11-21 17:40 IST late night", NOW, BERLIN) == (
        "late night", "2026-11-21T12:10:00.000000Z")
    # A word that is not a zone is the entry's first word.
    assert split_backdate("@11:02 EU checkout down", NOW, BERLIN) == (
        "EU checkout down", "2026-11-22T10:02:00.000000Z")
    assert split_backdate("no time here", NOW, BERLIN) == ("no time here", None)


@pytest.fixture
def run(db_path, monkeypatch):  # noqa: ANN001
    """The real command in-process, on the frozen clock."""
    monkeypatch.setattr(cli_module, "Env", lambda **kw: Env(**kw, clock=frozen(NOW)))

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--db", str(db_path), "--as", "ana", *args])

    return invoke


@pytest.mark.parametrize(("zone", "ahead", "past", "utc"), [
    ("Asia/Kolkata", "17:40", "17:02", "2026-11-22T11:32:00.000000Z"),
    ("Europe/Berlin", "13:04", "12:02", "2026-11-22T11:02:00.000000Z"),
    ("America/Sao_Paulo", "09:04", "08:02", "2026-11-22T11:02:00.000000Z"),
])
def test_cli_at_reads_the_incidents_zone(store, run, zone, ahead, past, utc):
    inc = declare_incident(store, "Checkout down", severity="SEV2", author="ana", zone=zone)
    refused = run("note", inc.key, "too early", "--at", ahead)
    assert refused.exit_code == 1
    assert "still ahead" in refused.output and "give the date: 2026-11-21" in refused.output
    assert [e.kind for e in events_for(store, inc.id)] == ["declared"]  # nothing recorded
    assert run("note", inc.key, "deploy went out", "--at", past).exit_code == 0
    assert run("note", inc.key, "from Kolkata", "--at", "14:02 IST").exit_code == 0
    assert run("note", inc.key, "zulu", "--at", "11:02Z").exit_code == 0
    assert [e.at for e in events_for(store, inc.id)][1:] == [
        utc, "2026-11-22T08:32:00.000000Z", "2026-11-22T11:02:00.000000Z"]
    future = run("note", inc.key, "x", "--at", "2026-11-23 09:00")
    assert future.exit_code == 1 and "in the future" in future.output


def test_cli_help_says_how_times_are_read(run):
    for command in (["note", "--help"], ["replay", "--help"], ["impact", "--help"]):
        text = " ".join(run(*command).output.split())
        assert "read in the incident's display zone unless you name one" in text, command
