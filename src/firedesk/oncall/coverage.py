"""Coverage: when, over the next N days, nobody on call in a set of rotations is awake,
and who is scheduled for back-to-back shifts.

A set is usually a team's rotations ("at least one person per timezone on duty"): the
windows returned are the hours an alert would wake someone, or wait for someone to wake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from firedesk.clock import format_duration, to_iso
from firedesk.oncall.hours import merge_intervals
from firedesk.oncall.model import OnCall, Rotation
from firedesk.oncall.rotation import Duty, duties_between


@dataclass(frozen=True)
class Gap:
    """[start, end): nobody on call in the set is within their waking hours."""

    start: datetime
    end: datetime
    on_call: tuple[str, ...]  # who holds a layer at the gap's start (asleep, or nobody)

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def to_json(self) -> dict[str, Any]:
        return {"from": to_iso(self.start), "to": to_iso(self.end),
                "minutes": int(self.length.total_seconds() // 60), "on_call": list(self.on_call)}


@dataclass(frozen=True)
class RepeatDuty:
    """A person on duty across consecutive (or overlapping) shifts of the same layer."""

    person: str
    layer: str
    start: datetime
    end: datetime
    shifts: tuple[tuple[str, datetime, datetime], ...]  # (rotation, start, end)

    def to_json(self) -> dict[str, Any]:
        return {"person": self.person, "layer": self.layer, "from": to_iso(self.start),
                "to": to_iso(self.end),
                "shifts": [{"rotation": r, "from": to_iso(a), "to": to_iso(b)} for r, a, b in self.shifts]}


@dataclass(frozen=True)
class CoverageReport:
    name: str
    rotations: tuple[str, ...]
    start: datetime
    end: datetime
    gaps: tuple[Gap, ...]
    repeats: tuple[RepeatDuty, ...]

    @property
    def uncovered(self) -> timedelta:
        return sum((g.length for g in self.gaps), timedelta())

    def to_json(self) -> dict[str, Any]:
        return {"set": self.name, "rotations": list(self.rotations), "from": to_iso(self.start),
                "to": to_iso(self.end), "uncovered_minutes": int(self.uncovered.total_seconds() // 60),
                "uncovered": format_duration(self.uncovered) if self.gaps else "0m",
                "gaps": [g.to_json() for g in self.gaps],
                "consecutive": [r.to_json() for r in self.repeats]}


def coverage(oncall: OnCall, rotations: list[Rotation], start: datetime, days: int,
             name: str = "all rotations") -> CoverageReport:
    """Gaps in awake coverage and back-to-back duty over [start, start + days)."""
    start = start.astimezone(timezone.utc)
    end = start + timedelta(days=days)
    duties: list[Duty] = []
    for rotation in rotations:
        duties.extend(duties_between(oncall, rotation, start, end))
    awake_by_person: dict[str, list[tuple[datetime, datetime]]] = {}
    covered: list[tuple[datetime, datetime]] = []
    for duty in duties:
        if duty.person is None:
            continue
        windows = awake_by_person.get(duty.person)
        if windows is None:  # each person's waking windows once for the whole range
            windows = oncall.waking_hours(duty.person).awake_windows(start, end, oncall.zone_of(duty.person))
            awake_by_person[duty.person] = windows
        a, b = max(duty.start, start), min(duty.end, end)
        for w_start, w_end in windows:
            if w_end <= a:
                continue
            if w_start >= b:
                break
            covered.append((max(a, w_start), min(b, w_end)))
    gaps = []
    cursor = start
    for a, b in merge_intervals(covered) + [(end, end)]:
        if a > cursor:
            holders = tuple(sorted({d.person for d in duties
                                    if d.person and d.start <= cursor < d.end}))
            gaps.append(Gap(cursor, a, holders))
        cursor = max(cursor, b)
    return CoverageReport(name, tuple(r.name for r in rotations), start, end, tuple(gaps),
                          tuple(_repeats(duties)))


def _repeats(duties: list[Duty]) -> list[RepeatDuty]:
    """Runs of one person's duty in one layer that join two or more shifts."""
    by_key: dict[tuple[str, str], list[Duty]] = {}
    for duty in duties:
        if duty.person:
            by_key.setdefault((duty.person, duty.rotation.layer), []).append(duty)
    found = []
    for (person, layer), held in sorted(by_key.items()):
        held.sort(key=lambda d: (d.start, d.end))
        run: list[Duty] = []
        for duty in held + [None]:  # type: ignore[list-item]
            if duty is not None and run and duty.start <= max(d.end for d in run):
                run.append(duty)
                continue
            shifts = {(d.rotation.name, d.shift.index) for d in run}
            if len(shifts) > 1:
                found.append(RepeatDuty(
                    person, layer, min(d.start for d in run), max(d.end for d in run),
                    tuple((d.rotation.name, d.start, d.end) for d in run)))
            run = [duty] if duty is not None else []
    found.sort(key=lambda r: (r.start, r.person))
    return found


def coverage_sets(oncall: OnCall, team: str | None = None,
                  rotation_names: list[str] | None = None) -> list[tuple[str, list[Rotation]]]:
    """The sets to report: named rotations, one team's, or each team's (then the team-less)."""
    if rotation_names:
        return [(", ".join(rotation_names), [oncall.rotations[n] for n in rotation_names])]
    teams: dict[str | None, list[Rotation]] = {}
    for rotation in oncall.rotations.values():
        teams.setdefault(rotation.team, []).append(rotation)
    if team is not None:
        return [(team, teams.get(team, []))]
    named = [(t, rs) for t, rs in teams.items() if t is not None]
    named.sort(key=lambda item: item[0])
    if None in teams:
        named.append(("(no team)", teams[None]))
    return named
