"""The feed re-reads after every commit; its cache of parsed rows must never serve a stale one."""

from __future__ import annotations

from conftest import PAYLOADS
from firedesk.intake.detect import parse_delivery
from firedesk.intake.storage import record_delivery
from firedesk.intake.triage import ack_alert, attach_alert, list_alerts
from firedesk.store import declare_incident


def test_every_change_to_an_alert_shows_in_the_next_read(store, clock) -> None:
    raw = (PAYLOADS / "alertmanager_v4.json").read_bytes()
    record_delivery(store, parse_delivery(raw, "alertmanager", now=store.now()), raw, via="test")
    [first] = list_alerts(store)
    assert list_alerts(store)[0] is first            # unchanged rows are reused
    ack_alert(store, first, author="ana")
    [acked] = list_alerts(store)
    assert acked is not first and acked.acked_by == "ana"
    incident = declare_incident(store, "probe failing", severity="SEV2", author="ana")
    attach_alert(store, acked, incident, author="ana")
    assert list_alerts(store)[0].incident_id == incident.id
    clock.advance(minutes=1)
    record_delivery(store, parse_delivery(raw, "alertmanager", now=store.now()), raw + b" ",
                    via="test")
    assert list_alerts(store)[0].count == 2
