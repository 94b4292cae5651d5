"""Readiness: the accesses each on-call member must have (Caseflow's Prod Squad: PagerDuty,
CloudWatch logs, Sentry, AWS, production, SSH), confirmed by the person, with dates.

Each confirmation is a `readiness.confirmed` event (no incident) on the record. A check
never confirmed is missing; one confirmed longer ago than `stale_after` is stale. Who to
wake marks the people whose readiness is incomplete or stale.

Config (firedesk.toml):

    [readiness]
    checks = ["PagerDuty", "CloudWatch logs", "Sentry", "AWS", "Production", "SSH"]
    stale_after = "90d"

    [readiness.teams.Foxtrot]          # a team's own list replaces the default for its members
    checks = ["PagerDuty", "Sentry", "VBMS sandbox"]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable

from firedesk.clock import parse_duration, parse_utc, to_iso
from firedesk.config import Config, Loading
from firedesk.errors import InvalidInput
from firedesk.oncall.model import OnCall
from firedesk.store.store import Store
from firedesk.store.timeline import append_event

DEFAULT_STALE = timedelta(days=90)


@dataclass(frozen=True)
class ReadinessSettings:
    checks: tuple[str, ...] = ()
    teams: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stale_after: timedelta = DEFAULT_STALE

    @property
    def configured(self) -> bool:
        return bool(self.checks or self.teams)

    def checks_for(self, oncall: OnCall, person: str) -> tuple[str, ...]:
        """The person's teams' own lists (joined), else the default list."""
        own: list[str] = []
        for team in oncall.teams.values():
            if person in team.members and team.name in self.teams:
                own += self.teams[team.name]
        return tuple(dict.fromkeys(own)) if own else self.checks


def _check_list(config: Loading, where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        config.problem(where, "must be a list of check names")
        return ()
    lowered = [v.strip().lower() for v in value]
    if len(set(lowered)) != len(lowered):
        config.problem(where, "names a check twice")
    return tuple(dict.fromkeys(v.strip() for v in value))


def readiness_settings(config: Config) -> ReadinessSettings:
    """`[readiness]` as read when the config was loaded (`config.readiness`)."""
    return config.readiness


def parse_readiness(config: Loading) -> ReadinessSettings:
    """The [readiness] section, checked; problems recorded on the config."""
    raw = config.section("readiness")
    if raw is None:
        return ReadinessSettings()
    if not isinstance(raw, dict):
        config.problem("readiness", "must be a table ([readiness])")
        return ReadinessSettings()
    checks = _check_list(config, "readiness.checks", raw.get("checks", []))
    stale = DEFAULT_STALE
    if "stale_after" in raw:
        try:
            stale = parse_duration(str(raw["stale_after"]))
        except InvalidInput:
            config.problem("readiness.stale_after",
                           f"cannot read duration {raw['stale_after']!r} (use e.g. 90d); using 90d")
    teams: dict[str, tuple[str, ...]] = {}
    raw_teams = raw.get("teams", {})
    if not isinstance(raw_teams, dict):
        config.problem("readiness.teams", "must be tables ([readiness.teams.NAME])")
        raw_teams = {}
    for name, entry in raw_teams.items():
        if not isinstance(entry, dict):
            config.problem(f"readiness.teams.{name}", "must be a table with checks = [...]")
            continue
        teams[name] = _check_list(config, f"readiness.teams.{name}.checks", entry.get("checks", []))
    return ReadinessSettings(checks, teams, stale)


@dataclass(frozen=True)
class CheckState:
    check: str
    state: str                   # ok | stale | missing
    confirmed_at: str | None = None
    confirmed_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "state": self.state, "confirmed_at": self.confirmed_at,
                "confirmed_by": self.confirmed_by}


@dataclass(frozen=True)
class Readiness:
    person: str
    checks: tuple[CheckState, ...]

    @property
    def missing(self) -> list[str]:
        return [c.check for c in self.checks if c.state == "missing"]

    @property
    def stale(self) -> list[str]:
        return [c.check for c in self.checks if c.state == "stale"]

    @property
    def ready(self) -> bool:
        return not self.missing and not self.stale

    def note(self) -> str | None:
        """One phrase for who to wake, or None when ready."""
        parts = []
        if self.missing:
            parts.append("missing " + ", ".join(self.missing))
        if self.stale:
            parts.append("stale " + ", ".join(self.stale))
        return ("readiness: " + "; ".join(parts)) if parts else None

    def to_json(self) -> dict[str, Any]:
        return {"person": self.person, "ready": self.ready,
                "checks": [c.to_json() for c in self.checks]}


def _confirmations(store: Store, people: Iterable[str] | None = None) -> dict[tuple[str, str], tuple[str, str]]:
    """(person, check lowercased) → (latest confirmation time, by whom)."""
    wanted = set(people) if people is not None else None
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for row in store.query("SELECT at, author, data FROM events WHERE incident_id IS NULL "
                           "AND kind = 'readiness.confirmed' ORDER BY id"):
        data = json.loads(row["data"] or "{}")
        person, check = data.get("person"), data.get("check")
        if not isinstance(person, str) or not isinstance(check, str):
            continue
        if wanted is None or person in wanted:
            out[(person, check.lower())] = (row["at"], row["author"])
    return out


def readiness_of(store: Store, settings: ReadinessSettings, oncall: OnCall,
                 people: Iterable[str], now: datetime) -> dict[str, Readiness]:
    """Each person's checklist, each check ok, stale or missing."""
    people = list(dict.fromkeys(people))
    seen = _confirmations(store, people)
    cutoff = to_iso(now - settings.stale_after)
    out = {}
    for person in people:
        states = []
        for check in settings.checks_for(oncall, person):
            found = seen.get((person, check.lower()))
            if found is None:
                states.append(CheckState(check, "missing"))
            else:
                states.append(CheckState(check, "ok" if found[0] >= cutoff else "stale", *found))
        out[person] = Readiness(person, tuple(states))
    return out


def confirm_ready(store: Store, settings: ReadinessSettings, oncall: OnCall, person: str,
                  names: Iterable[str], *, everything: bool = False) -> list[Any]:
    """`person` confirms they have these accesses (all of theirs with `everything`)."""
    mine = settings.checks_for(oncall, person)
    if not mine:
        raise InvalidInput("no readiness checks configured for you ([readiness] checks = [...])")
    by_name = {c.lower(): c for c in mine}
    chosen = list(mine) if everything else []
    for name in names:
        check = by_name.get(name.strip().lower())
        if check is None:
            raise InvalidInput(f"{name!r} is not one of your checks: {', '.join(mine)}; "
                               "nothing was recorded")
        chosen.append(check)
    if not chosen:
        raise InvalidInput("name the checks you confirm, or --all")
    chosen = list(dict.fromkeys(chosen))
    with store.write():
        return [append_event(store, incident_id=None, kind="readiness.confirmed", author=person,
                             text=f"{person} confirmed readiness: {check}",
                             data={"person": person, "check": check}) for check in chosen]


def readiness_notes(store: Store, settings: ReadinessSettings, oncall: OnCall,
                    people: Iterable[str], now: datetime) -> dict[str, str]:
    """For who to wake: person → "readiness: missing AWS; stale SSH" (ready people absent)."""
    if not settings.configured:
        return {}
    return {p: r.note() for p, r in readiness_of(store, settings, oncall, people, now).items()
            if r.note()}


def since_text(stored: str, now: datetime) -> str:
    days = (now - parse_utc(stored)).days
    return "today" if days == 0 else f"{days}d ago"
