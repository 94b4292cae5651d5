"""Read an iCal on-call export (PagerDuty, Opsgenie, Grafana OnCall) into shifts.

PagerDuty's feed has one VEVENT per rendered shift (overrides applied), UTC times, a bare
e-mail in ATTENDEE and `SUMMARY:On Call - <User Name> - <Schedule Name>`. Other tools put
the user name alone in SUMMARY, Grafana with an `[L1]` level prefix. Each event's person
is matched to `[[people]]` by e-mail, then name, then login. Recurring events (RRULE) are
expanded for up to two years.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path

from firedesk.config import Person
from firedesk.errors import InvalidInput
from firedesk.oncall.model import IcalShift

_PAGERDUTY_SUMMARY = re.compile(r"^\s*On Call\s*-\s*(?P<name>.+?)\s*-\s*(?P<schedule>.*)$", re.I)
_LEVEL_PREFIX = re.compile(r"^\s*\[L\d\]\s*")
_RECURRENCE_HORIZON = timedelta(days=730)
_MAX_OCCURRENCES = 5000


@dataclass(frozen=True)
class IcalEvent:
    """One on-call event as the file says it: a name, maybe an e-mail, and UTC times."""

    name: str
    email: str | None
    start: datetime
    end: datetime
    summary: str


def _person_name(summary: str) -> str:
    match = _PAGERDUTY_SUMMARY.match(summary)
    if match:
        return match.group("name")
    return _LEVEL_PREFIX.sub("", summary).strip()


def _aware(value: date | datetime, zone: tzinfo) -> datetime:
    """The event's own wall-clock time, made aware (floating times and dates: `zone`)."""
    if not isinstance(value, datetime):  # an all-day event starts at local midnight
        value = datetime.combine(value, time(0, 0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value


def read_ical_events(path: Path, zone: tzinfo = timezone.utc) -> list[IcalEvent]:
    """Every on-call event in the file, RRULEs expanded; InvalidInput if it is not iCal."""
    import icalendar
    from dateutil.rrule import rrulestr

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise InvalidInput(f"{path} is not an iCalendar file: {exc}") from exc
    events: list[IcalEvent] = []
    for component in calendar.walk("VEVENT"):
        summary = str(component.get("SUMMARY", "") or "")
        attendee = component.get("ATTENDEE")
        if isinstance(attendee, list):
            attendee = attendee[0] if attendee else None
        email = str(attendee).removeprefix("mailto:").removeprefix("MAILTO:").strip() if attendee else None
        name = _person_name(summary) or (email or "")
        dtstart = component.get("DTSTART")
        if dtstart is None or not name:
            continue
        start = _aware(dtstart.dt, zone)
        if component.get("DTEND") is not None:
            end = _aware(component.get("DTEND").dt, zone).astimezone(start.tzinfo)
        elif component.get("DURATION") is not None:
            end = start + component.get("DURATION").dt
        else:
            end = start + timedelta(days=1)
        if end <= start:
            continue
        rule = component.get("RRULE")
        if rule is None:
            events.append(IcalEvent(name, email or None, start.astimezone(timezone.utc),
                                    end.astimezone(timezone.utc), summary))
            continue
        # Expand in the event's own zone so a 09:00 Berlin shift stays 09:00 across DST;
        # aware arithmetic within one zone keeps the wall-clock length too.
        length = end - start
        recurrence = rrulestr(rule.to_ical().decode(), dtstart=start)
        for count, occurrence in enumerate(recurrence.between(start, start + _RECURRENCE_HORIZON, inc=True)):
            if count >= _MAX_OCCURRENCES:
                break
            events.append(IcalEvent(name, email or None, occurrence.astimezone(timezone.utc),
                                    (occurrence + length).astimezone(timezone.utc), summary))
    events.sort(key=lambda e: (e.start, e.end, e.name))
    return events


def match_person(event: IcalEvent, people: list[Person]) -> Person | None:
    """The configured person an event names: by e-mail first, then display name, then login."""
    if event.email:
        for person in people:
            if person.email and person.email.lower() == event.email.lower():
                return person
    wanted = event.name.casefold()
    for person in people:
        if person.name.casefold() == wanted:
            return person
    for person in people:
        if person.login and person.login.casefold() == wanted:
            return person
    return None


def shifts_from_events(events: list[IcalEvent], people: list[Person]) -> tuple[list[IcalShift], list[IcalEvent]]:
    """Shifts with configured names, and the events whose person is not in `[[people]]`."""
    shifts, strangers = [], []
    for event in events:
        person = match_person(event, people)
        if person is None:
            strangers.append(event)
        shifts.append(IcalShift(person.name if person else event.name, event.start, event.end,
                                event.summary))
    return shifts, strangers
