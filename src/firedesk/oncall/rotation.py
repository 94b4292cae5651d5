"""Who holds each rotation layer at any instant.

Handoffs keep their wall-clock time in the rotation's timezone across DST: shift k starts
on local day `start + k × length` at the handoff time, and only then becomes an instant.
(This is what `dateutil.rrule(DAILY, interval=length, dtstart=aware local start)` yields;
the tests check the two agree.) A handoff time the clocks skip (02:30 on a spring-forward
night) moves forward by the gap (03:30 new time); one they repeat (01:30 on a fall-back
night) happens at its first occurrence.
Overrides then replace an away person for part or all of a shift.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from firedesk.oncall.model import OnCall, Override, Rotation

UTC = timezone.utc


@dataclass(frozen=True)
class Shift:
    """The `index`-th turn of a rotation: the scheduled person, before overrides."""

    rotation: str
    index: int
    start: datetime
    end: datetime
    person: str


@dataclass(frozen=True)
class Duty:
    """Who actually holds a rotation over [start, end): the shift's person, or their cover."""

    rotation: Rotation
    shift: Shift
    start: datetime
    end: datetime
    person: str | None          # None: the scheduled person is away and nobody covers
    away: str | None = None     # the scheduled person, when an override sends them away
    override: Override | None = None


def handoff_at(rotation: Rotation, index: int) -> datetime:
    """The UTC instant of handoff number `index` (0 = the first, on `start`)."""
    day = rotation.start + timedelta(days=index * rotation.length_days)
    local = datetime.combine(day, rotation.handoff_time, tzinfo=rotation.zone)
    return local.astimezone(UTC)


def _index_at(rotation: Rotation, at: datetime) -> int:
    local_day = at.astimezone(rotation.zone).date()
    index = (local_day - rotation.start).days // rotation.length_days
    while handoff_at(rotation, index) > at:
        index -= 1
    while handoff_at(rotation, index + 1) <= at:
        index += 1
    return index


def _rule_shift(rotation: Rotation, index: int) -> Shift:
    person = rotation.members[(index + rotation.offset) % len(rotation.members)]
    return Shift(rotation.name, index, handoff_at(rotation, index),
                 handoff_at(rotation, index + 1), person)


def _ical_shifts(rotation: Rotation) -> list[Shift]:
    return [Shift(rotation.name, i, s.start, s.end, s.person)
            for i, s in enumerate(rotation.ical_shifts)]


def shifts_between(rotation: Rotation, start: datetime, end: datetime) -> list[Shift]:
    """Every scheduled shift that overlaps [start, end), in order."""
    if rotation.ical is not None:
        return [s for s in _ical_shifts(rotation) if s.start < end and s.end > start]
    if not rotation.members or rotation.start is None:
        return []
    first = max(_index_at(rotation, start), 0)
    shifts = []
    index = first
    while True:
        shift = _rule_shift(rotation, index)
        if shift.start >= end:
            break
        if shift.end > start:
            shifts.append(shift)
        index += 1
    return shifts


def shifts_at(rotation: Rotation, at: datetime) -> list[Shift]:
    """The shift(s) in force at `at` (one for a turn rule; iCal exports may overlap)."""
    if rotation.ical is not None:
        starts = [s.start for s in rotation.ical_shifts]
        upto = bisect.bisect_right(starts, at)
        return [Shift(rotation.name, i, s.start, s.end, s.person)
                for i, s in enumerate(rotation.ical_shifts[:upto]) if s.end > at]
    if not rotation.members or rotation.start is None or at < handoff_at(rotation, 0):
        return []
    return [_rule_shift(rotation, _index_at(rotation, at))]


def duties_of_shift(shift: Shift, rotation: Rotation, overrides: list[Override]) -> list[Duty]:
    """Split one shift where overrides send its person away (first override wins on overlap)."""
    mine = sorted((o for o in overrides if o.person == shift.person
                   and o.start < shift.end and o.end > shift.start), key=lambda o: o.start)
    duties: list[Duty] = []
    cursor = shift.start
    for override in mine:
        a, b = max(override.start, cursor), min(override.end, shift.end)
        if a >= b:
            continue
        if a > cursor:
            duties.append(Duty(rotation, shift, cursor, a, shift.person))
        duties.append(Duty(rotation, shift, a, b, override.replaced_by, shift.person, override))
        cursor = b
    if cursor < shift.end:
        duties.append(Duty(rotation, shift, cursor, shift.end, shift.person))
    return duties


def duties_between(oncall: OnCall, rotation: Rotation, start: datetime, end: datetime) -> list[Duty]:
    """Who holds the rotation over [start, end), overrides applied, clipped to the window."""
    overrides = oncall.overrides.get(rotation.name, [])
    out = []
    for shift in shifts_between(rotation, start, end):
        for duty in duties_of_shift(shift, rotation, overrides):
            if duty.start < end and duty.end > start:
                out.append(duty)
    return out


def duties_at(oncall: OnCall, rotation: Rotation, at: datetime) -> list[Duty]:
    """Who holds the rotation at the instant `at`, overrides applied."""
    overrides = oncall.overrides.get(rotation.name, [])
    return [duty for shift in shifts_at(rotation, at)
            for duty in duties_of_shift(shift, rotation, overrides)
            if duty.start <= at < duty.end]


def next_handoff(rotation: Rotation, at: datetime) -> datetime | None:
    """The next scheduled handoff after `at` (None when an iCal export has no more shifts)."""
    if rotation.ical is not None:
        later = [s.start for s in rotation.ical_shifts if s.start > at]
        return min(later) if later else None
    if not rotation.members or rotation.start is None:
        return None
    first = handoff_at(rotation, 0)
    if at < first:
        return first
    return handoff_at(rotation, _index_at(rotation, at) + 1)
