"""`firedesk serve`'s limits, with the real OpenSSH client: sessions, idleness, keys tried."""

from __future__ import annotations

import subprocess

import pytest

from firedesk.store import Store, declare_incident, load_draft
from serve_support import Server, Tmux, eventually, make_key
from test_serve import write_config

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def keys(tmp_path):  # noqa: ANN001, ANN201
    return {name: make_key(tmp_path, name) for name in
            ("ana", "bo", "watcher", "stranger", "stranger2", "stranger3")}


def start(tmp_path, db_path, keys, serve: str):  # noqa: ANN001, ANN201
    with Store(db_path) as store:
        incident = declare_incident(store, "Checkout down", severity="SEV2", author="Dana")
    return Server(tmp_path, db_path, write_config(tmp_path, keys, serve)), Tmux(), incident


def test_past_max_sessions_a_new_session_is_told_to_retry(tmp_path, db_path, keys):
    server, tmux, _ = start(tmp_path, db_path, keys, "max_sessions = 1")
    try:
        ana = tmux.open(server.ssh(keys["ana"], "-tt"))
        tmux.wait_for(ana, "Write note")
        second = subprocess.run(server.ssh(keys["bo"], "-tt"), capture_output=True, text=True,
                                timeout=60, stdin=subprocess.DEVNULL)
        assert second.returncode == 1
        assert "all 1 console sessions are in use; try again in a minute" in second.stdout
        assert "refused: the server has its maximum of 1 sessions" in server.log()
        assert tmux.screen(ana).count("Write note") == 1   # the first session carries on
    finally:
        tmux.close()
        server.stop()


def test_an_idle_session_is_closed_and_keeps_its_draft(tmp_path, db_path, keys):
    server, tmux, incident = start(tmp_path, db_path, keys, 'idle_timeout = "8s"')
    try:
        ana = tmux.open(server.ssh(keys["ana"], "-tt"))
        tmux.wait_for(ana, "Write note")
        tmux.entry(ana, "n", "went for coffee")
        tmux.wait_for(ana, "closed after 8s without a keystroke; your draft is kept")
        eventually(lambda: tmux.is_dead(ana), "the ssh client exits")
        with Store(db_path) as store:
            assert load_draft(store, incident.id, "Ana") == "went for coffee"
    finally:
        tmux.close()
        server.stop()


def test_too_many_unknown_keys_drop_the_connection(tmp_path, db_path, keys):
    server, tmux, _ = start(tmp_path, db_path, keys, "max_auth_attempts = 2")
    try:
        many = ["ssh", "-p", str(server.port), "-i", str(keys["stranger"]), "-i",
                str(keys["stranger2"]), "-i", str(keys["stranger3"]), "-i", str(keys["ana"]),
                *server.ssh(keys["stranger"])[5:]]
        result = subprocess.run(many, capture_output=True, text=True, timeout=60,
                                stdin=subprocess.DEVNULL)
        assert result.returncode == 255   # Ana's key, offered fourth, never got a turn
        eventually(lambda: "too many keys tried (3)" in server.log(), "the refusal is logged")
        assert "opened:" not in server.log()
    finally:
        tmux.close()
        server.stop()
