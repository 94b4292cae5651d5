"""A hypothesis written as a plain entry and concluded later reads whole in the review."""

from __future__ import annotations

from firedesk.response.hypotheses import conclude_hypothesis
from firedesk.review.export import build_postmortem
from firedesk.review.replay import Replay
from firedesk.store import add_entry, declare_incident


def test_a_tracked_entry_keeps_its_text_proposer_and_conclusion(store, clock) -> None:
    incident = declare_incident(store, "checkout 500s", severity="SEV2", author="ana")
    clock.advance(minutes=2)
    entry = add_entry(store, incident, "the pool is exhausted", author="bo", kind="hypothesis")
    clock.advance(minutes=5)
    before = Replay(store, incident).at(store.now())
    conclude_hypothesis(store, incident, f"E{entry.id}", "confirmed", evidence="412 idle conns",
                        author="ana")
    postmortem = build_postmortem(store, incident)
    [h] = postmortem.hypotheses
    assert (h.number, h.text, h.state, h.proposed_by, h.evidence) == (
        1, "the pool is exhausted", "confirmed", "bo", "412 idle conns")
    assert before.to_json()["open_hypotheses"] == ["the pool is exhausted"]
    clock.advance(minutes=1)
    assert Replay(store, incident).at(store.now()).to_json()["open_hypotheses"] == []
