"""`firedesk serve` end to end: the real OpenSSH client (in tmux) against the real server
on loopback, each session a real console process on a real pty, one SQLite file."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from firedesk.serve.settings import fingerprint
from firedesk.store import Store, declare_incident, events_for, load_draft, verify_chain
from serve_support import Server, Tmux, eventually, make_key, public

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    return {name: make_key(tmp_path, name) for name in ("ana", "bo", "watcher", "stranger")}


def write_config(tmp_path: Path, keys: dict[str, Path], serve: str = "") -> Path:
    config = tmp_path / "firedesk.toml"
    config.write_text(f"""
[serve]
host_key = "{tmp_path / 'host_key'}"
{serve}

[[people]]
name = "Ana"
ssh_keys = ["{public(keys['ana'])}"]

[[people]]
name = "Bo"
ssh_keys = ["{public(keys['bo'])}"]

[[watchers]]
name = "Bridge"
ssh_keys = ["{public(keys['watcher'])}"]
""")
    return config


@pytest.fixture
def incident(db_path: Path, clock):  # noqa: ANN001
    with Store(db_path) as store:
        return declare_incident(store, "Checkout down", severity="SEV2", author="Dana")


@pytest.fixture
def served(tmp_path: Path, db_path: Path, keys, incident):  # noqa: ANN001
    server = Server(tmp_path, db_path, write_config(tmp_path, keys))
    tmux = Tmux()
    yield server, tmux
    tmux.close()
    server.stop()


def notes(db_path: Path, incident) -> list:  # noqa: ANN001
    with Store(db_path) as store:
        return [e for e in events_for(store, incident.id) if e.kind == "note"]


def test_a_known_key_opens_the_console_as_its_person_and_records_its_fingerprint(
        served, keys, db_path, incident):
    server, tmux = served
    ana = tmux.open(server.ssh(keys["ana"], "-tt", "-o",
                               "SetEnv=COLORTERM=truecolor FIREDESK_USER=Mallory"))
    tmux.wait_for(ana, "Write note")
    console = eventually(lambda: server.session_pids("Ana"), "Ana's console pid")[0]
    environ = dict(item.split("=", 1) for item in
                   Path(f"/proc/{console}/environ").read_text().split("\0") if "=" in item)
    assert environ["TERM"] == tmux.run("show-options", "-gv", "default-terminal").strip()
    assert environ["COLORTERM"] == "truecolor"     # passed through from the client
    assert "FIREDESK_USER" not in environ          # never: the key says who this is
    tmux.entry(ana, "n", "payments pod restarted")
    tmux.keys(ana, "Enter")
    recorded = eventually(lambda: notes(db_path, incident), "the note is recorded")
    assert [(e.author, e.text) for e in recorded] == [("Ana", "payments pod restarted")]
    assert recorded[0].ssh_key == fingerprint(public(keys["ana"]))
    with Store(db_path) as store:
        assert verify_chain(store).ok
    assert f"opened: Ana (person, key {recorded[0].ssh_key})" in server.log()
    # The host key was made on first start, readable by this user only.
    host_key = db_path.parent / "host_key"
    assert (host_key.stat().st_mode & 0o777) == 0o600
    assert "generated now" in server.out()


def test_unknown_keys_and_passwords_are_refused_and_logged(served, keys):
    server, _ = served
    stranger = fingerprint(public(keys["stranger"]))
    result = subprocess.run(server.ssh(keys["stranger"], "-tt", "-o", "LogLevel=INFO"),
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 255
    assert "Permission denied (publickey)" in result.stderr
    assert stranger in result.stderr   # the banner tells them which key to hand over
    password = subprocess.run(
        server.ssh(keys["stranger"], "-o", "PreferredAuthentications=password,keyboard-interactive"),
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert password.returncode == 255
    eventually(lambda: server.log().count("refused") >= 2, "both refusals logged")
    log = server.log()
    assert f"unknown key {stranger}" in log
    assert "no key offered (only known SSH keys are accepted; never passwords)" in log
    assert "opened:" not in log


def test_commands_and_terminal_less_sessions_get_a_reason_not_a_shell(served, keys):
    server, _ = served
    command = subprocess.run(server.ssh(keys["ana"], command=("cat", "/etc/passwd")), capture_output=True,
                             text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert command.returncode == 1
    assert "runs no commands" in command.stdout and "root:" not in command.stdout
    no_tty = subprocess.run(server.ssh(keys["ana"], "-T"), capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)
    assert no_tty.returncode == 1 and "needs a terminal" in no_tty.stdout


def test_a_watcher_gets_no_write_bindings_and_its_keys_write_nothing(
        served, keys, db_path, incident):
    server, tmux = served
    watcher = tmux.open(server.ssh(keys["watcher"], "-tt"))
    screen = tmux.wait_for(watcher, "watching (read-only)")
    tmux.wait_for(watcher, "Zoom pane")
    screen = tmux.screen(watcher)
    assert "Write note" not in screen and "Severity" not in screen and "note ›" not in screen
    # Every write key of the incident screen, then pasted text and Enter: nothing changes.
    for key in ("n", "u", "h", "a", "d", "l", "c", "i", "s", "p", "v", "t", "Enter"):
        tmux.keys(watcher, key)
    tmux.run("set-buffer", "-b", "sneaky", "sneaky note")
    tmux.run("paste-buffer", "-p", "-b", "sneaky", "-t", watcher)
    tmux.keys(watcher, "Enter")
    assert "watching (read-only)" in tmux.settle(watcher)
    # The command palette offers no write either (and does offer what a watcher may do).
    def palette(query: str) -> str:
        tmux.keys(watcher, "C-p")
        tmux.wait_for(watcher, "🔎")
        tmux.settle(watcher)
        tmux.keys(watcher, query, literal=True)
        shown = tmux.settle(watcher)
        tmux.keys(watcher, "Escape")
        tmux.settle(watcher)
        return shown
    assert "key f1" in palette("Help")
    assert palette("Write note").count("Write note") == 1   # only what was typed
    # Ana's note still reaches the watcher live, and it is the only note.
    ana = tmux.open(server.ssh(keys["ana"], "-tt"))
    tmux.wait_for(ana, "Write note")
    tmux.entry(ana, "n", "seen by the bridge")
    tmux.keys(ana, "Enter")
    tmux.wait_for(watcher, "seen by the bridge")
    assert [e.author for e in notes(db_path, incident)] == ["Ana"]
    with Store(db_path) as store:
        assert load_draft(store, incident.id, "Bridge") in (None, "")
        assert len(events_for(store, incident.id)) == 2   # declared + Ana's note


def test_a_resize_reflows_the_console(served, keys):
    server, tmux = served
    ana = tmux.open(server.ssh(keys["ana"], "-tt"))
    before = tmux.wait_for(ana, "Write note").splitlines()
    assert max(len(line.rstrip()) for line in before) <= 100
    tmux.resize(ana, 150, 40)

    def reflowed() -> list[str] | None:
        lines = tmux.screen(ana).splitlines()
        return lines if len(lines) >= 40 and len(lines[0].rstrip()) > 120 else None
    after = eventually(reflowed, "the console redrawn at 150x40")
    header = after[0]
    assert "Checkout down" in header and len(header.rstrip()) > 120


def test_killing_one_client_ends_only_its_console_and_keeps_its_draft(
        served, keys, db_path, incident):
    server, tmux = served
    ana = tmux.open(server.ssh(keys["ana"], "-tt"))
    bo = tmux.open(server.ssh(keys["bo"], "-tt"))
    tmux.wait_for(ana, "Write note")
    tmux.wait_for(bo, "Write note")
    tmux.entry(ana, "n", "half a thought")
    ana_console = eventually(lambda: server.session_pids("Ana"), "Ana's console pid")[0]
    bo_console = eventually(lambda: server.session_pids("Bo"), "Bo's console pid")[0]
    os.kill(tmux.pane_pid(ana), signal.SIGKILL)   # the laptop lid closes
    eventually(lambda: "ended: Ana (hung up)" in server.log(), "Ana's session ends")
    eventually(lambda: not _alive(ana_console), "Ana's console process is gone")
    with Store(db_path) as store:
        assert load_draft(store, incident.id, "Ana") == "half a thought"
    assert _alive(bo_console)
    tmux.entry(bo, "n", "still here")
    tmux.keys(bo, "Enter")
    eventually(lambda: [e.author for e in notes(db_path, incident)] == ["Bo"], "Bo's note")


def test_a_crashed_console_is_reported_and_touches_no_other_session(served, keys, db_path,
                                                                     incident):
    server, tmux = served
    ana = tmux.open(server.ssh(keys["ana"], "-tt"))
    bo = tmux.open(server.ssh(keys["bo"], "-tt"))
    tmux.wait_for(ana, "Write note")
    tmux.wait_for(bo, "Write note")
    ana_console = eventually(lambda: server.session_pids("Ana"), "Ana's console pid")[0]
    os.kill(ana_console, signal.SIGKILL)
    tmux.wait_for(ana, "ended unexpectedly")
    eventually(lambda: tmux.is_dead(ana), "Ana's ssh client exits")
    tmux.entry(bo, "n", "unaffected")
    tmux.keys(bo, "Enter")
    eventually(lambda: [e.text for e in notes(db_path, incident)] == ["unaffected"], "Bo's note")


def test_ten_sessions_at_once_all_see_one_note(served, keys, db_path, incident):
    server, tmux = served
    people = ["ana", "bo"] * 4 + ["watcher"] * 2
    windows = [tmux.open(server.ssh(keys[who], "-tt")) for who in people]
    for window in windows:
        tmux.wait_for(window, "Checkout down", seconds=180)
    assert len(server.session_pids("Ana")) + len(server.session_pids("Bo")) == 8
    assert len(server.session_pids("Bridge")) == 2
    first = windows[0]
    tmux.wait_for(first, "Write note", seconds=120)
    tmux.entry(first, "n", "one for all ten")
    tmux.keys(first, "Enter")
    for window in windows[1:]:
        tmux.wait_for(window, "one for all ten", seconds=120)
    assert [e.author for e in notes(db_path, incident)] == ["Ana"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:   # a zombie is not alive
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False
