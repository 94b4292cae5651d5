"""Snapshots of the incident screen at 80x24 and 120x40 (frozen clock, no cursor blink).

The timeline holds more than fits at 80x24, so the scrollbar state is always the same.

Look at the SVGs in tests/__snapshots__/ before accepting a change
(`pytest tests/test_console_snapshots.py --snapshot-update`)."""

from __future__ import annotations

import pytest

from textual.widget import Widget
from textual.widgets import Static

from firedesk.screens import incident as incident_screen
from firedesk.store import add_entry, assign_role, declare_incident, set_severity
from test_console_helpers import build_app, settle


@pytest.fixture
def ongoing(store, clock):
    incident = declare_incident(store, "Checkout failing for ~5% of card payments",
                                severity="SEV3", service="checkout-api", author="Dana")
    script = [
        (1, lambda: assign_role(store, incident, "leader", "Dana", author="Dana")),
        (2, lambda: add_entry(store, incident, "Paged by checkout-api p99 > 2s; errors 4.8%.", author="Dana")),
        (3, lambda: set_severity(store, incident, "SEV2", author="Dana")),
        (4, lambda: assign_role(store, incident, "investigator", "Marco", author="Dana", shared=True)),
        (6, lambda: add_entry(store, incident, "Connection pool exhausted on payments-db after the deploy.",
                              author="Marco", kind="hypothesis")),
        (9, lambda: add_entry(store, incident, "Roll back checkout-api to v2024.11.3.", author="tester",
                              kind="decision")),
        (10, lambda: add_entry(store, incident, "Checkout degraded for ~5% of payments; rolling back.",
                               author="Sam", kind="update")),
        (12, lambda: assign_role(store, incident, "communications", "Sam", author="Dana")),
        (15, lambda: add_entry(store, incident, "Rollback at 40/40; p99 900ms.", author="tester")),
        (16, lambda: add_entry(store, incident, "Idle connections draining; 96 left.", author="Marco")),
        (18, lambda: add_entry(store, incident, "Retry queue stuck at 14k.", author="Priya",
                               kind="hypothesis")),
        (19, lambda: add_entry(store, incident, "Scaling retry workers 4 → 12.", author="Marco",
                               kind="action")),
    ]
    for minutes, write in script:
        clock.advance(minutes=1)
        write()
    clock.advance(minutes=20)
    return incident


class StandInPane(Widget):
    """Stands in for a capability's pane, so these snapshots change only with the console."""

    DEFAULT_CSS = "StandInPane { height: auto; }"

    @staticmethod
    def load(store, incident, config):  # noqa: ANN001, ARG004
        return None

    def compose(self):
        yield Static("(capability pane)", markup=False)

    def show(self, data) -> None:  # noqa: ANN001
        pass


@pytest.fixture(autouse=True)
def stand_in_panes(monkeypatch):
    monkeypatch.setattr(incident_screen, "CAPABILITY_PANES", tuple(
        (name, StandInPane, title, dom_id) for name, _, title, dom_id in incident_screen.CAPABILITY_PANES))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_incident_screen_snapshot(snap_compare, db_path, clock, ongoing, size):
    app = build_app(db_path, clock, ongoing.id)
    assert snap_compare(app, terminal_size=size, run_before=settle)
