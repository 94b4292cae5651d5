"""Every measure of a response, computed once: the console, `stats`, `show`, the export
and replay all read an incident's numbers from `measure_incident`.

Each milestone points at the event (or alert) it was read from:

- started: the earliest sign the problem existed: an entry backdated before the
  declaration, the impact's `since`, an attached alert's start or first sighting (alert
  times only within the plausibility window of the declaration), else the declaration;
- detected: the first attached alert received (within the window), or an entry
  backdated before the declaration, else the declaration;
- declared: the declaration;
- acknowledged: the first response by someone other than the declarer: a role given to
  someone else, an entry or action they record, their ack of an attached alert. Nobody
  else yet: "not measured" (the declarer declaring is not an acknowledgement);
- first update: the first stakeholder update;
- mitigated: the first move to `monitoring` (impact stopped, watching);
- resolved: the last move to `resolved`, if the incident is still resolved.

Updates: how many were sent, and separately how many update deadlines were kept and
missed, with the longest gap between updates.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Iterable, Sequence

from firedesk.clock import DEFAULT_ALERT_WINDOW, format_duration
from firedesk.clock import parse_utc as _parse_utc
from firedesk.config import DEFAULT_CADENCE_MINUTES
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
# Entries the record writes on someone's behalf that are not a person responding.
NOT_A_RESPONSE = frozenset({"declared", "published", "update-delivery", "task-check-in"})
NOT_MEASURED = "not measured: nobody but the declarer has responded"


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
    why: str = ""  # why there is no figure, when there is none and the reason matters

    @property
    def text(self) -> str:
        if self.seconds is None:
            return "not measured" if self.why else "—"
        return format_duration(timedelta(seconds=self.seconds))


@dataclass(frozen=True)
class LateUpdate:
    """A window between updates that ran past the cadence."""

    start: str
    end: str
    seconds: int
    cadence_minutes: int


@dataclass(frozen=True)
class CadenceRecord:
    """The update clock: updates sent; each deadline between them kept or missed."""

    kept: int
    missed: int
    longest_gap_seconds: int | None
    misses: tuple[LateUpdate, ...] = ()
    sent: int = 0

    @property
    def judged(self) -> int:
        return self.kept + self.missed

    def sentence(self) -> str:
        """`2 updates sent; deadlines: 1 kept, 2 missed; longest gap 31m.`"""
        gap = ("" if self.longest_gap_seconds is None else
               f"; longest gap {format_duration(timedelta(seconds=self.longest_gap_seconds))}")
        return (f"{self.sent} update{'' if self.sent == 1 else 's'} sent; deadlines: "
                f"{self.kept} kept, {self.missed} missed{gap}.")


@dataclass(frozen=True)
class Measures:
    """An incident's milestones, the durations between them, the update record, and the
    alert times that were left out (and why)."""

    milestones: dict[str, Milestone]
    intervals: tuple[Interval, ...]
    updates: CadenceRecord
    ignored: tuple[str, ...] = ()

    def seconds(self, interval: str) -> int | None:
        return next((i.seconds for i in self.intervals if i.name == interval), None)

    def interval(self, name: str) -> Interval:
        return next(i for i in self.intervals if i.name == name)

    def to_json(self) -> dict[str, Any]:
        return {
            "milestones": {name: asdict(m) for name, m in self.milestones.items()},
            "intervals": {i.name: {"seconds": i.seconds, "text": i.text,
                                   **({"why": i.why} if i.why else {})}
                          for i in self.intervals},
            "updates": {"sent": self.updates.sent, "deadlines_kept": self.updates.kept,
                        "deadlines_missed": self.updates.missed,
                        "longest_gap_seconds": self.updates.longest_gap_seconds},
            "ignored": list(self.ignored),
        }


_Candidate = tuple[str, "int | None", "int | None", str]


def _earliest(candidates: Iterable[_Candidate]) -> _Candidate | None:
    found = [c for c in candidates if c[0]]
    return min(found, key=lambda c: (parse_utc(c[0]), c[1] or 0)) if found else None


def _minute(stored: str) -> str:
    return parse_utc(stored).strftime("%Y-%m-%d %H:%M UTC")


def _window_text(window: timedelta) -> str:
    """A window as it was likely written: `24h`, `3d`, `90m`."""
    seconds = int(window.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and (unit != "d" or seconds >= 2 * 86400):
            return f"{seconds // size}{unit}"
    return format_duration(window)


def measure_incident(events: Sequence[Event], alerts: Sequence[AlertRow] = (), *,
                     cadence_minutes: dict[str, int] | None = None,
                     alert_window: timedelta = DEFAULT_ALERT_WINDOW) -> Measures:
    """The incident's measures from its events and attached alerts (see the module doc)."""
    milestones, ignored = _milestones(events, alerts, alert_window)
    return Measures(milestones, tuple(_intervals(milestones)),
                    cadence_record(events, cadence_minutes or DEFAULT_CADENCE_MINUTES),
                    tuple(ignored))


def _milestones(events: Sequence[Event], alerts: Sequence[AlertRow],
                window: timedelta) -> tuple[dict[str, Milestone], list[str]]:
    declared = next((e for e in events if e.kind == "declared"), None)
    out: dict[str, Milestone] = {}
    ignored: list[str] = []

    def put(name: str, found: _Candidate | None, empty: str = "") -> None:
        label = dict(MILESTONES)[name]
        if found is None:
            out[name] = Milestone(name, label, None, source=empty)
        else:
            at, event_id, alert_id, source = found
            out[name] = Milestone(name, label, at, event_id, alert_id, source)

    declared_at = parse_utc(declared.at) if declared else None

    def plausible(alert: AlertRow, stored: str | None, what: str) -> bool:
        """An alert time counts only within the window of the declaration."""
        if not stored or declared_at is None:
            return bool(stored)
        moment = parse_utc(stored)
        if declared_at - moment <= window:
            return True
        note = (f"alert start ignored: alert {alert.id} {what} {_minute(stored)}, "
                f"{format_duration(declared_at - moment)} before the declaration "
                f"(outside the {_window_text(window)} window)")
        if note not in ignored:
            ignored.append(note)
        return False

    declared_c = (declared.at, declared.id, None, "declaration") if declared else None
    before = [e for e in events if declared_at is not None and e.kind != "declared"
              and parse_utc(e.at) < declared_at]
    backdated = [(e.at, e.id, None, f"earliest entry: {e.kind}") for e in before]
    first_seen = [(a.first_seen, None, a.id, "first alert") for a in alerts
                  if plausible(a, a.first_seen, "was first received")]
    alert_starts = [(a.starts_at, None, a.id, "alert start (per its source)") for a in alerts
                    if a.starts_at and plausible(a, a.starts_at, "began")]
    since = [(e.data.get("since"), e.id, None, "impact since") for e in events
             if e.kind == "impact" and isinstance(e.data.get("since"), str)]
    detected = _earliest(first_seen + backdated + ([declared_c] if declared_c else []))
    put("started", _earliest(since + alert_starts + ([detected] if detected else [])))
    put("detected", detected)
    put("declared", declared_c)
    put("acknowledged", _first_response(events, alerts, declared), NOT_MEASURED)
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
    return out, ignored


def _first_response(events: Sequence[Event], alerts: Sequence[AlertRow],
                    declared: Event | None) -> _Candidate | None:
    """The first thing someone other than the declarer did for the incident."""
    if declared is None:
        return None
    declarer = declared.author
    found: list[_Candidate] = []
    for e in events:
        if e.kind in NOT_A_RESPONSE:
            continue
        # A backdated note tells of the past; the person answered when they wrote it. An
        # action backdated is the response itself, done when it says.
        when = e.at if e.kind == "action" else e.recorded_at
        if e.kind == "role" and e.data.get("person") not in (None, declarer):
            found.append((when, e.id, None, f"role taken: {e.data['person']} "
                                            f"{e.data.get('role', '')}".rstrip()))
        elif e.author != declarer:
            what = ("alert acknowledged" if e.kind in ACK_KINDS
                    else f"{e.kind} by {e.author}")
            found.append((when, e.id, None, what))
    found += [(a.acked_at, None, a.id, f"alert acknowledged by {a.acked_by}") for a in alerts
              if a.acked_at and a.acked_by and a.acked_by != declarer]
    return _earliest(found)


def _intervals(milestones: dict[str, Milestone]) -> list[Interval]:
    out = []
    for name, start, end in INTERVALS:
        a, b = milestones[start], milestones[end]
        seconds = duration_between(a.at, b.at)
        why = b.source if b.at is None and b.source else ""
        out.append(Interval(name, start, end, seconds, why))
    return out


def cadence_record(events: Sequence[Event], cadence_minutes: dict[str, int]) -> CadenceRecord:
    """Each window from declaration or an update to the next update (or resolution),
    judged against the cadence of the most urgent severity in force during it.
    The window still open at the end of the record is not judged (it has no end yet)."""
    ordered = sorted(events, key=lambda e: (e.recorded_at, e.id))
    severity: str | None = None
    window_start: str | None = None
    window_severity: str | None = None
    kept = missed = sent = 0
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
        elif e.kind == "update":
            sent += 1
            if window_start is not None:
                close(e.recorded_at)
            window_start, window_severity = e.recorded_at, severity
        elif e.kind == "status" and e.data.get("to") == "resolved":
            close(e.recorded_at)
            window_start = None
        elif e.kind == "status" and e.data.get("from") == "resolved":
            window_start, window_severity = e.recorded_at, severity  # reopened
    return CadenceRecord(kept, missed, longest, tuple(misses), sent)


def duration_between(start: str | None, end: str | None) -> int | None:
    """Whole seconds from `start` to `end`, or None when either is missing."""
    if not start or not end:
        return None
    return max(0, int((parse_utc(end) - parse_utc(start)).total_seconds()))


def utc(stored: str) -> datetime:
    return parse_utc(stored)

