"""verify rebuilds every piece of current state from the events and names each field an
edit behind the timeline's back changed (the rows have no triggers a writer cannot drop)."""

from __future__ import annotations

import sqlite3

import pytest
from audit_story import record_everything

from firedesk.store import Store
from firedesk.store.derived import derived_mismatches


@pytest.fixture
def record(db_path, clock):
    with Store(db_path, clock=clock) as store:
        record_everything(store, clock)
    return db_path


def test_an_untouched_record_agrees_with_its_timeline(record):
    with Store(record, readonly=True) as store:
        assert derived_mismatches(store) == []


EDITS = [
    ("UPDATE incidents SET title = 'Nothing happened'",
     "INC-1 title is 'Nothing happened' but its timeline says 'Checkout timing out'"),
    ("UPDATE incidents SET service = 'search'",
     "INC-1 service is 'search' but its timeline says 'checkout'"),
    ("UPDATE incidents SET summary = 'all fine'",
     "INC-1 summary is 'all fine' but its timeline says 'payments fail'"),
    ("UPDATE incidents SET declared_by = 'mallory'",
     "INC-1 declared_by is 'mallory' but its timeline says 'ana'"),
    ("UPDATE incidents SET severity = 'SEV4'",
     "INC-1 severity is 'SEV4' but its timeline says 'SEV1'"),
    ("UPDATE incidents SET status = 'monitoring'",
     "INC-1 status is 'monitoring' but its timeline says 'resolved'"),
    ("UPDATE incidents SET resolved_at = '2026-11-22T09:00:00.000000Z'",
     "INC-1 resolved_at is '2026-11-22T09:00:00.000000Z'"),
    ("UPDATE role_assignments SET person = 'mallory' WHERE role = 'communications'",
     "INC-1 role tenure 4 person is 'mallory' but its timeline says 'ben'"),
    ("UPDATE role_assignments SET until = NULL WHERE person = 'dev'",
     "INC-1 role tenure 3 until is None but its timeline says"),
    ("INSERT INTO role_assignments (incident_id, role, person, since, event_id) "
     "VALUES (1, 'leader', 'mallory', '2026-11-22T03:00:00Z', 4)",
     "INC-1 role tenure row 6 has no event on the timeline"),
    ("UPDATE tasks SET owner = 'mallory' WHERE number = 1",
     "INC-1 task T1 owner is 'mallory' but its timeline says 'chen'"),
    ("UPDATE tasks SET state = 'open', closed_by = NULL WHERE number = 2",
     "INC-1 task T2 state is 'open' but its timeline says 'done'"),
    ("UPDATE tasks SET text = 'nothing' WHERE number = 1",
     "INC-1 task T1 text is 'nothing' but its timeline says 'check the pool size'"),
    ("UPDATE hypotheses SET state = 'ruled-out' WHERE number = 1",
     "INC-1 hypothesis H1 state is 'ruled-out' but its timeline says 'confirmed'"),
    ("UPDATE hypotheses SET evidence = 'made up' WHERE number = 2",
     "INC-1 hypothesis H2 evidence is 'made up' but its timeline says 'gateway green'"),
    ("UPDATE hypotheses SET likelihood = 'low' WHERE number = 1",
     "INC-1 hypothesis H1 likelihood is 'low' but its timeline says 'high'"),
    ("UPDATE checklist_items SET state = 'done', by = 'ana' WHERE position = 5",
     "state is 'done' but its timeline says 'open'"),
    ("UPDATE checklist_items SET note = 'nobody paged' WHERE position = 1",
     "note is 'nobody paged' but its timeline says 'paged'"),
    ("UPDATE impact SET scope = 'one'",
     "INC-1 impact scope is 'one' but its timeline says 'some'"),
    ("DELETE FROM impact", "INC-1 impact is missing but its timeline states it"),
    ("UPDATE handover_offers SET to_person = 'mallory' WHERE state = 'accepted'",
     "INC-1 handover offer 3 to_person is 'mallory' but its timeline says 'ed'"),
    ("UPDATE handover_offers SET state = 'pending' WHERE to_person = 'fay'",
     "INC-1 handover offer 2 state is 'pending' but its timeline says 'superseded'"),
    ("UPDATE alerts SET incident_id = NULL",
     "alert 1 is attached to no incident but its timeline says INC-1"),
    ("UPDATE alerts SET acked_by = 'mallory'",
     "alert 1 acked_by is 'mallory' but its timeline says 'ana'"),
]


@pytest.mark.parametrize("sql, named", EDITS, ids=[e[0][:40] for e in EDITS])
def test_an_edit_to_derived_state_is_named(record, sql, named):
    conn = sqlite3.connect(record, isolation_level=None)
    for trigger in [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%refuse%'")]:
        conn.execute(f"DROP TRIGGER {trigger}")  # what any writer of the file can do
    conn.execute(sql)
    conn.close()
    with Store(record, readonly=True) as store:
        found = derived_mismatches(store)
    assert any(named in line for line in found), found


def test_verify_names_every_disagreeing_field(record, firedesk):
    conn = sqlite3.connect(record, isolation_level=None)
    conn.execute("UPDATE role_assignments SET person = 'mallory' WHERE role = 'communications'")
    conn.execute("UPDATE incidents SET title = 'Nothing happened', declared_by = 'mallory'")
    conn.close()
    result = firedesk("--db", str(record), "verify")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[-1] == "firedesk: error: the record does not verify (3 problem(s) above)"
    assert [line.split(": ", 2)[2].split(" is ")[0] for line in lines[:-1]] == [
        "INC-1 title", "INC-1 declared_by", "INC-1 role tenure 4 person"]
