"""Deduplicated storage: one transaction per delivery, batched statements, nothing partial.

A delivery is stored verbatim once per delivery key (the sender's id, else the body's
SHA-256), so a retried delivery is acknowledged without being counted twice. Its alerts
fold into one row per (source, dedup key) with counts, first/last seen and transitions;
every statement is an `executemany`, so a 20,000-alert storm is one short transaction.

Mentions arrive late, twice and out of order, so the fold orders them by the source's
own time (`Alert.at`, else the receive time): a status older than the one the row holds
is stale and changes nothing but gaps (an unknown start), acks and owners are
last-writer-wins by that time, a start never moves forward on a resolve, and
`resolved_at` is the source's time of resolution wherever it sends one. A mention that
says nothing about the status (a note, a tag, an owner) never creates a row nor re-fires
one. `count` is the source's notifications of the alert's state; a poll's snapshot
(`observed`) counts only a new occurrence, so polling a firing alert does not inflate it.
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
    "acked_by, acked_at, occurrence, changed_at, owner, owned_at"
)
_UPSERT_COLUMNS = (
    "source", "dedup_key", "title", "service", "severity", "severity_raw", "status", "labels",
    "annotations", "links", "starts_at", "ends_at", "first_seen", "last_seen", "count",
    "fired_count", "resolved_at", "flapping", "last_delivery", "acked_by", "acked_at",
    "occurrence", "changed_at", "owner", "owned_at",
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
    unmatched: int = 0            # notes/tags/owner changes about alerts not (yet) known
    new_critical: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}

    def describe(self) -> str:
        """One line for logs and the CLI (untrusted parts: pass through `one_line`)."""
        if self.duplicate:
            return f"{self.source}: duplicate delivery {self.delivery_id}, not counted again"
        if self.kind != "alerts":
            return f"{self.source}: {self.note or self.kind}"
        line = (f"{self.source}: {self.mentions} alert(s) — {self.new} new, {self.updated} "
                f"updated, {self.resolved} resolved, {self.refired} re-fired")
        if self.unmatched:
            line += f", {self.unmatched} about alerts not seen yet (no row made)"
        return line


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


def _blank(alert: Alert, now: str) -> dict[str, Any]:
    """A row not yet stored, before its first status-bearing mention is folded in."""
    return {
        "id": None, "dedup_key": alert.dedup_key, "title": alert.title or alert.dedup_key,
        "service": None, "severity": alert.severity, "severity_raw": None, "status": None,
        "labels": {}, "annotations": {}, "links": {}, "starts_at": None, "ends_at": None,
        "first_seen": now, "count": 0, "fired_count": 0, "resolved_at": None, "flapping": 0,
        "acked_by": None, "acked_at": None, "occurrence": None, "changed_at": None,
        "owner": None, "owned_at": None,
    }


def _earliest(a: str | None, b: str | None) -> str | None:
    return min(a, b) if a and b else a or b


def _latest(a: str | None, b: str | None) -> str | None:
    return max(a, b) if a and b else a or b


def _ack_and_owner(state: dict[str, Any], alert: Alert, when: str) -> None:
    """Acks and owners are last-writer-wins by the source's time, within the episode."""
    if alert.acked_by or alert.unacknowledged:
        older = state["acked_at"] and when < state["acked_at"]
        earlier_episode = state["starts_at"] and when < state["starts_at"]
        if not older and not earlier_episode:
            state["acked_by"], state["acked_at"] = alert.acked_by or None, when
    if alert.owner is not None and not (state["owned_at"] and when < state["owned_at"]):
        state["owner"], state["owned_at"] = alert.owner or None, when


def _fold(state: dict[str, Any], alert: Alert, now: str, changes: list[tuple[str, str]]) -> None:
    """Apply one more mention of an alert to its current state (see the module's rules)."""
    when = alert.at or now
    if alert.status is None:
        _ack_and_owner(state, alert, when)
        return
    fresh = state["status"] is None
    previous = state["status"]
    stale = not fresh and bool(state["changed_at"]) and when < state["changed_at"]
    other_episode = bool(alert.occurrence and state["occurrence"]
                         and alert.occurrence != state["occurrence"])
    new_episode = alert.status == "firing" and not stale and (
        fresh or previous == "resolved" or other_episode)
    if not alert.observed or new_episode or fresh:
        state["count"] += 1
    if stale:
        # An older status changes nothing newer; it may still fill in what is unknown.
        if alert.status == "firing" and alert.starts_at and alert.starts_at <= state["changed_at"]:
            if alert.occurrence and state["occurrence"]:
                if not other_episode:  # the same episode: its start is its earliest
                    state["starts_at"] = _earliest(state["starts_at"], alert.starts_at)
            else:  # no episode keys: the latest start before the status shown is its start
                state["starts_at"] = _latest(state["starts_at"], alert.starts_at)
            state["fired_count"] = max(state["fired_count"], 1)
        if not state["title"] or state["title"] == state["dedup_key"]:
            state["title"] = alert.title or state["title"]
        _ack_and_owner(state, alert, when)
        return
    if alert.status == "firing":
        if new_episode:
            if previous == "resolved":
                changes.append(("resolved", "firing"))
            after = state["resolved_at"] if previous == "resolved" else None
            start = alert.starts_at if alert.starts_at and not (after and alert.starts_at < after) else when
            state.update(starts_at=start, fired_count=state["fired_count"] + 1, resolved_at=None,
                         ends_at=None, acked_by=None, acked_at=None)
        else:
            state["starts_at"] = _earliest(state["starts_at"], alert.starts_at)
    else:
        if previous == "firing":
            changes.append(("firing", "resolved"))
        if fresh:
            state["fired_count"] = 1 if alert.starts_at else 0
        elif other_episode:
            # The end of a later episode whose start we did not see: it fired, then ended.
            state["fired_count"] += 1
            state["starts_at"] = None
        end = alert.ends_at or alert.resolved_at
        if end or previous != "resolved":
            state["ends_at"] = end
            state["resolved_at"] = alert.resolved_at or end or alert.at or now
        state["starts_at"] = _earliest(state["starts_at"], alert.starts_at)  # never forward
    state["status"] = alert.status
    state["changed_at"] = _latest(state["changed_at"], when)
    state["occurrence"] = alert.occurrence or state["occurrence"]
    if alert.title:
        state["title"] = alert.title
    if alert.service:
        state["service"] = alert.service
    if alert.severity_raw is not None or fresh:
        state["severity"], state["severity_raw"] = alert.severity, alert.severity_raw
    for name in ("labels", "annotations", "links"):
        if getattr(alert, name):
            state[name] = getattr(alert, name)  # serialised once, when the row is written
    _ack_and_owner(state, alert, when)


_PENDING_FIELDS = ("title", "at", "acked_by", "unacknowledged", "owner")


def _pending_for(conn: sqlite3.Connection, source: str,
                 keys: list[str]) -> dict[str, list[tuple[int, Alert]]]:
    """Status-less mentions that arrived before their alert, by dedup key."""
    if not keys or conn.execute(
            "SELECT 1 FROM alert_pending WHERE alert_id IS NULL LIMIT 1").fetchone() is None:
        return {}
    found: dict[str, list[tuple[int, Alert]]] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start:start + _CHUNK]
        for key, delivery, mention in conn.execute(
            f"SELECT dedup_key, delivery_id, mention FROM alert_pending WHERE alert_id IS NULL "
            f"AND source = ? AND dedup_key IN ({', '.join('?' for _ in chunk)}) ORDER BY id", [source, *chunk]):
            fields = json.loads(mention)
            found.setdefault(key, []).append((delivery, Alert(
                source, key, fields.get("title") or key, status=None,
                **{k: fields.get(k) for k in _PENDING_FIELDS if k != "title"})))
    return found


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
    key_of_delivery = delivery_key(parsed, raw)
    row = conn.execute("SELECT id FROM alert_deliveries WHERE delivery_key = ?",
                       (key_of_delivery,)).fetchone()
    if row is not None:
        result.delivery_id, result.duplicate = row[0], True
        return result
    mentions: dict[str, list[Alert]] = {}
    for alert in parsed.alerts:
        for name in ("dedup_key", "title", "service", "severity_raw", "starts_at", "ends_at",
                     "acked_by", "at", "resolved_at", "occurrence", "owner"):
            setattr(alert, name, _clean(getattr(alert, name)))
        mentions.setdefault(alert.dedup_key, []).append(alert)
    result.mentions = len(parsed.alerts)
    existing = _existing(conn, parsed.source, list(mentions))
    early = {k for k, alerts in mentions.items()
             if k not in existing and all(a.status is None for a in alerts)}
    # alert_count: the mentions this delivery folds into rows now (notes that wait for
    # their alert are in alert_pending instead).
    delivery = conn.execute(
        "INSERT INTO alert_deliveries (delivery_key, source, via, origin, received_at, "
        "content_type, headers, body, alert_count, kind, note) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (key_of_delivery, parsed.source, via, _clean(origin), now, _clean(content_type),
         _headers_json(headers), raw, len(parsed.alerts) - sum(len(mentions[k]) for k in early),
         parsed.kind, _clean(parsed.note)),
    ).lastrowid
    result.delivery_id = delivery
    if parsed.subscription:
        from firedesk.intake.sns import record_confirmation_request

        record_confirmation_request(conn, parsed.subscription["topic_arn"],
                                    parsed.subscription["subscribe_url"], now, delivery)
    pending = _pending_for(conn, parsed.source, [k for k in mentions if k not in existing and k not in early])
    waiting: list[tuple[Any, ...]] = []
    states: dict[str, dict[str, Any]] = {}
    transitions: dict[str, list[tuple[str, str]]] = {}
    for key, alerts in mentions.items():
        changes: list[tuple[str, str]] = []
        if key in existing:
            state = existing[key]
            result.updated += 1
            alerts_to_fold = alerts
        else:
            first = next((a for a in alerts if a.status is not None), None)
            if first is None:  # only notes about an alert we never saw: no phantom row
                result.unmatched += len(alerts)
                waiting.extend((parsed.source, key, delivery, json.dumps(
                    {k: getattr(a, k) for k in _PENDING_FIELDS})) for a in alerts)
                continue
            state = _blank(first, now)
            result.new += 1
            alerts_to_fold = [first, *(a for a in alerts if a is not first),
                              *(a for _, a in pending.get(key, ()))]
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
         delivery, s["acked_by"], s["acked_at"], s["occurrence"], s["changed_at"], s["owner"],
         s["owned_at"])
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
    if waiting:
        conn.executemany("INSERT INTO alert_pending (source, dedup_key, delivery_id, mention) "
                         "VALUES (?,?,?,?)", waiting)
    if pending:
        conn.executemany("UPDATE alert_pending SET alert_id = ? WHERE source = ? AND "
                         "dedup_key = ? AND alert_id IS NULL",
                         [(states[k]["id"], parsed.source, k) for k in pending if k in states])
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
