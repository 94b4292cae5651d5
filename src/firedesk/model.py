"""The incident's own vocabulary: severities, statuses, entry kinds, and the record's rows."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
STATUSES = ("investigating", "identified", "monitoring", "resolved")
# Kinds a person writes on the timeline; the record adds its own (declared, status, ...).
ENTRY_KINDS = ("note", "hypothesis", "action", "decision", "update")


def incident_key(incident_id: int) -> str:
    """The display key of an incident: `INC-12`."""
    return f"INC-{incident_id}"


@dataclass(frozen=True)
class Incident:
    """One incident as it stands now."""

    id: int
    title: str
    severity: str
    status: str
    service: str | None
    summary: str | None
    declared_by: str
    declared_at: str
    resolved_at: str | None
    updated_at: str
    zone: str | None = None  # its display zone; None: the config's [clock] zone
    roles: dict[str, list[str]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return incident_key(self.id)

    @property
    def is_open(self) -> bool:
        return self.status != "resolved"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["key"] = self.key
        # One holder per role reads best in JSON; investigators may be several.
        data["roles"] = {
            role: people[0] if len(people) == 1 else people for role, people in self.roles.items()
        }
        return data


@dataclass(frozen=True)
class Event:
    """One append-only timeline row."""

    id: int
    incident_id: int | None
    at: str
    recorded_at: str
    author: str
    role: str | None
    kind: str
    text: str
    data: dict[str, Any]
    corrects: int | None
    prev_hash: str
    hash: str
    # The fingerprint (SHA256:…) of the SSH key a `firedesk serve` session logged in with.
    ssh_key: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> "Event":
        values = dict(row)
        values["data"] = json.loads(values["data"] or "{}")
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RoleTenure:
    """Who held a role in an incident, from when to when (`until` None: still holds it)."""

    incident_id: int
    role: str
    person: str
    since: str
    until: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
