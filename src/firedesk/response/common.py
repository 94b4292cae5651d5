"""Small shared pieces: numbered references (H3, T2), required text, next numbers."""

from __future__ import annotations

import re
import sqlite3

from firedesk.errors import InvalidInput

_NUMBERED = re.compile(r"^#?([a-z]?)(\d+)$", re.IGNORECASE)


def parse_number(ref: str | int, prefix: str, what: str) -> int:
    """`H3`, `h3`, `#3` or `3` → 3 (for prefix `H`); anything else is a clear error."""
    match = _NUMBERED.match(str(ref).strip())
    if not match or (match.group(1) and match.group(1).upper() != prefix.upper()):
        raise InvalidInput(f"{ref!r} is not a {what} number; use e.g. {prefix}1 or 1")
    return int(match.group(2))


def require_text(value: str | None, what: str) -> str:
    """The text itself, or a clear error when it is empty (nothing is recorded then)."""
    if value is None or not value.strip():
        raise InvalidInput(f"the {what} is empty; nothing was recorded")
    return value.strip()


def next_number(conn: sqlite3.Connection, table: str, incident_id: int) -> int:
    """The next per-incident number in `table` (call inside the write transaction)."""
    row = conn.execute(
        f"SELECT coalesce(max(number), 0) + 1 FROM {table} WHERE incident_id = ?",
        (incident_id,),
    ).fetchone()
    return int(row[0])


def touch_incident(conn: sqlite3.Connection, incident_id: int, now: str) -> None:
    """Mark the incident as changed now (the picker sorts and shows by it)."""
    conn.execute("UPDATE incidents SET updated_at = ? WHERE id = ?", (now, incident_id))
