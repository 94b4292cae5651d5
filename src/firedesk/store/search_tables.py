"""Full-text search (issue 7) over incidents, timeline entries and alerts.

Three FTS5 indexes, each an external-content table over the rows it indexes (the text
is stored once, in the record), kept in step by triggers in the same transaction as the
write that changes them. The Porter stemmer lets "timeouts" find "timeout".

The alerts table belongs to the alert capability (store/alert_tables.py), whose
migrations run before these. Its index is created only if that table exists, with
whichever of the text columns it has; `firedesk.review.search` falls back to a plain
scan when a record predates it.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("firedesk.search")

TOKENIZE = "porter unicode61 remove_diacritics 2"
# Bookkeeping kinds whose text the record writes itself ("status a → b"); their notes
# are short and their words ("resolved", "SEV2") would drown real matches.
UNINDEXED_KINDS = ("declared", "role", "status", "severity")
# Alert columns worth searching, in the order they are indexed, if the table has them.
ALERT_TEXT_COLUMNS = ("title", "summary", "description", "service", "source", "labels",
                      "labels_json")


@migrations()
def m001_incidents_and_events(db: Database) -> None:
    db.execute(
        f"""
        CREATE VIRTUAL TABLE incidents_fts USING fts5(
            title, summary, service, content='incidents', content_rowid='id',
            tokenize='{TOKENIZE}')
        """
    )
    db.execute(
        """
        CREATE TRIGGER incidents_fts_insert AFTER INSERT ON incidents BEGIN
            INSERT INTO incidents_fts (rowid, title, summary, service)
            VALUES (new.id, new.title, coalesce(new.summary, ''), coalesce(new.service, ''));
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER incidents_fts_update AFTER UPDATE OF title, summary, service
        ON incidents BEGIN
            INSERT INTO incidents_fts (incidents_fts, rowid, title, summary, service)
            VALUES ('delete', old.id, old.title, coalesce(old.summary, ''),
                    coalesce(old.service, ''));
            INSERT INTO incidents_fts (rowid, title, summary, service)
            VALUES (new.id, new.title, coalesce(new.summary, ''), coalesce(new.service, ''));
        END
        """
    )
    db.execute(
        "INSERT INTO incidents_fts (rowid, title, summary, service) "
        "SELECT id, title, coalesce(summary, ''), coalesce(service, '') FROM incidents"
    )
    skipped = ", ".join(f"'{kind}'" for kind in UNINDEXED_KINDS)
    db.execute(
        f"""
        CREATE VIRTUAL TABLE events_fts USING fts5(
            text, content='events', content_rowid='id', tokenize='{TOKENIZE}')
        """
    )
    # Events are append-only (triggers refuse UPDATE and DELETE), so inserting is all.
    db.execute(
        f"""
        CREATE TRIGGER events_fts_insert AFTER INSERT ON events
        WHEN new.incident_id IS NOT NULL AND new.text != '' AND new.kind NOT IN ({skipped})
        BEGIN
            INSERT INTO events_fts (rowid, text) VALUES (new.id, new.text);
        END
        """
    )
    db.execute(
        f"INSERT INTO events_fts (rowid, text) SELECT id, text FROM events "
        f"WHERE incident_id IS NOT NULL AND text != '' AND kind NOT IN ({skipped})"
    )


def alert_text_columns(db: Database) -> list[str]:
    """The searchable text columns of the alerts table ([] when there is no such table)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(alerts)").fetchall()}
    if "id" not in columns:
        return []
    return [c for c in ALERT_TEXT_COLUMNS if c in columns]


@migrations()
def m002_alerts(db: Database) -> None:
    columns = alert_text_columns(db)
    if not columns:
        return  # no alert capability in this record (yet): search skips alerts
    listed = ", ".join(columns)
    new_values = ", ".join(f"coalesce(new.{c}, '')" for c in columns)
    old_values = ", ".join(f"coalesce(old.{c}, '')" for c in columns)
    db.execute(
        f"""
        CREATE VIRTUAL TABLE alerts_fts USING fts5(
            {listed}, content='alerts', content_rowid='id', tokenize='{TOKENIZE}')
        """
    )
    db.execute(
        f"""
        CREATE TRIGGER alerts_fts_insert AFTER INSERT ON alerts BEGIN
            INSERT INTO alerts_fts (rowid, {listed}) VALUES (new.id, {new_values});
        END
        """
    )
    # Alerts are updated on every delivery (counts, last seen); only a change to the
    # text re-indexes.
    db.execute(
        f"""
        CREATE TRIGGER alerts_fts_update AFTER UPDATE OF {listed} ON alerts BEGIN
            INSERT INTO alerts_fts (alerts_fts, rowid, {listed}) VALUES ('delete', old.id, {old_values});
            INSERT INTO alerts_fts (rowid, {listed}) VALUES (new.id, {new_values});
        END
        """
    )
    db.execute(
        f"""
        CREATE TRIGGER alerts_fts_delete AFTER DELETE ON alerts BEGIN
            INSERT INTO alerts_fts (alerts_fts, rowid, {listed}) VALUES ('delete', old.id, {old_values});
        END
        """
    )
    db.execute(
        f"INSERT INTO alerts_fts (rowid, {listed}) SELECT id, "
        + ", ".join(f"coalesce({c}, '')" for c in columns) + " FROM alerts"
    )


# The alert capability writes these on the timeline with the alert's title in the text;
# the alert itself is indexed, so indexing them too would only repeat it.
ALERT_BOOKKEEPING_KINDS = ("alert.attach", "alert.ack", "alert.noise")


@migrations()
def m003_skip_alert_bookkeeping(db: Database) -> None:
    skipped = ", ".join(f"'{kind}'" for kind in (*UNINDEXED_KINDS, *ALERT_BOOKKEEPING_KINDS))
    db.execute("DROP TRIGGER events_fts_insert")
    db.execute(
        f"""
        CREATE TRIGGER events_fts_insert AFTER INSERT ON events
        WHEN new.incident_id IS NOT NULL AND new.text != '' AND new.kind NOT IN ({skipped})
        BEGIN
            INSERT INTO events_fts (rowid, text) VALUES (new.id, new.text);
        END
        """
    )
    bookkeeping = ", ".join(f"'{kind}'" for kind in ALERT_BOOKKEEPING_KINDS)
    db.execute(
        f"INSERT INTO events_fts (events_fts, rowid, text) SELECT 'delete', id, text FROM events "
        f"WHERE incident_id IS NOT NULL AND text != '' AND kind IN ({bookkeeping})"
    )
