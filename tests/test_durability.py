"""Several real processes writing at once, and writers killed mid-write."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from firedesk.store import Store, declare_incident, verify_chain

WRITER = Path(__file__).with_name("writer_process.py")


def _start_writer(db: Path, count: int, name: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(db), "INC-1", str(count), name],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_eight_processes_writing_200_notes_each_lose_nothing(db_path: Path) -> None:
    with Store(db_path) as store:
        declare_incident(store, "storm", severity="SEV1", author="lead")
    writers = [_start_writer(db_path, 200, f"w{n}") for n in range(8)]
    outputs = [w.communicate(timeout=240) for w in writers]
    errors = [line for out, _ in outputs for line in out.splitlines() if line.startswith("error")]
    assert errors == []
    assert all(w.returncode == 0 for w in writers), [err for _, err in outputs]
    acknowledged = {int(line) for out, _ in outputs for line in out.splitlines()}
    assert len(acknowledged) == 1600
    with Store(db_path) as store:
        notes = store.query("SELECT id, author FROM events WHERE kind = 'note'")
        assert {r["id"] for r in notes} == acknowledged
        assert len({r["author"] for r in notes}) == 8
        report = verify_chain(store)
        assert report.ok and report.count == 1601
        assert store.query_one("PRAGMA integrity_check")[0] == "ok"


def test_sigkill_mid_write_never_loses_an_acknowledged_note(db_path: Path) -> None:
    with Store(db_path) as store:
        declare_incident(store, "crash test", severity="SEV1", author="lead")
    rng = random.Random(2026)
    acknowledged: set[int] = set()
    for trial in range(30):
        writer = _start_writer(db_path, 100_000, f"trial{trial}")
        # Kill after a random number of acknowledged writes: somewhere mid-stream.
        for _ in range(rng.randint(1, 40)):
            line = writer.stdout.readline()
            assert line, writer.stderr.read()
            acknowledged.add(int(line))
        os.kill(writer.pid, signal.SIGKILL)
        rest, _ = writer.communicate()
        # Lines already written before the kill are acknowledged too.
        acknowledged.update(int(x) for x in rest.split() if x.isdigit())
        conn = sqlite3.connect(db_path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            present = {r[0] for r in conn.execute("SELECT id FROM events")}
        finally:
            conn.close()
        assert acknowledged <= present, f"trial {trial} lost {sorted(acknowledged - present)[:5]}"
    with Store(db_path) as store:
        assert verify_chain(store).ok
