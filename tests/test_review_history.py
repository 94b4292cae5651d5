"""The history screen: past incidents, opened read-only, replayed moment by moment."""

from __future__ import annotations

from review_story import record_checkout_incident
from test_console_helpers import build_app, settle
from textual.widgets import OptionList, Static

from firedesk.screens.history import HistoryScreen
from firedesk.store import declare_incident, set_status


async def test_history_lists_opens_and_replays(db_path, store, clock):
    record_checkout_incident(store, clock)
    clock.advance(days=1)
    second = declare_incident(store, "Checkout timeouts again", severity="SEV3", author="ben",
                              service="checkout")
    set_status(store, second, "resolved", author="ben")
    app = build_app(db_path, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = HistoryScreen()
        app.push_screen(screen)
        await settle(pilot)
        options = screen.query_one("#history-list", OptionList)
        rows = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert rows[0].startswith("INC-2   SEV3       0s") and "Checkout timeouts again" in rows[0]
        assert rows[1].startswith("INC-1   SEV1    1h10m  2026-11-22")
        await pilot.press("down")
        await settle(pilot)
        assert screen.opened.incident.key == "INC-1"
        state = screen.replay_state
        assert state.status == "resolved" and state.roles["leader"] == ["ed"]
        await pilot.press("left_curly_bracket")
        first = screen.replay_state
        assert first.status is None and [a["status"] for a in first.alerts] == ["firing", "firing"]
        for _ in range(12):
            await pilot.press("right_square_bracket")
        middle = screen.replay_state
        assert middle.status == "investigating" and middle.roles["leader"] == ["ana"]
        text = str(screen.query_one("#replay", Static).render())
        assert "INC-1 at" in text and "moment 13 of" in text
        similar = str(screen.query_one("#similar-text", Static).render())
        assert "INC-2" in similar
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, HistoryScreen)


async def test_f7_opens_history_from_the_console(db_path, store, clock):
    import pytest

    from firedesk.app import FiredeskApp

    if not hasattr(FiredeskApp, "action_history"):
        pytest.skip("the console has no history binding yet")
    record_checkout_incident(store, clock)
    app = build_app(db_path, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        assert app.screen.opened is not None and app.screen.opened.incident.key == "INC-1"
