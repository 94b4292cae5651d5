"""The roster: who is on which team and rotation, and what each has served.

A rotation shift counts as served by whoever held it (overrides applied) once it has
started; a rotation whose `layer` is "shadow" counts as shadowed instead (Sendwithus:
"you have shadowed 2 fire duty rotations"). Drills come from the real record's
`drill.started` events: led, or shadowed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from firedesk.oncall.model import OnCall
from firedesk.oncall.rotation import duties_of_shift, shifts_between

SHADOW_LAYER = "shadow"


@dataclass
class Served:
    person: str
    teams: list[str] = field(default_factory=list)
    rotations: list[str] = field(default_factory=list)
    rotations_served: int = 0
    rotations_shadowed: int = 0
    drills_led: int = 0
    drills_shadowed: int = 0

    def to_json(self, served: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {"person": self.person, "teams": self.teams,
                                "rotations": self.rotations}
        if served:
            data.update(rotations_served=self.rotations_served,
                        rotations_shadowed=self.rotations_shadowed,
                        drills_led=self.drills_led, drills_shadowed=self.drills_shadowed)
        return data


def served_counts(store, oncall: OnCall, now: datetime) -> list[Served]:  # noqa: ANN001
    """Everyone configured (and anyone only a shift or a drill names), in config order."""
    people: dict[str, Served] = {name: Served(name) for name in oncall.people}

    def of(name: str) -> Served:
        return people.setdefault(name, Served(name))

    for team in oncall.teams.values():
        for member in team.members:
            of(member).teams.append(team.name)
    for rotation in oncall.rotations.values():
        for member in rotation.members:
            if rotation.name not in of(member).rotations:
                of(member).rotations.append(rotation.name)
    if store is None:
        return list(people.values())
    for rotation in oncall.rotations.values():
        if rotation.ical is not None:
            begin = min((s.start for s in rotation.ical_shifts), default=now)
        elif rotation.start is None:
            continue
        else:
            from firedesk.oncall.rotation import handoff_at

            begin = handoff_at(rotation, 0)
        overrides = oncall.overrides.get(rotation.name, [])
        for shift in shifts_between(rotation, begin, now):
            holders = {d.person for d in duties_of_shift(shift, rotation, overrides)
                       if d.person and d.start < now}
            for person in holders:
                if rotation.layer == SHADOW_LAYER:
                    of(person).rotations_shadowed += 1
                else:
                    of(person).rotations_served += 1
    for row in store.query("SELECT data FROM events WHERE incident_id IS NULL AND "
                           "kind = 'drill.started' ORDER BY id"):
        data = json.loads(row["data"] or "{}")
        if data.get("scratch"):
            continue   # a scratch record's own marker, not a drill held here
        if isinstance(data.get("leader"), str):
            of(data["leader"]).drills_led += 1
        for shadow in data.get("shadows") or []:
            if isinstance(shadow, str):
                of(shadow).drills_shadowed += 1
    return list(people.values())
