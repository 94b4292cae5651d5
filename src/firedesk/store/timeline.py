"""The append-only timeline and its hash chain.

Each event's hash covers its own fields and the previous event's hash, computed inside
the same `BEGIN IMMEDIATE` transaction that inserts it, so concurrent writers still
build one unbroken chain. `verify_chain` recomputes it: a changed byte or a removed row
anywhere shows up as the first event whose hash or position does not match.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Iterator

from firedesk.clock import to_iso
from firedesk.errors import InvalidInput
from firedesk.model import Event
from firedesk.store.store import Store

GENESIS = "0" * 64
SHADOW_ROLE = "shadow"
_COLUMNS = ("id, incident_id, at, recorded_at, author, role, kind, text, data, corrects, "
            "prev_hash, hash, ssh_key")


def _canonical_data(data: dict[str, Any] | None) -> str:
    return json.dumps(data or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(
    id: int, incident_id: int | None, at: str, recorded_at: str, author: str,
    role: str | None, kind: str, text: str, data: str, corrects: int | None, prev_hash: str,
    ssh_key: str | None = None,
) -> str:
    """SHA-256 over the canonical JSON of an event's fields and the previous hash.

    `ssh_key` (the fingerprint of the key a `firedesk serve` session logged in with) is
    hashed only when there is one, so events recorded before it existed keep their hash."""
    fields = [id, incident_id, at, recorded_at, author, role, kind, text, data, corrects,
              prev_hash]
    if ssh_key is not None:
        fields.append(ssh_key)
    canonical = json.dumps(fields, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def current_roles_of(conn: sqlite3.Connection, incident_id: int | None, person: str) -> str | None:
    """The roles `person` holds in an incident right now, comma-joined (None if none)."""
    if incident_id is None:
        return None
    rows = conn.execute(
        "SELECT role FROM role_assignments WHERE incident_id = ? AND person = ? "
        "AND until IS NULL ORDER BY role",
        (incident_id, person),
    ).fetchall()
    return ",".join(r[0] for r in rows) or None


def append_event(
    store: Store, *, incident_id: int | None, kind: str, author: str, text: str = "",
    data: dict[str, Any] | None = None, at: str | None = None, corrects: int | None = None,
) -> Event:
    """Add one event to the timeline. Must run inside `store.write()`.

    The event carries the store's `ssh_key`: who logged in, when the writer is a session
    of `firedesk serve` (None for the command line)."""
    conn = store.conn
    if not conn.in_transaction:
        raise RuntimeError("append_event must run inside store.write()")
    recorded_at = store.now()
    at = at or recorded_at
    data_json = _canonical_data(data)
    last = conn.execute("SELECT hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
    prev_hash = last[0] if last else GENESIS
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
    event_id = (seq[0] if seq else 0) + 1
    role = current_roles_of(conn, incident_id, author)
    if role == SHADOW_ROLE and kind != "note":
        # A shadow sees everything and writes only notes (drills, review/drill.py).
        raise InvalidInput(f"{author} is a shadow in this incident: shadows write only notes")
    ssh_key = store.ssh_key
    digest = event_hash(
        event_id, incident_id, at, recorded_at, author, role, kind, text, data_json,
        corrects, prev_hash, ssh_key,
    )
    conn.execute(
        f"INSERT INTO events ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (event_id, incident_id, at, recorded_at, author, role, kind, text, data_json,
         corrects, prev_hash, digest, ssh_key),
    )
    return Event(event_id, incident_id, at, recorded_at, author, role, kind, text,
                 json.loads(data_json), corrects, prev_hash, digest, ssh_key)


def events_for(
    store: Store, incident_id: int, *, after_id: int = 0, limit: int | None = None,
) -> list[Event]:
    """The incident's events in recorded order (by id), optionally only those after an id."""
    sql = f"SELECT {_COLUMNS} FROM events WHERE incident_id = ? AND id > ? ORDER BY id"
    params: list[Any] = [incident_id, after_id]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [Event.from_row(row) for row in store.query(sql, params)]


def get_event(store: Store, event_id: int) -> Event | None:
    row = store.query_one(f"SELECT {_COLUMNS} FROM events WHERE id = ?", (event_id,))
    return Event.from_row(row) if row else None


@dataclass(frozen=True)
class ChainReport:
    """What `verify_chain` found: ok, how many events, the head hash, and the first break."""

    ok: bool
    count: int
    head: str
    problem: str | None = None
    event_id: int | None = None


def _all_rows(store: Store, batch: int = 5000) -> Iterator[sqlite3.Row]:
    last = 0
    while True:
        rows = store.query(
            f"SELECT {_COLUMNS} FROM events WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
        )
        if not rows:
            return
        yield from rows
        last = rows[-1]["id"]


def verify_chain(store: Store) -> ChainReport:
    """Recompute the hash chain; report the first changed, reordered or missing event."""
    prev_hash, expected_id, count = GENESIS, 1, 0
    for row in _all_rows(store):
        if row["id"] != expected_id:
            return ChainReport(False, count, prev_hash,
                               f"event {expected_id} is missing (next present is {row['id']})",
                               expected_id)
        if row["prev_hash"] != prev_hash:
            return ChainReport(False, count, prev_hash,
                               f"event {row['id']} does not follow event {expected_id - 1} "
                               "(the chain link was changed)", row["id"])
        digest = event_hash(*(row[c] for c in (
            "id", "incident_id", "at", "recorded_at", "author", "role", "kind", "text",
            "data", "corrects", "prev_hash", "ssh_key")))
        if digest != row["hash"]:
            return ChainReport(False, count, prev_hash,
                               f"event {row['id']} was changed after it was recorded", row["id"])
        prev_hash, expected_id, count = row["hash"], expected_id + 1, count + 1
    seq = store.query_one("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
    last_issued = seq["seq"] if seq else 0
    if last_issued != count:
        return ChainReport(False, count, prev_hash,
                           f"event {count + 1} is missing (events up to {last_issued} were "
                           "recorded; the newest were removed)", count + 1)
    return ChainReport(True, count, prev_hash)


def stored_time(moment: Any) -> str:
    """Normalise a datetime to the stored ISO form (helper for callers that backdate)."""
    return to_iso(moment)
