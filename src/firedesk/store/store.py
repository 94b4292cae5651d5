"""The Store: one SQLite file, opened safely, migrated, written one transaction at a time."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from sqlite_utils import Database

from firedesk.clock import Clock, system_clock, to_iso
from firedesk.errors import StoreError
from firedesk.store.connection import (
    APPLICATION_ID, check_location, connect, connect_readonly, immediate, translate,
)


class Store:
    """A firedesk record. Reads are single autocommit statements; writes go through `write()`."""

    def __init__(self, path: Path | str, *, clock: Clock = system_clock, create: bool = True,
                 write_patience: float = 0.0, readonly: bool = False,
                 ssh_key: str | None = None):
        self.path = Path(path)
        # A `firedesk serve` session's key fingerprint, recorded on every event it writes.
        self.ssh_key = ssh_key
        self.clock = clock
        # A reader never creates, migrates or writes the file: it may be an auditor's
        # evidence copy on a read-only mount. `open_mode` says how it was opened.
        self.readonly = readonly
        self.open_mode = "rw"
        # Seconds a write keeps asking for the lock beyond the busy timeout: a console
        # (whose typed text waits on screen) is patient, a script fails fast.
        self.write_patience = write_patience
        if readonly:
            check_location(self.path, writing=False)
            self.conn, self.open_mode = connect_readonly(self.path)
        else:
            if str(path) != ":memory:":
                check_location(self.path)
                if not create and not self.path.exists():
                    raise StoreError(f"{self.path} does not exist (run `firedesk init` first)")
            self.conn = connect(self.path)
        self.db = Database(self.conn)
        try:
            self._prepare()
        except sqlite3.Error as exc:
            self.conn.close()
            raise translate(exc, self.path) from exc
        except BaseException:
            self.conn.close()
            raise

    def _prepare(self) -> None:
        from firedesk.store.migrations import MIGRATION_SETS

        app_id = self.conn.execute("PRAGMA application_id").fetchone()[0]
        has_tables = self.conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        ).fetchone()[0]
        if app_id != APPLICATION_ID and has_tables:
            raise StoreError(
                f"{self.path} is an SQLite database but not a firedesk record; "
                "refusing to touch it (pick another --db)"
            )
        if self.readonly:
            if app_id != APPLICATION_ID:
                raise StoreError(f"{self.path} is not a firedesk record (nothing was changed)")
            if any(m.pending(self.db) for m in MIGRATION_SETS):
                self._migrate_in_memory()
            return
        if str(self.path) != ":memory:":
            mode = self.conn.execute("PRAGMA journal_mode").fetchone()[0]
            if mode != "wal":
                mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode != "wal":
                    raise StoreError(f"{self.path}: this filesystem does not support WAL mode")
        if app_id != APPLICATION_ID or any(m.pending(self.db) for m in MIGRATION_SETS):
            with self.write():
                # Another process may have migrated while we waited for the lock.
                self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                for migrations in MIGRATION_SETS:
                    migrations.apply(self.db)

    def _migrate_in_memory(self) -> None:
        """An older record opened read-only: read a migrated copy in memory, so every
        reader sees today's schema while the file itself stays exactly as it is."""
        from firedesk.store.migrations import MIGRATION_SETS

        copy = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        self.conn.backup(copy)
        self.conn.close()
        self.conn, self.db = copy, Database(copy)
        self.open_mode += "+migrated-in-memory"
        copy.execute("BEGIN IMMEDIATE")
        try:
            for migrations in MIGRATION_SETS:
                migrations.apply(self.db)
            copy.execute("COMMIT")
        except BaseException:
            copy.execute("ROLLBACK")
            raise

    def now(self) -> str:
        """The current instant in stored form."""
        return to_iso(self.clock())

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (`BEGIN IMMEDIATE`); everything inside commits or nothing does."""
        if self.readonly:
            raise StoreError(f"{self.path} is open read-only; nothing was written")
        with immediate(self.conn, self.path, self.write_patience) as conn:
            yield conn

    def query(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        """Rows of one read statement (autocommit: no transaction stays open)."""
        try:
            cursor = self.conn.execute(sql, params)
            cursor.row_factory = sqlite3.Row
            return cursor.fetchall()
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from exc

    def query_one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def schema_versions(self) -> dict[str, list[str]]:
        """Applied migrations by set, for `firedesk doctor`."""
        from firedesk.store.migrations import MIGRATION_SETS

        return {m.name: [a.name for a in m.applied(self.db)] for m in MIGRATION_SETS}

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
