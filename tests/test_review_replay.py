"""Replay: the incident as it stood at three moments, from the events recorded by then."""

from __future__ import annotations

import json

from review_story import record_checkout_incident

from firedesk.review.replay import Replay


def test_replay_at_three_moments(store, clock):
    incident = record_checkout_incident(store, clock)
    replay = Replay(store, incident)

    before = replay.at("2026-11-22T02:59:00Z")  # alerts firing, nothing declared yet
    assert not before.declared and before.roles == {}
    assert [(a["title"][:21], a["status"]) for a in before.alerts] == [
        ("CheckoutHighErrorRate", "firing"), ("CheckoutLatencyP99 ab", "firing")]

    middle = replay.at("2026-11-22T03:20:00Z")
    assert (middle.status, middle.severity) == ("investigating", "SEV1")
    assert middle.roles == {"leader": ["ana"], "communications": ["ben"],
                            "investigator": ["chen"]}
    assert middle.open_hypotheses == ["H1 Connection pool exhausted since deploy 4512",
                                      "H2 Payment provider is degraded"]
    assert middle.open_tasks == ["T1 dana: Roll back checkout to build 4511"]
    assert middle.last_update["text"].startswith("Investigating elevated checkout errors")
    assert all(a["status"] == "firing" for a in middle.alerts)
    assert middle.checklist_done == 2
    assert [e["event_id"] for e in middle.recent] == list(range(12, 20))  # the last 8, in order

    late = replay.at("2026-11-22T04:00:00Z")
    assert (late.status, late.severity) == ("monitoring", "SEV1")
    assert late.roles["leader"] == ["ed"]
    assert late.open_hypotheses == []
    assert late.open_tasks == ["T2 chen: Add a load test that checks the pool size"]
    assert late.last_update["text"].startswith("Error rate back to baseline")
    assert all(a["status"] == "resolved" for a in late.alerts)

    # The backdated note (happened 02:41, written 03:03) was not on anyone's screen at 02:59.
    assert before.events == 0
    assert replay.moments()[0] <= replay.start < replay.end


def test_cli_replay(store, clock, firedesk):
    record_checkout_incident(store, clock)
    result = firedesk("replay", "INC-1", "--at", "2026-11-22T03:20")
    assert result.returncode == 0, result.stderr
    assert "status investigating, severity SEV1" in result.stdout
    assert "roles: leader ana, communications ben, investigator chen" in result.stdout
    data = json.loads(firedesk("replay", "1", "--at", "2026-11-22T04:00Z", "--json").stdout)
    assert data["status"] == "monitoring" and data["roles"]["leader"] == ["ed"]
    bad = firedesk("replay", "1", "--at", "yesterday-ish")
    assert bad.returncode == 1 and "cannot read time" in bad.stderr


def test_cli_replay_at_a_clock_time_means_the_latest_such_moment(store, clock, firedesk):
    from datetime import datetime, timedelta, timezone

    record_checkout_incident(store, clock)
    result = firedesk("replay", "INC-1", "--at", "00:00")
    assert result.returncode == 0, result.stderr
    shown = datetime.strptime(result.stdout.splitlines()[0].split(" at ", 1)[1],
                              "%Y-%m-%d %H:%M UTC")  # labelled: the incident's zone
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    assert now - timedelta(days=1) <= shown <= now  # today's 00:00 (TZ=UTC), never years ahead
