"""A record that touches every kind of derived state, for the verify and attack tests."""

from __future__ import annotations

from firedesk.intake.triage import ack_alert, attach_alert, find_alert
from firedesk.response.checklist import check_item
from firedesk.response.handover import accept_handover, offer_handover, withdraw_handover
from firedesk.response.hypotheses import conclude_hypothesis, propose_hypothesis, set_likelihood
from firedesk.response.impact import record_impact
from firedesk.response.tasks import assign_task, close_task, extend_task
from firedesk.store import (
    add_entry, assign_role, declare_incident, release_role, resolve_incident, set_severity,
    set_status,
)


def record_everything(store, clock):  # noqa: ANN001
    """INC-1 with roles, tasks, hypotheses, checklist, impact, handovers and an alert."""
    from review_story import ERRORS, _deliver

    _deliver(store, [ERRORS])
    inc = declare_incident(store, "Checkout timing out", severity="SEV2", author="ana",
                           service="checkout", summary="payments fail")
    attach_alert(store, find_alert(store, 1), inc, author="ana")
    ack_alert(store, find_alert(store, 1), author="ana")
    noted: list[int] = []
    for step in (
        lambda: assign_role(store, inc, "leader", "ana", author="ana"),
        lambda: assign_role(store, inc, "investigator", "chen", author="ana", shared=True),
        lambda: assign_role(store, inc, "investigator", "dev", author="ana", shared=True),
        lambda: assign_role(store, inc, "communications", "ben", author="ana"),
        lambda: release_role(store, inc, "investigator", "dev", author="ana"),
        lambda: set_severity(store, inc, "SEV1", author="ana"),
        lambda: record_impact(store, inc, "card payments fail", author="ana", scope="many"),
        lambda: record_impact(store, inc, "a third of payments fail", author="ben", scope="some"),
        lambda: assign_task(store, inc, "check the pool size", owner="chen", author="ana"),
        lambda: assign_task(store, inc, "page the DBA", owner="ben", author="ana"),
        lambda: extend_task(store, inc, "T1", "10m", author="chen"),
        lambda: close_task(store, inc, "T2", author="ben", note="DBA on the bridge"),
        lambda: propose_hypothesis(store, inc, "deploy 4512 shrank the pool", author="chen"),
        lambda: set_likelihood(store, inc, "H1", "high", author="chen"),
        lambda: noted.append(add_entry(store, inc, "maybe the card gateway", author="ben",
                                       kind="hypothesis").id),
        lambda: conclude_hypothesis(store, inc, f"E{noted[0]}", "ruled-out",
                                    evidence="gateway green", author="chen"),
        lambda: check_item(store, inc, "1", author="ana", note="paged"),
        lambda: check_item(store, inc, "2", author="ana", state="na"),
        lambda: offer_handover(store, inc, "ed", author="ana", note="shift ends"),
        lambda: withdraw_handover(store, inc, author="ana"),
        lambda: offer_handover(store, inc, "fay", author="ana"),
        lambda: offer_handover(store, inc, "ed", author="ana", note="ed instead"),
        lambda: accept_handover(store, resolve_incident(store, 1), person="ed"),
        lambda: conclude_hypothesis(store, inc, "H1", "confirmed", evidence="pool was 5",
                                    author="chen"),
        lambda: add_entry(store, inc, "rollback out", author="ed", kind="action"),
        lambda: set_status(store, inc, "resolved", author="ed"),
    ):
        clock.advance(minutes=2)
        step()
    return resolve_incident(store, inc.id)
