"""One clock for a team: three consoles in three zones show the same labelled times for
one incident, or each their own (labelled) after F8; `@HH:MM` still ahead today asks.

Real SQLite file, frozen clock, pilot-driven; no sleeps.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from firedesk.app import make_app
from firedesk.config import Config, Person
from firedesk.store import add_entry, assign_role, declare_incident, events_for, set_zone
from test_console_helpers import settle, timeline_text

# 2026-11-22 03:00 UTC: 08:30 in Kolkata, 04:00 in Berlin, 00:00 in São Paulo.
VIEWERS = {"Priya": "Asia/Kolkata", "Marco": "Europe/Berlin", "Ana": "America/Sao_Paulo"}
OWN = {"Priya": "08:35 IST", "Marco": "04:05 CET", "Ana": "00:05 UTC-03"}
TEAM = Config(people=[Person(name, timezone=zone) for name, zone in VIEWERS.items()])


def _console(db_path, clock, actor):  # noqa: ANN001
    return make_app(db_path, TEAM, actor, clock, 1, zone=ZoneInfo(VIEWERS[actor]),
                    cursor_blink=False, pace_panes=False)


def _header_clock(app) -> str:  # noqa: ANN001
    return str(app.screen.query_one("#hdr-clock").render())


def _roles(app) -> str:  # noqa: ANN001
    return str(app.screen.query_one("#role-duties").render())


@pytest.fixture
def incident(store, clock):
    inc = declare_incident(store, "Checkout down", severity="SEV2", author="Dana",
                           zone="UTC")
    assign_role(store, inc, "leader", "Dana", author="Dana")
    clock.advance(minutes=2)
    add_entry(store, inc, "deploy 4512 went out", author="Dana",
              at="2026-11-21T23:50:00.000000Z")  # yesterday, in UTC
    clock.advance(minutes=3)
    return inc


@pytest.mark.parametrize("actor", list(VIEWERS))
async def test_three_zones_show_the_same_labelled_times(db_path, clock, incident, actor):
    app = _console(db_path, clock, actor)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert _header_clock(app) == "03:05 UTC"
        text = timeline_text(app)
        # Entries in recorded order; yesterday's (backdated) sits under its own day line,
        # so the time column holds.
        assert text.startswith("── Sun 22 Nov 2026 (UTC) ── 03:00 Dana declared")
        assert "── Sat 21 Nov 2026 (UTC) ── 23:50 Dana note deploy 4512 went out " \
               "(entered Sun 22 Nov 03:02 UTC)" in text
        assert "leader" in _roles(app) and "since 03:00 UTC" in _roles(app)
        assert app.screen.query_one("#roles-pane").border_title == "Roles (UTC)"
        # F8: each viewer's own zone, labelled, and the header says so.
        await pilot.press("f8")
        await settle(pilot)
        assert _header_clock(app) == f"{OWN[actor]} yours"
        assert f"({OWN[actor].split(' ')[1]})" in timeline_text(app)
        assert OWN[actor].split(" ")[1] in _roles(app)
        assert app.screen.query_one("#roles-pane").border_title == f"Roles ({OWN[actor].split(' ')[1]})"
        await pilot.press("f8")
        await settle(pilot)
        assert _header_clock(app) == "03:05 UTC"


async def test_the_incidents_zone_changes_for_everyone(db_path, clock, store, incident):
    set_zone(store, incident, "Asia/Kolkata", author="Marco")
    app = _console(db_path, clock, "Ana")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert _header_clock(app) == "08:35 IST"
        assert "times shown in Asia/Kolkata (was UTC)" in timeline_text(app)
        assert timeline_text(app) == (
            "── Sun 22 Nov 2026 (IST) ── 08:30 Dana declared Checkout down 08:30 Dana role "
            "Dana is leader 05:20 Dana note deploy 4512 went out (entered 08:32 IST) 08:35 "
            "Marco zone times shown in Asia/Kolkata (was UTC)")


async def test_entry_line_reads_the_incidents_zone_and_asks_for_an_earlier_day(
        db_path, clock, store, incident):
    set_zone(store, incident, "Europe/Berlin", author="Marco")
    app = _console(db_path, clock, "Priya")  # Priya's own zone is not used for @HH:MM
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"@04:01 failover to db-3", "enter")
        await settle(pilot)
        assert events_for(store, incident.id)[-1].at == "2026-11-22T03:01:00.000000Z"
        # 04:09 CET has not come yet today: the console asks before going back a day.
        await pilot.press(*"@04:09 cache flushed", "enter")  # the entry line keeps the focus
        await settle(pilot)
        title = str(app.screen.query_one(".dialog-title").render())
        assert "'04:09' is Sun 2026-11-22 04:09 CET, still ahead" in title
        assert "Record it on the day before?" in title
        await pilot.press("enter")  # "record at Sat 2026-11-21 04:09 CET"
        await settle(pilot)
        last = events_for(store, incident.id)[-1]
        assert (last.text, last.at) == ("cache flushed", "2026-11-21T03:09:00.000000Z")
        # Declining keeps the text to edit.
        await pilot.press(*"@09:30 IST later", "enter")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.screen.query_one("#entry").value == "@09:30 IST later"
        assert events_for(store, incident.id)[-1].text == "cache flushed"
