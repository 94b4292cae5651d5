"""Hypothesis: garbage and hostile bodies never crash the receiver or leave partial rows."""

from __future__ import annotations

import json
import sqlite3

import pytest
from conftest import PAYLOADS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firedesk.intake import MalformedPayload, UnrecognisedPayload, parse_delivery
from test_intake_receiver import TOKEN, running_receiver

SOURCES = ["auto", "alertmanager", "grafana", "pagerduty", "sentry", "datadog", "opsgenie",
           "cloudwatch"]
FIXTURES = [json.loads(p.read_text()) for p in sorted(PAYLOADS.glob("*.json"))]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(), max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


@st.composite
def mutated_fixtures(draw):
    """A real payload with some parts replaced by arbitrary JSON."""
    body = json.loads(json.dumps(draw(st.sampled_from(FIXTURES))))
    for _ in range(draw(st.integers(1, 4))):
        candidates = [p for p in paths(body) if p]
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        target = body
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = draw(json_values)
    return json.dumps(body).encode()


bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    mutated_fixtures(),
    mutated_fixtures().map(lambda b: b[: len(b) // 2]),
)


@settings(max_examples=300, deadline=None)
@given(body=bodies, source=st.sampled_from(SOURCES))
def test_parsers_only_raise_their_own_errors(body, source):
    try:
        parsed = parse_delivery(body, source)
    except (MalformedPayload, UnrecognisedPayload):
        return
    for alert in parsed.alerts:
        assert alert.status in ("firing", "resolved", None)  # None: a note, not a status
        assert alert.severity in ("critical", "high", "medium", "low", "info")
        assert isinstance(alert.dedup_key, str) and alert.dedup_key


def assert_no_partial_rows(db_path):
    conn = sqlite3.connect(db_path)
    try:
        # Every delivery's alerts are all there, and every alert came from a delivery.
        mismatched = conn.execute(
            "SELECT d.id FROM alert_deliveries d LEFT JOIN (SELECT delivery_id, sum(times) AS n "
            "FROM alert_occurrences GROUP BY delivery_id) o ON o.delivery_id = d.id "
            "WHERE coalesce(o.n, 0) != d.alert_count").fetchall()
        assert mismatched == []
        orphans = conn.execute(
            "SELECT count(*) FROM alerts a WHERE NOT EXISTS (SELECT 1 FROM alert_occurrences o "
            "WHERE o.alert_id = a.id)").fetchone()[0]
        assert orphans == 0
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_receiver_survives_hostile_bodies(db_path):
    config = {"token": TOKEN, "max_body": "64KiB",
              "sources": {s: {"allow_unauthenticated": True} for s in SOURCES[1:]}}
    with running_receiver(db_path, config) as server:

        @settings(max_examples=200, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
        @given(body=bodies, source=st.sampled_from(SOURCES), authed=st.booleans())
        def post(body, source, authed):
            response = server.post(f"/hooks/{source}", body, token=TOKEN if authed else None)
            assert response.status_code in (200, 400, 401, 413, 422), response.text
            assert "error" in response.json() or response.json().get("ok")

        post()
        assert server.http.get("/healthz").status_code == 200
    assert_no_partial_rows(db_path)


@pytest.mark.parametrize("hostile", [
    b'{"version": "4", "alerts": [' + b"[" * 5000 + b"]" * 5000 + b"]}",
    ("[" * 100000).encode(),
    json.dumps({"version": "4", "alerts": [{"fingerprint": "x", "labels": {"a\u0000b": "\ud800"},
                                            "annotations": {"summary": "\x1b[2J\x9b31m"}}]}).encode(),
    json.dumps({"version": "4", "alerts": [{"fingerprint": {"nested": 1}, "startsAt": 10**30}]}).encode(),
])
def test_hostile_examples(db_path, hostile):
    with running_receiver(db_path, {"token": TOKEN}) as server:
        response = server.post("/hooks/auto", hostile)
        assert response.status_code in (200, 400, 422)
        assert server.http.get("/healthz").status_code == 200
    assert_no_partial_rows(db_path)
