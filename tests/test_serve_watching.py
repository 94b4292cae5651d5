"""A watcher's console in the app itself: no write bindings anywhere, and a write asked
for anyway (a direct call, run_write, raw SQL on its connection) changes nothing."""

from __future__ import annotations

from datetime import timezone

from firedesk.app import make_app
from firedesk.config import Config
from firedesk.store import Store, add_entry, declare_incident, events_for
from firedesk.widgets.watching import WATCHING_NOTICE
from test_console_helpers import TEAM, settle

SERVE_KEY = "SHA256:watcherwatcherwatcherwatcherwatcherwatche"


def watcher_app(db_path, clock, incident=None):  # noqa: ANN001
    return make_app(db_path, Config(people=list(TEAM.people)), "Bridge", clock, incident,
                    zone=timezone.utc, cursor_blink=False, pace_panes=False, watching=True,
                    ssh_key=SERVE_KEY)


WRITE_DESCRIPTIONS = ("Write note", "Write update", "Assign leader", "Severity", "Status",
                      "Ack", "Snooze", "Declare", "Done", "Page", "Silence", "Attach")


async def test_a_watcher_has_no_write_binding_in_footer_help_or_palette(db_path, clock, store):
    incident = declare_incident(store, "Checkout down", severity="SEV2", author="Dana")
    app = watcher_app(db_path, clock, incident.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert "watching (read-only)" in screen.query_one("#hdr-watching").render().plain
        assert not screen.query_one("#entry-line").display
        shown = {b.binding.description for b in screen.active_bindings.values()}
        assert not shown & set(WRITE_DESCRIPTIONS), shown & set(WRITE_DESCRIPTIONS)
        assert "Zoom pane" in shown
        rows = {description for _, _, description, _ in app.binding_rows()}
        assert "Zoom pane" in rows
        assert not rows & set(WRITE_DESCRIPTIONS), rows & set(WRITE_DESCRIPTIONS)
        palette = {c.title for c in app.get_system_commands(screen)}
        assert not palette & set(WRITE_DESCRIPTIONS)
        assert "Screenshot" not in palette   # it would write a file on the server
        for key in ("n", "u", "l", "v", "t", "enter"):
            await pilot.press(key)
        await settle(pilot)
        assert app.screen is screen   # no dialog opened


async def test_a_forced_write_is_refused_and_nothing_is_recorded(db_path, clock, store):
    incident = declare_incident(store, "Checkout down", severity="SEV2", author="Dana")
    app = watcher_app(db_path, clock, incident.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.action_write("note")                       # a direct call
        screen.action_severity()
        await app.run_action("write('note')", screen)     # the palette's path
        screen.query_one("#alerts").action_ack()
        screen.query_one("#who-to-wake").action_page()
        await settle(pilot)
        assert app.screen is screen
        assert any(n.message == WATCHING_NOTICE for n in app._notifications)
        app.run_write(add_entry, incident, "through the write path", author="Bridge")
        await settle(pilot)
        assert any("watching (read-only)" in n.message and n.title == "Not recorded"
                   for n in app._notifications)
        refused = []
        try:   # below the app: the watcher's own connection refuses writes too
            with app.store.write() as conn:
                conn.execute("INSERT INTO drafts VALUES ('Bridge', ?, 'x', 'now')", (incident.id,))
        except Exception as exc:  # noqa: BLE001
            refused.append(str(exc))
        assert refused and "readonly" in refused[0]
        await app.action_quit()
    with Store(db_path, clock=clock) as check:
        assert [e.kind for e in events_for(check, incident.id)] == ["declared"]
        assert check.query("SELECT * FROM drafts") == []


async def test_a_served_persons_writes_carry_the_key_and_a_watcher_sees_them(db_path, clock,
                                                                             store):
    incident = declare_incident(store, "Checkout down", severity="SEV2", author="Dana")
    app = make_app(db_path, Config(people=list(TEAM.people)), "Ana", clock, incident.id,
                   zone=timezone.utc, cursor_blink=False, pace_panes=False,
                   ssh_key="SHA256:anakey")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        for char in "on it":
            await pilot.press("space" if char == " " else char)
        await pilot.press("enter")
        await settle(pilot)
    note = [e for e in events_for(store, incident.id) if e.kind == "note"]
    assert [(e.author, e.text, e.ssh_key) for e in note] == [("Ana", "on it", "SHA256:anakey")]
    # The command line records no key.
    add_entry(store, incident, "from a shell", author="Dana")
    assert events_for(store, incident.id)[-1].ssh_key is None
