"""Read-only commands on missing and read-only records: they never create a record, and
they read an evidence copy nobody may write (an immutable directory, or a real user
without write permission)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from unix_users import can_run_as, ensure_user, run_as, shared_dir

from firedesk.errors import StoreError
from firedesk.store import Store, add_entry, declare_incident

READERS = [
    ("verify",), ("timeline", "1"), ("show", "1"), ("export", "1"), ("search", "disk"),
    ("stats",), ("replay", "1", "--at", "2026-11-22T03:05:00Z"), ("incidents",), ("alerts",),
]


def _listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.mark.parametrize("args", READERS, ids=lambda a: a[0])
def test_a_missing_record_is_named_and_never_created(firedesk, tmp_path, args):
    typo = tmp_path / "typo.db"
    result = firedesk("--db", str(typo), *args)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"firedesk: error: no record at {typo} (nothing was created; check --db or "
        "$FIREDESK_DB, or run `firedesk init` to start one)"]
    assert not typo.exists()
    assert not any(p.name.startswith("typo.db") for p in tmp_path.iterdir())


def test_a_missing_default_record_creates_no_folder(firedesk, tmp_path):
    home = tmp_path / "home"
    result = firedesk("verify", env={"FIREDESK_DB": "", "HOME": str(home),
                                      "XDG_DATA_HOME": str(home / "data")})
    assert result.returncode == 1 and "no record at" in result.stderr
    assert not (home / "data").exists()


def _record(path: Path, clock) -> None:  # noqa: ANN001
    with Store(path, clock=clock) as store:
        inc = declare_incident(store, "Disk full on db-3", severity="SEV2", author="ana")
        add_entry(store, inc, "disk at 100% on db-3", author="ana")


@pytest.fixture
def immutable_dir(tmp_path):
    """A directory even root cannot create files in (chattr +i), like a read-only mount."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    yield folder
    subprocess.run(["chattr", "-R", "-i", str(folder)], capture_output=True)


def _freeze(folder: Path) -> None:
    result = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"chattr +i is not available here: {result.stderr.strip()}")
    try:
        (folder / "probe").touch()
    except OSError:
        return
    (folder / "probe").unlink()
    pytest.skip("chattr +i did not stop file creation (not root, or not ext4)")


@pytest.mark.parametrize("args", READERS, ids=lambda a: a[0])
def test_readers_work_in_a_directory_nobody_can_write(firedesk, immutable_dir, clock, args):
    db = immutable_dir / "record.db"
    _record(db, clock)
    before = _listing(immutable_dir)
    assert before == ["record.db"]  # closed cleanly: no -wal or -shm left beside it
    _freeze(immutable_dir)
    result = firedesk("--db", str(db), *args)
    assert result.returncode == 0, result.stderr
    assert _listing(immutable_dir) == before
    if args[0] == "verify":
        assert result.stdout.startswith("ok: 2 events")
    if args[0] == "timeline":
        assert "disk at 100% on db-3" in result.stdout


def test_a_write_in_a_read_only_directory_fails_cleanly(firedesk, immutable_dir, clock):
    db = immutable_dir / "record.db"
    _record(db, clock)
    _freeze(immutable_dir)
    result = firedesk("--db", str(db), "note", "1", "more")
    assert result.returncode == 1
    assert result.stderr.startswith(f"firedesk: error: cannot open {db}")


def test_an_unreadable_write_ahead_log_is_an_error_not_a_silent_gap(immutable_dir, tmp_path, clock):
    live = tmp_path / "live.db"
    _record(live, clock)
    writer = Store(live, clock=clock)
    try:
        writer.conn.execute("PRAGMA wal_autocheckpoint = 0")
        inc = declare_incident(writer, "only in the WAL", severity="SEV3", author="ben")
        assert inc.id == 2
        # An evidence copy taken carelessly: the main file and its WAL, no -shm.
        shutil.copy(live, immutable_dir / "record.db")
        shutil.copy(str(live) + "-wal", immutable_dir / "record.db-wal")
    finally:
        writer.close()
    _freeze(immutable_dir)
    with pytest.raises(StoreError, match=r"write-ahead log .*record\.db-wal holds commits"):
        Store(immutable_dir / "record.db", readonly=True)


def test_an_old_record_opened_read_only_is_migrated_in_memory_only(immutable_dir, clock):
    db = immutable_dir / "record.db"
    _record(db, clock)
    conn = sqlite3.connect(db)
    applied = conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    # Pretend the newest migration of the running set has not run yet.
    conn.execute("DELETE FROM _sqlite_migrations WHERE migration_set = 'firedesk.running' "
                 "AND name = 'm002_events_by_kind'")
    conn.execute("DROP INDEX events_by_kind")
    conn.commit()
    conn.close()
    raw = db.read_bytes()
    _freeze(immutable_dir)
    with Store(db, readonly=True) as store:
        assert "migrated-in-memory" in store.open_mode
        assert store.query_one("SELECT count(*) FROM _sqlite_migrations")[0] == applied
    assert db.read_bytes() == raw


def test_a_reader_refuses_to_write(db_path, clock):
    _record(db_path, clock)
    with Store(db_path, readonly=True) as store:
        with pytest.raises(StoreError, match="open read-only; nothing was written"):
            with store.write():
                pass


def test_a_user_without_write_permission_reads_and_verifies(clock):
    reader = ensure_user("fdtest-eve")
    with shared_dir() as folder:
        can_run_as(reader, folder)
        db = folder / "record.db"
        _record(db, clock)
        os.chmod(db, 0o644)
        for args in (("verify",), ("timeline", "1"), ("export", "1", "--format", "json")):
            result = run_as(reader, *args, db=db)
            assert result.returncode == 0, (args, result.stderr)
        assert _listing(folder) == ["record.db"]
        # A live writer holds the record open: its newest commits are in the WAL, and the
        # reader sees them through the existing -shm without writing anything.
        writer = Store(db, clock=clock)
        try:
            writer.conn.execute("PRAGMA wal_autocheckpoint = 0")
            declare_incident(writer, "Second fire", severity="SEV3", author="ben")
            os.chmod(str(db) + "-shm", 0o644)
            os.chmod(str(db) + "-wal", 0o644)
            result = run_as(reader, "incidents", db=db)
            assert result.returncode == 0, result.stderr
            assert "Second fire" in result.stdout
            result = run_as(reader, "note", "1", "sneaky", db=db)
            assert result.returncode == 1 and "firedesk: error:" in result.stderr
        finally:
            writer.close()
