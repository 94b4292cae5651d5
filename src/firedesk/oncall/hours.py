"""Waking hours: when a person can be woken without waking them.

`"08:00-23:00"` is a local wall-clock range; `"22:00-06:00"` crosses midnight (a night
owl, or someone who works nights); several ranges may be joined with commas
(`"07:00-12:00, 14:00-23:30"`); `"00:00-24:00"` means always reachable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from firedesk.errors import InvalidInput

# Used for people whose config says nothing: a cautious day, so nobody is assumed
# to be happily awake at 03:00.
DEFAULT_WAKING_HOURS = "08:00-22:00"

_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def _minutes(hour: str, minute: str, text: str, allow_24: bool) -> int:
    h, m = int(hour), int(minute)
    if m > 59 or h > 24 or (h == 24 and (m != 0 or not allow_24)):
        raise InvalidInput(f"{text!r} is not a time of day")
    return h * 60 + m


@dataclass(frozen=True)
class WakingHours:
    """Local ranges as (start, end) minutes after midnight; end may be ≤ start (crosses midnight)."""

    text: str
    ranges: tuple[tuple[int, int], ...]

    @classmethod
    def parse(cls, text: str) -> "WakingHours":
        """Read `08:00-23:00`, `22:00-06:00` or a comma-separated list of such ranges."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("waking hours are empty; use a range like 08:00-23:00")
        ranges = []
        for part in text.split(","):
            match = _RANGE.match(part.strip())
            if not match:
                raise InvalidInput(
                    f"cannot read waking hours {text!r}; use HH:MM-HH:MM like 08:00-23:00 "
                    "(22:00-06:00 crosses midnight)")
            start = _minutes(match.group(1), match.group(2), part.strip(), allow_24=False)
            end = _minutes(match.group(3), match.group(4), part.strip(), allow_24=True)
            if start == end:
                raise InvalidInput(
                    f"waking hours {part.strip()!r} start and end at the same time; "
                    "use 00:00-24:00 for always")
            ranges.append((start, end))
        return cls(text.strip(), tuple(ranges))

    def is_awake(self, local: datetime | time) -> bool:
        """True when the local wall-clock time falls inside one of the ranges."""
        minute = local.hour * 60 + local.minute
        for start, end in self.ranges:
            if start < end:
                if start <= minute < end:
                    return True
            elif minute >= start or minute < end:
                return True
        return False

    def awake_windows(self, start: datetime, end: datetime, zone: tzinfo) -> list[tuple[datetime, datetime]]:
        """The UTC intervals within [start, end) when the person is awake, DST-correct.

        Each local day's range is placed on that day's wall clock, so a person who wakes
        at 08:00 still wakes at 08:00 local after the clocks change.
        """
        out: list[tuple[datetime, datetime]] = []
        first = start.astimezone(zone).date() - timedelta(days=1)
        last = end.astimezone(zone).date()
        day = first
        while day <= last:
            for lo, hi in self.ranges:
                a = _at(day, lo, zone)
                b = _at(day, hi + 1440, zone) if hi <= lo else _at(day, hi, zone)
                a, b = max(a, start), min(b, end)
                if a < b:
                    out.append((a, b))
            day += timedelta(days=1)
        return merge_intervals(out)

    def next_wake(self, after: datetime, zone: tzinfo) -> datetime | None:
        """The next instant (UTC) at or after `after` when this person is awake."""
        windows = self.awake_windows(after, after + timedelta(days=2), zone)
        return windows[0][0] if windows else None


def _at(day: date, minutes: int, zone: tzinfo) -> datetime:
    """Wall-clock `day + minutes` in `zone`, as UTC (a time skipped by DST lands just after)."""
    extra_days, minutes = divmod(minutes, 1440)
    local = datetime.combine(day + timedelta(days=extra_days), time(minutes // 60, minutes % 60),
                             tzinfo=zone)
    return local.astimezone(timezone.utc)


def merge_intervals(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sort and join intervals that overlap or touch."""
    merged: list[tuple[datetime, datetime]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged
