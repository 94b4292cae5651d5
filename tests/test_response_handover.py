"""Handover: offer and accept through two processes, the brief, and the role nag."""

from __future__ import annotations

import json

import pytest

from firedesk.config import parse_config
from firedesk.errors import InvalidInput, NotFound
from firedesk.response.handover import (
    accept_handover, build_brief, offer_handover, pending_handover, pending_handovers_for,
    withdraw_handover,
)
from firedesk.response.hypotheses import conclude_hypothesis, propose_hypothesis
from firedesk.response.impact import record_impact
from firedesk.response.tasks import assign_task
from firedesk.response.updates import record_update
from firedesk.roles.nag import missing_role_nags, nags_for
from firedesk.store import (
    add_entry, assign_role, declare_incident, events_for, resolve_incident, role_tenures,
)


@pytest.fixture
def incident(store):
    made = declare_incident(store, "Checkout fails", severity="SEV2", author="alice")
    assign_role(store, made, "leader", "alice", author="alice")
    return resolve_incident(store, made.id)


def test_offer_and_accept_move_the_leader_in_one_step(store, incident, clock):
    offer = offer_handover(store, incident, "bob", author="alice", note="shift ends")
    assert pending_handovers_for(store, "bob") == [offer]
    clock.advance(minutes=2)
    accept_handover(store, incident, person="bob")
    now = resolve_incident(store, incident.id)
    assert now.roles["leader"] == ["bob"]
    assert pending_handover(store, incident.id) is None
    kinds = [e.kind for e in events_for(store, incident.id)]
    assert kinds[-3:] == ["handover-offered", "handover-accepted", "role"]
    role_event = events_for(store, incident.id)[-1]
    assert role_event.data["previous"] == ["alice"] and role_event.author == "bob"


def test_only_the_person_offered_to_can_accept(store, incident):
    offer_handover(store, incident, "bob", author="alice")
    before = len(events_for(store, incident.id))
    with pytest.raises(InvalidInput, match="offered to bob, not to you \\(carol\\)"):
        accept_handover(store, incident, person="carol")
    assert len(events_for(store, incident.id)) == before
    assert resolve_incident(store, incident.id).roles["leader"] == ["alice"]


def test_offer_rules(store, incident):
    with pytest.raises(NotFound, match="no handover of INC-1 is waiting"):
        accept_handover(store, incident, person="bob")
    with pytest.raises(InvalidInput, match=r"only the leader \(alice\) can hand INC-1 over"):
        offer_handover(store, incident, "bob", author="carol")
    with pytest.raises(InvalidInput, match="alice already leads"):
        offer_handover(store, incident, "alice", author="alice")
    offer_handover(store, incident, "bob", author="alice")
    offer_handover(store, incident, "dana", author="alice")  # replaces the offer to bob
    assert pending_handover(store, incident.id).to == "dana"
    states = [r[0] for r in store.query("SELECT state FROM handover_offers ORDER BY id")]
    assert states == ["superseded", "pending"]
    withdraw_handover(store, incident, author="alice")
    assert pending_handover(store, incident.id) is None


def test_brief_holds_the_context(store, incident, clock):
    record_impact(store, incident, "EU card payments fail", author="alice", scope="many")
    propose_hypothesis(store, incident, "processor outage", author="alice", likelihood="high")
    propose_hypothesis(store, incident, "bad deploy", author="alice")
    conclude_hypothesis(store, incident, "H2", "ruled-out", evidence="rollback no help",
                        author="alice")
    assign_task(store, incident, "call the processor", owner="bob", author="alice",
                check_in="10m")
    record_update(store, incident, "Investigating card failures", author="alice")
    add_entry(store, incident, "noisy neighbour", author="carol", kind="hypothesis")
    for n in range(25):
        add_entry(store, incident, f"note {n} \x1b]0;pwned\x07", author="alice")
    offer_handover(store, incident, "bob", author="alice", note="processor call pending")
    clock.advance(minutes=12)
    brief = build_brief(store, incident, parse_config({}))
    assert brief.open_tasks[0].is_overdue(clock())
    assert [h.ref for h in brief.open_hypotheses] == ["H1"]
    assert [h.ref for h in brief.concluded_hypotheses] == ["H2"]
    assert len(brief.recent) == 20 and brief.recent[-1].kind == "handover-offered"
    assert brief.checklist.open == brief.checklist.total
    md = brief.to_markdown()
    assert md.startswith("# Handover: INC-1 — Checkout fails")
    for expected in ("**Impact:** EU card payments fail (many customers)",
                     "- leader: alice", "T1 bob: call the processor (overdue by 2m",
                     "H1 [open] processor outage — likelihood high",
                     "H2 [ruled-out] bad deploy — rollback no help",
                     "[noted] noisy neighbour — by carol",
                     "**Last update:** 2026-11-22 03:00 UTC by alice",
                     "**Handover:** offered to bob by alice", "- [ ] database:",
                     "## Last 20 timeline entries"):
        assert expected in md, expected
    assert "\x1b" not in md and "^[]0;pwned^G" in md


def test_nag_after_a_few_minutes_without_leader_or_comms(store, clock):
    made = declare_incident(store, "x", severity="SEV2", author="a")
    assert missing_role_nags(made, clock(), after_minutes=5) == []
    clock.advance(minutes=6)
    nags = missing_role_nags(made, clock(), after_minutes=5, keys={"leader": "l"})
    assert [n.role for n in nags] == ["leader", "communications"]
    assert nags[0].text.startswith("No leader for 6m") and "press l" in nags[0].text
    assign_role(store, made, "leader", "alice", author="a")
    config = parse_config({"nag": {"after_minutes": 10}})
    assert nags_for(store, resolve_incident(store, made.id), config, clock()) == []
    clock.advance(minutes=5)
    left = nags_for(store, resolve_incident(store, made.id), config, clock())
    assert [n.role for n in left] == ["communications"]
    bad = parse_config({"nag": {"after_minutes": "soon"}})
    nags_for(store, made, bad, clock())
    assert [p.key for p in bad.problems] == ["nag.after_minutes"]


def test_two_person_handover_through_two_processes(firedesk):
    firedesk("declare", "Checkout fails", "--severity", "SEV1", check=True)
    firedesk("assign", "1", "leader", "alice", check=True)
    offered = firedesk("--as", "alice", "handover", "INC-1", "--to", "bob", "--note", "night shift",
                       check=True)
    assert "lead offered to bob" in offered.stdout
    state = json.loads(firedesk("show", "1", "--json").stdout)
    assert state["missing_roles"] == []  # just declared: no nag yet
    assert state["pending_handover"]["to"] == "bob"
    assert state["pending_handover"]["offered_by"] == "alice"
    assert state["pending_handover"]["offered_at"]
    wrong = firedesk("accept", "1", env={"FIREDESK_USER": "carol"})
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == ("firedesk: error: the handover of INC-1 is offered to bob, "
                                    "not to you (carol)")
    taken = firedesk("accept", "1", env={"FIREDESK_USER": "bob"}, check=True)
    assert "bob now leads (from alice)" in taken.stdout and "# Handover: INC-1" in taken.stdout
    state = json.loads(firedesk("show", "1", "--json").stdout)
    assert state["roles"]["leader"] == "bob" and state["pending_handover"] is None
    kinds = [e["kind"] for e in json.loads(firedesk("timeline", "1", "--json").stdout)]
    assert kinds[-3:] == ["handover-offered", "handover-accepted", "role"]
    again = firedesk("accept", "1", env={"FIREDESK_USER": "bob"})
    assert again.returncode == 1 and "no handover of INC-1 is waiting" in again.stderr


def test_cli_brief_export(firedesk, tmp_path):
    firedesk("declare", "x", "--severity", "SEV2", check=True)
    out = tmp_path / "brief.md"
    firedesk("handover", "1", "--brief", "-o", str(out), check=True)
    assert out.read_text().startswith("# Handover: INC-1 — x")
    printed = firedesk("handover", "1", "--brief", check=True)
    assert "## Open tasks" in printed.stdout
    bare = firedesk("handover", "1")
    assert bare.returncode == 1 and "--to PERSON" in bare.stderr


def test_brief_lists_active_snoozes_and_silences(store, incident, clock):
    from firedesk.store.timeline import append_event

    with store.write() as conn:
        for n, until in enumerate(("2026-11-22T04:00:00Z", "2026-11-22T02:00:00Z")):
            conn.execute(
                "INSERT INTO alerts (source, dedup_key, title, severity, status, first_seen, "
                "last_seen, snoozed_until, snooze_reason, incident_id) VALUES "
                "('generic', ?, ?, 'high', 'firing', ?, ?, ?, 'known flappy', ?)",
                (f"k{n}", f"disk alert {n}", clock.now.isoformat(), clock.now.isoformat(), until,
                 incident.id))
        append_event(store, incident_id=incident.id, kind="alert.silence", author="alice",
                     text="silenced alert 1 in Alertmanager until 05:00: noisy",
                     data={"until": "2026-11-22T05:00:00Z"})
        append_event(store, incident_id=incident.id, kind="alert.silence", author="alice",
                     text="silenced alert 2 until 01:00: old", data={"until": "2026-11-22T01:00:00Z"})
    brief = build_brief(store, incident)
    assert brief.snoozes == ["disk alert 0 snoozed until 2026-11-22 04:00Z: known flappy",
                             "silenced alert 1 in Alertmanager until 05:00: noisy"]


def test_accepting_after_being_made_leader_meanwhile(store, incident):
    offer_handover(store, incident, "bob", author="alice")
    assign_role(store, incident, "leader", "bob", author="alice")
    accept_handover(store, incident, person="bob")
    tenures = [(t.person, t.until is None) for t in role_tenures(store, incident.id)]
    assert tenures == [("alice", False), ("bob", True)]
    assert events_for(store, incident.id)[-1].kind == "handover-accepted"
    assert pending_handover(store, incident.id) is None
