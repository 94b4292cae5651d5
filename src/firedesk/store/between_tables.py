"""Between incidents (issue 22): tickets filed for alerts.

- `tickets`: one GitHub issue per alert fingerprint (source + dedup key, or a configured
  rule), with where it lives.
- `alert_ticket_links`: which alert points at which ticket (the link shown in the pane).

Each row is written in the same transaction as the timeline event that records it.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("firedesk.between")


@migrations()
def m001_tickets(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE tickets (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            fingerprint TEXT NOT NULL,
            repo TEXT NOT NULL,
            number INTEGER NOT NULL,
            url TEXT NOT NULL,
            opened_by TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            event_id INTEGER NOT NULL REFERENCES events(id),
            UNIQUE (repo, fingerprint)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE alert_ticket_links (
            alert_id INTEGER PRIMARY KEY REFERENCES alerts(id),
            ticket_id INTEGER NOT NULL REFERENCES tickets(id),
            last_comment_url TEXT,
            reported_seen TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TRIGGER tickets_refuse_delete BEFORE DELETE ON tickets
        BEGIN SELECT RAISE(ABORT, 'tickets are part of the record'); END
        """
    )
