"""Who to wake: rotations, overrides, timezones and escalation tiers, computed offline.

Never imports Textual (or httpx, except inside `send_trigger`). `load_oncall(config)`
validates the config into an `OnCall`; `who_to_wake`, `duties_at` and `coverage` answer
questions about it at any instant.
"""

from firedesk.oncall.coverage import CoverageReport, Gap, RepeatDuty, coverage, coverage_sets
from firedesk.oncall.hours import DEFAULT_WAKING_HOURS, WakingHours
from firedesk.oncall.load import load_oncall
from firedesk.oncall.model import (
    DutyRole, EscalationPolicy, OnCall, Override, PagerDutySettings, Rotation, Service, Team,
    Tier,
)
from firedesk.oncall.rotation import (
    Duty, Shift, duties_at, duties_between, handoff_at, next_handoff, shifts_at, shifts_between,
)
from firedesk.oncall.wake import Candidate, WakePlan, WakeTier, who_to_wake

__all__ = [
    "Candidate", "CoverageReport", "DEFAULT_WAKING_HOURS", "Duty", "DutyRole",
    "EscalationPolicy", "Gap", "OnCall", "Override", "PagerDutySettings", "RepeatDuty",
    "Rotation", "Service", "Shift", "Team", "Tier", "WakePlan", "WakeTier", "WakingHours",
    "coverage", "coverage_sets", "duties_at", "duties_between", "handoff_at", "load_oncall",
    "next_handoff", "shifts_at", "shifts_between", "who_to_wake",
]
