"""The one shape every source's alert is turned into, and the errors of reading payloads."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from firedesk.errors import InvalidInput

STATUSES = ("firing", "resolved")


class MalformedPayload(InvalidInput):
    """The body is not JSON at all (HTTP 400)."""


class UnrecognisedPayload(InvalidInput):
    """The body is JSON but no parser (or not the named one) can read it (HTTP 422)."""


@dataclass
class Alert:
    """One alert, normalised. Text fields hold the sender's text verbatim (untrusted)."""

    source: str
    dedup_key: str
    title: str
    # firing | resolved, or None: this mention says nothing about the status (a note, a
    # tag, an owner change). Such a mention never creates a row nor changes the status.
    status: str | None = "firing"
    severity: str = "medium"                     # critical | high | medium | low | info
    severity_raw: str | None = None              # what the source said
    service: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)   # runbook, dashboard, source, silence
    starts_at: str | None = None                 # UTC ISO; None when the source did not say
    ends_at: str | None = None
    acked_by: str | None = None                  # set when the source itself reports an ack
    # When the source says this happened (its event time, UTC ISO); orders mentions that
    # arrive out of order. None: the source gives no time, the receive time stands in.
    at: str | None = None
    resolved_at: str | None = None               # the source's own time of resolution
    occurrence: str | None = None                # the episode (Datadog's alert cycle key)
    unacknowledged: bool = False                 # the source says nobody has it any more
    owner: str | None = None                     # who the source says owns it
    observed: bool = False                       # a poll's snapshot, not a notification

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Parsed:
    """What one delivery said: its alerts, the sender's delivery id, and anything to tell."""

    source: str
    alerts: list[Alert] = field(default_factory=list)
    delivery_id: str | None = None               # the sender's id for this delivery, if any
    kind: str = "alerts"                         # alerts | subscription | ignored
    note: str | None = None                      # e.g. how to confirm an SNS subscription
    subscription: dict[str, str] | None = None   # SNS SubscriptionConfirmation: topic_arn, subscribe_url


# Small coercions: payloads are untrusted, so every field may have any JSON type.

def text(value: Any) -> str | None:
    """A JSON scalar as text (None for null, objects and empty strings)."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    shown = value if isinstance(value, str) else json.dumps(value)
    return shown if shown != "" else None


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def listing(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def string_map(value: Any) -> dict[str, str]:
    """A JSON object as str → str (nested values kept as compact JSON)."""
    out: dict[str, str] = {}
    for key, item in mapping(value).items():
        if item is None:
            continue
        out[str(key)] = item if isinstance(item, str) else json.dumps(
            item, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return out


def dig(value: Any, *path: str) -> Any:
    """`value[a][b]…` or None if any step is missing or not an object."""
    for step in path:
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


def links_of(**candidates: Any) -> dict[str, str]:
    """Keep only the candidate links that are non-empty strings."""
    return {k: v for k, v in candidates.items() if isinstance(v, str) and v.strip()}


def key_of(*parts: Any) -> str:
    """A stable dedup key from parts, for sources that give none (short SHA-256)."""
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:24]


class Headers(dict):
    """HTTP headers looked up case-insensitively (keys stored lower-case)."""

    def __init__(self, items: Any = None):
        super().__init__()
        pairs = items.items() if hasattr(items, "items") else (items or [])
        for key, value in pairs:
            self[str(key).lower()] = str(value)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)
