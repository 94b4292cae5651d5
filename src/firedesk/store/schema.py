"""The core schema: incidents, the append-only timeline and role tenures.

Each capability keeps its own named `Migrations` set (alerts, running the incident,
search); `MIGRATION_SETS` applies them in order, core first.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

core = Migrations("firedesk.core")


@core()
def m001_record(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            title TEXT NOT NULL,
            severity TEXT NOT NULL CHECK (severity IN ('SEV1','SEV2','SEV3','SEV4','SEV5')),
            status TEXT NOT NULL CHECK (
                status IN ('investigating','identified','monitoring','resolved')),
            service TEXT,
            summary TEXT,
            declared_by TEXT NOT NULL,
            declared_at TEXT NOT NULL,
            resolved_at TEXT,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id INTEGER REFERENCES incidents(id),
            at TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            author TEXT NOT NULL,
            role TEXT,
            kind TEXT NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL DEFAULT '{}',
            corrects INTEGER REFERENCES events(id),
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX events_by_incident ON events(incident_id, id)")
    db.execute(
        """
        CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the timeline is append-only: events cannot be changed'); END
        """
    )
    db.execute(
        """
        CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the timeline is append-only: events cannot be deleted'); END
        """
    )
    db.execute(
        """
        CREATE TRIGGER incidents_refuse_delete BEFORE DELETE ON incidents
        BEGIN SELECT RAISE(ABORT, 'incidents cannot be deleted'); END
        """
    )
    db.execute(
        """
        CREATE TABLE role_assignments (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            role TEXT NOT NULL,
            person TEXT NOT NULL,
            since TEXT NOT NULL,
            until TEXT,
            event_id INTEGER NOT NULL REFERENCES events(id),
            ended_by_event INTEGER REFERENCES events(id)
        )
        """
    )
    db.execute(
        "CREATE INDEX role_assignments_current ON role_assignments(incident_id, until)"
    )
    db.execute(
        """
        CREATE TABLE drafts (
            person TEXT NOT NULL,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            text TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            PRIMARY KEY (person, incident_id)
        )
        """
    )


@core()
def m002_incident_zone(db: Database) -> None:
    """Each incident's display zone (NULL: the config's `[clock] zone`)."""
    db.execute("ALTER TABLE incidents ADD COLUMN zone TEXT")


@core()
def m003_event_ssh_key(db: Database) -> None:
    # The key a `firedesk serve` session logged in with (issue 21); NULL from the CLI.
    db.execute("ALTER TABLE events ADD COLUMN ssh_key TEXT")
