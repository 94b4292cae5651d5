"""Pilot tests of the console flows: declare, entries, backdating, roles, severity,
status, zoom, help, palette, drafts. Real SQLite file, frozen clock, no sleeps."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from firedesk.config import Config
from firedesk.screens.incident import IncidentScreen
from firedesk.screens.picker import PickerScreen
from firedesk.store import Store, assign_role, declare_incident, events_for, load_draft, resolve_incident, save_draft
from test_console_helpers import build_app, settle, timeline_text


@pytest.fixture
def incident(store):
    return declare_incident(store, "Checkout failing", severity="SEV2", author="Dana",
                            service="checkout-api")


async def test_declare_from_the_picker_opens_the_new_incident(db_path, clock):
    app = build_app(db_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("n")
        await pilot.press(*"disk full on db-2")
        await pilot.press("enter")          # title → severity (SEV3 highlighted)
        await pilot.press("up", "enter")    # SEV2 → service
        await pilot.press(*"db", "enter")   # declares
        await settle(pilot)
        assert isinstance(app.screen, IncidentScreen)
        found = resolve_incident(app.store, app.screen.incident_id)
        assert (found.title, found.severity, found.service) == ("disk full on db-2", "SEV2", "db")
        assert "disk full on db-2" in timeline_text(app)


async def test_declare_refuses_an_empty_title(db_path, clock):
    app = build_app(db_path, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n", "ctrl+s")
        await settle(pilot)
        assert "title is empty" in str(app.screen.query_one("#declare-problem").render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)


async def test_only_open_incident_opens_directly(db_path, clock, incident):
    async with build_app(db_path, clock).run_test() as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, IncidentScreen)
        assert pilot.app.screen.incident_id == incident.id


async def test_picker_lists_open_first_and_opens_the_chosen(db_path, clock, store, incident):
    declare_incident(store, "Second outage", severity="SEV1", author="Dana")
    async with build_app(db_path, clock).run_test() as pilot:
        await settle(pilot)
        picker = pilot.app.screen
        assert isinstance(picker, PickerScreen)
        assert [i.title for i in picker.incidents] == ["Second outage", "Checkout failing"]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert pilot.app.screen.incident_id == incident.id
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PickerScreen)


@pytest.mark.parametrize("key,kind", [("n", "note"), ("h", "hypothesis"), ("a", "action"),
                                      ("d", "decision"), ("u", "update")])
async def test_each_entry_kind_is_one_key(db_path, clock, incident, key, kind):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press(key, *f"{kind} text", "enter")
        await settle(pilot)
        last = events_for(app.store, incident.id)[-1]
        assert (last.kind, last.text, last.author) == (kind, f"{kind} text", "tester")
        assert app.screen.query_one("#entry", Input).value == ""
        assert f"▸03:00 tester" in timeline_text(app)   # own entries are marked


async def test_backdated_entry_records_when_it_happened(db_path, clock, incident):
    clock.advance(minutes=30)
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("d", *"@03:10 failover to db-3", "enter")
        await settle(pilot)
        last = events_for(app.store, incident.id)[-1]
        assert last.at.startswith("2026-11-22T03:10:00") and last.text == "failover to db-3"
        assert "03:10" in timeline_text(app) and "(entered 03:30 UTC)" in timeline_text(app)


async def test_bad_backdate_is_refused_and_keeps_the_text(db_path, clock, incident):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        before = len(events_for(app.store, incident.id))
        await pilot.press("n", *"@25:99 oops", "enter")
        await settle(pilot)
        assert len(events_for(app.store, incident.id)) == before
        assert app.screen.query_one("#entry", Input).value == "@25:99 oops"
        assert any("not a time of day" in n.message for n in app._notifications)


@pytest.mark.parametrize("key,role,typed,expected", [
    ("l", "leader", "Pri", "Priya"),
    ("c", "communications", "Marco", "Marco"),
    ("i", "investigator", "Zoe Newcomer", "Zoe Newcomer"),
])
async def test_each_role_is_one_key_then_a_person(db_path, clock, incident, key, role, typed, expected):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press(key, *typed, "enter")
        await settle(pilot)
        assert resolve_incident(app.store, incident.id).roles[role] == [expected]
        board = app.screen.query_one("#roles")
        assert [t.person for t in board.current(role)] == [expected]
        assert f"{expected} is {role}" in timeline_text(app)


async def test_person_picker_offers_recent_authors(db_path, clock, store, incident):
    from firedesk.store import add_entry

    add_entry(store, incident, "on it", author="Kenji")
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        options = app.screen.query_one("#people")
        names = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert names[:3] == ["Priya", "Marco", "Dana"] and "Kenji" in names
        await pilot.press("escape")


async def test_severity_and_status_change_from_the_keyboard(db_path, clock, incident):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("v", "up", "enter")
        await settle(pilot)
        await pilot.press("t", "down", "down", "enter")
        await settle(pilot)
        now = resolve_incident(app.store, incident.id)
        assert (now.severity, now.status) == ("SEV1", "monitoring")
        text = timeline_text(app)
        assert "severity SEV2 → SEV1" in text and "status investigating → monitoring" in text
        header = app.screen.query_one("#header")
        assert str(header.query_one("#hdr-severity").render()) == "SEV1"


async def test_zoom_any_pane_and_back(db_path, clock, incident):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("z")
        assert app.screen.maximized is app.screen.query_one("#timeline-pane")
        await pilot.press("z")
        assert app.screen.maximized is None
        app.screen.query_one("#roles-list").focus()
        await pilot.press("z")
        assert app.screen.maximized is app.screen.query_one("#roles-pane")
        assert app.screen.query_one("#role-duties").display
        await pilot.press("escape")
        assert app.screen.maximized is None


async def test_help_lists_every_binding_with_its_id(db_path, clock, incident):
    config = Config(keymap={"note": "N"})
    app = build_app(db_path, clock, incident.id, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        table = app.screen.query_one("#help-table")
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        ids = {row[3] for row in rows}
        for wanted in ("note", "hypothesis", "action", "decision", "update", "assign-leader",
                       "assign-communications", "assign-investigator", "severity", "status",
                       "zoom", "incidents", "help", "quit"):
            assert wanted in ids
        assert ["Incident", "N", "Write note", "note"] in [list(r) for r in rows]
        assert ["Everywhere", "?", "Help", "help-alt"] in [list(r) for r in rows]
        await pilot.press("escape")


async def test_keymap_remaps_a_binding(db_path, clock, incident):
    app = build_app(db_path, clock, incident.id, config=Config(keymap={"note": "N"}))
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("N", *"remapped", "enter")
        await settle(pilot)
        assert events_for(app.store, incident.id)[-1].text == "remapped"


async def test_palette_offers_every_action(db_path, clock, incident):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for _, _, description, _ in app.binding_rows():
            assert description in titles
        await pilot.press("ctrl+p", *"Severity")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#choices")   # the severity dialog opened
        await pilot.press("escape")


async def test_draft_survives_a_hang_up_and_is_offered_next_time(db_path, clock, incident):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n", *"half-typed thought")
        app.hang_up()                      # what the SIGHUP handler runs
        await pilot.pause()
    assert app.return_code == 129
    with Store(db_path, clock=clock) as store:
        assert load_draft(store, incident.id, "tester") == "half-typed thought"
    again = build_app(db_path, clock, incident.id)
    async with again.run_test() as pilot:
        await settle(pilot)
        assert again.screen.query_one("#entry", Input).value == "half-typed thought"
        await pilot.press("n", "enter")
        await settle(pilot)
        assert events_for(again.store, incident.id)[-1].text == "half-typed thought"
        assert load_draft(again.store, incident.id, "tester") is None


async def test_draft_of_someone_else_is_not_offered(db_path, clock, store, incident):
    save_draft(store, incident.id, "Priya", "her text")
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.screen.query_one("#entry", Input).value == ""


async def test_choosing_a_holder_again_releases_them(db_path, clock, store, incident):
    assign_role(store, incident, "investigator", "Marco", author="Dana", shared=True)
    assign_role(store, incident, "investigator", "Priya", author="Dana", shared=True)
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("i", *"Marco", "enter")
        await settle(pilot)
        assert resolve_incident(app.store, incident.id).roles["investigator"] == ["Priya"]
        assert "Marco is no longer investigator" in timeline_text(app)


def test_update_clock_words():
    from datetime import datetime, timedelta, timezone

    from firedesk.widgets.header import update_clock_text

    now = datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc)
    assert update_clock_text(None, now) == ("no update clock", "ok")
    assert update_clock_text(now + timedelta(minutes=12), now) == ("update in 12m", "ok")
    assert update_clock_text(now + timedelta(minutes=4), now) == ("UPDATE DUE in 4m", "soon")
    assert update_clock_text(now - timedelta(minutes=3), now) == ("UPDATE OVERDUE 3m", "overdue")


async def test_header_says_when_the_update_is_overdue(db_path, clock, incident):
    clock.advance(minutes=31)   # SEV2: every 30 minutes
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        due = app.screen.query_one("#hdr-due")
        assert str(due.render()) == "UPDATE OVERDUE 1m" and due.has_class("overdue")
        await pilot.press("u", *"All good now", "enter")
        await settle(pilot)
        assert str(due.render()) == "update in 30m" and not due.has_class("overdue")


async def test_a_failing_pane_is_reported_once_and_the_screen_keeps_working(db_path, clock, incident, monkeypatch):
    from firedesk.screens import incident as incident_screen

    class Broken(incident_screen.CAPABILITY_PANES[0][1]):
        @staticmethod
        def load(store, incident, config):
            raise RuntimeError("pane bug")

    panes = list(incident_screen.CAPABILITY_PANES)
    panes[0] = (panes[0][0], Broken, panes[0][2], panes[0][3])
    monkeypatch.setattr(incident_screen, "CAPABILITY_PANES", tuple(panes))
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n", *"still works", "enter")
        await settle(pilot)
        assert "still works" in timeline_text(app)
        assert len([n for n in app._notifications if "pane bug" in n.message]) == 1


async def test_enter_on_a_role_in_the_board_assigns_it(db_path, clock, incident):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        app.screen.query_one("#roles-list").focus()
        await pilot.press("down", "down", "down", "enter")   # scribe
        await settle(pilot)
        await pilot.press(*"Dana", "enter")
        await settle(pilot)
        assert resolve_incident(app.store, incident.id).roles["scribe"] == ["Dana"]


async def test_quick_entries_are_recorded_in_the_order_typed(db_path, clock, incident):
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n")
        for n in range(6):   # the entry line stays open for the next entry
            await pilot.press(*f"entry {n}", "enter")
        await settle(pilot)
        texts = [e.text for e in events_for(app.store, incident.id) if e.kind == "note"]
        assert texts == [f"entry {n}" for n in range(6)]
        await pilot.press("enter")   # Enter on the empty line goes back to the timeline
        assert app.screen.focused is app.screen.query_one("#timeline")


async def test_keys_in_one_burst_record_each_entry_as_typed(db_path, clock, incident):
    """Every key of `first⏎second⏎` queued at once, as one read from a fast SSH link
    delivers them: each Enter records what was typed before it, once."""
    from textual import events

    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("d")
        for char in "first\rsecond\r":
            key = "enter" if char == "\r" else char
            app.post_message(events.Key(key, char))
        await settle(pilot)
        entries = [(e.kind, e.text) for e in events_for(app.store, incident.id)
                   if e.kind == "decision"]
        assert entries == [("decision", "first"), ("decision", "second")]
        assert app.screen.query_one("#entry", Input).value == ""


async def test_an_entry_that_cannot_be_written_comes_back_to_the_entry_line(db_path, clock, incident, monkeypatch):
    from firedesk.errors import StoreBusy
    from firedesk.screens import incident as incident_screen

    def busy(*args, **kwargs):
        raise StoreBusy("firedesk.db is busy: nothing was written, try again")

    monkeypatch.setattr(incident_screen, "record_entry", busy)
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n", *"keep me", "enter")
        await settle(pilot)
        assert app.screen.query_one("#entry", Input).value == "keep me"
        assert any("busy" in n.message for n in app._notifications)


async def test_picker_follows_other_processes_and_paces_its_alert_feed(db_path, clock, store):
    import json

    from firedesk.app import make_app
    from firedesk.intake import parse_delivery
    from firedesk.intake.storage import record_delivery

    declare_incident(store, "Checkout failing", severity="SEV2", author="Dana")
    declare_incident(store, "Search slow", severity="SEV3", author="Dana")
    app = make_app(db_path, Config(), "tester", clock, cursor_blink=False)   # paced
    ticks = [50.0]
    app.monotonic = lambda: ticks[0]
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        raw = json.dumps({"version": "4", "status": "firing", "alerts": [{
            "status": "firing", "fingerprint": "f1", "labels": {"alertname": "DiskFull"},
            "annotations": {}, "startsAt": "2026-11-22T02:55:00Z"}]}).encode()
        with Store(db_path, clock=clock) as other:       # another process's writes
            declare_incident(other, "Payments down", severity="SEV1", author="Sam")
            record_delivery(other, parse_delivery(raw, now=other.now()), raw, via="test")
        app.poll_feed()
        await settle(pilot)
        assert [i.title for i in picker.incidents][0] == "Payments down"
        prompts = [str(picker.query_one("#incidents").get_option_at_index(i).prompt)
                   for i in range(3)]
        assert "Payments down" in prompts[0]
        feed = picker.query_one("#alerts")
        assert feed.shown == [] and picker.pacer.timer is not None   # read when due
        ticks[0] += 1
        picker.pacer.timer.stop()
        picker.pacer.read_due()
        await settle(pilot)
        assert [a.title for a in feed.shown] == ["DiskFull"]
