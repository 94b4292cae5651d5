"""Running the incident (issue 6): checklists, hypotheses, tasks, impact, handover.

These tables hold current state only. Every row change is written in the same
transaction as the timeline event that records it, so the timeline alone can always
explain how a row came to be what it is.
"""

from __future__ import annotations

from sqlite_utils import Database  # noqa: F401  (used by the migrations below)
from sqlite_utils.migrations import Migrations

migrations = Migrations("firedesk.running")


@migrations()
def m001_running(db: Database) -> None:
    # The triage checklist is copied into the incident the first time someone touches
    # it, so later config edits never rewrite what responders already checked.
    db.execute(
        """
        CREATE TABLE checklist_items (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            item TEXT NOT NULL,
            list TEXT NOT NULL,
            section TEXT NOT NULL,
            text TEXT NOT NULL,
            position INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'na')),
            by TEXT,
            at TEXT,
            note TEXT,
            event_id INTEGER REFERENCES events(id),
            UNIQUE (incident_id, item)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE hypotheses (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            number INTEGER NOT NULL,
            text TEXT NOT NULL,
            likelihood TEXT CHECK (likelihood IN ('low', 'medium', 'high')),
            state TEXT NOT NULL DEFAULT 'open'
                CHECK (state IN ('open', 'confirmed', 'ruled-out')),
            evidence TEXT,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            concluded_by TEXT,
            concluded_at TEXT,
            event_id INTEGER NOT NULL REFERENCES events(id),
            UNIQUE (incident_id, number)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE tasks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            number INTEGER NOT NULL,
            text TEXT NOT NULL,
            owner TEXT NOT NULL,
            check_in_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'dropped')),
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            closed_by TEXT,
            closed_at TEXT,
            note TEXT,
            event_id INTEGER NOT NULL REFERENCES events(id),
            UNIQUE (incident_id, number)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE impact (
            incident_id INTEGER PRIMARY KEY REFERENCES incidents(id),
            what TEXT NOT NULL,
            scope TEXT NOT NULL CHECK (scope IN ('one', 'some', 'many', 'all', 'unknown')),
            since TEXT NOT NULL,
            set_by TEXT NOT NULL,
            set_at TEXT NOT NULL,
            event_id INTEGER NOT NULL REFERENCES events(id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE handover_offers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            to_person TEXT NOT NULL,
            offered_by TEXT NOT NULL,
            offered_at TEXT NOT NULL,
            note TEXT,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'accepted', 'withdrawn', 'superseded')),
            ended_by TEXT,
            ended_at TEXT,
            event_id INTEGER NOT NULL REFERENCES events(id)
        )
        """
    )
    # At most one offer waits for an answer per incident.
    db.execute(
        "CREATE UNIQUE INDEX handover_one_pending ON handover_offers(incident_id) "
        "WHERE state = 'pending'"
    )
    db.execute("CREATE INDEX handover_by_person ON handover_offers(to_person, state)")
    db.execute(
        """
        CREATE TRIGGER checklist_items_refuse_delete BEFORE DELETE ON checklist_items
        BEGIN SELECT RAISE(ABORT, 'checklist items are part of the record'); END
        """
    )
    for table in ("hypotheses", "tasks", "handover_offers"):
        db.execute(
            f"""
            CREATE TRIGGER {table}_refuse_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table.replace("_", " ")} are part of the record'); END
            """
        )


@migrations()
def m002_events_by_kind(db: Database) -> None:
    # The update clock, the composer and the brief ask "the last event of kind K in this
    # incident"; without this index each asks SQLite to walk the whole incident timeline.
    db.execute("CREATE INDEX IF NOT EXISTS events_by_kind ON events(incident_id, kind, id)")
