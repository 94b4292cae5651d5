"""What the console's who-to-wake pane shows, computed without Textual (in a worker thread).

The set-up was validated when the config was loaded (`config.oncall`), so refreshing
the pane on every record change costs only the who-to-wake computation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from firedesk.config import Config
from firedesk.errors import FiredeskError
from firedesk.model import Incident
from firedesk.oncall.load import load_oncall
from firedesk.oncall.paging import routing_key_for
from firedesk.oncall.wake import WakePlan, who_to_wake

@dataclass(frozen=True)
class WakeView:
    """One read for the pane: the plan for a service, or a sentence saying why there is none."""

    at: datetime
    service: str | None
    services: tuple[str, ...] = ()
    plan: WakePlan | None = None
    message: str | None = None
    problems: tuple[str, ...] = ()
    pagerduty: bool = False          # a routing key is configured for this service
    incident: Incident | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    readiness: dict[str, str] = field(default_factory=dict)   # person → what is missing


def wake_view(config: Config, service: str | None, at: datetime,
              incident: Incident | None = None, store=None,  # noqa: ANN001
              readiness: dict[str, str] | None = None) -> WakeView:
    """The pane's data for `service` (the incident's, or one chosen in the pane) at `at`.
    With `store`, people whose readiness is incomplete or stale are marked (else the
    `readiness` marks of an earlier read are kept)."""
    oncall, problems = load_oncall(config)
    problem_lines = tuple(str(p) for p in problems)
    services = tuple(sorted(oncall.services))
    if not oncall.configured:
        return WakeView(at, service, services, message="No on-call schedules configured yet.",
                        problems=problem_lines, incident=incident)
    if not service:
        return WakeView(at, None, services, message=(
            "This incident names no service: press e to choose one."
            if services else "No [[services]] configured: press e once some are."),
            problems=problem_lines, incident=incident)
    try:
        plan = who_to_wake(oncall, service, at)
    except FiredeskError as exc:
        return WakeView(at, service, services, message=str(exc), problems=problem_lines,
                        incident=incident)
    known = oncall.services.get(service)
    key = routing_key_for(oncall.pagerduty, known.routing_key if known else None)
    if store is not None:
        from firedesk.oncall.readiness import readiness_notes, readiness_settings

        settings = readiness_settings(config)
        readiness = readiness_notes(store, settings, oncall,
                                    [c.person for t in plan.tiers for c in t.candidates], at)
    return WakeView(at, service, services, plan=plan, problems=problem_lines,
                    pagerduty=bool(key), incident=incident, readiness=dict(readiness or {}))


def next_service(view: WakeView) -> str | None:
    """The service after the current one, in name order (wrapping), for the pane's `e` key."""
    if not view.services:
        return None
    if view.service not in view.services:
        return view.services[0]
    index = view.services.index(view.service)
    return view.services[(index + 1) % len(view.services)]
