"""Consistent copies of a live record, through SQLite's backup API (never a file copy)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from firedesk.errors import StoreError
from firedesk.store.connection import translate
from firedesk.store.store import Store


def backup_to(store: Store, destination: Path | str) -> Path:
    """Copy the whole record to `destination` in one step; refuses to overwrite a file."""
    target = Path(destination)
    if target.is_dir():
        target = target / f"firedesk-{store.now()[:19].replace(':', '')}.db"
    if target.exists():
        raise StoreError(f"{target} already exists; backups never overwrite a file")
    if not target.parent.is_dir():
        raise StoreError(f"directory {target.parent} does not exist")
    partial = target.with_name(target.name + ".partial")
    try:
        out = sqlite3.connect(str(partial))
        try:
            store.conn.backup(out, pages=-1)
            ok = out.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            out.close()
        if ok != "ok":
            raise StoreError(f"the backup failed its integrity check: {ok}")
        partial.rename(target)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise translate(exc, target) from exc
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"cannot write {target}: {exc.strerror}") from exc
    return target
