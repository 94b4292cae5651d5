"""The change feed: how any process notices what other processes wrote.

A dedicated connection that never writes and never holds a transaction polls
`PRAGMA data_version` (microseconds per call). When it moves, callers re-read what they
show; `events_since(cursor)` hands over the new timeline rows.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from firedesk.model import Event
from firedesk.store.connection import connect, translate
from firedesk.store.timeline import _COLUMNS


class ChangeFeed:
    """Polls one idle connection for commits made by any other connection or process."""

    def __init__(self, path: Path | str):
        self.path = path
        self.conn = connect(path)
        self._version = self._data_version()

    def _data_version(self) -> int:
        assert not self.conn.in_transaction, "the feed's connection must stay idle"
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def changed(self) -> bool:
        """True once after each batch of commits by others since the last call."""
        try:
            version = self._data_version()
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from exc
        if version != self._version:
            self._version = version
            return True
        return False

    def latest_event_id(self) -> int:
        row = self.conn.execute("SELECT max(id) FROM events").fetchone()
        return row[0] or 0

    def events_since(self, cursor: int, incident_id: int | None = None, limit: int = 5000) -> list[Event]:
        """Events with id above `cursor` (optionally of one incident), oldest first."""
        sql = f"SELECT {_COLUMNS} FROM events WHERE id > ?"
        params: list[object] = [cursor]
        if incident_id is not None:
            sql += " AND incident_id = ?"
            params.append(incident_id)
        sql += " ORDER BY id LIMIT ?"
        params.append(limit)
        cur = self.conn.execute(sql, params)
        cur.row_factory = sqlite3.Row
        return [Event.from_row(r) for r in cur.fetchall()]

    def close(self) -> None:
        self.conn.close()
