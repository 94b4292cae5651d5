"""Who to wake for a service at an instant: the escalation tiers, in order, with people.

The policy is the service's own, else its team's, else the default; a service whose team
has rotations but no policy gets its layers in order (primary, secondary, tertiary, …)
then the tech lead. Within a tier, people who are awake by their waking hours come first;
sleeping ones stay listed, and people on leave come last with who covers for them. A
person already listed in an earlier tier is not repeated ("anyone else on rotation").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from firedesk.clock import to_iso
from firedesk.errors import FiredeskError, NotFound
from firedesk.oncall.model import (
    LAYER_ORDER, EscalationPolicy, OnCall, Rotation, Target, Tier,
)
from firedesk.oncall.rotation import Duty, duties_at, next_handoff


@dataclass(frozen=True)
class Candidate:
    """One person a tier would wake, and everything needed to decide whether to."""

    person: str
    timezone: str
    local_time: datetime
    awake: bool
    away: bool
    replaced_by: str | None
    reason: str
    contacts: dict[str, str]
    wakes_at: datetime | None = None  # next local waking time, for people asleep

    def to_json(self) -> dict[str, Any]:
        return {
            "person": self.person, "local_time": self.local_time.isoformat(timespec="minutes"),
            "timezone": self.timezone, "awake": self.awake, "away": self.away,
            "replaced_by": self.replaced_by, "reason": self.reason, "contacts": self.contacts,
        }

    def state(self) -> str:
        """Awake, asleep or away, in words (never only a colour)."""
        if self.away:
            return "away" + (f", {self.replaced_by} covers" if self.replaced_by else ", nobody covers")
        if self.awake:
            return "awake"
        if self.wakes_at is not None:
            return f"asleep (wakes {self.wakes_at.strftime('%H:%M')})"
        return "asleep"


@dataclass(frozen=True)
class WakeTier:
    tier: int
    wait: str | None
    candidates: tuple[Candidate, ...]
    notes: tuple[str, ...] = ()  # e.g. "payments-primary: nobody on call"

    def to_json(self) -> dict[str, Any]:
        return {"tier": self.tier, "wait": self.wait,
                "candidates": [c.to_json() for c in self.candidates]}


@dataclass(frozen=True)
class WakePlan:
    """The ordered answer for one service at one instant."""

    service: str
    at: datetime
    policy: str
    tiers: tuple[WakeTier, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {"service": self.service, "at": to_iso(self.at),
                "tiers": [t.to_json() for t in self.tiers]}

    def first_awake(self) -> Candidate | None:
        for tier in self.tiers:
            for candidate in tier.candidates:
                if candidate.awake and not candidate.away:
                    return candidate
        return None


def when_text(moment: datetime, at: datetime, zone_name: str, zone) -> str:  # noqa: ANN001
    """`Tue 09:00 Europe/Berlin` within a week of `at`, else `2026-12-01 09:00 Europe/Berlin`."""
    local = moment.astimezone(zone)
    if moment - at < timedelta(days=6):
        return local.strftime("%a %H:%M ") + zone_name
    return local.strftime("%Y-%m-%d %H:%M ") + zone_name


def policy_for_service(oncall: OnCall, service: str) -> EscalationPolicy:
    """The service's policy, its team's, the default, or its team's layers in order."""
    known = oncall.services.get(service)
    if known is None:
        default = oncall.policy_for("default", None)
        if default is not None:
            return default
        names = ", ".join(sorted(oncall.services)) or "none configured"
        raise NotFound(f"no service {service!r} in [[services]] (known: {names}) and no default "
                       "escalation policy")
    for scope, name in (("service", service), ("team", known.team), ("default", None)):
        if scope == "team" and name is None:
            continue
        policy = oncall.policy_for(scope, name)
        if policy is not None:
            return policy
    layers = team_layers(oncall, known.team) if known.team else []
    tiers = [Tier(i + 1, (Target("rotation", r.name),)) for i, r in enumerate(layers)]
    team = oncall.teams.get(known.team or "")
    lead = known.tech_lead or (team.tech_lead if team else None)
    if lead:
        tiers.append(Tier(len(tiers) + 1, (Target("person", lead),)))
    if not tiers:
        raise FiredeskError(
            f"nobody to wake for {service}: add [[escalation]] with service = \"{service}\", "
            "a team policy, default = true, or rotations for its team")
    return EscalationPolicy("rotations", known.team, tuple(tiers))


def team_layers(oncall: OnCall, team: str | None) -> list[Rotation]:
    """The team's rotations, primary first, then secondary, tertiary, then any other layer."""
    rank = {layer: i for i, layer in enumerate(LAYER_ORDER)}
    rotations = [r for r in oncall.rotations.values() if r.team == team]
    return sorted(rotations, key=lambda r: (rank.get(r.layer, len(rank)), r.layer, r.name))


class _TierBuilder:
    """Gathers a tier's people, merging reasons when a person is named twice."""

    def __init__(self, oncall: OnCall, at: datetime):
        self.oncall = oncall
        self.at = at
        self.entries: dict[str, dict[str, Any]] = {}
        self.notes: list[str] = []

    def add(self, person: str, reason: str, away: bool = False, replaced_by: str | None = None) -> None:
        entry = self.entries.get(person)
        if entry is None:
            self.entries[person] = {"reasons": [reason], "away": away, "replaced_by": replaced_by}
            return
        if reason not in entry["reasons"]:
            entry["reasons"].append(reason)
        if not away:  # on duty somewhere in this tier outweighs being away from another layer
            entry["away"], entry["replaced_by"] = False, None

    def rotation(self, rotation: Rotation, label: str | None = None) -> None:
        duties = duties_at(self.oncall, rotation, self.at)
        if not duties:
            self.notes.append(f"{rotation.name}: nobody on call" + _not_started(rotation, self.at))
            return
        for duty in duties:
            self._duty(duty, rotation, label)

    def _duty(self, duty: Duty, rotation: Rotation, label: str | None) -> None:
        what = label or f"{rotation.layer} for {rotation.owner}"
        zone = rotation.zone
        # A duty ends at the handoff, or where an override starts or ends.
        until = when_text(duty.end, self.at, rotation.timezone, zone)
        if duty.away is None:
            self.add(duty.person, f"{what} until {until}")
            return
        if duty.person is not None:
            self.add(duty.person, f"covering {what} for {duty.away} (away) until {until}")
        self.add(duty.away, f"{what}, away until {until}", away=True, replaced_by=duty.person)

    def target(self, target: Target, service: str) -> None:
        oncall = self.oncall
        if target.kind == "rotation":
            self.rotation(oncall.rotations[target.name])
        elif target.kind == "role":
            role = oncall.duty_roles.get(target.name)
            if role is None:  # a rotation standing in for the role
                self.rotation(oncall.rotations[target.name], f"{target.name}")
                return
            for member in role.members:
                self.add(member, f"{role.name} (duty role)")
            if role.rotation:
                rotation = oncall.rotations[role.rotation]
                self.rotation(rotation, f"{role.name} on {rotation.name}")
        elif target.kind == "team":
            team = oncall.teams[target.name]
            on_duty = self._team_duties(team.name)
            for member in team.members + ((team.tech_lead,) if team.tech_lead else ()):
                words = f"tech lead of {team.name}" if member == team.tech_lead else f"member of {team.name}"
                if member in on_duty:
                    words += f"; {on_duty[member]}"
                self.add(member, words)
        elif target.kind == "tech_lead":
            team = oncall.teams[target.name]
            self.add(team.tech_lead, f"tech lead of {team.name}")
        elif target.kind == "person":
            self.add(target.name, f"named in the escalation for {service}")

    def _team_duties(self, team: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for rotation in team_layers(self.oncall, team):
            for duty in duties_at(self.oncall, rotation, self.at):
                if duty.person:
                    out.setdefault(duty.person, f"{rotation.layer} on call now")
        return out

    def build(self, tier: Tier, skip: set[str]) -> WakeTier:
        oncall, at = self.oncall, self.at
        candidates = []
        for name, entry in self.entries.items():
            if name in skip:
                continue
            person = oncall.person(name)
            zone = oncall.zone_of(name)
            awake = oncall.is_awake(name, at)
            wakes_at = None
            if not awake:
                wake = oncall.waking_hours(name).next_wake(at, zone)
                wakes_at = wake.astimezone(zone) if wake else None
            candidates.append(Candidate(
                name, oncall.zone_name(name), at.astimezone(zone), awake, entry["away"],
                entry["replaced_by"], "; ".join(entry["reasons"]), person.contacts(), wakes_at))
        # Awake people first, then sleeping ones; people on leave last. Stable otherwise.
        candidates.sort(key=lambda c: (c.away, not c.awake))
        if self.entries and not candidates:
            self.notes.append("everyone here is already listed in an earlier tier")
        return WakeTier(tier.number, tier.wait, tuple(candidates), tuple(self.notes))


def _not_started(rotation: Rotation, at: datetime) -> str:
    upcoming = next_handoff(rotation, at)
    if upcoming is None:
        return ""
    return f" (next shift starts {when_text(upcoming, at, rotation.timezone, rotation.zone)})"


def who_to_wake(oncall: OnCall, service: str, at: datetime) -> WakePlan:
    """The ordered tiers for `service` at `at`, each with candidates awake-first."""
    at = at.astimezone(timezone.utc)
    policy = policy_for_service(oncall, service)
    tiers = []
    seen: set[str] = set()
    for tier in policy.tiers:
        builder = _TierBuilder(oncall, at)
        for target in tier.targets:
            builder.target(target, service)
        built = builder.build(tier, seen)
        seen.update(c.person for c in built.candidates)
        tiers.append(built)
    return WakePlan(service, at, policy.describe(), tuple(tiers))
