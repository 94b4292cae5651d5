"""Search: FTS5 over incidents, timeline entries and alerts, ranked by bm25; similar incidents."""

from __future__ import annotations

import json

import pytest
from review_story import _deliver, record_checkout_incident

from firedesk.errors import InvalidInput
from firedesk.review.search import fts_query, search, similar_to_incident
from firedesk.store import add_entry, declare_incident, set_status


@pytest.fixture
def history(store, clock):
    """Three past incidents of different kinds, then a new one like the first."""
    record_checkout_incident(store, clock)                                      # INC-1
    clock.advance(days=2)
    dns = declare_incident(store, "DNS resolution failing in eu-west", severity="SEV2",
                           author="ben", service="edge")                       # INC-2
    add_entry(store, dns, "resolver pods OOM-killed after the config push", author="ben")
    set_status(store, dns, "resolved", author="ben", note="Raised resolver memory limit to 512Mi")
    clock.advance(days=1)
    disk = declare_incident(store, "Disk full on reporting database", severity="SEV3",
                            author="chen", service="reporting")                 # INC-3
    add_entry(store, disk, "connection pool graph looked odd but unrelated", author="chen")
    set_status(store, disk, "resolved", author="chen", note="Deleted old WAL archives")
    clock.advance(days=1)
    return declare_incident(store, "Checkout timing out again: connection pool exhausted",
                            severity="SEV2", author="ed", service="checkout")    # INC-4


def test_ranking_puts_the_best_match_first(store, history):
    hits = search(store, "connection pool exhausted")
    assert hits[0].incident == "INC-4" and hits[0].kind == "incident"
    kinds = [(h.incident, h.kind) for h in hits]
    # INC-1's hypothesis says all three words; INC-3 mentions only "connection pool".
    assert ("INC-1", "hypothesis") in kinds
    assert ("INC-3", "note") not in kinds  # all terms must match when some entry has them all
    entries = [h.score for h in hits if h.kind != "incident"]
    assert entries == sorted(entries)  # bm25 orders each group


def test_any_term_fallback_and_stemming(store, history):
    hits = search(store, "resolvers oom")
    assert [(h.incident, h.kind) for h in hits][:1] == [("INC-2", "note")]
    loose = search(store, "resolver pagerduty")  # no entry has both: any term will do
    assert loose and loose[0].incident == "INC-2"


def test_alerts_are_searched(store, history):
    hits = search(store, "CheckoutLatencyP99")
    assert [(h.kind, h.incident, h.alert_id) for h in hits] == [("alert", "INC-1", 2)]
    _deliver(store, [{"source": "grafana", "dedup_key": "k9", "title": "Disk 95% on db-7",
                      "severity": "high"}])
    hits = search(store, "db-7")
    assert hits[0].kind == "alert" and hits[0].incident is None


def test_punctuation_is_never_query_syntax(store, history):
    assert fts_query('NEAR(a b) "pool size" col:x -y*') == '"NEAR" "a" "b" "pool size" "col" "x" "y"'
    search(store, 'AND OR NOT ( ) * : "')  # no FTS syntax error
    with pytest.raises(InvalidInput):
        search(store, "  ?! ")


def test_similar_incidents_and_how_they_were_resolved(store, history):
    found = similar_to_incident(store, history.id)
    assert [s.key for s in found][:1] == ["INC-1"]
    assert found[0].resolution == "Error rate normal for 30 minutes after the rollback"
    assert "INC-4" not in [s.key for s in found]
    assert len(found) <= 3


def test_cli_search_json(store, history, firedesk):
    result = firedesk("search", "connection", "pool", "--json")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert hits[0]["incident"] == "INC-4"
    assert set(hits[0]) >= {"incident", "kind", "text", "at", "score"}
    text = firedesk("search", "DNS").stdout
    assert text.splitlines()[0].split() == ["INCIDENT", "KIND", "AT", "TEXT"]
    assert "INC-2" in text
    assert firedesk("search", "zebra").stdout.strip() == "no matches"
