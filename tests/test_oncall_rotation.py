"""The rotation engine: handoffs keep local wall-clock time across DST, overrides replace
the away person exactly over their window, and waking hours may cross midnight."""

from __future__ import annotations

import tomllib
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import DAILY, rrule

from firedesk.config import parse_config
from firedesk.errors import InvalidInput
from firedesk.oncall import (
    WakingHours, duties_at, handoff_at, load_oncall, next_handoff, shifts_at, shifts_between,
)

UTC = timezone.utc


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def setup_from(text: str, tmp_path: Path):
    path = tmp_path / "firedesk.toml"
    path.write_text(text)
    config = parse_config(tomllib.loads(text), path)
    oncall, problems = load_oncall(config)
    return oncall, problems


PEOPLE = """
[[people]]
name = "Alice"
timezone = "America/New_York"
[[people]]
name = "Bob"
timezone = "Europe/Berlin"
[[people]]
name = "Carol"
timezone = "Australia/Sydney"
"""


def rotation_toml(tz: str, start: str, handoff: str, length: str = "1w", extra: str = "") -> str:
    return PEOPLE + f"""
[[rotations]]
name = "ops"
members = ["Alice", "Bob", "Carol"]
start = "{start}"
handoff = "{handoff}"
timezone = "{tz}"
length = "{length}"
{extra}
"""


@pytest.mark.parametrize("tz, start, handoff, before, after", [
    # New York springs forward on Sun 2026-03-08: Monday 09:00 moves from 14:00Z to 13:00Z.
    ("America/New_York", "2026-03-02", "monday 09:00", "2026-03-02T14:00Z", "2026-03-09T13:00Z"),
    # ... and falls back on Sun 2026-11-01: 13:00Z → 14:00Z.
    ("America/New_York", "2026-10-26", "monday 09:00", "2026-10-26T13:00Z", "2026-11-02T14:00Z"),
    # Berlin springs forward on Sun 2026-03-29: Tuesday 09:00 from 08:00Z to 07:00Z.
    ("Europe/Berlin", "2026-03-24", "tuesday 09:00", "2026-03-24T08:00Z", "2026-03-31T07:00Z"),
    # ... and falls back on Sun 2026-10-25: 07:00Z → 08:00Z.
    ("Europe/Berlin", "2026-10-20", "tuesday 09:00", "2026-10-20T07:00Z", "2026-10-27T08:00Z"),
    # Sydney (southern hemisphere) leaves DST on Sun 2026-04-05: AEDT +11 → AEST +10.
    ("Australia/Sydney", "2026-03-30", "monday 09:00", "2026-03-29T22:00Z", "2026-04-05T23:00Z"),
    # ... and enters it on Sun 2026-10-04: AEST +10 → AEDT +11.
    ("Australia/Sydney", "2026-09-28", "monday 09:00", "2026-09-27T23:00Z", "2026-10-04T22:00Z"),
])
def test_handoff_keeps_wall_clock_time_across_dst(tmp_path, tz, start, handoff, before, after):
    oncall, problems = setup_from(rotation_toml(tz, start, handoff), tmp_path)
    assert problems == []
    rotation = oncall.rotations["ops"]
    assert handoff_at(rotation, 0) == utc(before)
    assert handoff_at(rotation, 1) == utc(after)
    local = [handoff_at(rotation, i).astimezone(ZoneInfo(tz)) for i in range(2)]
    assert [m.time() for m in local] == [time(9, 0), time(9, 0)]
    # The hand-off happens exactly at the instant: one second before, the old holder.
    assert shifts_at(rotation, utc(after) - timedelta(seconds=1))[0].person == "Alice"
    assert shifts_at(rotation, utc(after))[0].person == "Bob"


@pytest.mark.parametrize("tz", ["America/New_York", "Europe/Berlin", "Australia/Sydney"])
def test_a_year_of_handoffs_matches_dateutil_rrule(tmp_path, tz):
    oncall, _ = setup_from(rotation_toml(tz, "2026-01-06", "tuesday 09:00", "2w"), tmp_path)
    rotation = oncall.rotations["ops"]
    expected = list(rrule(DAILY, interval=14, count=27,
                          dtstart=datetime(2026, 1, 6, 9, 0, tzinfo=ZoneInfo(tz))))
    shifts = shifts_between(rotation, utc("2026-01-06T00:00Z"), expected[-1].astimezone(UTC))
    assert [s.start for s in shifts] == [e.astimezone(UTC) for e in expected[:-1]]
    assert [s.person for s in shifts[:4]] == ["Alice", "Bob", "Carol", "Alice"]
    assert all(a.end == b.start for a, b in zip(shifts, shifts[1:]))


def test_handoff_in_the_spring_forward_gap_moves_forward_by_the_gap(tmp_path):
    # 02:30 does not exist in New York on 2026-03-08; it happens at 03:30 EDT (07:30Z).
    oncall, _ = setup_from(rotation_toml("America/New_York", "2026-03-01", "sunday 02:30"), tmp_path)
    rotation = oncall.rotations["ops"]
    assert handoff_at(rotation, 0) == utc("2026-03-01T07:30Z")
    assert handoff_at(rotation, 1) == utc("2026-03-08T07:30Z")
    assert handoff_at(rotation, 2) == utc("2026-03-15T06:30Z")


def test_daily_rotation_and_before_the_first_shift(tmp_path):
    oncall, problems = setup_from(rotation_toml("Europe/Berlin", "2026-11-03", "18:00", "1d"), tmp_path)
    assert problems == []
    rotation = oncall.rotations["ops"]
    assert shifts_at(rotation, utc("2026-11-03T16:59Z")) == []
    assert next_handoff(rotation, utc("2026-11-01T00:00Z")) == utc("2026-11-03T17:00Z")
    holders = [shifts_at(rotation, utc(f"2026-11-0{d}T18:00Z"))[0].person for d in (3, 4, 5, 6)]
    assert holders == ["Alice", "Bob", "Carol", "Alice"]


OVERRIDE = """
[[overrides]]
rotation = "ops"
person = "Bob"
replaced_by = "Carol"
from = "2026-11-12T00:00+01:00"
to = "2026-11-20T00:00"
"""


def test_override_applies_exactly_over_its_window_and_only_to_the_away_person(tmp_path):
    # Weekly Tuesday 09:00 Berlin: Alice from Nov 3, Bob from Nov 10, Carol from Nov 17.
    # Bob is away from Thu Nov 12 00:00 until Fri Nov 20 00:00 (no offset: Berlin time);
    # the override reaches past his shift, but Carol's own shift is untouched.
    oncall, problems = setup_from(
        rotation_toml("Europe/Berlin", "2026-11-03", "tuesday 09:00", extra=OVERRIDE), tmp_path)
    assert problems == []
    rotation = oncall.rotations["ops"]
    start = utc("2026-11-11T23:00Z")  # Nov 12 00:00 Berlin

    def holder(at: datetime) -> tuple:
        (duty,) = duties_at(oncall, rotation, at)
        return duty.person, duty.away

    assert holder(start - timedelta(microseconds=1)) == ("Bob", None)
    assert holder(start) == ("Carol", "Bob")
    assert holder(utc("2026-11-17T07:59:59Z")) == ("Carol", "Bob")
    assert holder(utc("2026-11-17T08:00Z")) == ("Carol", None)  # her own shift now
    assert holder(utc("2026-11-19T23:30Z")) == ("Carol", None)
    (covered,) = [d for d in duties_at(oncall, rotation, start)]
    assert covered.start == start and covered.end == utc("2026-11-17T08:00Z")


def test_override_without_replacement_leaves_the_layer_empty(tmp_path):
    extra = OVERRIDE.replace('replaced_by = "Carol"\n', "")
    oncall, problems = setup_from(
        rotation_toml("Europe/Berlin", "2026-11-03", "tuesday 09:00", extra=extra), tmp_path)
    assert problems == []
    (duty,) = duties_at(oncall, oncall.rotations["ops"], utc("2026-11-13T12:00Z"))
    assert duty.person is None and duty.away == "Bob"


def test_offset_gives_the_next_layer_the_next_person(tmp_path):
    text = rotation_toml("Europe/Berlin", "2026-11-03", "tuesday 09:00") + """
[[rotations]]
name = "ops-secondary"
layer = "secondary"
members = ["Alice", "Bob", "Carol"]
offset = 1
start = "2026-11-03"
handoff = "tuesday 09:00"
timezone = "Europe/Berlin"
"""
    oncall, problems = setup_from(text, tmp_path)
    assert problems == []
    at = utc("2026-11-18T12:00Z")
    assert shifts_at(oncall.rotations["ops"], at)[0].person == "Carol"
    assert shifts_at(oncall.rotations["ops-secondary"], at)[0].person == "Alice"


# -- waking hours -----------------------------------------------------------------------


def test_waking_hours_crossing_midnight():
    night_owl = WakingHours.parse("22:00-06:00")
    assert night_owl.is_awake(time(23, 59))
    assert night_owl.is_awake(time(0, 0))
    assert night_owl.is_awake(time(5, 59))
    assert not night_owl.is_awake(time(6, 0))
    assert not night_owl.is_awake(time(21, 59))
    assert night_owl.is_awake(time(22, 0))
    split = WakingHours.parse("07:00-12:00, 14:00-23:30")
    assert split.is_awake(time(11, 0)) and not split.is_awake(time(13, 0))
    always = WakingHours.parse("00:00-24:00")
    assert always.is_awake(time(3, 0)) and always.is_awake(time(23, 59))


def test_awake_windows_crossing_midnight_and_dst():
    zone = ZoneInfo("Europe/Berlin")
    night_owl = WakingHours.parse("22:00-06:00")
    # Berlin falls back in the night of Sat 24 → Sun 25 Oct 2026: that night is 9 h long.
    windows = night_owl.awake_windows(utc("2026-10-24T00:00Z"), utc("2026-10-26T00:00Z"), zone)
    assert windows == [
        (utc("2026-10-24T00:00Z"), utc("2026-10-24T04:00Z")),   # Fri night until 06:00 CEST
        (utc("2026-10-24T20:00Z"), utc("2026-10-25T05:00Z")),   # 22:00 CEST → 06:00 CET
        (utc("2026-10-25T21:00Z"), utc("2026-10-26T00:00Z")),   # Sun 22:00 CET onwards
    ]


@pytest.mark.parametrize("text", ["8-23", "08:00-25:00", "08:00-08:00", "", "24:00-06:00",
                                  "08:60-09:00", "morning"])
def test_malformed_waking_hours_are_refused(text):
    with pytest.raises(InvalidInput):
        WakingHours.parse(text)
