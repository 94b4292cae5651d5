"""The console's Who to wake pane: tiers with local times and states in words, `w` records
the page on the timeline (and sends a PagerDuty trigger when a routing key is set), `e`
shows another service. Real SQLite file, frozen clock, local HTTP server, no sleeps."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList

from conftest import FakeClock
from firedesk.config import load_config
from firedesk.store import declare_incident, events_for
from firedesk.widgets.who_to_wake import WhoToWake
from test_console_helpers import build_app, settle
from test_oncall_pagerduty import FakePagerDuty

FIXTURES = Path(__file__).parent / "fixtures_oncall"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock("2026-12-04T03:00:00+00:00")  # Ana on vacation, Priya covers


@pytest.fixture
def incident(store):
    return declare_incident(store, "Checkout failing", severity="SEV1", author="Lukas",
                            service="checkout-api")


def pane_people(pane: WhoToWake) -> list[str]:
    return [row.person for row in pane.rows if row is not None]


async def test_pane_shows_tiers_and_pages_the_highlighted_person(db_path, clock, store, incident):
    config = load_config(FIXTURES / "payments.toml")
    app = build_app(db_path, clock, config=config, actor="Lukas")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(WhoToWake)
        assert pane.view.service == "checkout-api"
        assert pane_people(pane) == ["Priya", "Ana", "Braden", "Lukas", "Mei", "Xavier"]
        first = pane.selected()
        assert (first.person, first.state()) == ("Priya", "awake")
        title = pane.query_one(OptionList).get_option_at_index(0).prompt
        assert str(title).startswith("first awake: Priya · checkout-api at 03:00 UTC")
        ana = next(row for row in pane.rows if row is not None and row.person == "Ana")
        assert ana.state() == "away, Priya covers"
        pane.focus()
        await pilot.press("down")
        assert pane.selected().person == "Ana"
        await pilot.press("up", "w")
        await settle(pilot)
        paged = [e for e in events_for(store, incident.id) if e.kind == "paged"]
        assert [e.text for e in paged] == ["paged Priya via phone +91 98000 00001"]
        assert paged[0].author == "Lukas"
        await pilot.press("e")  # next service by name: edge-proxy (the default policy)
        await settle(pilot)
        assert pane.chosen_service == "edge-proxy"
        assert pane.view.service == "edge-proxy"
        assert pane_people(pane) == ["Braden", "Xavier"]


async def test_pane_without_on_call_config_says_so(db_path, clock, incident):
    async with build_app(db_path, clock).run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = pilot.app.screen.query_one(WhoToWake)
        assert pane.rows == []
        assert str(pane.query_one(".pane-empty").render()) == "No on-call schedules configured yet."


async def test_pane_sends_a_pagerduty_trigger_when_a_key_is_set(db_path, clock, store, incident,
                                                                tmp_path):
    with FakePagerDuty() as pagerduty:
        path = tmp_path / "firedesk.toml"
        path.write_text((FIXTURES / "payments.toml").read_text() + f"""
[oncall.pagerduty]
routing_key = "GLOBALKEY"
events_url = "{pagerduty.url}"
""")
        app = build_app(db_path, clock, config=load_config(path), actor="Lukas")
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            pane = app.screen.query_one(WhoToWake)
            assert pane.view.pagerduty
            pane.focus()
            await pilot.press("w")
            await settle(pilot)
            await settle(pilot)  # the send, then the write it hands to the app
        (request,) = pagerduty.received
        assert request["body"]["routing_key"] == "GLOBALKEY"
        assert request["body"]["dedup_key"] == "firedesk-INC-1-Priya"
        (paged,) = [e for e in events_for(store, incident.id) if e.kind == "paged"]
        assert paged.text == ("paged Priya via phone +91 98000 00001; "
                              "PagerDuty accepted the trigger (dk-123)")
        assert paged.data["pagerduty"]["status"] == 202


async def test_pane_shows_hostile_names_as_visible_escapes(db_path, clock, store, incident, tmp_path):
    path = tmp_path / "firedesk.toml"
    path.write_text((FIXTURES / "payments.toml").read_text().replace('"Priya"', '"Pri\\u001b]0;owned\\u0007ya"'))
    app = build_app(db_path, clock, config=load_config(path), actor="Lukas")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(WhoToWake)
        prompts = [str(option.prompt) for option in pane.query_one(OptionList).options]
        assert any("Pri^[]0;owned^Gya" in p for p in prompts)
        assert not any("\x1b" in p or "\x07" in p for p in prompts)
