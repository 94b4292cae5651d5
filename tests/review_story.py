"""A recorded incident for the review tests: checkout timeouts after a deploy.

Built on a frozen clock through the record's own functions; the running-the-incident
facts (impact, hypotheses, tasks, checklist) are written as the events that capability
records, so the review is tested against the timeline contract, not another module.
"""

from __future__ import annotations

from typing import Any

from firedesk.store import (
    add_entry, assign_role, declare_incident, resolve_incident, set_severity, set_status,
)
from firedesk.store.timeline import append_event


def _event(store, incident, kind: str, author: str, text: str, data: dict[str, Any]):  # noqa: ANN001
    """The event, and the row its capability writes with it (verify checks they agree)."""
    with store.write() as conn:
        e = append_event(store, incident_id=incident.id, kind=kind, author=author, text=text,
                         data=data)
        at, i = e.recorded_at, incident.id
        if kind == "impact":
            conn.execute("INSERT OR REPLACE INTO impact VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (i, data["what"], data["scope"], data["since"], author, at, e.id))
        elif kind == "hypothesis":
            conn.execute("INSERT INTO hypotheses (incident_id, number, text, likelihood, "
                         "created_by, created_at, event_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (i, data["hypothesis"], text, data["likelihood"], author, at, e.id))
        elif kind == "conclusion":
            conn.execute("UPDATE hypotheses SET state = ?, evidence = ?, concluded_by = ?, "
                         "concluded_at = ? WHERE incident_id = ? AND number = ?",
                         (data["conclusion"], data["evidence"], author, at, i, data["hypothesis"]))
        elif kind == "checklist":
            position = conn.execute("SELECT count(*) + 1 FROM checklist_items").fetchone()[0]
            conn.execute("INSERT INTO checklist_items (incident_id, item, list, section, text, "
                         "position, state, by, at, note, event_id) VALUES "
                         "(?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?)",
                         (i, data["item"], data["list"], text.removesuffix(": done"), position,
                          data["state"], author, at, data["note"], e.id))
        elif kind == "task":
            conn.execute("INSERT INTO tasks (incident_id, number, text, owner, check_in_at, "
                         "created_by, created_at, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (i, data["task"], text.split(": ", 1)[1], data["owner"],
                          data["check_in_at"], author, at, e.id))
        elif kind == "task-done":
            conn.execute("UPDATE tasks SET state = 'done', closed_by = ?, closed_at = ? "
                         "WHERE incident_id = ? AND number = ?", (author, at, i, data["task"]))
        return e


def _deliver(store, alerts):  # noqa: ANN001
    """One Alertmanager delivery through the alert capability's own intake."""
    import json

    from firedesk.intake.alert import Alert, Parsed
    from firedesk.intake.storage import record_delivery

    parsed = Parsed("alertmanager", [Alert(**a) for a in alerts])
    record_delivery(store, parsed, json.dumps(alerts, sort_keys=True), via="ingest")


ERRORS = {"source": "alertmanager", "dedup_key": "fp-checkout-errors",
          "title": "CheckoutHighErrorRate: 5xx above 5% for 5m", "severity": "critical",
          "service": "checkout", "starts_at": "2026-11-22T02:47:00.000000Z"}
LATENCY = {"source": "alertmanager", "dedup_key": "fp-checkout-p99",
           "title": "CheckoutLatencyP99 above 2s", "severity": "high", "service": "checkout",
           "starts_at": "2026-11-22T02:50:00.000000Z"}


def record_checkout_incident(store, clock):  # noqa: ANN001
    """INC-1: alerts from 02:52, declared 03:00, resolved 04:10 UTC on 2026-11-22.
    Returns the incident (as it ends)."""
    from firedesk.intake.triage import ack_alert, attach_alert, find_alert

    clock.advance(minutes=-8)
    _deliver(store, [ERRORS, LATENCY])
    clock.advance(minutes=3)
    _deliver(store, [ERRORS])
    clock.advance(minutes=3)
    ack_alert(store, find_alert(store, 1), author="ana")
    clock.advance(minutes=2)
    inc = declare_incident(
        store, "Checkout requests timing out", severity="SEV2", author="ana", service="checkout",
        summary="Card payments failed for about a third of checkout attempts for 89 minutes "
                "after deploy 4512 shrank the database connection pool; rolling back fixed it.",
    )
    for alert_id in (1, 2):
        attach_alert(store, find_alert(store, alert_id), inc, author="ana")
    clock.advance(minutes=1)
    assign_role(store, inc, "leader", "ana", author="ana")
    clock.advance(minutes=1)
    assign_role(store, inc, "communications", "ben", author="ana")
    assign_role(store, inc, "investigator", "chen", author="ana", shared=True)
    clock.advance(minutes=1)
    add_entry(store, inc, "Checkout p99 latency started climbing right after the deploy",
              author="chen", kind="note", at="2026-11-22T02:41:00.000000Z")
    wrong = add_entry(store, inc, "Deploy 4512 went out at 02:30", author="chen")
    add_entry(store, inc, "Deploy 4512 went out at 02:40 (02:30 was the build)", author="chen",
              corrects=wrong.id)
    clock.advance(minutes=1)
    _event(store, inc, "impact", "ana",
           "impact: Card payments fail for about 30% of checkout attempts (some users)",
           {"what": "Card payments fail for about 30% of checkout attempts", "scope": "some",
            "since": "2026-11-22T02:41:00.000000Z"})
    clock.advance(minutes=1)
    _event(store, inc, "hypothesis", "chen", "Connection pool exhausted since deploy 4512",
           {"hypothesis": 1, "likelihood": "high"})
    _event(store, inc, "hypothesis", "chen", "Payment provider is degraded",
           {"hypothesis": 2, "likelihood": None})
    clock.advance(minutes=3)
    _event(store, inc, "checklist", "chen", "Recent deploys checked: done",
           {"item": "recent-deploys", "state": "done", "from": "open", "note": None,
            "list": "triage"})
    _event(store, inc, "checklist", "chen", "Third-party status pages checked: done",
           {"item": "third-party", "state": "done", "from": "open", "note": None,
            "list": "triage"})
    clock.advance(minutes=2)
    add_entry(store, inc, "Investigating elevated checkout errors; next update by 03:40.",
              author="ben", kind="update")
    clock.advance(minutes=2)
    set_severity(store, inc, "SEV1", author="ana", note="Error rate passed 30% of checkouts")
    clock.advance(minutes=3)
    add_entry(store, inc, "Roll back deploy 4512 rather than grow the pool: rollback is "
              "tested, a pool change is not", author="ana", kind="decision")
    clock.advance(minutes=1)
    _event(store, inc, "task", "ana", "T1 dana: Roll back checkout to build 4511",
           {"task": 1, "owner": "dana", "check_in_at": "2026-11-22T03:31:00.000000Z",
            "check_in_minutes": 15.0})
    clock.advance(minutes=6)
    _event(store, inc, "conclusion", "chen",
           "H2 ruled-out: Payment provider is degraded — provider status green; test charges "
           "succeed", {"hypothesis": 2, "conclusion": "ruled-out",
                       "evidence": "provider status green; test charges succeed"})
    clock.advance(minutes=3)
    _event(store, inc, "task-done", "dana", "T1 done: Roll back checkout to build 4511",
           {"task": 1, "state": "done", "owner": "dana", "note": None})
    clock.advance(minutes=1)
    _deliver(store, [{**ERRORS, "status": "resolved", "ends_at": "2026-11-22T03:26:00.000000Z"},
                     {**LATENCY, "status": "resolved", "ends_at": "2026-11-22T03:26:00.000000Z"}])
    clock.advance(minutes=1)
    set_status(store, inc, "monitoring", author="ana", note="Rollback out; error rate falling")
    clock.advance(minutes=1)
    _event(store, inc, "conclusion", "chen",
           "H1 confirmed: Connection pool exhausted since deploy 4512 — pool saturated 50/50 "
           "from 02:41, back to 12/50 after rollback",
           {"hypothesis": 1, "conclusion": "confirmed",
            "evidence": "pool saturated 50/50 from 02:41, back to 12/50 after rollback"})
    clock.advance(minutes=13)
    add_entry(store, inc, "Error rate back to baseline after the rollback; monitoring for 30 "
              "minutes.", author="ben", kind="update")
    clock.advance(minutes=9)
    add_entry(store, inc, "TODO(chen): alert on connection pool saturation above 80%",
              author="chen")
    add_entry(store, inc, "TODO: document the rollback steps in the checkout runbook",
              author="ed")
    _event(store, inc, "task", "ana", "T2 chen: Add a load test that checks the pool size",
           {"task": 2, "owner": "chen", "check_in_at": "2026-11-22T04:05:00.000000Z",
            "check_in_minutes": 15.0})
    clock.advance(minutes=5)
    assign_role(store, inc, "leader", "ed", author="ana")
    clock.advance(minutes=15)
    set_status(store, inc, "resolved", author="ed",
               note="Error rate normal for 30 minutes after the rollback")
    return resolve_incident(store, inc.id)
