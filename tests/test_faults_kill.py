"""SIGKILL at random points during mixed note and alert writes (the CI-sized version).

bench/faults.py --kill-trials 1000 runs the long version of the same trial.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from fault_workers import Acks, kill_trial, missing_writes, start_mixed
from firedesk.store import Store, declare_incident, verify_chain


@pytest.mark.timeout(60)
def test_sigkill_during_mixed_note_and_alert_writes_loses_nothing_acknowledged(db_path: Path) -> None:
    with Store(db_path) as store:
        declare_incident(store, "kill test", severity="SEV1", author="lead")
    rng = random.Random(808)
    everything = Acks()
    for trial in range(32):
        acks = kill_trial(db_path, f"t{trial}", seed=trial, acks_before_kill=rng.randint(0, 24))
        assert acks.errors == []
        everything.update(acks)
        # Every trial: the acknowledged writes of this and all earlier trials are there,
        # the file is intact, and the hash chain is unbroken.
        assert missing_writes(db_path, everything) == [], f"trial {trial}"
        with Store(db_path) as store:
            report = verify_chain(store)
            assert report.ok, f"trial {trial}: {report.problem}"
    assert everything.notes and everything.deliveries  # both kinds of write were exercised


@pytest.mark.timeout(60)
def test_a_mixed_writer_left_to_finish_writes_exactly_what_it_acknowledged(db_path: Path) -> None:
    with Store(db_path) as store:
        declare_incident(store, "clean run", severity="SEV2", author="lead")
    worker = start_mixed(db_path, "steady", seed=1, count=60)
    out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    acks = Acks()
    for line in out.splitlines():
        acks.take(line)
    assert acks.count == 60
    assert missing_writes(db_path, acks) == []
    with Store(db_path) as store:
        notes = store.query_one("SELECT count(*) FROM events WHERE kind = 'note'")[0]
        deliveries = store.query_one("SELECT count(*) FROM alert_deliveries")[0]
        assert (notes, deliveries) == (len(acks.notes), len(acks.deliveries))
