"""One set of measures: the postmortem, `stats`, `show` and replay give the same numbers.

Each rule of review/measures.py has a test here, against a real record on a frozen clock.
"""

from __future__ import annotations

import json

from review_story import _deliver, record_checkout_incident

from firedesk.intake.triage import ack_alert, attach_alert, find_alert
from firedesk.review.export import build_postmortem, render
from firedesk.review.measures import NOT_MEASURED, measure_incident
from firedesk.review.record import alerts_for
from firedesk.review.replay import Replay
from firedesk.review.stats import incident_stats
from firedesk.store import (
    add_entry, assign_role, declare_incident, events_for, resolve_incident, set_status,
)


def _measures(store, inc, **kwargs):  # noqa: ANN001
    return measure_incident(events_for(store, inc.id), alerts_for(store, inc.id), **kwargs)


def test_stats_show_export_and_replay_agree(store, clock, firedesk):
    inc = record_checkout_incident(store, clock)
    # A note written four minutes early (the `@17:40` of the issue) is another entry, not
    # a new start: every reader sees the same events.
    add_entry(store, inc, "pool graphs attached", author="chen")
    pm = json.loads(render(build_postmortem(store, inc), "json"))
    figures = incident_stats(store)
    shown = json.loads(firedesk("show", "INC-1", "--json", check=True).stdout)["measures"]
    replayed = Replay(store, resolve_incident(store, 1)).at(store.now()).measures
    seconds = {i["name"]: i["seconds"] for i in pm["intervals"]}
    assert figures.time_to_resolve.mean == seconds["time to resolve"] == 5340
    assert figures.time_to_acknowledge.mean == seconds["time to acknowledge"] == 1260
    for other in (shown, replayed):
        assert {k: v["seconds"] for k, v in other["intervals"].items()} == seconds
        assert other["updates"] == {"sent": 2, "deadlines_kept": 1, "deadlines_missed": 2,
                                    "longest_gap_seconds": 1860}
    assert (pm["cadence"]["sent"], pm["cadence"]["kept"], pm["cadence"]["missed"]) == (2, 1, 2)
    text = firedesk("show", "INC-1", check=True).stdout
    assert "updates:      2 sent; deadlines: 1 kept, 2 missed; longest gap 31m" in text
    assert "time to resolve 1h29m" in text


def test_a_lone_declarer_is_not_an_acknowledgement(store, clock, firedesk):
    inc = declare_incident(store, "Search slow", severity="SEV3", author="ben")
    clock.advance(minutes=5)
    add_entry(store, inc, "looking at the index", author="ben")
    assign_role(store, inc, "leader", "ben", author="ben")
    m = _measures(store, inc)
    assert m.milestones["acknowledged"].at is None
    assert m.milestones["acknowledged"].source == NOT_MEASURED
    assert m.interval("time to acknowledge").text == "not measured"
    assert incident_stats(store).acknowledge_not_measured == 1
    assert incident_stats(store).time_to_acknowledge.count == 0
    md = render(build_postmortem(store, inc), "md")
    assert "| Time to acknowledge | not measured |" in md
    assert f"| Acknowledged | — | — | {NOT_MEASURED} |" in md
    assert f"acknowledged: {NOT_MEASURED}" in firedesk("show", "INC-1", check=True).stdout
    # Someone else taking a role is the first response.
    clock.advance(minutes=7)
    assign_role(store, inc, "communications", "dana", author="ben")
    m = _measures(store, inc)
    assert m.seconds("time to acknowledge") == 12 * 60
    assert m.milestones["acknowledged"].source == "role taken: dana communications"


def test_first_response_is_an_action_or_an_ack_by_someone_else(store, clock):
    _deliver(store, [{"source": "alertmanager", "dedup_key": "a", "title": "Disk full",
                      "severity": "critical"}])
    clock.advance(minutes=1)
    inc = declare_incident(store, "Disk full", severity="SEV2", author="ana")
    attach_alert(store, find_alert(store, 1), inc, author="ana")
    ack_alert(store, find_alert(store, 1), author="ana")  # the declarer: not a response
    assert _measures(store, inc).milestones["acknowledged"].at is None
    clock.advance(minutes=4)
    ack_alert(store, find_alert(store, 1), author="ben")
    m = _measures(store, inc)
    assert m.milestones["detected"].source == "first alert"
    assert m.seconds("time to acknowledge") == 5 * 60
    # A backdated action is a response when it says it was done.
    clock.advance(minutes=4)
    add_entry(store, inc, "restarted the disk cleaner", author="chen", kind="action",
              at="2026-11-22T03:02:00.000000Z")
    m = _measures(store, inc)
    assert m.milestones["acknowledged"].at == "2026-11-22T03:02:00.000000Z"
    assert m.milestones["acknowledged"].source == "action by chen"


def test_detected_honours_an_entry_backdated_before_the_declaration(store, clock):
    inc = declare_incident(store, "Login errors", severity="SEV2", author="ana")
    m = _measures(store, inc)
    assert m.milestones["detected"].at == m.milestones["declared"].at
    clock.advance(minutes=2)
    add_entry(store, inc, "first saw 5xx on the login dashboard", author="ana",
              at="2026-11-22T02:51:00.000000Z")
    m = _measures(store, inc)
    assert m.milestones["detected"].at == "2026-11-22T02:51:00.000000Z"
    assert m.milestones["detected"].source == "earliest entry: note"
    assert m.milestones["started"].at == "2026-11-22T02:51:00.000000Z"


def test_a_stale_alert_start_is_ignored_and_said_so(store, clock, firedesk, tmp_path):
    stale = {"source": "alertmanager", "dedup_key": "old", "title": "Disk 90% full",
             "severity": "high", "starts_at": "2019-03-01T10:00:00.000000Z"}
    _deliver(store, [stale])
    inc = declare_incident(store, "Disk", severity="SEV3", author="ana")
    attach_alert(store, find_alert(store, 1), inc, author="ana")
    clock.advance(minutes=10)
    set_status(store, inc, "resolved", author="ana")
    m = _measures(store, inc)
    assert m.seconds("time to resolve") == 600
    assert m.ignored == ("alert start ignored: alert 1 began 2019-03-01 10:00 UTC, "
                         "2822d17h before the declaration (outside the 24h window)",)
    figures = incident_stats(store)
    assert figures.time_to_resolve.mean == 600
    assert figures.notes[0].startswith("INC-1: alert start ignored: alert 1 began 2019-03-01")
    md = render(build_postmortem(store, inc), "md")
    assert "- alert start ignored: alert 1 began 2019-03-01 10:00 UTC" in md
    assert "(outside the 24h window)" in firedesk("show", "INC-1", check=True).stdout
    # The window is a setting: a team that trusts old alerts can widen it.
    config = tmp_path / "firedesk.toml"
    config.write_text('[clock]\nalert_start_window = "3000d"\n')
    data = json.loads(firedesk("--config", str(config), "stats", "--json", check=True).stdout)
    assert data["time_to_resolve"]["mean"] > 2822 * 86400
    config.write_text('[clock]\nalert_start_window = "soon"\n')
    doctor = firedesk("--config", str(config), "doctor")
    assert "clock.alert_start_window: cannot read duration 'soon'" in doctor.stdout


def test_an_alert_within_the_window_starts_the_incident(store, clock):
    _deliver(store, [{"source": "alertmanager", "dedup_key": "x", "title": "Errors",
                      "severity": "high", "starts_at": "2026-11-22T01:00:00.000000Z"}])
    clock.advance(minutes=30)
    inc = declare_incident(store, "Errors", severity="SEV3", author="ana")
    attach_alert(store, find_alert(store, 1), inc, author="ana")
    m = _measures(store, inc)
    assert m.ignored == ()
    assert m.milestones["started"].at == "2026-11-22T01:00:00.000000Z"
    assert m.milestones["detected"].at == "2026-11-22T03:00:00.000000Z"
    assert m.seconds("time to detect") == 2 * 3600


def test_updates_sent_are_not_deadlines(store, clock):
    inc = declare_incident(store, "Queue backlog", severity="SEV2", author="ana")
    clock.advance(minutes=20)
    add_entry(store, inc, "draining the queue", author="ana", kind="update")
    clock.advance(minutes=20)
    set_status(store, inc, "resolved", author="ana")
    u = _measures(store, inc).updates
    assert (u.sent, u.kept, u.missed) == (1, 2, 0)
    assert u.sentence() == "1 update sent; deadlines: 2 kept, 0 missed; longest gap 20m."
