"""who_to_wake, coverage and iCal import, on set-ups like the seeds describe."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import PAYLOADS

from firedesk.config import load_config, parse_config
from firedesk.errors import NotFound
from firedesk.oncall import coverage, coverage_sets, duties_at, load_oncall, who_to_wake

FIXTURES = Path(__file__).parent / "fixtures_oncall"
UTC = timezone.utc


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@pytest.fixture(scope="module")
def bebop():
    oncall, problems = load_oncall(load_config(FIXTURES / "three_timezones.toml"))
    assert problems == []
    return oncall


@pytest.fixture(scope="module")
def payments():
    config = load_config(FIXTURES / "payments.toml")
    oncall, problems = load_oncall(config)
    assert problems == [] and config.problems == []
    return oncall


def test_three_timezone_rotation_follows_the_seed_table(bebop):
    # Sprints A–F: India 1..6 once each, Europe 1,2,3,1,2,3, South America 1,2,1,2,1,2.
    india, europe, south = (bebop.rotations[n] for n in ("ff-india", "ff-europe", "ff-south-america"))
    rows = []
    for sprint in range(6):
        at = utc("2026-10-26T15:00Z") + timedelta(weeks=2 * sprint)
        rows.append(tuple(duties_at(bebop, r, at)[0].shift.person for r in (india, europe, south)))
    assert rows == [
        ("Aarav", "Lukas", "Paulo"), ("Diya", "Giulia", "Camila"), ("Kabir", "Tomasz", "Paulo"),
        ("Meera", "Lukas", "Camila"), ("Rohan", "Giulia", "Paulo"), ("Sanya", "Tomasz", "Camila"),
    ]


def test_three_timezone_coverage_report(bebop):
    (name, rotations), = coverage_sets(bebop)
    assert name == "bebop"
    report = coverage(bebop, rotations, utc("2026-11-02T00:00Z"), 28, name)
    # One hour a day nobody on duty is awake: after South America's 23:30, before India's 09:00.
    assert len(report.gaps) == 28
    assert all(g.start.strftime("%H:%M") == "02:30" and g.length == timedelta(hours=1)
               for g in report.gaps)
    assert report.uncovered == timedelta(hours=28)
    assert report.gaps[0].on_call == ("Aarav", "Lukas", "Paulo")
    # Only the vacation cover makes anyone hold two sprints in a row.
    (repeat,) = report.repeats
    assert repeat.person == "Camila" and repeat.layer == "firefighter"
    assert repeat.start == utc("2026-11-09T12:00Z") and repeat.end == utc("2026-12-07T12:00Z")
    assert len(repeat.shifts) == 2
    data = report.to_json()
    assert data["uncovered_minutes"] == 28 * 60 and data["gaps"][0]["minutes"] == 60
    assert data["consecutive"][0]["person"] == "Camila"


def test_coverage_without_the_south_american_rotation_has_longer_gaps(bebop):
    rotations = [bebop.rotations["ff-india"], bebop.rotations["ff-europe"]]
    report = coverage(bebop, rotations, utc("2026-11-02T00:00Z"), 7)
    # Europe sleeps at 21:00 UTC, India wakes at 03:30 UTC.
    assert [(g.start.strftime("%H:%M"), g.end.strftime("%H:%M")) for g in report.gaps[1:3]] == [
        ("21:00", "03:30"), ("21:00", "03:30")]


def test_wake_orders_awake_people_first_within_a_tier(bebop):
    plan = who_to_wake(bebop, "instances", utc("2026-11-04T01:00Z"))
    tier1 = plan.tiers[0]
    # 01:00 UTC: Paulo (22:00 São Paulo) is awake; Aarav (06:30 IST) and Lukas (02:00) are not.
    assert [c.person for c in tier1.candidates] == ["Paulo", "Aarav", "Lukas"]
    assert [c.awake for c in tier1.candidates] == [True, False, False]
    assert tier1.wait == "10m"
    paulo = tier1.candidates[0]
    assert paulo.local_time.isoformat(timespec="minutes") == "2026-11-03T22:00-03:00"
    assert paulo.reason == "firefighter for bebop until Mon 09:00 America/Sao_Paulo"
    assert paulo.contacts == {"phone": "+55 11 90000 0001"}
    assert tier1.candidates[1].wakes_at.strftime("%H:%M") == "09:00"
    assert plan.first_awake().person == "Paulo"
    # Tier 2 is "anyone else in bebop": nobody from tier 1 again.
    tier2 = [c.person for c in plan.tiers[1].candidates]
    assert not {"Paulo", "Aarav", "Lukas"} & set(tier2)
    assert set(tier2) == {"Diya", "Kabir", "Meera", "Rohan", "Sanya", "Giulia", "Tomasz", "Camila"}
    assert [c.person for c in plan.tiers[2].candidates] == ["Braden", "Xavier"]  # Toronto awake


def test_wake_shows_the_away_person_last_with_their_cover(bebop):
    plan = who_to_wake(bebop, "instances", utc("2026-11-25T15:00Z"))
    tier1 = plan.tiers[0].candidates
    assert tier1[-1].person == "Paulo" and tier1[-1].away and tier1[-1].replaced_by == "Camila"
    camila = next(c for c in tier1 if c.person == "Camila")
    assert not camila.away
    assert camila.reason.startswith("covering firefighter for bebop for Paulo (away) until")
    assert plan.to_json()["tiers"][0]["candidates"][-1]["replaced_by"] == "Camila"


def test_wake_json_has_the_issue_shape(payments):
    data = who_to_wake(payments, "checkout-api", utc("2026-11-24T03:00Z")).to_json()
    assert set(data) == {"service", "at", "tiers"}
    assert data["service"] == "checkout-api" and data["at"].startswith("2026-11-24T03:00:00")
    assert [t["tier"] for t in data["tiers"]] == [1, 2, 3, 4]
    assert [t["wait"] for t in data["tiers"]] == ["10m", "15m", "15m", None]
    first = data["tiers"][0]["candidates"][0]
    assert set(first) == {"person", "local_time", "timezone", "awake", "away", "replaced_by",
                          "reason", "contacts"}
    assert first == {
        "person": "Lukas", "local_time": "2026-11-24T04:00+01:00", "timezone": "Europe/Berlin",
        "awake": False, "away": False, "replaced_by": None,
        "reason": "primary for payments until Tue 09:00 Europe/Berlin",
        "contacts": {"phone": "+49 170 0000003", "email": "lukas@example.com"},
    }
    tier2 = data["tiers"][1]["candidates"]
    assert [c["person"] for c in tier2] == ["Priya", "Xavier"]  # Priya awake in India
    assert tier2[1]["reason"].startswith("firefighting-manager on ff-managers until")


def test_policy_is_the_services_then_the_teams_then_the_default(payments):
    for service in ("ledger", "edge-proxy", "not-a-service"):
        plan = who_to_wake(payments, service, utc("2026-11-24T03:00Z"))
        assert plan.policy == "the default escalation policy"
        assert [c.person for c in plan.tiers[0].candidates] == ["Braden", "Xavier"]  # awake first


def without_default(tmp_path: Path):
    text = (FIXTURES / "payments.toml").read_text().split("[[escalation]]\ndefault = true")[0]
    return load_oncall(parse_config(tomllib.loads(text), tmp_path / "x.toml"))[0]


def test_without_any_policy_the_teams_layers_then_tech_lead_are_used(tmp_path):
    oncall = without_default(tmp_path)
    ledger = who_to_wake(oncall, "ledger", utc("2026-11-24T03:00Z"))
    assert ledger.policy.startswith("payments's rotations")
    people = [[c.person for c in t.candidates] for t in ledger.tiers]
    assert people == [["Lukas"], ["Priya"], []]  # tier 3, the tech lead, is Lukas again
    assert ledger.tiers[2].notes == ("everyone here is already listed in an earlier tier",)
    assert [c.reason.split(" until")[0] for t in ledger.tiers for c in t.candidates] == [
        "primary for payments", "secondary for payments"]


def test_unknown_service_without_default_is_a_clear_error(tmp_path):
    with pytest.raises(NotFound, match="no service 'nope'.*checkout-api"):
        who_to_wake(without_default(tmp_path), "nope", utc("2026-11-24T03:00Z"))


# -- iCal -------------------------------------------------------------------------------


def ical_setup(tmp_path: Path, ics: Path, people: str):
    text = people + f"""
[[rotations]]
name = "pd-alpha"
layer = "primary"
ical = "{ics}"
"""
    path = tmp_path / "firedesk.toml"
    path.write_text(text)
    return load_oncall(parse_config(tomllib.loads(text), path))


def test_ical_import_of_the_pagerduty_export(tmp_path):
    people = """
[[people]]
name = "Kitty"
email = "hello.kitty@testdomain.com"
timezone = "Asia/Tokyo"
waking_hours = "07:00-23:00"
"""
    oncall, problems = ical_setup(tmp_path, PAYLOADS / "pagerduty_oncall.ics", people)
    rotation = oncall.rotations["pd-alpha"]
    # Matched by ATTENDEE e-mail even though the SUMMARY says "Hello Kitty".
    (duty,) = duties_at(oncall, rotation, utc("2023-07-09T00:00Z"))
    assert duty.person == "Kitty"
    assert duty.start == utc("2023-07-08T22:00Z") and duty.end == utc("2023-07-09T22:00Z")
    assert duties_at(oncall, rotation, utc("2023-07-09T22:00Z")) == []
    # The other shift's person is not configured: reported, still shown as on call.
    (duty,) = duties_at(oncall, rotation, utc("2017-01-23T03:00Z"))
    assert duty.person == "Jichao Ouyang"
    assert [(p.key, p.problem) for p in problems] == [(
        "rotations[0].ical",
        "'Jichao Ouyang' <oyanglulu@gmail.com> in pagerduty_oncall.ics is not a person in [[people]]",
    )]
    assert oncall.person("Jichao Ouyang").email == "oyanglulu@gmail.com"


def test_ical_with_rrule_levels_folding_and_zones(tmp_path):
    people = """
[[people]]
name = "Lukas"
timezone = "Europe/Berlin"
[[people]]
name = "Priya"
email = "priya@example.com"
timezone = "Asia/Kolkata"
waking_hours = "09:00-23:00"
"""
    oncall, problems = ical_setup(tmp_path, FIXTURES / "grafana_levels.ics", people)
    assert problems == []
    rotation = oncall.rotations["pd-alpha"]
    # Weekday day shifts 09:00-17:00 Berlin, from an RRULE: Tue 6 Jan 10:00 Berlin.
    (day,) = duties_at(oncall, rotation, utc("2026-01-06T09:00Z"))
    assert day.person == "Lukas"
    # Nights from a folded PagerDuty-style summary, matched by e-mail case-insensitively.
    (night,) = duties_at(oncall, rotation, utc("2026-01-06T20:00Z"))
    assert night.person == "Priya"
    # Saturday: no day shift from the BYDAY rule; the three nights ended on Jan 8.
    assert duties_at(oncall, rotation, utc("2026-01-10T10:00Z")) == []
    # Summer time: Berlin is UTC+2 from Mar 29, so the day shift starts at 07:00Z.
    assert duties_at(oncall, rotation, utc("2026-04-01T06:59Z")) == []
    assert duties_at(oncall, rotation, utc("2026-04-01T07:00Z"))[0].person == "Lukas"


def test_ical_file_that_is_missing_or_not_ical(tmp_path):
    bad = tmp_path / "bad.ics"
    bad.write_text("this is not a calendar\n")
    _, problems = ical_setup(tmp_path, bad, "")
    assert [p.key for p in problems] == ["rotations[0].ical"]
    assert "not an iCalendar file" in problems[0].problem
    _, problems = ical_setup(tmp_path, tmp_path / "missing.ics", "")
    assert "cannot read" in problems[0].problem
