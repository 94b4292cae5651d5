"""`firedesk stats`: by severity, time to acknowledge and resolve, cadence, alert noise."""

from __future__ import annotations

import json

from review_story import _deliver, record_checkout_incident

from firedesk.review.stats import incident_stats
from firedesk.store import add_entry, declare_incident, set_status


def _second_incident(store, clock):
    clock.advance(days=1)
    inc = declare_incident(store, "Search slow", severity="SEV3", author="ben")
    clock.advance(minutes=30)
    add_entry(store, inc, "index rebuilt", author="ben", kind="update")
    clock.advance(minutes=20)
    set_status(store, inc, "resolved", author="ben")
    clock.advance(days=1)
    declare_incident(store, "Still open", severity="SEV4", author="ben")
    _deliver(store, [{"source": "grafana", "dedup_key": "n1", "title": "Flappy disk alert",
                      "severity": "low"}])


def test_figures(store, clock):
    record_checkout_incident(store, clock)
    _second_incident(store, clock)
    figures = incident_stats(store)
    assert figures.incidents == 3 and figures.open == 1
    assert figures.by_severity == {"SEV1": 1, "SEV2": 0, "SEV3": 1, "SEV4": 1, "SEV5": 0}
    # INC-1: detected 02:41 (a backdated note), ben given a role 03:02 → 21m. INC-2 and
    # INC-3: nobody but ben, who declared them, ever answered: not measured, not zero.
    assert figures.time_to_acknowledge.count == 1
    assert figures.time_to_acknowledge.mean == 21 * 60
    assert figures.acknowledge_not_measured == 2
    # INC-1 1h29m from the first sign; INC-2 50m.
    assert figures.time_to_resolve.count == 2
    assert figures.time_to_resolve.mean == (5340 + 3000) / 2
    # INC-1: 2 updates sent, deadlines 1 kept and 2 missed; INC-2 (SEV3, 60m): 1 update,
    # and the 30m and 20m windows both kept.
    assert figures.updates_sent == 3
    assert (figures.deadlines_kept, figures.deadlines_missed) == (3, 2)
    assert figures.incidents_with_missed_deadlines == 1
    # Three alerts, one never part of an incident.
    assert (figures.alerts, figures.alerts_without_incident) == (3, 1)
    assert figures.alert_noise_ratio == round(1 / 3, 4)


def test_since(store, clock):
    record_checkout_incident(store, clock)
    _second_incident(store, clock)
    figures = incident_stats(store, since="2026-11-23T00:00:00.000000Z")
    assert figures.incidents == 2 and figures.by_severity["SEV1"] == 0


def test_cli_stats(store, clock, firedesk):
    record_checkout_incident(store, clock)
    _second_incident(store, clock)
    data = json.loads(firedesk("stats", "--json").stdout)
    assert data["incidents"] == 3 and data["time_to_resolve"]["count"] == 2
    text = firedesk("stats").stdout
    assert "by severity: SEV1 1, SEV2 0, SEV3 1, SEV4 1, SEV5 0" in text
    assert "time to resolve: mean 1h09m, median 1h09m (2 incidents)" in text
    assert "updates: 3 sent; deadlines: 3 kept, 2 missed" in text
    assert "time to acknowledge: mean 21m, median 21m (1 incidents); not measured for 2" in text
    assert "noise 33%" in text
    assert json.loads(firedesk("stats", "--since", "2026-11-23", "--json").stdout)["incidents"] == 2
    bad = firedesk("stats", "--since", "last tuesday")
    assert bad.returncode == 1 and "cannot read --since" in bad.stderr
