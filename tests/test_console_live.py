"""The console stays live and safe: writes by other processes appear without a key,
hostile text is shown as harmless visible text everywhere, big timelines load in windows."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import pytest
from textual.widgets import Input

from firedesk.screens.incident_data import NEWEST_WINDOW, OLDER_PAGE
from firedesk.screens.picker import PickerScreen
from firedesk.store import add_entry, append_event, assign_role, declare_incident
from test_console_helpers import build_app, settle, timeline_text

HOSTILE = "[@click=app.quit]boom[/] [link=https://evil.example]x[/link] \x1b]0;pwned\x07 \x9b2J \u202eevil"


def assert_harmless(text: str) -> None:
    assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text and "\x07" not in text
    assert "[@click=app.quit]boom[/]" in text          # markup shown literally
    assert "^[]0;pwned^G" in text                      # ESC and BEL visible
    assert "\\u009b2J" in text and "\\u202eevil" in text


async def wait_for(pilot, condition, what: str, seconds: float = 10.0) -> None:  # noqa: ANN001
    """Bounded wait for another process: the pilot keeps the app running meanwhile."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


async def test_a_note_from_another_process_appears_without_a_key(db_path, clock, store, tmp_path):
    incident = declare_incident(store, "Live one", severity="SEV2", author="Dana")
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        env = {**os.environ, "FIREDESK_DB": str(db_path), "FIREDESK_USER": "Marco", "TZ": "UTC"}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "firedesk", "note", incident.key, "written elsewhere",
            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, err = await proc.communicate()
        assert proc.returncode == 0, err
        await wait_for(pilot, lambda: "written elsewhere" in timeline_text(app), "the note")
        assert "Marco note written elsewhere" in timeline_text(app)


async def test_two_consoles_stay_in_step(db_path, clock, store):
    incident = declare_incident(store, "Shared", severity="SEV2", author="Dana")
    first, second = build_app(db_path, clock, incident.id), build_app(db_path, clock, incident.id, actor="Priya")
    async with first.run_test() as one, second.run_test() as two:
        await settle(one)
        await settle(two)
        await one.press("n", *"from the first console", "enter")
        await settle(one)
        await wait_for(two, lambda: "from the first console" in timeline_text(second), "console two")
        await two.press("v", "up", "enter")
        await settle(two)
        await wait_for(one, lambda: first.screen.incident and first.screen.incident.severity == "SEV1",
                       "console one")


async def test_hostile_text_is_harmless_in_every_pane(db_path, clock, store):
    incident = declare_incident(store, HOSTILE, severity="SEV2", author=HOSTILE, service=HOSTILE)
    add_entry(store, incident, HOSTILE, author=HOSTILE, kind="note")
    assign_role(store, incident, "leader", HOSTILE, author=HOSTILE)
    declare_incident(store, "another open one", severity="SEV3", author="Dana")
    app = build_app(db_path, clock)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        options = picker.query_one("#incidents")
        assert_harmless(str(options.get_option_at_index(0).prompt))
        await pilot.click("#incidents", offset=(20, 0))     # a click opens it; runs no markup action
        await settle(pilot)
        assert app.is_running
        assert_harmless(timeline_text(app))
        assert_harmless(str(app.screen.query_one("#hdr-title").render()))
        board = app.screen.query_one("#roles")
        holder = str(board.query_one("#roles-list").get_option_at_index(0).prompt)
        assert "[@click=app.qui…" in holder and "\x1b" not in holder   # shortened, literal
        assert_harmless(str(board.query_one("#role-duties").render()))
        await pilot.click("#timeline", offset=(30, 2))
        await pilot.press("l")
        await settle(pilot)
        people = app.screen.query_one("#people")
        labels = [str(people.get_option_at_index(i).prompt) for i in range(people.option_count)]
        assert any("[@click=app.quit]boom[/]" in label for label in labels)
        assert not any("\x1b" in label for label in labels)
        await pilot.press("escape")
        # Nothing written to the terminal carries the hostile control characters.
        screen_svg = app.export_screenshot()
        assert "\x1b]0;pwned" not in screen_svg and "\u202e" not in screen_svg
        assert app.is_running


async def test_a_huge_timeline_opens_with_its_newest_window_and_pages_older(db_path, clock, store):
    incident = declare_incident(store, "Flood", severity="SEV1", author="Dana")
    with store.write():
        for n in range(NEWEST_WINDOW + OLDER_PAGE + 100):
            append_event(store, incident_id=incident.id, kind="note", author="bot", text=f"line {n}")
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        timeline = app.screen.query_one("#timeline")
        assert len(timeline.events) == NEWEST_WINDOW
        assert timeline.events[-1].text == f"line {NEWEST_WINDOW + OLDER_PAGE + 99}"
        assert timeline.scroll_y == timeline.max_scroll_y           # newest in view
        await pilot.press("home")                                   # the keyboard pages too
        await settle(pilot)
        assert len(timeline.events) == NEWEST_WINDOW + OLDER_PAGE
        assert timeline.scroll_y > 0                                # the reader keeps their place
        timeline.scroll_home(animate=False, immediate=True)
        await settle(pilot)
        assert timeline.events[0].text == "Flood" and not timeline.has_older


async def test_new_events_keep_the_reader_place_when_scrolled_up(db_path, clock, store):
    incident = declare_incident(store, "Busy", severity="SEV2", author="Dana")
    for n in range(60):
        add_entry(store, incident, f"entry {n}", author="bot")
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        timeline = app.screen.query_one("#timeline")
        await pilot.press("pageup", "up")
        place = timeline.scroll_y
        assert 0 < place < timeline.max_scroll_y
        add_entry(store, incident, "arrived while reading", author="bot")
        await wait_for(pilot, lambda: "arrived while reading" in timeline_text(app), "the entry")
        await settle(pilot)
        assert timeline.scroll_y == place
        await pilot.press("end")                      # back to following the newest
        add_entry(store, incident, "the newest", author="bot")
        await wait_for(pilot, lambda: "the newest" in timeline_text(app), "the entry")
        await settle(pilot)
        assert timeline.scroll_y == timeline.max_scroll_y


async def test_typing_is_not_lost_when_others_write(db_path, clock, store):
    incident = declare_incident(store, "Busy", severity="SEV2", author="Dana")
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n", *"half")
        add_entry(store, incident, "someone else", author="bot")
        await wait_for(pilot, lambda: "someone else" in timeline_text(app), "the entry")
        await pilot.press(*" done")
        assert app.screen.query_one("#entry", Input).value == "half done"


async def test_the_picker_shows_an_incident_declared_elsewhere(db_path, clock, store):
    declare_incident(store, "First", severity="SEV3", author="Dana")
    declare_incident(store, "Second", severity="SEV3", author="Dana")
    app = build_app(db_path, clock)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        declare_incident(store, "Declared by someone else", severity="SEV1", author="Marco")
        await wait_for(pilot, lambda: app.screen.incidents and
                       app.screen.incidents[0].title == "Declared by someone else", "the picker")


async def test_notices_about_hostile_names_are_harmless(db_path, clock, store):
    incident = declare_incident(store, "Names", severity="SEV2", author="Dana")
    app = build_app(db_path, clock, incident.id)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        app.screen.query_one("#person-name").value = "Eve\x1b]0;pwned\x07"
        await pilot.press("enter")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("Eve^[]0;pwned^G is leader" in m for m in messages)
        assert not any("\x1b" in m for m in messages)


async def test_a_console_left_open_holds_a_bounded_window_and_reads_older_again(db_path, clock, store):
    from firedesk.widgets.timeline import KEEP_EVENTS, TRIM_SLACK

    incident = declare_incident(store, "Long night", severity="SEV2", author="Dana")
    app = build_app(db_path, clock, incident.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        timeline = app.screen.query_one("#timeline")
        with store.write():   # hours of notes arriving while the console follows the newest
            for n in range(KEEP_EVENTS + TRIM_SLACK + 10):
                append_event(store, incident_id=incident.id, kind="note", author="bot", text=f"n{n}")
        await wait_for(pilot, lambda: timeline.events and
                       timeline.events[-1].text == f"n{KEEP_EVENTS + TRIM_SLACK + 9}", "the newest")
        await settle(pilot)
        assert len(timeline.events) <= KEEP_EVENTS + TRIM_SLACK
        assert timeline.has_older and timeline.scroll_y == timeline.max_scroll_y
        oldest_kept = timeline.events[0].id
        timeline.scroll_home(animate=False, immediate=True)   # the reader goes back in time
        await wait_for(pilot, lambda: timeline.events[0].id < oldest_kept, "an older page")
