"""Alert feed tables (issue 4).

- `alert_deliveries`: every delivery's raw body, verbatim, once per delivery key (a
  record: UPDATE and DELETE are refused).
- `alerts`: one row per (source, dedup key): current status, counts, triage state.
- `alert_occurrences`: which delivery mentioned which alert, how many times (a record).
- `alert_transitions`: firing → resolved → firing … per alert (a record).
- `alert_polls`: the poller's last attempt/success per URL, for `firedesk doctor`.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("firedesk.alerts")


def _refuse_changes(db: Database, table: str, what: str) -> None:
    for action in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER {table}_refuse_{action.lower()} BEFORE {action} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{what} are a record: they cannot be "
            f"{'changed' if action == 'UPDATE' else 'deleted'}'); END"
        )


@migrations()
def m001_alert_feed(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE alert_deliveries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            delivery_key TEXT NOT NULL UNIQUE,   -- source + sender's id, or the body's SHA-256
            source TEXT NOT NULL,
            via TEXT NOT NULL,                   -- receive | ingest | spool | poll
            origin TEXT,                         -- peer address, file name or polled URL
            received_at TEXT NOT NULL,
            content_type TEXT,
            headers TEXT NOT NULL DEFAULT '{}',  -- without credentials
            body BLOB NOT NULL,                  -- exactly the bytes received
            alert_count INTEGER NOT NULL,
            kind TEXT NOT NULL DEFAULT 'alerts', -- alerts | subscription | ignored
            note TEXT
        )
        """
    )
    _refuse_changes(db, "alert_deliveries", "alert deliveries")
    db.execute(
        """
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            source TEXT NOT NULL,
            dedup_key TEXT NOT NULL,
            title TEXT NOT NULL,
            service TEXT,
            severity TEXT NOT NULL CHECK (severity IN ('critical','high','medium','low','info')),
            severity_raw TEXT,
            status TEXT NOT NULL CHECK (status IN ('firing','resolved')),
            labels TEXT NOT NULL DEFAULT '{}',
            annotations TEXT NOT NULL DEFAULT '{}',
            links TEXT NOT NULL DEFAULT '{}',
            starts_at TEXT,
            ends_at TEXT,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            count INTEGER NOT NULL DEFAULT 1,        -- mentions across deliveries
            fired_count INTEGER NOT NULL DEFAULT 1,  -- 1 + times it re-fired after resolving
            resolved_at TEXT,
            flapping INTEGER NOT NULL DEFAULT 0,
            last_delivery INTEGER REFERENCES alert_deliveries(id),
            acked_by TEXT,
            acked_at TEXT,
            snoozed_until TEXT,
            snooze_reason TEXT,
            noise INTEGER NOT NULL DEFAULT 0,
            incident_id INTEGER REFERENCES incidents(id),
            silence_id TEXT,
            UNIQUE (source, dedup_key)
        )
        """
    )
    db.execute("CREATE INDEX alerts_by_status ON alerts(status, severity, last_seen)")
    db.execute("CREATE INDEX alerts_by_incident ON alerts(incident_id)")
    db.execute(
        """
        CREATE TABLE alert_occurrences (
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            delivery_id INTEGER NOT NULL REFERENCES alert_deliveries(id),
            times INTEGER NOT NULL,
            status TEXT NOT NULL,
            PRIMARY KEY (alert_id, delivery_id)
        ) WITHOUT ROWID
        """
    )
    _refuse_changes(db, "alert_occurrences", "alert occurrences")
    db.execute(
        """
        CREATE TABLE alert_transitions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            from_status TEXT NOT NULL,
            to_status TEXT NOT NULL,
            at TEXT NOT NULL,
            delivery_id INTEGER REFERENCES alert_deliveries(id)
        )
        """
    )
    db.execute("CREATE INDEX alert_transitions_by_alert ON alert_transitions(alert_id, at)")
    _refuse_changes(db, "alert_transitions", "alert transitions")
    db.execute(
        """
        CREATE TABLE alert_polls (
            url TEXT PRIMARY KEY,
            interval_seconds REAL NOT NULL,
            last_attempt TEXT,
            last_success TEXT,
            failures INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        )
        """
    )


@migrations()
def m002_poll_body_hash(db: Database) -> None:
    # The poller skips an answer identical to the one before (nothing new to record).
    db.execute("ALTER TABLE alert_polls ADD COLUMN last_body_sha TEXT")


@migrations()
def m003_alert_episodes_and_owner(db: Database) -> None:
    # `changed_at`: the source's time of the last status it reported (orders late
    # deliveries); `occurrence`: the source's episode key (Datadog's alert cycle);
    # `owner`/`owned_at`: who has the alert (taken in firedesk, or as the source says).
    for column in ("occurrence", "changed_at", "owner", "owned_at"):
        db.execute(f"ALTER TABLE alerts ADD COLUMN {column} TEXT")
    # A note, ack or owner change about an alert not seen yet makes no row; it waits
    # here (its delivery is recorded as ever) and is folded in when the alert appears,
    # which sets `alert_id` (the row stays, as the record of which delivery said it).
    db.execute(
        """
        CREATE TABLE alert_pending (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            source TEXT NOT NULL,
            dedup_key TEXT NOT NULL,
            delivery_id INTEGER NOT NULL REFERENCES alert_deliveries(id),
            mention TEXT NOT NULL,   -- JSON: title, at, acked_by, unacknowledged, owner
            alert_id INTEGER REFERENCES alerts(id)
        )
        """
    )
    db.execute("CREATE INDEX alert_pending_by_key ON alert_pending(source, dedup_key, alert_id)")


@migrations()
def m004_sns_subscriptions(db: Database) -> None:
    # SNS waits for its SubscribeURL to be opened; until then the request is shown
    # (alerts, doctor, the console) and `firedesk sns confirm` can open it.
    db.execute(
        """
        CREATE TABLE sns_subscriptions (
            topic_arn TEXT PRIMARY KEY,
            subscribe_url TEXT NOT NULL,
            received_at TEXT NOT NULL,
            delivery_id INTEGER REFERENCES alert_deliveries(id),
            confirmed_at TEXT,
            confirmed_by TEXT,
            subscription_arn TEXT
        )
        """
    )
