"""Who to wake: rotations, overrides, timezones and escalation tiers, computed offline.

Never imports Textual (httpx and icalendar only inside the functions that need them).
`load_oncall(config)` validates the config into an `OnCall` and returns the problems
without changing the config (so a console can reload); `who_to_wake`, `duties_at` and
`coverage` answer questions about it at any instant.

The config sections (firedesk.toml), beyond `[[people]]` (timezone, waking_hours):

    [[teams]]      name, members = [...], tech_lead
    [[services]]   name, team, runbook, tech_lead, pagerduty_routing_key
    [[rotations]]  name, team, layer (primary|secondary|tertiary|any), members = [...]
                   (turn order; a name or a login), start = 2026-11-03 (first handoff),
                   handoff = "tuesday 09:00" (or "09:00" for daily), timezone (the
                   handoff's wall clock, across DST), length = "1w" | "Nd" | "Nw",
                   offset = 1 (next layer = the same members one turn ahead)
                   -- or ical = "schedule.ics" (PagerDuty/Opsgenie export, relative to
                   the config file) instead of members/start/handoff/length
    [[overrides]]  rotation, person (away), replaced_by (optional), from, to, reason
                   (times without an offset are in the rotation's timezone)
    [[duty_roles]] name, members = [...] or rotation = "name"
    [[escalation]] service = "…" | team = "…" | default = true,
                   tiers = [{ targets = ["rotation:x", "role:y", "team:z",
                   "person:P", "tech_lead:team"], wait = "10m" }, …]
    [oncall.pagerduty]  routing_key, events_url (default
                   https://events.pagerduty.com/v2/enqueue), source, timeout_seconds

A service's policy is its own, else its team's, else the default; with none of those,
its team's layers in order then the tech lead. People without waking_hours are taken
as awake 08:00-22:00 local.
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
