"""The headless record commands, run as a real `firedesk` process."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest


def _declare(firedesk, *extra: str) -> None:
    firedesk("declare", "checkout 500s", "--severity", "SEV2", "--service", "checkout", *extra,
             check=True)


def test_declare_prints_the_key_first(firedesk) -> None:
    result = firedesk("declare", "checkout 500s", "--severity", "sev2", check=True)
    assert result.stdout.splitlines()[0] == "INC-1"
    data = json.loads(firedesk("declare", "db", "--severity", "1", "--json", check=True).stdout)
    assert {k: data[k] for k in ("id", "key", "title", "severity", "status")} == {
        "id": 2, "key": "INC-2", "title": "db", "severity": "SEV1", "status": "investigating"}


def test_show_json_has_the_documented_keys(firedesk) -> None:
    _declare(firedesk)
    firedesk("assign", "INC-1", "leader", "ana", check=True)
    firedesk("assign", "1", "comms", "bob", check=True)
    state = json.loads(firedesk("show", "INC-1", "--json", check=True).stdout)
    assert {"id", "key", "title", "severity", "status", "service", "declared_at", "roles"} <= set(state)
    assert state["roles"] == {"leader": "ana", "communications": "bob"}
    assert state["service"] == "checkout"
    listed = json.loads(firedesk("incidents", "--json", check=True).stdout)
    assert [i["key"] for i in listed] == ["INC-1"]
    assert {"id", "key", "title", "severity", "status", "service", "declared_at", "roles"} <= set(listed[0])


def test_notes_of_every_kind_and_backdated(firedesk) -> None:
    _declare(firedesk)
    for kind in ("note", "hypothesis", "action", "decision", "update"):
        assert firedesk("note", "INC-1", f"a {kind}", "--kind", kind, check=True).returncode == 0
    firedesk("note", "INC-1", "paged the DBA", "--at", "2026-11-01T10:00:00Z", check=True)
    events = json.loads(firedesk("timeline", "INC-1", "--json", check=True).stdout)
    assert [e["kind"] for e in events] == ["declared", "note", "hypothesis", "action",
                                          "decision", "update", "note"]
    assert {"id", "at", "recorded_at", "author", "kind", "text"} <= set(events[0])
    assert events[-1]["at"] == "2026-11-01T10:00:00.000000Z"
    assert events[-1]["author"] == "tester"
    plain = firedesk("timeline", "INC-1", check=True).stdout
    assert "10:00* note" in plain  # backdated entries are marked


def test_identity_comes_from_as_then_environment(firedesk) -> None:
    _declare(firedesk)
    firedesk("--as", "priya", "note", "1", "from priya", check=True)
    firedesk("note", "1", "from env", env={"FIREDESK_USER": "lukas"}, check=True)
    events = json.loads(firedesk("timeline", "1", "--json", check=True).stdout)
    assert [e["author"] for e in events[1:]] == ["priya", "lukas"]


def test_status_and_severity(firedesk) -> None:
    _declare(firedesk)
    assert firedesk("status", "INC-1", "identified", check=True).stdout.strip() == "INC-1: status identified"
    assert firedesk("severity", "INC-1", "SEV1", check=True).stdout.strip() == "INC-1: severity SEV1"
    state = json.loads(firedesk("show", "1", "--json").stdout)
    assert (state["status"], state["severity"]) == ("identified", "SEV1")


@pytest.mark.parametrize("args, message", [
    (("note", "INC-7", "hi"), "no incident INC-7"),
    (("note", "INC-1", ""), "empty"),
    (("note", "INC-1", "x", "--at", "noon"), "cannot read time 'noon'"),
    (("note", "INC-1", "x", "--at", "2099-01-01T00:00"), "in the future"),
    (("severity", "INC-1", "SEV9"), "use one of SEV1, SEV2, SEV3, SEV4, SEV5"),
    (("status", "INC-1", "done"), "use one of investigating, identified, monitoring, resolved"),
    (("declare", "x", "--severity", "P1"), "unknown severity"),
    (("assign", "INC-1", "boss", "ana"), "unknown role 'boss'"),
    (("show", "checkout"), "not an incident"),
])
def test_bad_input_is_one_line_on_stderr_and_writes_nothing(firedesk, args, message) -> None:
    _declare(firedesk)
    before = firedesk("timeline", "1", "--json").stdout
    result = firedesk(*args)
    assert result.returncode != 0
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert firedesk("timeline", "1", "--json").stdout == before


def test_missing_directory_and_foreign_files(firedesk, tmp_path: Path) -> None:
    result = firedesk("--db", str(tmp_path / "missing" / "f.db"), "declare", "x", "-s", "2")
    assert result.returncode == 1 and "does not exist" in result.stderr
    result = firedesk("--db", str(tmp_path / "missing" / "f.db"), "incidents")
    assert result.returncode == 1 and "no record at" in result.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite at all" * 100)
    result = firedesk("--db", str(junk), "declare", "x", "--severity", "SEV2")
    assert result.returncode == 1 and "not a firedesk database" in result.stderr
    assert junk.read_bytes() == b"not sqlite at all" * 100


def test_unwritable_directory(firedesk, tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    locked = tmp_path / "ro"
    locked.mkdir(mode=0o500)
    result = firedesk("--db", str(locked / "f.db"), "declare", "x", "-s", "2")
    assert result.returncode == 1 and "not writable" in result.stderr


def test_a_locked_database_past_the_timeout_is_a_clear_error(firedesk, db_path: Path) -> None:
    _declare(firedesk)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = firedesk("note", "INC-1", "blocked")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 1
    assert "busy" in result.stderr and "nothing was written" in result.stderr
    assert "blocked" not in firedesk("timeline", "1").stdout


def test_verify_passes_then_names_the_tampered_event(firedesk, db_path: Path) -> None:
    _declare(firedesk)
    firedesk("note", "1", "original", check=True)
    assert firedesk("verify").stdout.startswith("ok: 2 events")
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("DROP TRIGGER events_refuse_update")
    conn.execute("UPDATE events SET text = 'rewritten' WHERE id = 2")
    conn.close()
    result = firedesk("verify")
    assert result.returncode == 1
    assert "event 2 was changed" in result.stderr


def test_backup_makes_a_consistent_copy_and_never_overwrites(firedesk, tmp_path: Path) -> None:
    _declare(firedesk)
    target = tmp_path / "copy.db"
    assert firedesk("backup", str(target), check=True).returncode == 0
    result = firedesk("--db", str(target), "verify", check=True)
    assert result.stdout.startswith("ok: 1 events")
    again = firedesk("backup", str(target))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_doctor_reports_paths_and_schema(firedesk, tmp_path: Path) -> None:
    _declare(firedesk)
    result = firedesk("doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "journal wal" in result.stdout and "firedesk.core" in result.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text("[[people]]\nname = 'Ana'\ntimezone = 'Mars/Olympus'\n")
    result = firedesk("--config", str(broken), "doctor")
    assert result.returncode == 1
    assert "people[0].timezone: unknown timezone 'Mars/Olympus'" in result.stdout


def test_terminal_escapes_in_notes_are_shown_not_executed(firedesk) -> None:
    _declare(firedesk)
    hostile = "owned \x1b]0;pwned\x07 \x9b2J \u202eevil [@click=app.quit]"
    firedesk("note", "1", hostile, check=True)
    plain = firedesk("timeline", "1").stdout
    assert "\x1b" not in plain and "\x9b" not in plain and "\u202e" not in plain
    assert "^[]0;pwned^G" in plain and "\\u202e" in plain
    stored = json.loads(firedesk("timeline", "1", "--json").stdout)[-1]["text"]
    assert stored == hostile  # the record keeps exactly what was written


def test_note_text_from_stdin_keeps_every_line(firedesk) -> None:
    _declare(firedesk)
    firedesk("note", "1", "-", input="pasted log:\nERROR pool exhausted\n", check=True)
    events = json.loads(firedesk("timeline", "1", "--json").stdout)
    assert events[-1]["text"] == "pasted log:\nERROR pool exhausted"
