"""The disk filling up mid-write: a clear error, the record intact, work resumes after."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from firedesk.errors import StoreError
from firedesk.store import Store, add_entry, declare_incident, events_for, verify_chain


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real 1 MiB tmpfs (needs root and mount); skipped where that is not allowed."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_is_a_clear_error_and_loses_nothing(small_disk: Path) -> None:
    path = small_disk / "firedesk.db"
    with Store(path) as store:
        incident = declare_incident(store, "disk full on db-2", severity="SEV2", author="ana")
        acknowledged = []
        with pytest.raises(StoreError, match="full") as caught:
            for n in range(100_000):
                acknowledged.append(add_entry(store, incident, f"note {n} " + "x" * 2000,
                                              author="ana").id)
        assert "nothing was written" in str(caught.value)
        assert not store.conn.in_transaction
        assert store.query_one("PRAGMA integrity_check")[0] == "ok"
        assert [e.id for e in events_for(store, incident.id)][1:] == acknowledged
        # Space returns: the same open record takes writes again.
        subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)
        resumed = add_entry(store, incident, "space is back", author="ana")
        assert resumed.id == acknowledged[-1] + 1
        assert verify_chain(store).ok
