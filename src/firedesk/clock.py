"""Time in one place, so tests can freeze it and every stored time is UTC ISO 8601."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from firedesk.errors import InvalidInput

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def frozen(at: datetime | str) -> Clock:
    """A clock that always answers `at` (for tests and replay)."""
    instant = parse_utc(at) if isinstance(at, str) else at.astimezone(timezone.utc)
    return lambda: instant


def to_iso(moment: datetime) -> str:
    """The stored form of an instant: UTC, microseconds, `Z` suffix."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> datetime:
    """Read a stored (or any ISO 8601) time back as an aware UTC datetime."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


_DURATION = re.compile(r"(\d+)\s*(w|d|h|m|s)", re.IGNORECASE)
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """`15m`, `1h30m`, `2d`, `1w` → timedelta; anything else is a clear error."""
    compact = text.strip().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not compact or "".join(n + u for n, u in parts).lower() != compact.lower():
        raise InvalidInput(f"cannot read duration {text!r}; use forms like 15m, 1h30m, 2d, 1w")
    seconds = sum(int(n) * _UNIT_SECONDS[u.lower()] for n, u in parts)
    if seconds <= 0:
        raise InvalidInput(f"duration {text!r} must be longer than zero")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """A short human duration: `45s`, `12m`, `3h05m`, `2d4h`."""
    seconds = int(abs(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes, _ = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h"


def local_zone(name: str | None = None) -> tzinfo:
    """The named IANA zone, else $TZ, else the system's local zone."""
    for candidate in (name, os.environ.get("TZ")):
        if candidate:
            try:
                return ZoneInfo(candidate.lstrip(":"))
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return datetime.now().astimezone().tzinfo or timezone.utc


# Abbreviations people say on a bridge call, as fixed offsets. IST is India's here (the
# team's); an abbreviation that names two common zones is refused rather than guessed.
ABBREVIATIONS = {
    "UTC": 0, "GMT": 0, "Z": 0, "IST": 330, "WET": 0, "WEST": 60, "BST": 60, "CET": 60,
    "CEST": 120, "EET": 120, "EEST": 180, "MSK": 180, "BRT": -180, "ART": -180,
    "EST": -300, "EDT": -240, "CDT": -300, "MST": -420, "MDT": -360, "PST": -480,
    "PDT": -420, "JST": 540, "KST": 540, "SGT": 480, "HKT": 480, "AEST": 600, "AEDT": 660,
    "NZST": 720, "NZDT": 780,
}
AMBIGUOUS = {"CST": "China (+08:00) or US Central (-06:00)",
             "AST": "Arabia (+03:00) or Atlantic (-04:00)"}
_CLOCK_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?:\s*(?P<zone>\S.*))?$")
_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
WHEN_HELP = ("HH:MM today, read in the incident's display zone unless you name one "
             "(14:02 IST, 14:02+05:30, 14:02Z, 14:02 Europe/Berlin), or a date and time "
             "(2026-11-21 17:40). Never the future; an HH:MM still ahead today needs its date.")


class NeedsDate(InvalidInput):
    """`HH:MM` that has not happened yet today: it would mean an earlier day, so ask."""

    def __init__(self, message: str, candidate: datetime):
        super().__init__(message)
        self.candidate = candidate


def zone_for(text: str) -> tzinfo:
    """A zone as typed after a time: `Z`, `+05:30`, `-0300`, `IST`, `Europe/Berlin`."""
    raw = text.strip()
    offset = _OFFSET.match(raw)
    if offset:
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
        if hours > 14 or minutes > 59:
            raise InvalidInput(f"{text!r} is not a UTC offset; use forms like +05:30 or -03:00")
        total = (hours * 60 + minutes) * (-1 if sign == "-" else 1)
        return fixed_offset(total)
    upper = raw.upper()
    if upper in AMBIGUOUS:
        raise InvalidInput(f"{raw} could mean {AMBIGUOUS[upper]}; give the offset or the "
                           "zone's name instead")
    if upper in ABBREVIATIONS:
        minutes = ABBREVIATIONS[upper]
        return timezone.utc if minutes == 0 and upper in ("UTC", "Z", "GMT") else \
            timezone(timedelta(minutes=minutes), upper)
    try:
        return zone_named(raw)
    except InvalidInput:
        raise InvalidInput(f"unknown time zone {raw!r}; use an offset (+05:30), UTC, Z, a "
                           "common abbreviation (IST, CET, BRT) or an IANA name "
                           "(Europe/Berlin)") from None


def fixed_offset(minutes: int) -> tzinfo:
    if minutes == 0:
        return timezone.utc
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return timezone(timedelta(minutes=minutes), f"{sign}{hours:02d}:{rest:02d}")


def _wall(moment: datetime, zone: tzinfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def _on_day(day: datetime, hour: int, minute: int, zone: tzinfo, now: datetime,
            text: str) -> datetime:
    """HH:MM on `day`'s date in `zone`, as UTC: a time the clocks skipped is refused; a
    time they passed twice is the later one that has already happened."""
    naive = day.replace(hour=hour, minute=minute, second=0, microsecond=0, tzinfo=None)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(timezone.utc)
    if _wall(first, zone) != naive and _wall(second, zone) != naive:
        raise InvalidInput(f"{text!r}: {naive:%H:%M} did not exist on {naive:%Y-%m-%d} in "
                           f"{zone_name(zone)} (the clocks went forward); give the offset, "
                           "e.g. 02:30+01:00")
    if first != second and second <= now + timedelta(minutes=1):
        return second
    return first


def label(moment: datetime, zone: tzinfo) -> str:
    """The zone's label at that instant: `UTC`, `CET`, `IST`, `-03`, `+05:30`."""
    name = moment.astimezone(zone).strftime("%Z") or zone_name(zone)
    # tzdata names some zones by their offset alone (`-03`): say it is one.
    return f"UTC{name}" if name[:1] in "+-" else name


def understood(moment: datetime, zone: tzinfo) -> str:
    """How a parsed time is read back to the person who typed it: `2026-11-22 14:02 IST`."""
    local = moment.astimezone(zone)
    return f"{local:%a %Y-%m-%d %H:%M} {label(moment, zone)}"


def parse_when(text: str, now: datetime, zone: tzinfo) -> datetime:
    """When something happened, as UTC. `HH:MM` with an optional zone is today in that zone
    (`zone` when none is given); a date and time may carry a zone or an offset. The future
    is refused; `HH:MM` still ahead today raises NeedsDate (it would mean an earlier day,
    which the person must say)."""
    raw = text.strip()
    match = _CLOCK_TIME.match(raw)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise InvalidInput(f"{text!r} is not a time of day; use HH:MM, e.g. 14:02")
        read_in = zone_for(match.group("zone")) if match.group("zone") else zone
        local_now = now.astimezone(read_in)
        moment = _on_day(local_now, hour, minute, read_in, now, text)
        if moment > now + timedelta(minutes=1):
            earlier = _on_day(local_now - timedelta(days=1), hour, minute, read_in, now, text)
            raise NeedsDate(
                f"{raw!r} is {understood(moment, read_in)}, still ahead (it is now "
                f"{local_now:%H:%M} {label(now, read_in)}); for the day before, give the "
                f"date: {earlier.astimezone(read_in):%Y-%m-%d} {hour:02d}:{minute:02d}"
                + (f" {match.group('zone').strip()}" if match.group("zone") else ""), earlier)
        return moment
    moment, read_in = _parse_date_time(raw, text, zone, now)
    if moment > now + timedelta(minutes=1):
        raise InvalidInput(f"{raw!r} is {understood(moment, read_in)}, in the future; entries "
                           "record what already happened")
    return moment


def _parse_date_time(raw: str, text: str, zone: tzinfo,
                     now: datetime) -> tuple[datetime, tzinfo]:
    problem = (f"cannot read time {text!r}; use HH:MM (today, in the incident's zone), "
               "HH:MM with a zone (14:02 IST, 14:02+05:30, 14:02Z) or a date and time like "
               "2026-11-22T14:02")
    read_in = zone
    body = raw
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
    except ValueError:
        body, _, tail = raw.rpartition(" ")
        if not body:
            raise InvalidInput(problem) from None
        read_in = zone_for(tail)
        try:
            moment = datetime.fromisoformat(body)
        except ValueError as exc:
            raise InvalidInput(problem) from exc
        if moment.tzinfo is not None:
            raise InvalidInput(problem)
    if moment.tzinfo is None:
        return (_on_day(moment, moment.hour, moment.minute, read_in, now, text)
                + timedelta(seconds=moment.second, microseconds=moment.microsecond)), read_in
    offset = moment.utcoffset() or timedelta(0)
    return moment.astimezone(timezone.utc), fixed_offset(int(offset.total_seconds() // 60))

DEFAULT_ALERT_WINDOW = timedelta(hours=24)


def zone_named(name: str) -> tzinfo:
    """The IANA zone `name` (`UTC` is fine); a clear error for anything else."""
    if name.strip().upper() in ("UTC", "Z"):
        return timezone.utc
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {name!r}; use UTC or an IANA name like "
                           "Europe/Berlin") from exc


def zone_name(zone: tzinfo) -> str:
    """A zone's IANA name where it has one (the machine's zone may only have an abbreviation)."""
    key = getattr(zone, "key", None)
    if key:
        return key
    return "UTC" if zone in (timezone.utc,) or str(zone) in ("UTC", "UTC+00:00") else str(zone)


@dataclass(frozen=True)
class ClockSettings:
    """`[clock]`: the display zone new incidents get, and how far before a declaration an
    attached alert's start is still believed."""

    zone: str = "UTC"
    alert_window: timedelta = DEFAULT_ALERT_WINDOW


def parse_clock_settings(section: object) -> tuple[ClockSettings, list[tuple[str, str]]]:
    """The `[clock]` table as settings, and (key, problem) pairs for what was wrong."""
    problems: list[tuple[str, str]] = []
    if section is None:
        return ClockSettings(), problems
    if not isinstance(section, dict):
        return ClockSettings(), [("clock", "must be a table ([clock])")]
    settings = ClockSettings()
    zone = section.get("zone")
    if zone is not None:
        try:
            if not isinstance(zone, str):
                raise InvalidInput(f"must be a zone name, not {type(zone).__name__}")
            zone_named(zone)
            settings = replace(settings, zone="UTC" if zone.strip().upper() == "UTC"
                               else zone.strip())
        except InvalidInput as exc:
            problems.append(("clock.zone", str(exc)))
    window = section.get("alert_start_window")
    if window is not None:
        try:
            if not isinstance(window, str):
                raise InvalidInput("must be a duration string like \"24h\"")
            settings = replace(settings, alert_window=parse_duration(window))
        except InvalidInput as exc:
            problems.append(("clock.alert_start_window", str(exc)))
    return settings, problems


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_zone_word(word: str) -> bool:
    """Whether a word after `@HH:MM` names a zone (and so is not the entry's first word)."""
    if word in ABBREVIATIONS or word in AMBIGUOUS or _OFFSET.match(word):
        return True
    if "/" in word:
        try:
            zone_named(word)
        except InvalidInput:
            return False
        return True
    return False


def backdate_parts(line: str) -> tuple[str | None, str]:
    """`@14:02 IST deploy went out` → ("14:02 IST", "deploy went out"); no `@` → (None, line)."""
    if not line.startswith("@"):
        return None, line
    words = line[1:].split(" ")
    when = [words.pop(0)]
    if words and _DATE.match(when[0]) and _CLOCK_TIME.match(words[0]):
        when.append(words.pop(0))
    if words and _is_zone_word(words[0]) and not _OFFSET.match(when[-1][-6:]):
        when.append(words.pop(0))
    return " ".join(when), " ".join(words).strip()


def split_backdate(line: str, now: datetime, zone: tzinfo) -> tuple[str, str | None]:
    """`@14:02 text`, `@14:02 IST text`, `@14:02+05:30 text`, `@2026-11-21 17:40 text` →
    (text, stored UTC time); a line without `@` → (line, None). Bad or future times raise
    InvalidInput; `HH:MM` still ahead today raises NeedsDate."""
    when, text = backdate_parts(line)
    if when is None:
        return line, None
    return text, to_iso(parse_when(when, now, zone))


def display_zone(name: str | None, settings: ClockSettings | None = None) -> tzinfo:
    """An incident's display zone: its own, else the config's `[clock] zone`, else UTC."""
    chosen = name or (settings.zone if settings else "UTC")
    try:
        return zone_named(chosen)
    except InvalidInput:
        return timezone.utc


def show_time(moment: datetime | str, zone: tzinfo, *, now: datetime | None = None,
              date: bool = False, label_zone: bool = True) -> str:
    """The one way firedesk shows an instant: `14:02 UTC`; `Sat 21 Nov 14:02 UTC` when it
    is not on `now`'s day in that zone; `2026-11-21 14:02 UTC` with `date`. Without
    `label_zone` the zone is named elsewhere (a column heading, a day line)."""
    instant = parse_utc(moment) if isinstance(moment, str) else moment
    local = instant.astimezone(zone)
    if date:
        text = f"{local:%Y-%m-%d %H:%M}"
    elif now is not None and local.date() != now.astimezone(zone).date():
        text = f"{local:%a %d %b %H:%M}"
    else:
        text = f"{local:%H:%M}"
    return f"{text} {label(instant, zone)}" if label_zone else text


def day_line(moment: datetime | str, zone: tzinfo) -> str:
    """The day an instant falls on, in a zone, named: `Sat 21 Nov 2026 (CET)`."""
    instant = parse_utc(moment) if isinstance(moment, str) else moment
    return f"{instant.astimezone(zone):%a %d %b %Y} ({label(instant, zone)})"


@dataclass(frozen=True)
class TimeView:
    """The zone one reader sees an incident's times in: the incident's own (`incident`)
    or the reader's (`your`). Every time on screen goes through `time`."""

    zone: tzinfo
    whose: str = "incident"

    def time(self, moment: datetime | str, *, now: datetime | None = None,
             date: bool = False, label_zone: bool = True) -> str:
        return show_time(moment, self.zone, now=now, date=date, label_zone=label_zone)

    def label(self, now: datetime) -> str:
        return label(now, self.zone)

    def caption(self, now: datetime) -> str:
        """What the header says: `14:02 UTC` (the incident's zone), `19:32 IST yours`."""
        return show_time(now, self.zone) + (" yours" if self.whose == "your" else "")


def time_view(incident_zone: str | None, settings: ClockSettings | None, own_zone: tzinfo,
              own: bool) -> TimeView:
    """The reader's view: the incident's display zone, or their own when they chose it."""
    if own:
        return TimeView(own_zone, "your")
    return TimeView(display_zone(incident_zone, settings), "incident")
