"""Opening the one SQLite file safely, and the single way to write to it.

Every connection is in autocommit (`isolation_level=None`), so no read transaction is
ever left open; every write is `BEGIN IMMEDIATE … COMMIT`, which waits for the lock
instead of failing the way a deferred read-then-write does under contention.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from firedesk.errors import StoreBusy, StoreError

BUSY_TIMEOUT_MS = 5000
# "FDS1": marks a file as a firedesk record, so we never take over someone else's DB.
APPLICATION_ID = 0x46445331
NETWORK_FILESYSTEMS = {
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "9p", "afs", "ceph",
    "glusterfs", "lustre", "gpfs", "beegfs", "fuse.sshfs", "fuse.s3fs", "fuse.rclone",
    "fuse.gcsfuse", "davfs", "fuse.glusterfs", "ncpfs", "coda",
}


def filesystem_type(path: Path, mounts: str | None = None) -> str | None:
    """The type of the filesystem holding `path`, from /proc/self/mounts (Linux)."""
    if mounts is None:
        try:
            mounts = Path("/proc/self/mounts").read_text()
        except OSError:
            return None
    target = str(path.resolve())
    best, best_type = "", None
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, parts[2]
    return best_type


def check_location(path: Path, mounts: str | None = None, *, writing: bool = True) -> None:
    """Refuse a database whose directory is missing or on a network filesystem (a reader
    only needs the file to be there)."""
    directory = path.parent
    if not writing:
        if not path.is_file():
            raise StoreError(f"no record at {path} (nothing was created; check --db or "
                             "$FIREDESK_DB, or run `firedesk init` to start one)")
        return
    if not directory.is_dir():
        raise StoreError(f"directory {directory} does not exist (create it, or pick another --db)")
    fstype = filesystem_type(directory, mounts)
    if fstype and (fstype in NETWORK_FILESYSTEMS or fstype.split(".")[0] in NETWORK_FILESYSTEMS):
        raise StoreError(
            f"{path} is on a network filesystem ({fstype}); SQLite's WAL mode needs a local "
            "disk shared by everyone on this host. Put the database on a local path."
        )
    if not path.exists() and not os.access(directory, os.W_OK):
        raise StoreError(f"cannot create {path}: directory {directory} is not writable")


def connect(path: Path | str) -> sqlite3.Connection:
    """An autocommit connection with firedesk's pragmas applied."""
    try:
        conn = sqlite3.connect(
            str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA journal_size_limit = 67108864")
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    return conn


def connect_readonly(path: Path) -> tuple[sqlite3.Connection, str]:
    """A connection that can never write (`mode=ro`), for records we may only read.

    A WAL record is read through its `-shm`; when that file cannot be created or opened
    (a read-only directory or mount), the record is opened `immutable=1` instead, which
    reads the main file alone. That is only right when no write-ahead log holds commits
    the main file lacks, so a non-empty `-wal` we cannot use is an error, not a guess.
    Returns the connection and the mode used ("ro" or "immutable")."""
    from urllib.parse import quote

    base = "file:" + quote(str(path.resolve()))
    last: sqlite3.Error | None = None
    for mode in ("ro", "immutable"):
        if mode == "immutable":
            wal = Path(str(path) + "-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise StoreError(
                    f"cannot read {path}: its write-ahead log {wal} holds commits, and reading "
                    f"them needs {path}-shm, which cannot be created here ({last}); copy the "
                    "record with `firedesk backup`, or give read access to a writable copy")
        uri = base + ("?mode=ro" if mode == "ro" else "?mode=ro&immutable=1")
        try:
            conn = sqlite3.connect(uri, uri=True, isolation_level=None,
                                   timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        except sqlite3.Error as exc:
            last = exc
            continue
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            conn.close()
            last = exc
            if "not a database" in str(exc).lower() or "encrypted" in str(exc).lower():
                raise translate(exc, path) from exc
            continue
        return conn, mode
    assert last is not None
    raise StoreError(f"cannot read {path}: {last}") from last


def translate(exc: Exception, path: Path | str = "the database",
              busy_ms: int = BUSY_TIMEOUT_MS) -> StoreError:
    """Turn a sqlite3 error into a one-line error a person can act on."""
    message = str(exc)
    lowered = message.lower()
    if "locked" in lowered or "busy" in lowered:
        waited = f"{busy_ms // 1000}s" if busy_ms >= 1000 else f"{busy_ms}ms"
        return StoreBusy(
            f"{path} is busy: another process held the write lock for more than "
            f"{waited}; nothing was written, try again"
        )
    if "not a database" in lowered or "encrypted" in lowered:
        return StoreError(f"{path} is not a firedesk database (SQLite says: {message})")
    if "disk is full" in lowered or "disk i/o" in lowered:
        return StoreError(f"cannot write {path}: {message}; nothing was written")
    if "readonly" in lowered or "unable to open" in lowered:
        return StoreError(f"cannot open {path} for writing: {message}")
    return StoreError(f"{path}: {message}")


def _busy_ms(conn: sqlite3.Connection) -> int:
    """This connection's busy timeout (the receiver sets its own)."""
    try:
        return int(conn.execute("PRAGMA busy_timeout").fetchone()[0])
    except sqlite3.Error:
        return BUSY_TIMEOUT_MS


@contextmanager
def immediate(conn: sqlite3.Connection, path: Path | str = "the database",
              patience: float = 0.0) -> Iterator[sqlite3.Connection]:
    """One write transaction: `BEGIN IMMEDIATE`, then COMMIT, or ROLLBACK on any error.

    SQLite's busy handler is not fair: in a storm of writers one connection can lose the
    lock again and again past its busy timeout. With `patience` (seconds) a busy BEGIN is
    tried again until that much time has gone by; nothing has been written at that point,
    so trying again is always safe."""
    deadline = time.monotonic() + patience
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.Error as exc:
            error = translate(exc, path, _busy_ms(conn))
            if not isinstance(error, StoreBusy) or time.monotonic() >= deadline:
                raise error from exc
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise translate(exc, path) from exc
        raise
