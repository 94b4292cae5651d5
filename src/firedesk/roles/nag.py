"""The polite nag: an incident with nobody leading or nobody talking to stakeholders.

After a few minutes (config `[nag] after_minutes`, default 5) without a leader or a
communications person, the console says so plainly and says how to fix it. Counted
from the declaration, or from when the last holder stepped down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from firedesk.clock import format_duration, parse_utc
from firedesk.config import Config, Loading
from firedesk.model import Incident, RoleTenure

DEFAULT_AFTER_MINUTES = 5
NAGGED_ROLES = ("leader", "communications")
_WHY = {
    "leader": "nobody is coordinating",
    "communications": "nobody is keeping stakeholders informed",
}


@dataclass(frozen=True)
class Nag:
    """One unfilled role the incident needs, and for how long it has been empty."""

    role: str
    empty_for: timedelta
    text: str


@dataclass(frozen=True)
class NagSettings:
    """`[nag]`: minutes before nagging, and the roles to nag about."""

    after_minutes: int = DEFAULT_AFTER_MINUTES
    roles: tuple[str, ...] = NAGGED_ROLES


def parse_nag(loading: Loading) -> NagSettings:
    """Read `[nag]` once, at load."""
    section = loading.section("nag") or {}
    minutes, roles = DEFAULT_AFTER_MINUTES, NAGGED_ROLES
    if not isinstance(section, dict):
        loading.problem("nag", "must be a table with after_minutes and roles")
        return NagSettings()
    value = section.get("after_minutes", minutes)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        minutes = value
    else:
        loading.problem("nag.after_minutes", "must be whole minutes (0 nags at once)")
    wanted = section.get("roles", list(roles))
    if isinstance(wanted, list) and all(isinstance(r, str) for r in wanted):
        roles = tuple(r.lower() for r in wanted)
    else:
        loading.problem("nag.roles", "must be a list of role names")
    return NagSettings(minutes, roles)


def missing_role_nags(
    incident: Incident, now: datetime, *, after_minutes: int = DEFAULT_AFTER_MINUTES,
    roles: Iterable[str] = NAGGED_ROLES, tenures: Iterable[RoleTenure] = (),
    keys: dict[str, str] | None = None,
) -> list[Nag]:
    """Nags for each role in `roles` that nobody holds and has been empty long enough."""
    if not incident.is_open:
        return []
    ended: dict[str, str] = {}
    for tenure in tenures:
        if tenure.until and tenure.until > ended.get(tenure.role, ""):
            ended[tenure.role] = tenure.until
    nags: list[Nag] = []
    for role in roles:
        if incident.roles.get(role):
            continue
        since = parse_utc(ended.get(role) or incident.declared_at)
        empty = now - since
        if empty < timedelta(minutes=after_minutes):
            continue
        key = (keys or {}).get(role)
        how = (f"press {key} in the console, or " if key else "") + \
            f"`firedesk assign {incident.key} {role} NAME`"
        nags.append(Nag(role, empty, f"No {role} for {format_duration(empty)}: {_WHY.get(role, 'the role is empty')}. "
                                     f"Someone please take it ({how})."))
    return nags


def nags_for(store, incident: Incident, config: Config | None, now: datetime) -> list[Nag]:  # noqa: ANN001
    """Everything the console needs in one call (runs in a worker thread)."""
    from firedesk.roles.catalog import role_catalog
    from firedesk.store.incidents import role_tenures

    settings = config.nag if config is not None else NagSettings()
    keys = {r.name: r.key for r in role_catalog(config) if r.key}
    return missing_role_nags(incident, now, after_minutes=settings.after_minutes,
                             roles=settings.roles,
                             tenures=role_tenures(store, incident.id), keys=keys)
