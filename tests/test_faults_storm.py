"""Consoles and the receiver writing at once during an alert storm (the CI-sized version).

Four real console processes (the app factory, headless, live panes) type notes through
their entry lines while Alertmanager posts to a real `firedesk receive` on 127.0.0.1.
bench/faults.py --storm runs ten consoles for longer and prints the latency p99.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fault_workers import run_storm, storm_problems
from firedesk.store import Store, declare_incident, verify_chain


@pytest.mark.timeout(120)
def test_four_consoles_and_the_receiver_in_a_storm_lose_and_double_nothing(db_path: Path, tmp_path: Path) -> None:
    with Store(db_path) as store:
        declare_incident(store, "storm", severity="SEV1", author="lead")
    result = run_storm(db_path, tmp_path, consoles=4, notes_each=12, note_rate=8, alert_rate=40)
    assert storm_problems(db_path, result, notes_expected=48) == []
    assert len(result.fingerprints) == 60
    with Store(db_path) as store:
        assert verify_chain(store).ok
