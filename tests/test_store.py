"""The record: opening safely, the append-only hash-chained timeline, roles, the feed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from firedesk.errors import InvalidInput, NotFound, StoreError
from firedesk.store import (
    ChangeFeed, Store, add_entry, assign_role, declare_incident, events_for, list_incidents,
    load_draft, release_role, resolve_incident, role_tenures, save_draft, set_severity,
    set_status, verify_chain,
)
from firedesk.store.connection import check_location, filesystem_type
from firedesk.store.derived import derived_mismatches


def test_a_new_record_has_the_pragmas_the_design_requires(store: Store) -> None:
    q = lambda sql: store.query_one(sql)[0]  # noqa: E731
    assert q("PRAGMA journal_mode") == "wal"
    assert q("PRAGMA synchronous") == 2  # FULL
    assert q("PRAGMA busy_timeout") >= 5000
    assert q("PRAGMA foreign_keys") == 1
    assert store.conn.isolation_level is None  # autocommit: no implicit transactions


def test_opening_twice_migrates_once(db_path: Path, clock) -> None:
    with Store(db_path, clock=clock) as first:
        applied = first.schema_versions()
    with Store(db_path, clock=clock) as second:
        assert second.schema_versions() == applied
        assert second.query_one("SELECT count(*) FROM _sqlite_migrations")[0] == sum(
            len(v) for v in applied.values())


def test_declare_resolve_and_list(store: Store, clock) -> None:
    first = declare_incident(store, "checkout 500s", severity="sev2", author="ana", service="checkout")
    clock.advance(minutes=1)
    second = declare_incident(store, "db disk full", severity="1", author="ana")
    set_status(store, first, "resolved", author="ana")
    assert first.key == "INC-1" and first.status == "investigating" and first.severity == "SEV2"
    assert resolve_incident(store, "inc-2").title == "db disk full"
    assert resolve_incident(store, 2).severity == "SEV1"
    assert [i.key for i in list_incidents(store)] == ["INC-2", "INC-1"]
    assert [i.key for i in list_incidents(store, include_resolved=False)] == ["INC-2"]
    with pytest.raises(NotFound, match="no incident INC-9"):
        resolve_incident(store, "INC-9")
    with pytest.raises(NotFound, match="not an incident"):
        resolve_incident(store, "checkout")


@pytest.mark.parametrize("bad", ["SEV0", "SEV6", "critical", ""])
def test_invalid_severity_lists_the_valid_ones_and_writes_nothing(store: Store, bad: str) -> None:
    with pytest.raises(InvalidInput, match="SEV1, SEV2, SEV3, SEV4, SEV5"):
        declare_incident(store, "x", severity=bad, author="ana")
    assert store.query_one("SELECT count(*) FROM incidents")[0] == 0
    assert store.query_one("SELECT count(*) FROM events")[0] == 0


def test_status_and_severity_changes_are_events(store: Store, clock) -> None:
    incident = declare_incident(store, "x", severity="SEV3", author="ana")
    clock.advance(minutes=3)
    assert set_severity(store, incident, "SEV1", author="bob").data == {"from": "SEV3", "to": "SEV1"}
    assert set_severity(store, incident, "SEV1", author="bob") is None  # no-op records nothing
    set_status(store, incident, "identified", author="bob")
    with pytest.raises(InvalidInput, match="investigating, identified, monitoring, resolved"):
        set_status(store, incident, "fixed", author="bob")
    kinds = [e.kind for e in events_for(store, incident.id)]
    assert kinds == ["declared", "severity", "status"]
    current = resolve_incident(store, incident.id)
    assert (current.severity, current.status) == ("SEV1", "identified")
    assert derived_mismatches(store) == []


def test_entries_record_author_role_and_backdated_time(store: Store, clock) -> None:
    incident = declare_incident(store, "x", severity="SEV2", author="ana")
    assign_role(store, incident, "leader", "ana", author="ana")
    clock.advance(minutes=10)
    event = add_entry(store, incident, "rolled back deploy 42", author="ana", kind="action",
                      at="2026-11-22T03:05:00.000000Z")
    assert event.role == "leader"
    assert event.at == "2026-11-22T03:05:00.000000Z"
    assert event.recorded_at == "2026-11-22T03:10:00.000000Z"
    other = add_entry(store, incident, "seen it too", author="bob")
    assert other.role is None
    with pytest.raises(InvalidInput, match="empty"):
        add_entry(store, incident, "   ", author="ana")


def test_a_correction_points_at_the_event_it_corrects(store: Store) -> None:
    incident = declare_incident(store, "x", severity="SEV2", author="ana")
    wrong = add_entry(store, incident, "db-3 is down", author="ana")
    fix = add_entry(store, incident, "db-2, not db-3", author="ana", corrects=wrong.id)
    assert fix.corrects == wrong.id
    with pytest.raises(NotFound):
        add_entry(store, incident, "nope", author="ana", corrects=999)


def test_role_tenures_record_who_held_what_from_when_to_when(store: Store, clock) -> None:
    incident = declare_incident(store, "x", severity="SEV2", author="ana")
    assign_role(store, incident, "leader", "ana", author="ana")
    clock.advance(minutes=30)
    event = assign_role(store, incident, "leader", "bob", author="ana")
    assert event.data == {"role": "leader", "person": "bob", "previous": ["ana"]}
    assert assign_role(store, incident, "leader", "bob", author="ana") is None
    assign_role(store, incident, "investigator", "cy", author="bob", shared=True)
    assign_role(store, incident, "investigator", "di", author="bob", shared=True)
    release_role(store, incident, "investigator", "cy", author="bob")
    tenures = [(t.role, t.person, t.since[11:16], t.until and t.until[11:16])
               for t in role_tenures(store, incident.id)]
    assert tenures == [("leader", "ana", "03:00", "03:30"), ("leader", "bob", "03:30", None),
                       ("investigator", "cy", "03:30", "03:30"), ("investigator", "di", "03:30", None)]
    assert resolve_incident(store, 1).roles == {"leader": ["bob"], "investigator": ["di"]}


def test_update_and_delete_on_the_timeline_are_refused(store: Store) -> None:
    incident = declare_incident(store, "x", severity="SEV2", author="ana")
    add_entry(store, incident, "original", author="ana")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("UPDATE events SET text = 'edited' WHERE id = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("DELETE FROM events WHERE id = 2")
    with pytest.raises(sqlite3.IntegrityError, match="cannot be deleted"):
        store.conn.execute("DELETE FROM incidents")
    assert verify_chain(store).ok


def _tamper(store: Store, sql: str) -> None:
    store.conn.execute("DROP TRIGGER events_refuse_update")
    store.conn.execute("DROP TRIGGER events_refuse_delete")
    store.conn.execute(sql)


def _three_notes(store: Store) -> None:
    incident = declare_incident(store, "x", severity="SEV2", author="ana")
    for text in ("one", "two", "three"):
        add_entry(store, incident, text, author="ana")


@pytest.mark.parametrize("sql, problem", [
    ("UPDATE events SET text = 'edited' WHERE id = 3", "event 3 was changed"),
    ("UPDATE events SET author = 'mallory' WHERE id = 2", "event 2 was changed"),
    ("UPDATE events SET at = '2026-01-01T00:00:00.000000Z' WHERE id = 4", "event 4 was changed"),
    ("DELETE FROM events WHERE id = 2", "event 2 is missing"),
    ("DELETE FROM events WHERE id = 4", "event 4 is missing"),
    ("DELETE FROM events WHERE id >= 3", "event 3 is missing"),
])
def test_verify_names_the_first_changed_or_missing_event(store: Store, sql: str, problem: str) -> None:
    _three_notes(store)
    assert verify_chain(store).ok and verify_chain(store).count == 4
    _tamper(store, sql)
    report = verify_chain(store)
    assert not report.ok
    assert problem in report.problem


def test_a_current_state_edit_behind_the_timelines_back_is_found(store: Store) -> None:
    declare_incident(store, "x", severity="SEV2", author="ana")
    store.conn.execute("UPDATE incidents SET severity = 'SEV4'")
    assert derived_mismatches(store) == [
        "INC-1 severity is 'SEV4' but its timeline says 'SEV2'"]


def test_concurrent_chains_stay_one_chain(db_path: Path, clock) -> None:
    # Two connections interleaving writes must still produce a single valid chain.
    with Store(db_path, clock=clock) as a, Store(db_path, clock=clock) as b:
        incident = declare_incident(a, "x", severity="SEV2", author="ana")
        for n in range(20):
            add_entry(a if n % 2 else b, incident, f"n{n}", author="ana")
        assert verify_chain(a).ok and verify_chain(a).count == 21


def test_the_change_feed_sees_other_connections_writes(db_path: Path, clock) -> None:
    with Store(db_path, clock=clock) as writer:
        incident = declare_incident(writer, "x", severity="SEV2", author="ana")
        feed = ChangeFeed(db_path)
        assert feed.changed() is False
        add_entry(writer, incident, "new", author="bob")
        assert feed.changed() is True
        assert feed.changed() is False  # once per batch
        assert [e.text for e in feed.events_since(1)] == ["new"]
        assert feed.events_since(2) == []
        assert not feed.conn.in_transaction and not writer.conn.in_transaction
        feed.close()


def test_no_transaction_is_left_open(store: Store) -> None:
    incident = declare_incident(store, "x", severity="SEV2", author="ana")
    add_entry(store, incident, "n", author="ana")
    list_incidents(store)
    events_for(store, incident.id)
    assert not store.conn.in_transaction
    with pytest.raises(InvalidInput):
        add_entry(store, incident, "", author="ana")
    assert not store.conn.in_transaction


def test_a_failed_write_leaves_nothing_half_written(store: Store) -> None:
    incident = declare_incident(store, "x", severity="SEV2", author="ana")
    with pytest.raises(RuntimeError):
        with store.write() as conn:
            conn.execute("UPDATE incidents SET title = 'half' WHERE id = ?", (incident.id,))
            raise RuntimeError("crash in the middle")
    assert resolve_incident(store, 1).title == "x"


def test_drafts_are_kept_per_person_and_cleared_when_empty(store: Store) -> None:
    incident = declare_incident(store, "x", severity="SEV2", author="ana")
    save_draft(store, incident.id, "ana", "half a thought")
    assert load_draft(store, incident.id, "ana") == "half a thought"
    assert load_draft(store, incident.id, "bob") is None
    save_draft(store, incident.id, "ana", "")
    assert load_draft(store, incident.id, "ana") is None


def test_a_sqlite_file_that_is_not_firedesks_is_never_touched(tmp_path: Path) -> None:
    other = tmp_path / "app.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE users (name TEXT)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    with pytest.raises(StoreError, match="not a firedesk record"):
        Store(other)
    assert other.read_bytes() == before


def test_a_file_that_is_not_sqlite_is_never_touched(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my precious notes\n" * 100)
    before = notes.read_bytes()
    with pytest.raises(StoreError, match="not a firedesk database"):
        Store(notes)
    assert notes.read_bytes() == before


def test_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "nope" / "f.db")


MOUNTS = """\
/dev/vda / ext4 rw,relatime 0 0
server:/export /srv/shared nfs4 rw,relatime 0 0
//nas/incidents /mnt/nas cifs rw 0 0
sshfs#me@host: /mnt/remote fuse.sshfs rw 0 0
"""


@pytest.mark.parametrize("path, fstype", [
    ("/srv/shared/firedesk", "nfs4"), ("/mnt/nas/x", "cifs"), ("/mnt/remote/a/b", "fuse.sshfs"),
    ("/home/ana", "ext4"), ("/srv/sharedx", "ext4"),
])
def test_filesystem_type_uses_the_longest_mount_prefix(path: str, fstype: str) -> None:
    assert filesystem_type(Path(path), MOUNTS) == fstype


def test_a_database_on_a_network_filesystem_is_refused(tmp_path: Path) -> None:
    mounts = f"/dev/vda / ext4 rw 0 0\nserver:/x {tmp_path} nfs rw 0 0\n"
    with pytest.raises(StoreError, match="network filesystem"):
        check_location(tmp_path / "f.db", mounts)


def test_an_unwritable_directory_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    # Root ignores permission bits, so ask the check the question a responder's uid would.
    import firedesk.store.connection as connection

    monkeypatch.setattr(connection.os, "access", lambda path, mode: False)
    with pytest.raises(StoreError, match="not writable"):
        check_location(tmp_path / "f.db")


def test_the_busy_message_names_the_timeout_the_connection_really_waited(db_path: Path, clock) -> None:
    with Store(db_path, clock=clock) as store:
        incident = declare_incident(store, "x", severity="SEV2", author="ana")
        store.conn.execute("PRAGMA busy_timeout = 50")
        holder = sqlite3.connect(db_path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreError, match="for more than 50ms; nothing was written"):
                add_entry(store, incident, "blocked", author="ana")
        finally:
            holder.execute("ROLLBACK")
            holder.close()


def test_a_patient_writer_waits_out_a_lock_held_past_its_busy_timeout(db_path: Path, clock) -> None:
    import threading

    with Store(db_path, clock=clock, write_patience=10) as store:
        incident = declare_incident(store, "x", severity="SEV2", author="ana")
        store.conn.execute("PRAGMA busy_timeout = 50")   # many short waits, as in a storm
        holder = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        released = threading.Event()

        def release_later() -> None:
            # Hold the lock for several of the writer's busy timeouts, then let go.
            released.wait(0.5)
            holder.execute("ROLLBACK")

        thread = threading.Thread(target=release_later)
        thread.start()
        try:
            event = add_entry(store, incident, "patient", author="ana")
        finally:
            released.set()
            thread.join()
            holder.close()
        assert events_for(store, incident.id)[-1].id == event.id
