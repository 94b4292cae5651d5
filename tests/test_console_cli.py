"""The console from the command line and its themes: clear errors, themes as data with a
fallback, and a real SIGHUP to a console in a pty keeping the typed draft."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from firedesk.store import Store, declare_incident, load_draft
from firedesk.themes import DEFAULT_THEME, load_themes, pick_theme
from test_console_helpers import build_app, settle


def test_console_on_a_missing_incident_is_a_one_line_error(firedesk):
    result = firedesk("console", "INC-99")
    assert result.returncode == 1
    assert result.stderr.startswith("firedesk: error: no incident INC-99")
    assert "Traceback" not in result.stderr


def test_console_help_names_theme_and_mouse(firedesk):
    out = firedesk("console", "--help").stdout
    assert "--theme" in out and "--no-mouse" in out


def test_shipped_themes_load():
    loaded = load_themes()
    assert {"dark", "light", "high-contrast"} <= set(loaded.themes)
    assert loaded.problems == []


def test_a_broken_theme_file_falls_back_with_a_notice(tmp_path):
    (tmp_path / "dark.toml").write_text("name = [broken")
    (tmp_path / "odd.toml").write_text('name = "odd"\nprimary = "not-a-colour"\n')
    loaded = load_themes(tmp_path)
    assert len(loaded.problems) == 2 and "dark.toml" in loaded.problems[0]
    name, notice = pick_theme("odd", loaded)
    assert name == loaded.themes[DEFAULT_THEME].name and "not available" in notice


async def test_theme_from_the_option_and_a_notice_for_an_unknown_one(db_path, clock, store):
    declare_incident(store, "One", severity="SEV3", author="Dana")
    light = build_app(db_path, clock, theme="light")
    async with light.run_test() as pilot:
        await settle(pilot)
        assert light.theme == "firedesk-light"
    unknown = build_app(db_path, clock, theme="sparkly")
    async with unknown.run_test() as pilot:
        await settle(pilot)
        assert unknown.theme == "firedesk-dark"
        assert any("sparkly" in n.message for n in unknown._notifications)


def _read_until(fd: int, marker: bytes, seconds: float = 20.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + seconds
    while marker not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"{marker!r} never appeared")
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen


def _drain(fd: int, quiet: float = 0.3, seconds: float = 10.0) -> None:
    """Read a real terminal's output until it has been quiet for `quiet` seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], quiet)
        if not ready:
            return
        os.read(fd, 65536)


def _console_in_a_pty(db_path, tmp_path, *args: str):  # noqa: ANN001
    """A real `firedesk console` on a 100x30 pseudo-terminal: (process, terminal fd)."""
    parent, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {**os.environ, "FIREDESK_DB": str(db_path), "FIREDESK_USER": "tester", "TZ": "UTC",
           "TERM": "xterm-256color"}
    proc = subprocess.Popen([sys.executable, "-m", "firedesk", "console", *args],
                            stdin=child, stdout=child, stderr=child, env=env, cwd=tmp_path,
                            start_new_session=True)
    os.close(child)
    return proc, parent


def _hang_up(proc, fd: int, seconds: float = 20.0) -> int:  # noqa: ANN001
    """SIGHUP, then keep reading the terminal (a full pty would block the app's last
    writes, which a dropped SSH link never does) until the process ends."""
    proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + seconds
    while proc.poll() is None and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                os.read(fd, 65536)
            except OSError:
                break
    return proc.wait(timeout=max(0.1, deadline - time.monotonic()))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("mouse", [True, False])
def test_no_mouse_leaves_the_mouse_to_the_terminal(db_path, clock, tmp_path, mouse):
    with Store(db_path, clock=clock) as store:
        incident = declare_incident(store, "Mouse", severity="SEV3", author="Dana")
    proc, parent = _console_in_a_pty(db_path, tmp_path, incident.key,
                                     *([] if mouse else ["--no-mouse"]))
    try:
        seen = _read_until(parent, b"Mouse")
        assert (b"\x1b[?1000h" in seen) is mouse
        assert _hang_up(proc, parent) == 129
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(parent)


@pytest.mark.timeout(60)
def test_sighup_to_a_real_console_keeps_the_draft(db_path, clock, tmp_path):
    with Store(db_path, clock=clock) as store:
        incident = declare_incident(store, "Hangup", severity="SEV2", author="Dana")
    proc, parent = _console_in_a_pty(db_path, tmp_path, incident.key)
    try:
        _read_until(parent, b"Hangup")
        os.write(parent, b"n")
        _drain(parent)   # the entry line has the focus once the redraw settles
        # A bracketed paste arrives as one event, so the text is drawn in one piece.
        os.write(parent, b"\x1b[200~typed before the line dropped\x1b[201~")
        _read_until(parent, b"dropped")
        assert _hang_up(proc, parent) == 129
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(parent)
    with Store(db_path, clock=clock) as store:
        assert load_draft(store, incident.id, "tester") == "typed before the line dropped"


@pytest.mark.parametrize("theme", ["dark", "light", "high-contrast", "ansi"])
async def test_every_theme_opens_the_incident_screen(db_path, clock, store, theme):
    from firedesk.store import add_entry

    incident = declare_incident(store, "Themed", severity="SEV1", author="Dana")
    add_entry(store, incident, "visible in every theme", author="Priya")
    app = build_app(db_path, clock, incident.id, theme=theme)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert not app._notifications
        assert app.screen.query_one("#hdr-severity").render().plain == "SEV1"


@pytest.mark.timeout(60)
def test_a_burst_of_keys_in_one_write_records_each_entry_once(db_path, clock, tmp_path):
    """`first⏎second⏎` reaching a real console in one read (fast typing over a laggy SSH
    link): two entries, `first` and `second`, each recorded once."""
    from firedesk.store import events_for

    with Store(db_path, clock=clock) as store:
        incident = declare_incident(store, "Burst", severity="SEV2", author="Dana")
    proc, parent = _console_in_a_pty(db_path, tmp_path, incident.key)
    try:
        _read_until(parent, b"Burst")
        os.write(parent, b"n")
        _drain(parent)
        os.write(parent, b"first\rsecond\r")
        _read_until(parent, b"second")
        _drain(parent)   # both writes are done once the console has redrawn and gone quiet
        assert _hang_up(proc, parent) == 129
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(parent)
    with Store(db_path, clock=clock) as store:
        notes = [e.text for e in events_for(store, incident.id) if e.kind == "note"]
    assert notes == ["first", "second"]
