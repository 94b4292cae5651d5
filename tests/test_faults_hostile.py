"""Hostile text end to end: every way in, every way out, and the record keeps exact bytes.

Ways in: a webhook POST to a real `firedesk receive`, `firedesk ingest` (JSON lines),
`firedesk note` (argv), the console's entry line (pilot), and config values (people's
names, a service name, a bad config key that becomes a startup notice), plus the incident
title and the acting person's name. Ways out: the console in a REAL pseudo-terminal at
120x40 (panes, header, notifications), the plain CLI outputs and the exports.

The pseudo-terminal check looks for the corpus's own payloads in the raw byte stream
(ESC ]0;pwned, ESC ]52;, ESC ]8;;https://evil, ESC P1$q, the raw C1 and bidi characters…):
Textual's own escape sequences are fine, a sequence that came from the data is not.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from fault_workers import STORM_TOKEN, alert_payload, start_receiver
from hostile import FORBIDDEN, HOSTILE, assert_terminal_safe
from firedesk.store import Store

NAMES = list(HOSTILE)
TITLE = "retitled \x1b]0;pwned by title\x07 [@click=app.quit]quit[/] \u202egnp.exe \x9b2J end"
PERSON_OSC = "Dana \x1b]0;pwned by person\x07"
PERSON_BIDI = "Kenji \u202eevil\u202c [link=https://evil.example]x[/link]"
SERVICE = "db \x1b[2J\x1bP1$qm\x1b\\ \u2066svc\u2069"
ACTOR = "Mallory \x1b]52;c;cm0gLXJmIC8K\x07"
BAD_KEY = "\x1b]0;cfgpwn\x07"
NOTICE_TITLE = "critical \x1b]0;pwned-notice\x07 \x1b]52;c;bm90aWNl\x07 \u202eknil"

# Byte strings that only the data could have put in the terminal stream. Textual's own
# output is valid UTF-8 with its own CSI/OSC sequences; none of these is one of them.
RAW_PAYLOADS = [
    b"\x1b]0;pwned", b"\x1b]0;cfgpwn", b"\x1b]52;", b"\x1b]8;;https://evil", b"\x1bP1$q",
    b"\x1b[H after", b"\roverwritten", b"\x00",
    *(chr(c).encode() for c in range(0x80, 0xA0)),                 # C1, UTF-8 encoded
    *(ch.encode() for ch in "\u202e\u202c\u2066\u2069\u200b\u200d\ufeff\u2028\u2029"),
]


def toml_string(text: str) -> str:
    """A TOML basic string holding exactly `text` (controls, C1 and bidi as \\u escapes)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\' or code < 0x20 or 0x7F <= code < 0xA0 or ch in "\u202e\u202c\u2066\u2069":
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


@dataclass
class World:
    """One record with the whole corpus in it, through every way in."""

    root: Path
    db: Path
    config: Path
    env: dict[str, str]
    posted: dict[str, bytes] = field(default_factory=dict)     # fingerprint -> body
    ingested: dict[str, str] = field(default_factory=dict)     # fingerprint -> corpus name
    problems: list[str] = field(default_factory=list)

    def run(self, *args: str, input: bytes | None = None, check: bool = True,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        result = subprocess.run([sys.executable, "-m", "firedesk", *args], input=input,
                                capture_output=True, env={**self.env, **(env or {})},
                                cwd=self.root, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"firedesk {args} failed: {result.stderr.decode(errors='replace')}")
        return result


def _write_config(path: Path) -> None:
    path.write_text(
        f"[[people]]\nname = {toml_string(PERSON_OSC)}\ntimezone = \"UTC\"\n"
        f"[[people]]\nname = {toml_string(PERSON_BIDI)}\ntimezone = \"UTC\"\n"
        f"[[teams]]\nname = \"db-team\"\nmembers = [{toml_string(PERSON_OSC)}, "
        f"{toml_string(PERSON_BIDI)}]\n"
        f"[[services]]\nname = {toml_string(SERVICE)}\nteam = \"db-team\"\n"
        f"[[escalation]]\ndefault = true\ntiers = [{{ targets = [\"team:db-team\"] }}]\n"
        f"[comms.cadence]\n{toml_string(BAD_KEY)} = 5\n",
        encoding="utf-8")


async def _type_in_console(world: World) -> None:
    """The console's entry line: every corpus entry typed, Enter records it."""
    from textual.widgets import Input

    from firedesk.app import make_app
    from firedesk.config import load_config
    from firedesk.screens.incident import IncidentScreen

    app = make_app(world.db, load_config(world.config), "console-writer", incident="INC-1")
    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.monotonic() + 30
        while not (isinstance(app.screen, IncidentScreen) and app.screen.incident):
            assert time.monotonic() < deadline, "the incident never opened"
            await pilot.pause(0.05)
        entry = app.screen.query_one("#entry", Input)
        for name in NAMES:
            app.screen.action_write("note")
            entry.value = HOSTILE[name]
            await entry.action_submit()
            await app.workers.wait_for_complete()
            await pilot.pause(0)
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors == []


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("hostile")
    config = root / "firedesk.toml"
    _write_config(config)
    env = {**os.environ, "FIREDESK_DB": str(root / "firedesk.db"), "FIREDESK_CONFIG": str(config),
           "FIREDESK_USER": "cli-writer", "TZ": "UTC"}
    world = World(root, root / "firedesk.db", config, env)
    world.run("declare", TITLE, "--severity", "SEV1", "--service", SERVICE, "--summary",
              HOSTILE["osc 52 clipboard"])
    world.run("assign", "INC-1", "leader", PERSON_OSC)
    world.run("assign", "INC-1", "communications", PERSON_BIDI)
    # `firedesk note` with the text as an argument (argv cannot carry NUL: that entry
    # goes through the console and the webhooks instead).
    for name in NAMES:
        if "\x00" not in HOSTILE[name]:
            world.run("note", "INC-1", HOSTILE[name])
    world.run("--as", ACTOR, "note", "INC-1", "from a hostile name")
    # `firedesk ingest`: JSON lines, one Alertmanager payload per entry.
    lines = []
    for n, name in enumerate(NAMES):
        fingerprint = f"ingest-{n}"
        world.ingested[fingerprint] = name
        lines.append(alert_payload(fingerprint, HOSTILE[name], labels={"team": HOSTILE[name]}))
    (root / "storm.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    world.run("ingest", str(root / "storm.jsonl"))
    # Webhooks to the real receiver.
    receiver, base = start_receiver(world.db, root)
    try:
        with httpx.Client(timeout=30, headers={"Authorization": f"Bearer {STORM_TOKEN}"}) as http:
            for n, name in enumerate(NAMES):
                fingerprint = f"hook-{n}"
                body = alert_payload(fingerprint, HOSTILE[name],
                                     labels={"service": HOSTILE[name]},
                                     annotations={"description": HOSTILE[name]})
                answer = http.post(f"{base}/hooks/alertmanager", content=body)
                assert answer.status_code == 200, answer.text
                world.posted[fingerprint] = body
    finally:
        receiver.terminate()
        receiver.communicate(timeout=20)
    asyncio.run(_type_in_console(world))
    return world


# -- the record keeps the exact text ----------------------------------------------------

def test_the_record_keeps_exactly_what_came_in(world: World) -> None:
    with Store(world.db) as store:
        by_author: dict[str, list[str]] = {}
        for row in store.query("SELECT author, text FROM events WHERE kind = 'note' ORDER BY id"):
            by_author.setdefault(row["author"], []).append(row["text"])
        assert by_author["cli-writer"] == [HOSTILE[n] for n in NAMES if "\x00" not in HOSTILE[n]]
        assert by_author["console-writer"] == [HOSTILE[n] for n in NAMES]
        assert by_author[ACTOR] == ["from a hostile name"]
        incident = store.query_one("SELECT title, service, summary FROM incidents WHERE id = 1")
        assert tuple(incident) == (TITLE, SERVICE, HOSTILE["osc 52 clipboard"])
        leaders = store.query("SELECT role, person FROM role_assignments ORDER BY id")
        assert [(r["role"], r["person"]) for r in leaders] == [
            ("leader", PERSON_OSC), ("communications", PERSON_BIDI)]
        alerts = {r["dedup_key"]: r for r in store.query("SELECT * FROM alerts")}
        for fingerprint, name in world.ingested.items():
            assert alerts[fingerprint]["title"] == HOSTILE[name], name
            assert json.loads(alerts[fingerprint]["labels"])["team"] == HOSTILE[name], name
        bodies = {r["body"] for r in store.query("SELECT body FROM alert_deliveries WHERE via = 'receive'")}
        assert bodies == set(world.posted.values())     # the raw bytes, as posted
        for n, name in enumerate(NAMES):
            row = alerts[f"hook-{n}"]
            assert row["title"] == HOSTILE[name], name
            assert json.loads(row["labels"])["service"] == HOSTILE[name], name
            assert json.loads(row["annotations"])["description"] == HOSTILE[name], name


def test_invalid_utf8_in_a_webhook_is_refused_with_a_clear_400(tmp_path: Path) -> None:
    db = tmp_path / "firedesk.db"
    Store(db).close()
    receiver, base = start_receiver(db, tmp_path)
    try:
        body = alert_payload("bad-utf8", "x").replace(b'"x"', b'"caf\xe9 \xff\xfe \xc0\x80"')
        with httpx.Client(timeout=30, headers={"Authorization": f"Bearer {STORM_TOKEN}"}) as http:
            answer = http.post(f"{base}/hooks/alertmanager", content=body)
            auto = http.post(f"{base}/hooks/auto", content=body)
    finally:
        receiver.terminate()
        receiver.communicate(timeout=20)
    assert answer.status_code == 400 and auto.status_code in (400, 401)
    assert answer.json()["error"] == "the body is not UTF-8 text"
    with Store(db) as store:
        assert store.query_one("SELECT count(*) FROM alert_deliveries")[0] == 0


def test_invalid_utf8_in_an_ingested_file_is_one_clear_error(world: World, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(alert_payload("bad-utf8", "x").replace(b'"x"', b'"caf\xe9"'))
    result = world.run("ingest", str(bad), check=False)
    assert result.returncode == 1
    assert result.stderr.decode() == "firedesk: error: the body is not UTF-8 text\n"


def test_invalid_utf8_in_a_note_argument_is_one_clear_error(world: World) -> None:
    result = subprocess.run([sys.executable.encode(), b"-m", b"firedesk", b"note", b"INC-1",
                             b"caf\xe9 \x9b2J"], capture_output=True, env=world.env, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith(b"firedesk: error:") and b"Traceback" not in result.stderr


def test_a_note_from_stdin_keeps_every_byte(world: World) -> None:
    world.run("note", "INC-1", "-", input=HOSTILE["c0 controls"].encode())
    with Store(world.db) as store:
        last = store.query_one("SELECT text FROM events WHERE kind = 'note' ORDER BY id DESC LIMIT 1")
    assert last["text"] == HOSTILE["c0 controls"]


# -- every way out ------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("timeline", "INC-1"), ("timeline", "INC-1", "--utc"), ("alerts",), ("show", "INC-1"),
    ("incidents",), ("export", "INC-1", "--format", "md"), ("export", "INC-1", "--format", "html"),
    ("wake", SERVICE), ("search", "pwned"),
], ids=lambda a: " ".join(a)[:30])
def test_plain_cli_output_carries_no_control_or_bidi_character(world: World, args: tuple[str, ...]) -> None:
    result = world.run(*args, check=False)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    shown = result.stdout.decode("utf-8")
    assert_terminal_safe(shown, multiline=True)
    assert_terminal_safe(result.stderr.decode("utf-8"), multiline=True)
    assert "\r" not in shown and "\t" not in shown.replace("\t", "")  # tabs are harmless
    if args[0] != "search":
        assert "pwned" in shown or "clipboard" in shown or "2J" in shown, "the data was shown"


def test_json_outputs_keep_the_exact_text_and_escape_every_c0_control(world: World) -> None:
    for args in (("timeline", "INC-1", "--json"), ("export", "INC-1", "--format", "json"),
                 ("alerts", "--json"), ("show", "INC-1", "--json")):
        raw = world.run(*args).stdout
        # json.dumps escapes every C0 control; DEL, C1 and bidi stay raw in JSON (data
        # for tools, decoded before anything shows it), so only C0 is checked here.
        assert not any(b in raw for b in (b"\x1b", b"\x00", b"\x07", b"\r")), args
        json.loads(raw)   # valid JSON: the exact text comes back by decoding it
    events = json.loads(world.run("timeline", "INC-1", "--json").stdout)
    texts = [e["text"] for e in events if e["author"] == "console-writer"]
    assert texts == [HOSTILE[n] for n in NAMES]


def test_an_error_naming_hostile_text_is_terminal_safe(world: World, tmp_path: Path) -> None:
    bare = tmp_path / "bare.toml"
    bare.write_text(f"[[services]]\nname = {toml_string(SERVICE)}\n", encoding="utf-8")
    result = world.run("wake", SERVICE, check=False, env={"FIREDESK_CONFIG": str(bare)})
    assert result.returncode == 1
    assert_terminal_safe(result.stderr.decode("utf-8"), multiline=True)


# -- the console in a real pseudo-terminal ------------------------------------------------

def _read_until(fd: int, marker: bytes, seen: bytearray, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while marker not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"{marker!r} never appeared on the terminal"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                raise AssertionError(f"the console exited before {marker!r} appeared") from None


def _read_quiet(fd: int, seen: bytearray, quiet: float = 0.5, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], quiet)
        if not ready:
            return
        try:
            seen += os.read(fd, 65536)
        except OSError:
            return


@pytest.mark.timeout(90)
def test_the_console_in_a_real_terminal_shows_no_sequence_from_the_data(world: World) -> None:
    parent, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**world.env, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40",
           "FIREDESK_USER": ACTOR}
    proc = subprocess.Popen([sys.executable, "-m", "firedesk", "console", "INC-1"],
                            stdin=child, stdout=child, stderr=child, env=env, cwd=world.root,
                            start_new_session=True)
    os.close(child)
    seen = bytearray()
    try:
        _read_until(parent, b"retitled", seen)          # the header, with the hostile title
        _read_until(parent, b"cfgpwn", seen)            # the config problem's startup notice
        # A new critical alert while the console is open: the alert pane and a notice.
        notice = alert_payload("notice-1", NOTICE_TITLE, labels={"severity": "critical"})
        world.run("ingest", "-", input=notice)
        _read_until(parent, b"pwned-notice", seen)
        _read_quiet(parent, seen)
        # A tour: the timeline zoomed and paged back through every corpus entry; focus to
        # the alerts pane (tab: entry line, roles, alerts), zoomed, an alert's details; the
        # checklist and who-to-wake panes zoomed; the update composer (F4), tasks and
        # hypotheses (F5), the handover brief (F6); the incident picker; the help screen;
        # the history of past incidents (F7).
        tour = [b"z", *[b"\x1b[5~"] * 5, b"\x1b",
                b"\t", b"\t", b"\t", b"z", b"\x1b", b"d", b"\x1b[6~", b"\x1b[6~", b"\x1b",
                b"\t", b"z", b"\x1b", b"\t", b"z", b"\x1b",
                b"\x1bOS", b"\x1b", b"\x1b[15~", b"\x1b", b"\x1b[17~", b"\x1b",
                b"o", b"\r", b"\x1bOP", b"\x1b", b"\x1b[18~", b"\x1b"]
        for key in tour:
            os.write(parent, key)
            _read_quiet(parent, seen, quiet=0.2)
        os.write(parent, b"\x11")                       # ctrl+q
        _read_quiet(parent, seen, quiet=0.5)
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        os.close(parent)
    stream = bytes(seen)
    if os.environ.get("FIREDESK_PTY_DUMP"):
        Path(os.environ["FIREDESK_PTY_DUMP"]).write_bytes(stream)
    stream.decode("utf-8")                               # the terminal got valid UTF-8
    found = {p: stream[max(0, stream.find(p) - 80):stream.find(p) + 40]
             for p in RAW_PAYLOADS if p in stream}
    assert found == {}, f"sequences from the data reached the terminal (with context): {found}"
    # The hostile text was drawn, visibly and literally (markup was not interpreted).
    for shown in (b"pwned by title", b"[@click=app.quit]", b"pwned by person", b"pwned-notice",
                  b"[bold red]not bold[/]", b"^[]52;c;cm0g", b"\\u202egnp.exe",
                  b"raw body"):                 # the alert details screen was opened
        assert shown in stream, shown


def test_forbidden_list_covers_the_corpus() -> None:
    """Guard for the checks above: every control the corpus carries is in FORBIDDEN."""
    carried = {ch for text in HOSTILE.values() for ch in text
               if ord(ch) < 0x20 and ch != "\n" or 0x7F <= ord(ch) < 0xA0}
    assert carried <= set(FORBIDDEN)
