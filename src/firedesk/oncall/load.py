"""Read [[teams]], [[services]], [[rotations]], [[overrides]], [[escalation]], [[duty_roles]]
and [oncall.pagerduty] from the config, validating every name, time and zone.

`parse_oncall` runs once, when the config is loaded (`config.oncall`); a bad entry is
reported (file, key, problem) and left out; everything good still loads.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from firedesk.clock import parse_duration
from firedesk.config import Config, ConfigProblem, Loading, Person, valid_timezone
from firedesk.errors import InvalidInput
from firedesk.oncall.hours import WakingHours
from firedesk.oncall.ical import read_ical_events, shifts_from_events
from firedesk.oncall.model import (
    TARGET_KINDS, DutyRole, EscalationPolicy, OnCall, Override, PagerDutySettings, Rotation,
    Service, Target, Team, Tier, DEFAULT_EVENTS_URL,
)
from firedesk.oncall.rotation import shifts_between

WEEKDAYS = {name: i for i, names in enumerate((
    ("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"),
    ("thursday", "thu", "thur", "thurs"), ("friday", "fri"), ("saturday", "sat"),
    ("sunday", "sun"),
)) for name in names}
_HANDOFF = re.compile(r"^(?:(?P<day>[a-z]+)\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})$", re.I)


class _Loader:
    """Collects problems while building the OnCall; one method per section."""

    def __init__(self, config: Loading):
        self.config = config
        self.raw = config.raw
        self.oncall = OnCall(people={p.name: p for p in config.people})
        self.by_any_name: dict[str, str] = {}
        for person in config.people:
            self.by_any_name.setdefault(person.name, person.name)
            if person.login:
                self.by_any_name.setdefault(person.login, person.name)

    def problem(self, key: str, message: str) -> None:
        self.config.problem(key, message)

    # -- helpers ---------------------------------------------------------------------

    def entries(self, section: str) -> list[tuple[str, dict[str, Any]]]:
        raw = self.raw.get(section, [])
        if not isinstance(raw, list):
            self.problem(section, f"must be an array of tables ([[{section}]])")
            return []
        out = []
        for index, entry in enumerate(raw):
            where = f"{section}[{index}]"
            if not isinstance(entry, dict):
                self.problem(where, "must be a table")
                continue
            out.append((where, entry))
        return out

    def name_of(self, where: str, entry: dict[str, Any], taken: dict[str, Any]) -> str | None:
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            self.problem(where, "needs a name")
            return None
        if name in taken:
            self.problem(f"{where}.name", f"{name!r} appears twice")
            return None
        return name

    def string(self, where: str, entry: dict[str, Any], key: str) -> str | None:
        value = entry.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(f"{where}.{key}", "must be a non-empty string")
            return None
        return value.strip()

    def person_name(self, key: str, value: Any, what: str) -> str | None:
        """The configured name for `value` (a name or login), else a problem and None."""
        if not isinstance(value, str) or not value.strip():
            self.problem(key, f"{what} must be a person's name")
            return None
        name = self.by_any_name.get(value.strip())
        if name is None:
            self.problem(key, f"{value!r} is not a person in [[people]]")
        return name

    def people_list(self, where: str, entry: dict[str, Any], key: str) -> tuple[str, ...]:
        value = entry.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.problem(f"{where}.{key}", "must be a list of people's names")
            return ()
        names = []
        for item in value:
            name = self.person_name(f"{where}.{key}", item, "each member")
            if name is not None and name not in names:
                names.append(name)
        return tuple(names)

    def instant(self, key: str, value: Any, zone: ZoneInfo) -> datetime | None:
        """A TOML datetime, or an ISO string; no offset means the rotation's own zone."""
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                self.problem(key, f"cannot read time {value!r}; use ISO 8601 like 2026-11-20T00:00+01:00")
                return None
        elif isinstance(value, date) and not isinstance(value, datetime):
            value = datetime.combine(value, time(0, 0))
        if not isinstance(value, datetime):
            self.problem(key, "must be a date-time like 2026-11-20T00:00+01:00")
            return None
        if not 1970 <= value.year <= 2200:  # also keeps date arithmetic far from overflow
            self.problem(key, f"{value.isoformat()} is outside 1970-2200")
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(ZoneInfo("UTC"))

    # -- sections --------------------------------------------------------------------

    def people(self) -> None:
        """Waking hours (the core already checked timezones); on-call people need a zone."""
        for index, entry in enumerate(self.raw.get("people", []) or []):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) \
                    or entry["name"] not in self.oncall.people:
                continue
            hours = entry.get("waking_hours")
            if hours is None:
                continue
            try:
                self.oncall.hours[entry["name"]] = WakingHours.parse(hours)
            except InvalidInput as exc:
                self.problem(f"people[{index}].waking_hours", str(exc))

    def teams(self) -> None:
        for where, entry in self.entries("teams"):
            name = self.name_of(where, entry, self.oncall.teams)
            if name is None:
                continue
            members = self.people_list(where, entry, "members")
            lead = entry.get("tech_lead")
            lead = self.person_name(f"{where}.tech_lead", lead, "tech_lead") if lead is not None else None
            self.oncall.teams[name] = Team(name, members, lead)

    def services(self) -> None:
        for where, entry in self.entries("services"):
            name = self.name_of(where, entry, self.oncall.services)
            if name is None:
                continue
            team = self.string(where, entry, "team")
            if team is not None and team not in self.oncall.teams:
                self.problem(f"{where}.team", f"{team!r} is not a team in [[teams]]")
                team = None
            lead = entry.get("tech_lead")
            lead = self.person_name(f"{where}.tech_lead", lead, "tech_lead") if lead is not None else None
            self.oncall.services[name] = Service(
                name, team, self.string(where, entry, "runbook"), lead,
                self.string(where, entry, "pagerduty_routing_key"))

    def rotations(self) -> None:
        for where, entry in self.entries("rotations"):
            name = self.name_of(where, entry, self.oncall.rotations)
            if name is None:
                continue
            rotation = self.rotation(where, name, entry)
            if rotation is not None:
                self.oncall.rotations[name] = rotation

    def rotation(self, where: str, name: str, entry: dict[str, Any]) -> Rotation | None:
        team = self.string(where, entry, "team")
        if team is not None and team not in self.oncall.teams:
            self.problem(f"{where}.team", f"{team!r} is not a team in [[teams]]")
            team = None
        layer = self.string(where, entry, "layer") or "primary"
        tz = self.string(where, entry, "timezone")
        if tz is not None and not valid_timezone(tz):
            self.problem(f"{where}.timezone", f"unknown timezone {tz!r} (use an IANA name like Europe/Berlin)")
            tz = None
        ical = self.string(where, entry, "ical")
        if ical is not None:
            return self.ical_rotation(where, name, entry, team, layer, tz or "UTC", ical)
        if tz is None:
            if "timezone" not in entry:
                self.problem(f"{where}.timezone",
                             "missing: the handoff is wall-clock time in this zone (e.g. Europe/Berlin); using UTC")
            tz = "UTC"
        members = self.people_list(where, entry, "members")
        if not members:
            self.problem(f"{where}.members", "no people on this rotation (or give ical = \"file.ics\")")
            return None
        length_days = self.length(where, entry)
        weekday, handoff = self.handoff(where, entry)
        start = entry.get("start")
        if isinstance(start, str):
            try:
                start = date.fromisoformat(start.strip())
            except ValueError:
                start = None
        if isinstance(start, datetime):
            start = start.date()
        if not isinstance(start, date) or not 1970 <= start.year <= 2200:
            self.problem(f"{where}.start", "must be the date of the first handoff, like 2026-11-03")
            return None
        if length_days is None or handoff is None:
            return None
        if weekday is not None:
            if length_days % 7:
                self.problem(f"{where}.handoff",
                             f"names a weekday but the shift length is {length_days}d, not whole weeks")
                return None
            if start.weekday() != weekday:
                self.problem(f"{where}.start",
                             f"{start.isoformat()} is a {start.strftime('%A')} but handoff says "
                             f"{_DAY_NAMES[weekday]}")
                return None
        offset = entry.get("offset", 0)
        if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
            self.problem(f"{where}.offset", "must be a whole number of turns (0 or more)")
            offset = 0
        return Rotation(name, layer, team, members, start, weekday, handoff, tz, length_days, offset)

    def length(self, where: str, entry: dict[str, Any]) -> int | None:
        text = entry.get("length", "1w")
        try:
            delta = parse_duration(str(text))
        except InvalidInput:
            delta = None
        if delta is None or delta.seconds or delta.microseconds or not isinstance(text, str):
            self.problem(f"{where}.length", f"cannot read shift length {text!r}; use Nd or Nw like 1w")
            return None
        return delta.days

    def handoff(self, where: str, entry: dict[str, Any]) -> tuple[int | None, time | None]:
        text = entry.get("handoff", "09:00")
        match = _HANDOFF.match(text.strip()) if isinstance(text, str) else None
        if match:
            day, hour, minute = match.group("day"), int(match.group("hour")), int(match.group("minute"))
            if (day is None or day.lower() in WEEKDAYS) and hour < 24 and minute < 60:
                return (WEEKDAYS[day.lower()] if day else None), time(hour, minute)
        self.problem(f"{where}.handoff",
                     f"cannot read handoff {text!r}; use a weekday and a local time like \"tuesday 09:00\"")
        return None, None

    def ical_rotation(self, where: str, name: str, entry: dict[str, Any], team: str | None,
                      layer: str, tz: str, ical: str) -> Rotation | None:
        base = self.config.path.parent if self.config.path else Path.cwd()
        path = Path(ical).expanduser()
        path = path if path.is_absolute() else base / path
        try:
            events = read_ical_events(path, ZoneInfo(tz))
        except InvalidInput as exc:
            self.problem(f"{where}.ical", str(exc))
            return None
        shifts, strangers = shifts_from_events(events, self.config.people)
        for event in strangers:
            if event.name not in self.oncall.people:
                self.problem(f"{where}.ical", f"{event.name!r}"
                             + (f" <{event.email}>" if event.email else "")
                             + f" in {Path(ical).name} is not a person in [[people]]")
                self.oncall.people[event.name] = Person(name=event.name, email=event.email)
        if not shifts:
            self.problem(f"{where}.ical", f"{Path(ical).name} has no on-call events")
        members = tuple(dict.fromkeys(s.person for s in shifts))
        return Rotation(name, layer, team, members, timezone=tz, ical=str(path),
                        ical_shifts=tuple(shifts))

    def overrides(self) -> None:
        for where, entry in self.entries("overrides"):
            rotation_name = self.string(where, entry, "rotation")
            rotation = self.oncall.rotations.get(rotation_name or "")
            if rotation is None:
                self.problem(f"{where}.rotation", f"{rotation_name!r} is not a rotation in [[rotations]]")
                continue
            person = self.person_name(f"{where}.person", entry.get("person"), "person (who is away)")
            replaced_by = entry.get("replaced_by")
            if replaced_by is not None:
                replaced_by = self.person_name(f"{where}.replaced_by", replaced_by, "replaced_by")
                if replaced_by is None:
                    continue
            start = self.instant(f"{where}.from", entry.get("from"), rotation.zone)
            end = self.instant(f"{where}.to", entry.get("to"), rotation.zone)
            if person is None or start is None or end is None:
                continue
            if end <= start:
                self.problem(f"{where}.to", "must be after from")
                continue
            if person == replaced_by:
                self.problem(f"{where}.replaced_by", f"{person} cannot replace themselves")
                continue
            held = [s for s in shifts_between(rotation, start, end) if s.person == person]
            if not held:
                self.problem(where, f"{person} holds no {rotation.name} shift between "
                                    f"{_local(start, rotation)} and {_local(end, rotation)}; "
                                    "the override would change nothing")
                continue
            self.oncall.overrides.setdefault(rotation.name, []).append(Override(
                rotation.name, person, replaced_by, start, end, self.string(where, entry, "reason")))

    def duty_roles(self) -> None:
        for where, entry in self.entries("duty_roles"):
            name = self.name_of(where, entry, self.oncall.duty_roles)
            if name is None:
                continue
            rotation = self.string(where, entry, "rotation")
            if rotation is not None and rotation not in self.oncall.rotations:
                self.problem(f"{where}.rotation", f"{rotation!r} is not a rotation in [[rotations]]")
                rotation = None
            members = self.people_list(where, entry, "members")
            if not members and rotation is None:
                self.problem(where, "needs members = [...] or rotation = \"name\"")
                continue
            self.oncall.duty_roles[name] = DutyRole(name, members, rotation)

    def escalation(self) -> None:
        for where, entry in self.entries("escalation"):
            scopes = [k for k in ("service", "team", "default") if k in entry]
            if len(scopes) != 1:
                self.problem(where, "needs exactly one of service = \"…\", team = \"…\" or default = true")
                continue
            scope = scopes[0]
            name = None
            if scope == "default":
                if entry["default"] is not True:
                    self.problem(f"{where}.default", "must be true")
                    continue
            else:
                name = self.string(where, entry, scope)
                known = self.oncall.services if scope == "service" else self.oncall.teams
                if name is None or name not in known:
                    self.problem(f"{where}.{scope}", f"{name!r} is not a {scope} in [[{scope}s]]")
                    continue
            if self.oncall.policy_for(scope, name) is not None:
                self.problem(where, f"a second escalation policy for {scope} {name or ''}".rstrip()
                             + "; only the first is used")
                continue
            tiers = self.tiers(where, entry.get("tiers"))
            if tiers:
                self.oncall.policies.append(EscalationPolicy(scope, name, tiers))

    def tiers(self, where: str, raw: Any) -> tuple[Tier, ...]:
        if not isinstance(raw, list) or not raw:
            self.problem(f"{where}.tiers", "must be a list of { targets = [...], wait = \"10m\" }")
            return ()
        tiers = []
        for index, tier in enumerate(raw):
            at = f"{where}.tiers[{index}]"
            if not isinstance(tier, dict):
                self.problem(at, "must be a table { targets = [...], wait = \"10m\" }")
                continue
            targets = tier.get("targets", [])
            if isinstance(targets, str):
                targets = [targets]
            if not isinstance(targets, list):
                self.problem(f"{at}.targets", "must be a list like [\"rotation:payments-primary\"]")
                continue
            found = []
            for t_index, text in enumerate(targets):
                target = self.target(f"{at}.targets[{t_index}]", text)
                if target is not None:
                    found.append(target)
            wait = tier.get("wait")
            if wait is not None:
                try:
                    parse_duration(str(wait))
                    wait = str(wait).strip()
                except InvalidInput as exc:
                    self.problem(f"{at}.wait", str(exc))
                    wait = None
            if found:
                tiers.append(Tier(len(tiers) + 1, tuple(found), wait))
            else:
                self.problem(at, "names nobody who can be woken; tier left out")
        return tuple(tiers)

    def target(self, key: str, text: Any) -> Target | None:
        if not isinstance(text, str) or ":" not in text:
            self.problem(key, f"{text!r} is not a target; use kind:name with kind one of "
                              + ", ".join(TARGET_KINDS))
            return None
        kind, name = (part.strip() for part in text.split(":", 1))
        kind = kind.lower().replace("-", "_")
        if kind not in TARGET_KINDS:
            self.problem(key, f"{text!r}: unknown kind {kind!r}; use one of " + ", ".join(TARGET_KINDS))
            return None
        if kind == "person":
            resolved = self.by_any_name.get(name)
            if resolved is None:
                self.problem(key, f"{text!r} names nothing: {name!r} is not a person in [[people]]")
                return None
            return Target(kind, resolved)
        exists = {
            "rotation": name in self.oncall.rotations,
            "role": name in self.oncall.duty_roles or name in self.oncall.rotations,
            "team": name in self.oncall.teams,
            "tech_lead": name in self.oncall.teams and self.oncall.teams[name].tech_lead is not None,
        }[kind]
        if not exists:
            where = {"rotation": "[[rotations]]", "role": "[[duty_roles]] or [[rotations]]",
                     "team": "[[teams]]", "tech_lead": "[[teams]] with a tech_lead"}[kind]
            self.problem(key, f"{text!r} names nothing: no {name!r} in {where}")
            return None
        return Target(kind, name)

    def pagerduty(self) -> None:
        section = self.raw.get("oncall", {})
        pd = section.get("pagerduty") if isinstance(section, dict) else None
        if pd is None:
            return
        if not isinstance(pd, dict):
            self.problem("oncall.pagerduty", "must be a table")
            return
        url = self.string("oncall.pagerduty", pd, "events_url") or DEFAULT_EVENTS_URL
        if not url.startswith(("https://", "http://")):
            self.problem("oncall.pagerduty.events_url", "must be an http(s) URL")
            url = DEFAULT_EVENTS_URL
        timeout = pd.get("timeout_seconds", 10)
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
            self.problem("oncall.pagerduty.timeout_seconds", "must be a positive number of seconds")
            timeout = 10
        object.__setattr__(self.oncall, "pagerduty", PagerDutySettings(  # still being built
            self.string("oncall.pagerduty", pd, "routing_key"), url,
            self.string("oncall.pagerduty", pd, "source") or "firedesk", float(timeout)))

    def zones_of_people_on_call(self) -> None:
        """Someone on a rotation without a timezone would show wrong local times."""
        on_call = {m for r in self.oncall.rotations.values() for m in r.members}
        for index, entry in enumerate(self.raw.get("people", []) or []):
            if isinstance(entry, dict) and isinstance(entry.get("name"), str) \
                    and entry["name"] in on_call and "timezone" not in entry:
                self.problem(f"people[{index}].timezone",
                             f"{entry['name']} is on call but has no timezone; local times assume UTC")


_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _local(moment: datetime, rotation: Rotation) -> str:
    return moment.astimezone(rotation.zone).strftime("%Y-%m-%d %H:%M ") + rotation.timezone


def parse_oncall(loading: Loading) -> OnCall:
    """The validated on-call set-up, read once at load; never raises for bad config."""
    loader = _Loader(loading)
    loader.people()
    loader.teams()
    loader.services()
    loader.rotations()
    loader.overrides()
    loader.duty_roles()
    loader.escalation()
    loader.pagerduty()
    loader.zones_of_people_on_call()
    return loader.oncall


def load_oncall(config: Config) -> tuple[OnCall, list[ConfigProblem]]:
    """The on-call set-up read at load, and the problems found in its sections."""
    return config.oncall, list(config.problems_by.get("oncall", []))
