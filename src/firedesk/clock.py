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


_CLOCK_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_when(text: str, now: datetime, zone: tzinfo) -> datetime:
    """When something happened: `HH:MM` (today in `zone`, or yesterday if that is still
    ahead) or ISO 8601 (local to `zone` when it has no offset). Never in the future."""
    raw = text.strip()
    match = _CLOCK_TIME.match(raw)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise InvalidInput(f"{text!r} is not a time of day; use HH:MM, e.g. 14:02")
        local_now = now.astimezone(zone)
        moment = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if moment > local_now + timedelta(minutes=1):
            moment -= timedelta(days=1)
        return moment.astimezone(timezone.utc)
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(
            f"cannot read time {text!r}; use HH:MM (today) or ISO 8601 like 2026-11-22T14:02"
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    moment = moment.astimezone(timezone.utc)
    if moment > now + timedelta(minutes=1):
        raise InvalidInput(f"{text!r} is in the future; entries record what already happened")
    return moment


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
