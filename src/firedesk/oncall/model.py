"""The on-call set-up as validated data: teams, services, rotations, overrides, policies.

Built by `load_oncall(config)`; everything here is already checked, so the engine never
has to ask whether a name exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone, tzinfo
from zoneinfo import ZoneInfo

from firedesk.config import Person
from firedesk.oncall.hours import DEFAULT_WAKING_HOURS, WakingHours

LAYER_ORDER = ("primary", "secondary", "tertiary")
TARGET_KINDS = ("rotation", "role", "team", "person", "tech_lead")
DEFAULT_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"


@dataclass(frozen=True)
class Team:
    name: str
    members: tuple[str, ...] = ()
    tech_lead: str | None = None


@dataclass(frozen=True)
class Service:
    name: str
    team: str | None = None
    runbook: str | None = None
    tech_lead: str | None = None
    routing_key: str | None = None  # a PagerDuty integration key for this service only


@dataclass(frozen=True)
class IcalShift:
    """One shift read from an iCal export: who (a person's name) and when (UTC)."""

    person: str
    start: datetime
    end: datetime
    summary: str = ""


@dataclass(frozen=True)
class Rotation:
    """A layer of on-call duty: members take turns, handing off at a local wall-clock time.

    Either the turn rule (members, start, handoff, length) or `ical_shifts` (a PagerDuty or
    Opsgenie export standing in for the members) says who holds each shift.
    """

    name: str
    layer: str = "primary"
    team: str | None = None
    members: tuple[str, ...] = ()
    start: date | None = None
    handoff_weekday: int | None = None  # 0 = Monday; None for daily rotations
    handoff_time: time = time(9, 0)
    timezone: str = "UTC"
    length_days: int = 7
    offset: int = 0  # secondary = the same members, one turn ahead (offset 1)
    ical: str | None = None
    ical_shifts: tuple[IcalShift, ...] = ()

    @property
    def zone(self) -> tzinfo:
        return ZoneInfo(self.timezone)

    @property
    def owner(self) -> str:
        """Who the layer is for, in words: the team, else the rotation's own name."""
        return self.team or self.name


@dataclass(frozen=True)
class Override:
    """`person` is away from `rotation` in [start, end); `replaced_by` holds it instead."""

    rotation: str
    person: str
    replaced_by: str | None
    start: datetime
    end: datetime
    reason: str | None = None


@dataclass(frozen=True)
class Target:
    """One escalation target: `rotation:payments-primary`, `person:Xavier`, …"""

    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True)
class Tier:
    number: int
    targets: tuple[Target, ...]
    wait: str | None = None


@dataclass(frozen=True)
class EscalationPolicy:
    """Ordered tiers for a service, a team, or everything else (`scope` = default)."""

    scope: str  # service | team | default | rotations (built from a team's layers)
    name: str | None
    tiers: tuple[Tier, ...]

    def describe(self) -> str:
        if self.scope == "default":
            return "the default escalation policy"
        if self.scope == "rotations":
            return f"{self.name}'s rotations, layer by layer (no [[escalation]] for it)"
        return f"the escalation policy for {self.scope} {self.name}"


@dataclass(frozen=True)
class DutyRole:
    """A standing duty such as firefighting-manager: fixed members or a rotation."""

    name: str
    members: tuple[str, ...] = ()
    rotation: str | None = None


@dataclass(frozen=True)
class PagerDutySettings:
    """`[oncall.pagerduty]`: where and how to send a real Events API v2 trigger."""

    routing_key: str | None = None
    events_url: str = DEFAULT_EVENTS_URL
    source: str = "firedesk"
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class OnCall:
    """The whole validated on-call set-up (its tables filled in once, by the loader)."""

    people: dict[str, Person] = field(default_factory=dict)
    hours: dict[str, WakingHours] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    rotations: dict[str, Rotation] = field(default_factory=dict)
    overrides: dict[str, list[Override]] = field(default_factory=dict)  # by rotation
    policies: list[EscalationPolicy] = field(default_factory=list)
    duty_roles: dict[str, DutyRole] = field(default_factory=dict)
    pagerduty: PagerDutySettings = field(default_factory=PagerDutySettings)

    def person(self, name: str) -> Person:
        """The person called `name`; someone only an iCal export knows gets a bare entry."""
        return self.people.get(name) or Person(name=name)

    def zone_of(self, name: str) -> tzinfo:
        person = self.people.get(name)
        return ZoneInfo(person.timezone) if person and person.timezone else timezone.utc

    def zone_name(self, name: str) -> str:
        person = self.people.get(name)
        return person.timezone if person and person.timezone else "UTC"

    def waking_hours(self, name: str) -> WakingHours:
        return self.hours.get(name) or WakingHours.parse(DEFAULT_WAKING_HOURS)

    def is_awake(self, name: str, at: datetime) -> bool:
        return self.waking_hours(name).is_awake(at.astimezone(self.zone_of(name)))

    def policy_for(self, scope: str, name: str | None) -> EscalationPolicy | None:
        for policy in self.policies:
            if policy.scope == scope and policy.name == name:
                return policy
        return None

    @property
    def configured(self) -> bool:
        return bool(self.rotations or self.policies or self.services)
