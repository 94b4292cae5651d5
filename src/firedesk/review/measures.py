"""What an incident's timeline says about the response: milestones, durations, cadence.

Shared by the postmortem and `firedesk stats`, so both tell the same story. Every
milestone points at the event (or alert) it was read from.

- started: the earliest moment anything says the problem existed (a backdated note, the
  impact's `since`, an alert's start), else the declaration;
- detected: the first alert received, else the declaration;
- acknowledged: the first acknowledgement of an alert, else the declaration (declaring
  is acknowledging);
- first update: the first stakeholder update;
- mitigated: the first move to `monitoring` (impact stopped, watching);
- resolved: the last move to `resolved` (an incident can be reopened).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence

from functools import lru_cache

from firedesk.clock import format_duration
from firedesk.clock import parse_utc as _parse_utc
from firedesk.model import Event
from firedesk.review.record import AlertRow

# A big timeline reads the same few thousand instants many times over; datetimes are
# immutable, so one parse each is enough.
parse_utc = lru_cache(maxsize=1 << 17)(_parse_utc)

MILESTONES = (
    ("started", "STARTED"),
    ("detected", "DETECTED"),
    ("declared", "DECLARED"),
    ("acknowledged", "ACKNOWLEDGED"),
    ("first_update", "FIRST UPDATE"),
    ("mitigated", "MITIGATED"),
    ("resolved", "RESOLVED"),
)
INTERVALS = (
    ("time to detect", "started", "detected"),
    ("time to acknowledge", "detected", "acknowledged"),
    ("time to first update", "declared", "first_update"),
    ("time to mitigate", "started", "mitigated"),
    ("time to resolve", "started", "resolved"),
)
# Kinds other capabilities may use for an acknowledgement on the timeline.
ACK_KINDS = ("ack", "acked", "acknowledged", "alert-ack", "alert.ack", "alert_ack",
             "alert-acked", "alert.acknowledged")


@dataclass(frozen=True)
class Milestone:
    """One step of the response: when, and the event it was read from."""

    name: str
    label: str
    at: str | None
    event_id: int | None = None
    alert_id: int | None = None
    source: str = ""


@dataclass(frozen=True)
class Interval:
    """The time between two milestones (None when either is unknown)."""

    name: str
    start: str
    end: str
    seconds: int | None

    @property
    def text(self) -> str:
        if self.seconds is None:
            return "—"
        from datetime import timedelta

        return format_duration(timedelta(seconds=self.seconds))


def _earliest(candidates: Iterable[tuple[str, int | None, int | None, str]]):
    found = [c for c in candidates if c[0]]
    return min(found, key=lambda c: (parse_utc(c[0]), c[1] or 0)) if found else None


def find_milestones(events: Sequence[Event], alerts: Sequence[AlertRow] = ()) -> dict[str, Milestone]:
    """The response's milestones by name (see the module docstring for what each means)."""
    declared = next((e for e in events if e.kind == "declared"), None)
    out: dict[str, Milestone] = {}

    def put(name: str, found) -> None:  # noqa: ANN001
        label = dict(MILESTONES)[name]
        if found is None:
            out[name] = Milestone(name, label, None)
        else:
            at, event_id, alert_id, source = found
            out[name] = Milestone(name, label, at, event_id, alert_id, source)

    declared_c = (declared.at, declared.id, None, "declaration") if declared else None
    started = [(e.at, e.id, None, f"earliest entry: {e.kind}") for e in events]
    started += [(e.data.get("since"), e.id, None, "impact since") for e in events
                if e.kind == "impact" and isinstance(e.data.get("since"), str)]
    started += [(a.first_seen, None, a.id, "first alert") for a in alerts]
    started += [(a.starts_at, None, a.id, "alert start (per its source)") for a in alerts
                if a.starts_at]
    put("started", _earliest(started))
    detected = [(a.first_seen, None, a.id, "first alert") for a in alerts]
    put("detected", _earliest(detected + ([declared_c] if declared_c else [])))
    put("declared", declared_c)
    acks = [(e.at, e.id, None, "alert acknowledged") for e in events
            if e.kind in ACK_KINDS or e.data.get("acknowledged") is True]
    acks += [(a.acked_at, None, a.id, "alert acknowledged") for a in alerts if a.acked_at]
    put("acknowledged", _earliest(acks + ([declared_c] if declared_c else [])))
    put("first_update", _earliest((e.at, e.id, None, "update") for e in events
                                  if e.kind == "update"))
    put("mitigated", _earliest((e.at, e.id, None, "status monitoring") for e in events
                               if e.kind == "status" and e.data.get("to") == "monitoring"))
    resolved = [e for e in events if e.kind == "status" and e.data.get("to") == "resolved"]
    last_status = next((e for e in reversed(events) if e.kind == "status"), None)
    if resolved and last_status is not None and last_status.data.get("to") == "resolved":
        put("resolved", (resolved[-1].at, resolved[-1].id, None, "status resolved"))
    else:
        put("resolved", None)
    return out


def intervals(milestones: dict[str, Milestone]) -> list[Interval]:
    """The durations between milestones, in INTERVALS order."""
    out = []
    for name, start, end in INTERVALS:
        a, b = milestones[start].at, milestones[end].at
        seconds = None
        if a and b:
            seconds = max(0, int((parse_utc(b) - parse_utc(a)).total_seconds()))
        out.append(Interval(name, start, end, seconds))
    return out


@dataclass(frozen=True)
class LateUpdate:
    """A window between updates that ran past the cadence."""

    start: str
    end: str
    seconds: int
    cadence_minutes: int


@dataclass(frozen=True)
class CadenceRecord:
    """How the update clock went: each window between updates kept or missed."""

    kept: int
    missed: int
    longest_gap_seconds: int | None
    misses: tuple[LateUpdate, ...] = ()


def cadence_record(events: Sequence[Event], cadence_minutes: dict[str, int]) -> CadenceRecord:
    """Each window from declaration or an update to the next update (or resolution),
    judged against the cadence of the most urgent severity in force during it.
    The window still open at the end of the record is not judged (it has no end yet)."""
    ordered = sorted(events, key=lambda e: (e.recorded_at, e.id))
    severity: str | None = None
    window_start: str | None = None
    window_severity: str | None = None
    kept = missed = 0
    longest: int | None = None
    misses: list[LateUpdate] = []

    def close(end: str) -> None:
        nonlocal kept, missed, longest
        if window_start is None or window_severity is None:
            return
        minutes = cadence_minutes.get(window_severity)
        if not minutes:
            return
        gap = int((parse_utc(end) - parse_utc(window_start)).total_seconds())
        longest = gap if longest is None else max(longest, gap)
        if gap > minutes * 60:
            missed += 1
            misses.append(LateUpdate(window_start, end, gap, minutes))
        else:
            kept += 1

    for e in ordered:
        if e.kind == "declared":
            severity = e.data.get("severity")
            window_start, window_severity = e.recorded_at, severity
        elif e.kind == "severity":
            severity = e.data.get("to", severity)
            # The clock follows the most urgent severity while the window is open.
            if window_start is not None and severity and (window_severity is None
                                                          or severity < window_severity):
                window_severity = severity
        elif e.kind == "update" and window_start is not None:
            close(e.recorded_at)
            window_start, window_severity = e.recorded_at, severity
        elif e.kind == "status" and e.data.get("to") == "resolved":
            close(e.recorded_at)
            window_start = None
        elif e.kind == "status" and e.data.get("from") == "resolved":
            window_start, window_severity = e.recorded_at, severity  # reopened
    return CadenceRecord(kept, missed, longest, tuple(misses))


def duration_between(start: str | None, end: str | None) -> int | None:
    """Whole seconds from `start` to `end`, or None when either is missing."""
    if not start or not end:
        return None
    return max(0, int((parse_utc(end) - parse_utc(start)).total_seconds()))


def utc(stored: str) -> datetime:
    return parse_utc(stored)
