"""Each bad on-call config is reported with the file, the key and the problem, and the
good parts still load."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from firedesk.cli.checks import config_problems
from firedesk.config import parse_config
from firedesk.oncall import load_oncall

BASE = """
[[people]]
name = "Priya"
login = "priya"
timezone = "Asia/Kolkata"
waking_hours = "08:00-23:00"
[[people]]
name = "Ana"
timezone = "America/Sao_Paulo"
[[people]]
name = "Lukas"
timezone = "Europe/Berlin"

[[teams]]
name = "payments"
members = ["Priya", "Ana", "Lukas"]

[[services]]
name = "checkout-api"
team = "payments"

[[rotations]]
name = "payments-primary"
team = "payments"
members = ["priya", "Ana", "Lukas"]
start = "2026-11-03"
handoff = "tuesday 09:00"
timezone = "Europe/Berlin"
length = "1w"
"""


def load(text: str, tmp_path: Path):
    path = tmp_path / "firedesk.toml"
    path.write_text(text)
    config = parse_config(tomllib.loads(text), path)
    oncall, problems = load_oncall(config)
    return config, oncall, problems


def test_the_base_is_clean_and_logins_name_people(tmp_path):
    config, oncall, problems = load(BASE, tmp_path)
    assert problems == [] and config.problems == []
    assert oncall.rotations["payments-primary"].members == ("Priya", "Ana", "Lukas")


ROTATION_2 = """
[[rotations]]
name = "second"
members = ["Priya"]
start = "2026-11-03"
handoff = "tuesday 09:00"
timezone = "Europe/Berlin"
"""


@pytest.mark.parametrize("extra, key, words", [
    # unknown timezone on a rotation
    (ROTATION_2.replace("Europe/Berlin", "Europe/Atlantis"), "rotations[1].timezone",
     "unknown timezone 'Europe/Atlantis'"),
    # a rotation member who is not a person
    (ROTATION_2.replace('["Priya"]', '["Priya", "Zed"]'), "rotations[1].members",
     "'Zed' is not a person in [[people]]"),
    # handoff weekday that does not match the start date
    (ROTATION_2.replace("tuesday", "monday"), "rotations[1].start",
     "2026-11-03 is a Tuesday but handoff says monday"),
    (ROTATION_2.replace("tuesday 09:00", "tuesday 9am"), "rotations[1].handoff",
     "cannot read handoff 'tuesday 9am'"),
    (ROTATION_2 + 'length = "36h"\n', "rotations[1].length", "cannot read shift length '36h'"),
    (ROTATION_2.replace('timezone = "Europe/Berlin"\n', ""), "rotations[1].timezone",
     "missing: the handoff is wall-clock time"),
    # an override outside any of the person's shifts (Ana is primary Nov 10-17 only)
    ("""
[[overrides]]
rotation = "payments-primary"
person = "Ana"
replaced_by = "Lukas"
from = "2026-11-18T00:00+01:00"
to = "2026-11-20T00:00+01:00"
""", "overrides[0]", "Ana holds no payments-primary shift between 2026-11-18 00:00 Europe/Berlin "
                     "and 2026-11-20 00:00 Europe/Berlin"),
    ("""
[[overrides]]
rotation = "payments-primary"
person = "Ana"
replaced_by = "Bob"
from = "2026-11-11T00:00+01:00"
to = "2026-11-12T00:00+01:00"
""", "overrides[0].replaced_by", "'Bob' is not a person in [[people]]"),
    ("""
[[overrides]]
rotation = "payments-primary"
person = "Ana"
from = "2026-11-12T00:00+01:00"
to = "2026-11-11T00:00+01:00"
""", "overrides[0].to", "must be after from"),
    ("""
[[overrides]]
rotation = "nightly"
person = "Ana"
from = "2026-11-11T00:00+01:00"
to = "2026-11-12T00:00+01:00"
""", "overrides[0].rotation", "'nightly' is not a rotation"),
    # a tier target that names nothing
    ("""
[[escalation]]
service = "checkout-api"
tiers = [
  { targets = ["rotation:payments-primary"], wait = "10m" },
  { targets = ["rotation:payments-secondary", "team:payments"] },
]
""", "escalation[0].tiers[1].targets[0]",
     "'rotation:payments-secondary' names nothing: no 'payments-secondary' in [[rotations]]"),
    ("""
[[escalation]]
service = "checkout-api"
tiers = [{ targets = ["person:Xavier"] }, { targets = ["team:payments"] }]
""", "escalation[0].tiers[0].targets[0]", "'Xavier' is not a person in [[people]]"),
    ("""
[[escalation]]
service = "checkout-api"
tiers = [{ targets = ["pager:everyone"] }, { targets = ["team:payments"] }]
""", "escalation[0].tiers[0].targets[0]", "unknown kind 'pager'"),
    ("""
[[escalation]]
service = "checkout-api"
tiers = [{ targets = ["team:payments"], wait = "soon" }]
""", "escalation[0].tiers[0].wait", "cannot read duration 'soon'"),
    ("""
[[escalation]]
service = "billing"
tiers = [{ targets = ["team:payments"] }]
""", "escalation[0].service", "'billing' is not a service"),
    ("""
[[escalation]]
service = "checkout-api"
team = "payments"
tiers = [{ targets = ["team:payments"] }]
""", "escalation[0]", "needs exactly one of service"),
    ("""
[[duty_roles]]
name = "firefighting-manager"
rotation = "managers"
""", "duty_roles[0].rotation", "'managers' is not a rotation"),
    ("""
[[services]]
name = "ledger"
team = "treasury"
""", "services[1].team", "'treasury' is not a team"),
    ("""
[oncall.pagerduty]
routing_key = "abc"
events_url = "ftp://example.com"
""", "oncall.pagerduty.events_url", "must be an http(s) URL"),
])
def test_each_config_error_names_file_key_and_problem(tmp_path, extra, key, words):
    config, oncall, problems = load(BASE + extra, tmp_path)
    matching = [p for p in problems if p.key == key]
    assert matching, [str(p) for p in problems]
    assert words in matching[0].problem
    assert matching[0].file == str(tmp_path / "firedesk.toml")
    assert str(matching[0]).startswith(f"{tmp_path / 'firedesk.toml'}: {key}: ")
    # What was good still loads.
    assert "payments-primary" in oncall.rotations
    # doctor lists it.
    assert str(matching[0]) in config_problems(config)


def test_malformed_waking_hours_on_a_person(tmp_path):
    text = BASE.replace('waking_hours = "08:00-23:00"', 'waking_hours = "8am-11pm"')
    config, oncall, problems = load(text, tmp_path)
    (problem,) = problems
    assert problem.key == "people[0].waking_hours"
    assert "cannot read waking hours '8am-11pm'" in problem.problem
    assert oncall.waking_hours("Priya").text == "08:00-22:00"  # the cautious default


def test_unknown_timezone_on_a_person_is_reported_once_by_doctor(tmp_path):
    text = BASE.replace('timezone = "Asia/Kolkata"', 'timezone = "Asia/Kolkatta"')
    config, oncall, problems = load(text, tmp_path)
    listed = [p for p in config_problems(config) if "people[0].timezone" in p]
    assert len(listed) == 1 and "unknown timezone 'Asia/Kolkatta'" in listed[0]
    assert oncall.zone_name("Priya") == "UTC"


def test_on_call_person_without_timezone(tmp_path):
    text = BASE.replace('timezone = "America/Sao_Paulo"\n', "")
    _, _, problems = load(text, tmp_path)
    assert [(p.key, p.problem) for p in problems] == [
        ("people[1].timezone", "Ana is on call but has no timezone; local times assume UTC")]


def test_a_bad_tier_is_dropped_but_the_others_keep_their_order(tmp_path):
    text = BASE + """
[[escalation]]
service = "checkout-api"
tiers = [
  { targets = ["rotation:payments-primary"], wait = "10m" },
  { targets = ["role:nobody"] },
  { targets = ["team:payments"] },
]
"""
    _, oncall, problems = load(text, tmp_path)
    assert [p.key for p in problems] == ["escalation[0].tiers[1].targets[0]", "escalation[0].tiers[1]"]
    (policy,) = oncall.policies
    assert [(t.number, str(t.targets[0])) for t in policy.tiers] == [
        (1, "rotation:payments-primary"), (2, "team:payments")]


def test_sections_of_the_wrong_shape(tmp_path):
    _, _, problems = load(BASE + 'rotations_extra = 1\n[oncall]\npagerduty = "key"\n', tmp_path)
    assert [(p.key, p.problem) for p in problems] == [("oncall.pagerduty", "must be a table")]
    text = BASE.replace("[[teams]]", "[[teams]]\nname = 3\n[[teams]]", 1)
    _, _, problems = load(text, tmp_path)
    assert [(p.key, p.problem) for p in problems] == [("teams[0]", "needs a name")]


# -- never raises, whatever the file says ------------------------------------------------

from datetime import date, datetime as _datetime, timezone  # noqa: E402

from firedesk.errors import FiredeskError  # noqa: E402
from firedesk.oncall import coverage, who_to_wake  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_names = st.sampled_from(["Priya", "Ana", "priya", "Zed", "", "payments", "payments-primary",
                          "checkout-api", "rotation:payments-primary", "team:payments", "x:y"])
_scalars = st.one_of(_names, st.integers(-3, 30), st.booleans(), st.none(),
                     st.sampled_from(["tuesday 09:00", "1w", "2d", "36h", "Europe/Berlin",
                                      "Mars/Olympus", "22:00-06:00", "2026-11-03",
                                      "2026-11-20T00:00+01:00", "10m"]),
                     st.just(date(2026, 11, 3)), st.just(_datetime(2026, 11, 20, 0, 0)))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(
        ["name", "members", "team", "targets", "wait", "person", "replaced_by", "from", "to",
         "rotation", "start", "handoff", "timezone", "length", "ical", "tiers", "service",
         "default", "offset", "tech_lead", "routing_key", "events_url"]), inner, max_size=6)),
    max_leaves=12)
_sections = st.fixed_dictionaries({}, optional={
    section: st.one_of(st.lists(st.dictionaries(st.sampled_from(
        ["name", "members", "team", "targets", "wait", "person", "replaced_by", "from", "to",
         "rotation", "start", "handoff", "timezone", "length", "tiers", "service", "default",
         "offset", "tech_lead", "layer", "waking_hours"]), _values, max_size=8), max_size=3), _values)
    for section in ("teams", "services", "rotations", "overrides", "escalation", "duty_roles")
} | {"oncall": _values})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extra=_sections)
def test_load_oncall_never_raises(extra):
    raw = tomllib.loads(BASE)
    raw.update(extra)
    config = parse_config(raw, Path("/nonexistent/firedesk.toml"))
    oncall, problems = load_oncall(config)
    assert all(p.file == "/nonexistent/firedesk.toml" and p.key and p.problem for p in problems)
    # Whatever loaded is sound: every question about it gets an answer or a one-line error.
    at = _datetime(2026, 11, 24, 3, 0, tzinfo=timezone.utc)
    for service in list(oncall.services) + ["unknown"]:
        try:
            who_to_wake(oncall, service, at)
        except FiredeskError:
            pass
    coverage(oncall, list(oncall.rotations.values()), at, 2)
