"""Hypotheses, tasks and impact: domain rules with a frozen clock, and their commands."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from firedesk.errors import InvalidInput, NotFound
from firedesk.response.hypotheses import (
    conclude_hypothesis, hypotheses_for, propose_hypothesis, set_likelihood,
)
from firedesk.response.impact import impact_for, record_impact
from firedesk.response.tasks import assign_task, close_task, extend_task, tasks_for
from firedesk.store import declare_incident, events_for


@pytest.fixture
def incident(store):
    return declare_incident(store, "Checkout fails", severity="SEV2", author="alice")


def test_hypotheses_open_first_most_likely_first(store, incident):
    propose_hypothesis(store, incident, "cache stampede", author="a", likelihood="low")
    propose_hypothesis(store, incident, "bad deploy", author="a")
    propose_hypothesis(store, incident, "db failover", author="a", likelihood="high")
    conclude_hypothesis(store, incident, "H3", "ruled-out", evidence="no failover in logs",
                        author="b")
    set_likelihood(store, incident, "2", "medium", author="b")
    listed = hypotheses_for(store, incident.id)
    assert [(h.ref, h.state) for h in listed] == [
        ("H2", "open"), ("H1", "open"), ("H3", "ruled-out")]
    assert listed[2].evidence == "no failover in logs" and listed[2].concluded_by == "b"
    kinds = [e.kind for e in events_for(store, incident.id)]
    assert kinds.count("hypothesis") == 3 and "conclusion" in kinds and "likelihood" in kinds


def test_concluding_twice_is_refused_and_changes_nothing(store, incident):
    propose_hypothesis(store, incident, "bad deploy", author="a")
    conclude_hypothesis(store, incident, "H1", "confirmed", evidence="rollback fixed it", author="a")
    before = len(events_for(store, incident.id))
    with pytest.raises(InvalidInput, match="H1 in INC-1 was already confirmed by a"):
        conclude_hypothesis(store, incident, "1", "ruled-out", evidence="x", author="b")
    with pytest.raises(NotFound, match="no hypothesis H9"):
        conclude_hypothesis(store, incident, "H9", "confirmed", evidence="x", author="b")
    with pytest.raises(InvalidInput, match="evidence is empty"):
        propose_hypothesis(store, incident, "other", author="a")
        conclude_hypothesis(store, incident, "H2", "confirmed", evidence="  ", author="a")
    with pytest.raises(InvalidInput, match="use confirmed or ruled-out"):
        conclude_hypothesis(store, incident, "H2", "maybe", evidence="x", author="a")
    assert hypotheses_for(store, incident.id)[-1].evidence == "rollback fixed it"
    assert len(events_for(store, incident.id)) == before + 1  # only H2's proposal


def test_task_timer_turns_overdue_with_the_clock(store, incident, clock):
    task = assign_task(store, incident, "check the CDN", owner="bob", author="alice",
                       check_in="15m")
    assert task.ref == "T1" and task.check_in_at.startswith("2026-11-22T03:15")
    assert not task.is_overdue(clock()) and task.remaining(clock()) == timedelta(minutes=15)
    clock.advance(minutes=16)
    assert task.is_overdue(clock())
    assert tasks_for(store, incident.id)[0].to_json(clock())["overdue"] is True
    moved = extend_task(store, incident, "T1", "10m", author="bob")
    assert not moved.is_overdue(clock())
    closed = close_task(store, incident, "T1", author="bob", note="CDN healthy")
    assert closed.state == "done" and not closed.is_overdue(clock())
    with pytest.raises(InvalidInput, match="T1 in INC-1 is already done"):
        close_task(store, incident, "T1", author="bob")
    assert tasks_for(store, incident.id, open_only=True) == []


def test_task_rejects_bad_check_in_and_unknown_task(store, incident):
    with pytest.raises(InvalidInput, match="cannot read duration"):
        assign_task(store, incident, "x", owner="bob", author="a", check_in="soon")
    with pytest.raises(InvalidInput, match="not time-boxed"):
        assign_task(store, incident, "x", owner="bob", author="a", check_in="2d")
    with pytest.raises(NotFound, match="no task T4"):
        close_task(store, incident, "T4", author="a")
    with pytest.raises(InvalidInput, match="not a task number"):
        close_task(store, incident, "H1", author="a")
    assert store.query_one("SELECT count(*) FROM tasks")[0] == 0


def test_dropped_task(store, incident):
    assign_task(store, incident, "page the DBA", owner="bob", author="a")
    dropped = close_task(store, incident, "1", author="a", dropped=True, note="DBA joined")
    assert dropped.state == "dropped"
    assert events_for(store, incident.id)[-1].kind == "task-dropped"


def test_impact_keeps_its_start_when_restated(store, incident, clock):
    assert impact_for(store, incident.id) is None
    first = record_impact(store, incident, "EU checkout errors", author="a", scope="some")
    assert first.since == incident.declared_at
    clock.advance(minutes=10)
    second = record_impact(store, incident, "All checkout errors", author="a", scope="all")
    assert second.since == incident.declared_at and second.scope == "all"
    assert second.set_at.startswith("2026-11-22T03:10")
    with pytest.raises(InvalidInput, match="unknown customer scope"):
        record_impact(store, incident, "x", author="a", scope="lots")
    assert [e.data["scope"] for e in events_for(store, incident.id) if e.kind == "impact"] == [
        "some", "all"]


def test_cli_hypotheses(firedesk):
    firedesk("declare", "x", "--severity", "SEV2", check=True)
    made = firedesk("hypothesis", "INC-1", "bad deploy", "--likelihood", "high", check=True)
    assert made.stdout.splitlines()[0] == "H1"
    done = firedesk("conclude", "1", "H1", "ruled-out", "--evidence", "rollback did not help",
                    check=True)
    assert "H1 ruled-out" in done.stdout
    twice = firedesk("conclude", "1", "H1", "confirmed", "--evidence", "x")
    assert twice.returncode == 1 and "already ruled-out" in twice.stderr
    assert len(twice.stderr.strip().splitlines()) == 1
    listed = json.loads(firedesk("hypotheses", "1", "--json", check=True).stdout)
    assert listed[0]["id"] == "H1" and listed[0]["evidence"] == "rollback did not help"
    state = json.loads(firedesk("show", "1", "--json").stdout)
    assert state["hypotheses"][0]["state"] == "ruled-out"


def test_cli_tasks_and_impact(firedesk):
    firedesk("declare", "x", "--severity", "SEV2", check=True)
    made = firedesk("task", "1", "check the CDN", "--owner", "bob", "--check-in", "15m", check=True)
    assert made.stdout.splitlines()[0] == "T1"
    state = json.loads(firedesk("show", "1", "--json").stdout)
    assert state["open_tasks"][0]["owner"] == "bob" and state["open_tasks"][0]["overdue"] is False
    assert "in 1" in firedesk("tasks", "1", check=True).stdout  # "in 14m" / "in 15m"
    assert "T1 done" in firedesk("done", "1", "T1", check=True).stdout
    again = firedesk("done", "1", "T1")
    assert again.returncode == 1 and "already done" in again.stderr
    bad = firedesk("task", "1", "x", "--owner", "bob", "--check-in", "whenever")
    assert bad.returncode == 1 and "cannot read duration" in bad.stderr
    firedesk("impact", "1", "EU checkout errors", "--customers", "many", check=True)
    state = json.loads(firedesk("show", "1", "--json").stdout)
    assert state["open_tasks"] == []
    assert state["impact"]["what"] == "EU checkout errors" and state["impact"]["scope"] == "many"
    assert "many customers" in firedesk("impact", "1", check=True).stdout


def test_two_processes_conclude_the_same_hypothesis_once(firedesk, db_path, tmp_path):
    import os
    import subprocess
    import sys

    firedesk("declare", "x", "--severity", "SEV2", check=True)
    firedesk("hypothesis", "1", "bad deploy", check=True)
    env = {**os.environ, "FIREDESK_DB": str(db_path), "TZ": "UTC"}
    racers = [subprocess.Popen(
        [sys.executable, "-m", "firedesk", "--as", who, "conclude", "1", "H1", verdict,
         "--evidence", f"{who} saw it"], env=env, cwd=tmp_path, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for who, verdict in (("ana", "confirmed"), ("ben", "ruled-out"))]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in racers]
    assert sorted(code for code, _ in results) == [0, 1]
    assert "was already" in next(err for code, err in results if code == 1)
    timeline = json.loads(firedesk("timeline", "1", "--json").stdout)
    assert [e["kind"] for e in timeline].count("conclusion") == 1
    assert firedesk("verify").returncode == 0


def test_hypothesis_written_as_a_plain_entry_can_be_concluded(store, incident):
    from firedesk.response.hypotheses import loose_hypotheses
    from firedesk.store import add_entry

    entry = add_entry(store, incident, "DNS cache poisoned", author="bob", kind="hypothesis")
    propose_hypothesis(store, incident, "tracked one", author="a")
    assert [e.id for e in loose_hypotheses(store, incident.id)] == [entry.id]
    with pytest.raises(NotFound, match="no hypothesis entry E1 in INC-1"):
        conclude_hypothesis(store, incident, "E1", "confirmed", evidence="x", author="a")
    done = conclude_hypothesis(store, incident, f"E{entry.id}", "ruled-out",
                               evidence="resolvers fine", author="a")
    assert (done.ref, done.text, done.created_by, done.state) == (
        "H2", "DNS cache poisoned", "bob", "ruled-out")
    assert loose_hypotheses(store, incident.id) == []
    kinds = [e.kind for e in events_for(store, incident.id)][-2:]
    assert kinds == ["hypothesis-tracked", "conclusion"]
    with pytest.raises(InvalidInput, match="already ruled-out"):
        conclude_hypothesis(store, incident, f"E{entry.id}", "confirmed", evidence="x", author="a")


def test_cli_lists_and_concludes_noted_hypotheses(firedesk):
    firedesk("declare", "x", "--severity", "SEV2", check=True)
    firedesk("note", "1", "the CDN purge", "--kind", "hypothesis", check=True)
    listed = json.loads(firedesk("hypotheses", "1", "--json", check=True).stdout)
    assert listed == [{"id": "E2", "state": "noted", "text": "the CDN purge",
                       "created_by": "tester", "created_at": listed[0]["created_at"]}]
    done = firedesk("conclude", "1", "E2", "confirmed", "--evidence", "purge log at 03:01",
                    check=True)
    assert "H1 confirmed" in done.stdout
    assert json.loads(firedesk("hypotheses", "1", "--json").stdout)[0]["id"] == "H1"
