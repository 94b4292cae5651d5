"""Deduplicated storage: one transaction per delivery, batched statements, nothing partial.

A delivery is stored verbatim once per delivery key (the sender's id, else the body's
SHA-256), so a retried delivery is acknowledged without being counted twice. Its alerts
fold into one row per (source, dedup key) with counts, first/last seen and transitions;
every statement is an `executemany`, so a 20,000-alert storm is one short transaction.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Iterable

from firedesk.clock import parse_utc, to_iso
from firedesk.intake.alert import Alert, Parsed
from firedesk.store.store import Store

FLAP_WINDOW = timedelta(hours=1)
FLAP_TRANSITIONS = 4          # two resolve/re-fire cycles within the window
_CHUNK = 500                  # keys per IN (...) lookup, well under SQLite's variable limit
_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie"}
_STATE_COLUMNS = (
    "id, dedup_key, title, service, severity, severity_raw, status, labels, annotations, "
    "links, starts_at, ends_at, first_seen, count, fired_count, resolved_at, flapping, "
    "acked_by, acked_at"
)
_UPSERT_COLUMNS = (
    "source", "dedup_key", "title", "service", "severity", "severity_raw", "status", "labels",
    "annotations", "links", "starts_at", "ends_at", "first_seen", "last_seen", "count",
    "fired_count", "resolved_at", "flapping", "last_delivery", "acked_by", "acked_at",
)
_UPSERT = (
    f"INSERT INTO alerts ({', '.join(_UPSERT_COLUMNS)}) VALUES "
    f"({', '.join('?' for _ in _UPSERT_COLUMNS)}) ON CONFLICT (source, dedup_key) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _UPSERT_COLUMNS
                if c not in ("source", "dedup_key", "first_seen"))
)


@dataclass
class Recorded:
    """What storing one delivery did."""

    source: str
    delivery_id: int | None = None
    duplicate: bool = False
    kind: str = "alerts"
    note: str | None = None
    mentions: int = 0
    new: int = 0
    updated: int = 0
    resolved: int = 0
    refired: int = 0
    new_critical: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}

    def describe(self) -> str:
        """One line for logs and the CLI (untrusted parts: pass through `one_line`)."""
        if self.duplicate:
            return f"{self.source}: duplicate delivery {self.delivery_id}, not counted again"
        if self.kind != "alerts":
            return f"{self.source}: {self.note or self.kind}"
        return (f"{self.source}: {self.mentions} alert(s) — {self.new} new, {self.updated} "
                f"updated, {self.resolved} resolved, {self.refired} re-fired")


def _clean(value: str | None) -> str | None:
    """Lone surrogates (legal in JSON, not in UTF-8) become U+FFFD; the raw body keeps them."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in value)


def _json(value: dict[str, str]) -> str:
    return _clean(json.dumps(value, sort_keys=True, ensure_ascii=False)) or "{}"


def _as_json(value: str | dict[str, str]) -> str:
    """Stored JSON text as read back, or a dict from this delivery to serialise."""
    return value if isinstance(value, str) else _json(value)


def delivery_key(parsed: Parsed, raw: bytes) -> str:
    if parsed.delivery_id:
        return f"{parsed.source}:{parsed.delivery_id}"
    return f"{parsed.source}:sha256:{hashlib.sha256(raw).hexdigest()}"


def _headers_json(headers: Any) -> str:
    if not headers:
        return "{}"
    kept = {str(k).lower(): str(v) for k, v in headers.items()
            if str(k).lower() not in _SECRET_HEADERS}
    return _json(kept)


def _existing(conn: sqlite3.Connection, source: str, keys: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        cursor = conn.execute(
            f"SELECT {_STATE_COLUMNS} FROM alerts WHERE source = ? AND dedup_key IN "
            f"({', '.join('?' for _ in chunk)})", [source, *chunk])
        names = [d[0] for d in cursor.description]
        for row in cursor.fetchall():
            found[row[1]] = dict(zip(names, row))
    return found


def _fresh(alert: Alert, now: str) -> dict[str, Any]:
    firing = alert.status == "firing"
    return {
        "id": None, "dedup_key": alert.dedup_key, "title": alert.title or alert.dedup_key,
        "service": alert.service, "severity": alert.severity, "severity_raw": alert.severity_raw,
        "status": alert.status, "labels": alert.labels,
        "annotations": alert.annotations, "links": alert.links,
        "starts_at": alert.starts_at, "ends_at": None if firing else alert.ends_at,
        "first_seen": now, "count": 1, "fired_count": 1 if firing else 0,
        "resolved_at": None if firing else (alert.ends_at or now), "flapping": 0,
        "acked_by": alert.acked_by, "acked_at": now if alert.acked_by else None,
    }


def _fold(state: dict[str, Any], alert: Alert, now: str, changes: list[tuple[str, str]]) -> None:
    """Apply one more mention of an alert to its current state."""
    state["count"] += 1
    previous = state["status"]
    # A retried or reordered "firing" for an episode that already resolved is stale.
    stale = (previous == "resolved" and alert.status == "firing" and alert.starts_at
             and alert.starts_at == state["starts_at"] and state["ends_at"])
    if not stale and previous != alert.status:
        changes.append((previous, alert.status))
        state["status"] = alert.status
        if alert.status == "firing":
            state.update(fired_count=state["fired_count"] + 1, resolved_at=None, ends_at=None,
                         acked_by=None, acked_at=None)
        else:
            state.update(resolved_at=alert.ends_at or now, ends_at=alert.ends_at)
    elif not stale and alert.status == "resolved" and alert.ends_at:
        state["ends_at"] = alert.ends_at
    if stale:
        return
    if alert.title:
        state["title"] = alert.title
    if alert.service:
        state["service"] = alert.service
    if alert.severity_raw is not None:
        state["severity"], state["severity_raw"] = alert.severity, alert.severity_raw
    for name in ("labels", "annotations", "links"):
        if getattr(alert, name):
            state[name] = getattr(alert, name)  # serialised once, when the row is written
    if alert.starts_at:
        state["starts_at"] = alert.starts_at
    if alert.acked_by and not state["acked_by"]:
        state["acked_by"], state["acked_at"] = alert.acked_by, now


def _recent_transitions(conn: sqlite3.Connection, alert_ids: list[int], since: str) -> dict[int, int]:
    counts: dict[int, int] = {}
    for start in range(0, len(alert_ids), _CHUNK):
        chunk = alert_ids[start:start + _CHUNK]
        for alert_id, count in conn.execute(
            f"SELECT alert_id, count(*) FROM alert_transitions WHERE at >= ? AND alert_id IN "
            f"({', '.join('?' for _ in chunk)}) GROUP BY alert_id", [since, *chunk]):
            counts[alert_id] = count
    return counts


def _store(conn: sqlite3.Connection, parsed: Parsed, raw: bytes, now: str, *, via: str,
           origin: str | None, headers: Any, content_type: str | None) -> Recorded:
    """Everything for one delivery; must run inside `store.write()`."""
    result = Recorded(parsed.source, kind=parsed.kind, note=parsed.note)
    cursor = conn.execute(
        "INSERT INTO alert_deliveries (delivery_key, source, via, origin, received_at, "
        "content_type, headers, body, alert_count, kind, note) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (delivery_key) DO NOTHING",
        (delivery_key(parsed, raw), parsed.source, via, _clean(origin), now, _clean(content_type),
         _headers_json(headers), raw, len(parsed.alerts), parsed.kind, _clean(parsed.note)),
    )
    if cursor.rowcount == 0:
        row = conn.execute("SELECT id FROM alert_deliveries WHERE delivery_key = ?",
                           (delivery_key(parsed, raw),)).fetchone()
        result.delivery_id, result.duplicate = row[0], True
        return result
    delivery = cursor.lastrowid
    result.delivery_id = delivery
    mentions: dict[str, list[Alert]] = {}
    for alert in parsed.alerts:
        for name in ("dedup_key", "title", "service", "severity_raw", "starts_at", "ends_at",
                     "acked_by"):
            setattr(alert, name, _clean(getattr(alert, name)))
        mentions.setdefault(alert.dedup_key, []).append(alert)
    result.mentions = len(parsed.alerts)
    existing = _existing(conn, parsed.source, list(mentions))
    states: dict[str, dict[str, Any]] = {}
    transitions: dict[str, list[tuple[str, str]]] = {}
    for key, alerts in mentions.items():
        changes: list[tuple[str, str]] = []
        if key in existing:
            state = existing[key]
            result.updated += 1
            alerts_to_fold = alerts
        else:
            state = _fresh(alerts[0], now)
            result.new += 1
            alerts_to_fold = alerts[1:]
        for alert in alerts_to_fold:
            _fold(state, alert, now, changes)
        states[key], transitions[key] = state, changes
        result.resolved += sum(1 for _, to in changes if to == "resolved")
        result.refired += sum(1 for _, to in changes if to == "firing")
    since = to_iso(parse_utc(now) - FLAP_WINDOW)
    watch = [s["id"] for k, s in states.items() if s["id"] and (transitions[k] or s["flapping"])]
    recent = _recent_transitions(conn, watch, since) if watch else {}
    for key, state in states.items():
        total = recent.get(state["id"], 0) + len(transitions[key])
        state["flapping"] = 1 if total >= FLAP_TRANSITIONS else 0
    conn.executemany(_UPSERT, [
        (parsed.source, key, s["title"], s["service"], s["severity"], s["severity_raw"],
         s["status"], _as_json(s["labels"]), _as_json(s["annotations"]), _as_json(s["links"]),
         s["starts_at"], s["ends_at"],
         s["first_seen"], now, s["count"], s["fired_count"], s["resolved_at"], s["flapping"],
         delivery, s["acked_by"], s["acked_at"])
        for key, s in states.items()
    ])
    new_keys = [k for k, s in states.items() if s["id"] is None]
    for key, row in _existing(conn, parsed.source, new_keys).items():
        states[key]["id"] = row["id"]
        if states[key]["severity"] == "critical" and states[key]["status"] == "firing":
            result.new_critical.append(row["id"])
    conn.executemany(
        "INSERT INTO alert_occurrences (alert_id, delivery_id, times, status) VALUES (?,?,?,?)",
        [(s["id"], delivery, len(mentions[k]), s["status"]) for k, s in states.items()])
    conn.executemany(
        "INSERT INTO alert_transitions (alert_id, from_status, to_status, at, delivery_id) "
        "VALUES (?,?,?,?,?)",
        [(states[k]["id"], before, after, now, delivery)
         for k, changes in transitions.items() for before, after in changes])
    return result


def record_delivery(store: Store, parsed: Parsed, raw: bytes | str, *, via: str,
                    origin: str | None = None, headers: Any = None,
                    content_type: str | None = None) -> Recorded:
    """Store one delivery and fold its alerts in, in one transaction."""
    body = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
    with store.write() as conn:
        return _store(conn, parsed, body, store.now(), via=via, origin=origin, headers=headers,
                      content_type=content_type)


def record_deliveries(store: Store, items: Iterable[tuple[Parsed, bytes]], *, via: str,
                      origin: str | None = None) -> list[Recorded]:
    """Several deliveries (JSON lines) in one transaction: all are stored or none is."""
    with store.write() as conn:
        now = store.now()
        return [_store(conn, parsed, raw, now, via=via, origin=origin, headers=None,
                       content_type=None) for parsed, raw in items]
