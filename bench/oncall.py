"""Who to wake at scale: a 500-person config, 50 services, and a 90-day coverage report.

    python bench/oncall.py [--people 500] [--services 50] [--days 90] [--runs 5] [--quick]

Figures (medians over --runs):
  * load_oncall: validating the whole config (teams, rotations, overrides, policies);
  * who_to_wake for every service at one instant, against a baseline that finds each
    layer's holder the way the reference sketch does (count rrule handoffs up to `at`);
  * coverage for every team over --days, against a baseline that samples every 15 minutes
    "is anyone on call awake?" for the same rotations.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from _report import report

ZONES = [("Asia/Kolkata", "09:00-23:00"), ("Europe/Berlin", "08:00-22:00"),
         ("America/Sao_Paulo", "08:00-23:30"), ("America/New_York", "07:00-22:00"),
         ("Australia/Sydney", "22:00-14:00"), ("Asia/Tokyo", "08:00-23:00")]
LAYERS = ("primary", "secondary", "tertiary")


def build_raw(people: int, services: int) -> dict:
    """A config dict: teams of 10, three weekly layers each, a vacation per team, policies."""
    raw: dict = {"people": [], "teams": [], "services": [], "rotations": [], "overrides": [],
                 "escalation": [], "duty_roles": []}
    for i in range(people):
        zone, hours = ZONES[i % len(ZONES)]
        raw["people"].append({"name": f"p{i:03d}", "login": f"u{i:03d}", "timezone": zone,
                              "waking_hours": hours, "phone": f"+1 555 {i:04d}",
                              "email": f"p{i}@example.com"})
    team_count = max(1, people // 10)
    for t in range(team_count):
        members = [f"p{i:03d}" for i in range(t * 10, t * 10 + 10)]
        raw["teams"].append({"name": f"team{t}", "members": members, "tech_lead": members[0]})
        for layer_index, layer in enumerate(LAYERS):
            raw["rotations"].append({
                "name": f"team{t}-{layer}", "team": f"team{t}", "layer": layer,
                "members": members[1:], "offset": layer_index, "start": date(2026, 1, 6),
                "handoff": "tuesday 09:00", "timezone": ZONES[t % len(ZONES)][0], "length": "1w"})
        raw["overrides"].append({
            "rotation": f"team{t}-primary", "person": members[1],  # primary that week
            "replaced_by": members[5], "from": "2026-11-20T00:00+00:00", "to": "2026-11-23T00:00+00:00"})
    raw["duty_roles"].append({"name": "firefighting-manager", "members": ["p000", "p001"]})
    for s in range(services):
        team = f"team{s % team_count}"
        raw["services"].append({"name": f"svc{s}", "team": team})
        raw["escalation"].append({"service": f"svc{s}", "tiers": [
            {"targets": [f"rotation:{team}-primary"], "wait": "10m"},
            {"targets": [f"rotation:{team}-secondary", "role:firefighting-manager"], "wait": "15m"},
            {"targets": [f"team:{team}"], "wait": "15m"},
            {"targets": ["person:p000"]}]})
    raw["escalation"].append({"default": True, "tiers": [{"targets": ["person:p000"]}]})
    return raw


def timed(fn, runs: int) -> tuple[list[float], object]:
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    return samples, result


def rrule_holder(rotation, at: datetime) -> str | None:
    """The reference sketch: count weekly handoffs from the start up to `at`."""
    from dateutil.rrule import WEEKLY, rrule

    start = datetime.combine(rotation.start, rotation.handoff_time, tzinfo=ZoneInfo(rotation.timezone))
    n = len(list(rrule(WEEKLY, interval=rotation.length_days // 7, dtstart=start, until=at)))
    return rotation.members[(n - 1 + rotation.offset) % len(rotation.members)] if n else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="100 people, 10 services, 14 days, 3 runs")
    args = parser.parse_args()
    if args.quick:
        args.people, args.services, args.days, args.runs = 100, 10, 14, 3

    from firedesk.config import parse_config
    from firedesk.oncall import coverage, coverage_sets, duties_at, load_oncall, who_to_wake

    raw = build_raw(args.people, args.services)
    config = parse_config(raw)
    samples, (oncall, problems) = timed(lambda: load_oncall(config), args.runs)
    assert not problems, problems[:3]
    report(f"load_oncall, {args.people} people", [s * 1000 for s in samples], unit="ms")

    at = datetime(2026, 11, 21, 3, 0, tzinfo=timezone.utc)
    services = list(oncall.services)
    samples, plans = timed(lambda: [who_to_wake(oncall, s, at) for s in services], args.runs)
    layers = [oncall.rotations[f"{oncall.services[s].team}-{layer}"] for s in services
              for layer in ("primary", "secondary")]
    baseline, holders = timed(lambda: [rrule_holder(r, at) for r in layers], args.runs)
    engine = [d.shift.person for r in layers for d in duties_at(oncall, r, at)]
    assert holders == engine, "the engine and the rrule count disagree"
    report(f"who_to_wake x{len(services)} services", [s * 1000 for s in samples], unit="ms",
           baseline=[b * 1000 for b in baseline], baseline_name="rrule-count holders only")
    candidates = sum(len(t.candidates) for p in plans for t in p.tiers)
    print(f"  ({candidates} candidates across {len(plans)} plans)")

    sets = coverage_sets(oncall)
    samples, reports = timed(lambda: [coverage(oncall, rs, at, args.days, n) for n, rs in sets], args.runs)
    gaps = sum(len(r.gaps) for r in reports)

    def sampled() -> int:
        """The obvious way: every 15 minutes, ask whether anyone on call is awake."""
        empty = 0
        step = timedelta(minutes=15)
        for _, rotations in sets:
            moment = at
            while moment < at + timedelta(days=args.days):
                awake = any(d.person and oncall.is_awake(d.person, moment)
                            for r in rotations for d in duties_at(oncall, r, moment))
                empty += not awake
                moment += step
        return empty

    baseline, _ = timed(sampled, 1)
    report(f"coverage {len(sets)} teams x {args.days} days", [s * 1000 for s in samples], unit="ms",
           baseline=[b * 1000 for b in baseline], baseline_name="15-minute sampling")
    print(f"  ({gaps} gaps found)")


if __name__ == "__main__":
    main()
