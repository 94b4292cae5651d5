"""`firedesk lint`: blame wording, people named as causes, ownerless TODOs, timeline gaps."""

from __future__ import annotations

import json

from review_story import record_checkout_incident

from firedesk.review.export import build_postmortem
from firedesk.review.lint import lint_postmortem
from firedesk.review.todos import find_todos
from firedesk.store import add_entry, declare_incident, set_status


def _rules(store, inc, **kwargs):
    return [(f.rule, f.event_id) for f in lint_postmortem(build_postmortem(store, inc), **kwargs)]


def test_blame_wording_is_flagged_with_the_event(store):
    inc = declare_incident(store, "API errors", severity="SEV3", author="ana")
    bad = add_entry(store, inc, "The on-call should have noticed; pure human error", author="ben")
    ok = add_entry(store, inc, "Page fault rate normal; default config restored", author="ben")
    found = lint_postmortem(build_postmortem(store, inc))
    assert [(f.rule, f.event_id) for f in found] == [("blame-wording", bad.id)] * 2
    assert "'should have'" in found[0].message and "'human error'" in found[1].message
    assert all(f.event_id != ok.id for f in found)


def test_people_named_as_causes(store):
    inc = declare_incident(store, "Cache wiped", severity="SEV2", author="ana")
    e1 = add_entry(store, inc, "Outage caused by dana running the flush script", author="ben")
    e2 = add_entry(store, inc, "it was ben's mistake", author="ana")
    e3 = add_entry(store, inc, "dana ran the flush script at 10:02; it matched prod", author="ana")
    found = lint_postmortem(build_postmortem(store, inc), people=["dana"])
    causes = [(f.event_id, f.message.split(" names ")[1].split(" as")[0])
              for f in found if f.rule == "person-as-cause"]
    assert causes == [(e1.id, "dana"), (e2.id, "ben")]
    assert all(f.event_id != e3.id for f in found)  # saying who did what is not blame


def test_a_correction_clears_the_finding(store):
    inc = declare_incident(store, "x", severity="SEV3", author="ana")
    bad = add_entry(store, inc, "ben broke the deploy", author="ana")
    assert ("person-as-cause", bad.id) in _rules(store, inc, people=["ben"])
    add_entry(store, inc, "the deploy failed its health check", author="ana", corrects=bad.id)
    assert _rules(store, inc, people=["ben"]) == []


def test_ownerless_todos(store):
    inc = declare_incident(store, "x", severity="SEV3", author="ana")
    add_entry(store, inc, "TODO(chen): add the alert", author="ana")
    add_entry(store, inc, "TODO: @ed fix the runbook", author="ana")
    lonely = add_entry(store, inc, "follow-ups:\nTODO: rotate the key", author="ana")
    assert _rules(store, inc) == [("ownerless-todo", lonely.id)]


def test_todo_owner_forms():
    people = ["Priya", "ana"]
    assert [(t.owner, t.text) for t in find_todos(
        "TODO(priya): a\nTODO [ana] b\nTODO: @ed c\nTODO: d (owner: chen)\n"
        "TODO: Priya to e\nTODO: nobody f\nno todo here", people)] == [
        ("priya", "a"), ("ana", "b"), ("ed", "c"), ("chen", "d"), ("Priya", "Priya to e"),
        (None, "nobody f")]


def test_unexplained_gap_while_open(store, clock):
    inc = declare_incident(store, "x", severity="SEV2", author="ana")
    clock.advance(minutes=10)
    quiet = add_entry(store, inc, "restarting the workers", author="ana")
    clock.advance(minutes=45)
    add_entry(store, inc, "workers back", author="ana")
    clock.advance(minutes=5)
    waiting = add_entry(store, inc, "waiting for the vendor to call back", author="ana")
    clock.advance(minutes=50)
    add_entry(store, inc, "vendor called", author="ana")
    set_status(store, inc, "monitoring", author="ana")
    clock.advance(hours=3)
    set_status(store, inc, "resolved", author="ana")
    found = [f for f in lint_postmortem(build_postmortem(store, inc)) if f.rule == "timeline-gap"]
    assert [f.event_id for f in found] == [quiet.id]
    assert "nothing recorded for 45m" in found[0].message
    assert waiting.id not in [f.event_id for f in found]


def test_the_story_has_one_thing_to_fix(store, clock):
    inc = record_checkout_incident(store, clock)
    assert _rules(store, inc) == [("ownerless-todo", 26)]


def test_cli_lint_exit_codes(store, firedesk):
    inc = declare_incident(store, "x", severity="SEV3", author="ana")
    result = firedesk("lint", "1")
    assert result.returncode == 0 and "nothing to fix" in result.stdout
    add_entry(store, inc, "careless \x1b[31mrestart", author="ana")
    result = firedesk("lint", "INC-1")
    assert result.returncode == 1
    assert "blame-wording" in result.stdout and "\x1b" not in result.stdout
    assert "1 finding(s)" in result.stdout
    data = json.loads(firedesk("lint", "1", "--json").stdout)
    assert data[0]["rule"] == "blame-wording" and data[0]["event_id"] == 2


def test_gap_setting_from_config():
    from datetime import timedelta

    from firedesk.config import parse_config
    from firedesk.review.lint import gap_setting

    assert gap_setting(parse_config({"review": {"gap": "45m"}})) == timedelta(minutes=45)
    config = parse_config({"review": {"gap": "soon"}})
    assert gap_setting(config) == timedelta(minutes=30)
    assert [p.key for p in config.problems] == ["review.gap"]
