"""A running console watches its config file: an edit reaches every open console; a file
that no longer parses keeps the last good settings and says so. Real files, real
watchers; the tests await each console's reload event, never a sleep."""

from __future__ import annotations

import asyncio
from datetime import timezone
from pathlib import Path

from firedesk.app import make_app
from firedesk.cli.env import Env
from firedesk.config import load_config
from firedesk.store import Store, declare_incident
from test_console_helpers import settle

CONFIG = """
[[people]]
name = "Priya"
login = "priya"
timezone = "Asia/Kolkata"

[comms.cadence]
SEV2 = {minutes}
"""
# A generous bound for a loaded machine: the watcher itself reacts in well under a second.
RELOAD_WAIT = 60


def _app(db_path: Path, config_path: Path, clock, incident_id: int, actor: str = "priya"):  # noqa: ANN001
    env = Env(db_path=str(db_path), config_path=str(config_path), actor=actor, lenient=True,
              clock=clock)
    return make_app(env.db_path, env.config, env.actor, clock, incident_id, zone=timezone.utc,
                    cursor_blink=False, pace_panes=False)


async def _reloaded(*apps) -> None:  # noqa: ANN002
    await asyncio.wait_for(asyncio.gather(*(a.config_reloaded.wait() for a in apps)),
                           RELOAD_WAIT)


def _due(app) -> str:  # noqa: ANN001
    return str(app.main_screen.query_one("#hdr-due").render())


def _incident(db_path: Path, clock) -> int:  # noqa: ANN001
    with Store(db_path, clock=clock) as store:
        incident = declare_incident(store, "Checkout down", severity="SEV2", author="a")
    clock.advance(minutes=40)
    return incident.id


async def test_editing_the_file_changes_every_open_console(tmp_path, db_path, clock) -> None:
    path = tmp_path / "firedesk.toml"
    path.write_text(CONFIG.format(minutes=30))
    incident_id = _incident(db_path, clock)
    first, second = (_app(db_path, path, clock, incident_id) for _ in range(2))
    async with first.run_test(size=(100, 30)) as one, second.run_test(size=(100, 30)) as two:
        await settle(one)
        await settle(two)
        assert first.actor == second.actor == "Priya"
        assert _due(first) == _due(second) == "UPDATE OVERDUE 10m"
        for app in (first, second):
            app.config_reloaded.clear()
        path.write_text(CONFIG.format(minutes=0))  # no update clock for SEV2 any more
        await _reloaded(first, second)
        await settle(one)
        await settle(two)
        for app in (first, second):
            assert "SEV2" not in app.config.cadence_minutes
            assert _due(app) == "no update clock"
            assert any("Settings reloaded" in n.message for n in app._notifications)


async def test_a_file_that_stops_parsing_keeps_the_last_good_settings(tmp_path, db_path,
                                                                     clock) -> None:
    path = tmp_path / "firedesk.toml"
    path.write_text(CONFIG.format(minutes=30))
    app = _app(db_path, path, clock, _incident(db_path, clock))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        good = app.config
        app.config_reloaded.clear()
        path.write_text("[comms.cadence\nSEV2 = 0\n")  # half-saved: not TOML
        await _reloaded(app)
        await settle(pilot)
        assert app.config is good and app.actor == "Priya"
        assert _due(app) == "UPDATE OVERDUE 10m"
        assert any("not valid TOML" in n.message and "keeping the last good settings" in n.message
                   for n in app._notifications)
        app.config_reloaded.clear()
        path.write_text(CONFIG.format(minutes=60))  # fixed again
        await _reloaded(app)
        await settle(pilot)
        assert app.config.cadence_minutes["SEV2"] == 60 and _due(app) == "update in 20m"


async def test_a_console_started_on_a_broken_file_picks_up_the_fix(tmp_path, db_path,
                                                                   clock) -> None:
    path = tmp_path / "firedesk.toml"
    path.write_text("[[people]\n")
    app = _app(db_path, path, clock, _incident(db_path, clock))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.actor == "priya" and app.config.people == []  # the defaults
        assert any("built-in defaults" in n.message for n in app._notifications)
        app.config_reloaded.clear()
        path.write_text(CONFIG.format(minutes=30))
        await _reloaded(app)
        await settle(pilot)
        assert app.actor == "Priya"  # `--as priya` maps to the configured person again
        assert load_config(path).cadence_minutes == app.config.cadence_minutes
        assert _due(app) == "UPDATE OVERDUE 10m"
