"""`firedesk serve`: the SSH server. A key lets a person (or a watcher) in; each session
gets its own console process on its own pty; nothing else is offered (no shell, no
commands, no forwarding, no passwords).

The server only authenticates and pumps bytes; it never opens the record itself after
start-up, so a session that crashes or hangs takes nothing else with it.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import asyncssh

from firedesk.serve.hostkey import HostKey
from firedesk.serve.settings import Identity, KeyBook, ServeSettings
from firedesk.serve.terminal import HANG_UP_GRACE, ConsoleTerminal

# What a client may pass into the console's environment (SendEnv), besides TERM.
CLIENT_ENV = ("COLORTERM", "LANG", "LC_ALL", "LC_CTYPE", "NO_COLOR")
# Variables of the server's own environment a console must not inherit: the session
# gets its person, record and config from the server's arguments alone.
SERVER_ONLY_ENV = ("FIREDESK_USER", "FIREDESK_DB", "FIREDESK_CONFIG", "SSH_AUTH_SOCK")
KEEPALIVE_SECONDS = 30


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def stderr_log(line: str) -> None:
    print(f"{_stamp()} firedesk serve: {line}", file=sys.stderr, flush=True)


class RefusalLog:
    """Refusals are logged, but a scanner hammering the port cannot flood the log: at most
    `burst` lines per client address per `window` seconds, then one line that counts the
    rest."""

    def __init__(self, log: Callable[[str], None], burst: int = 5, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.log, self.burst, self.window, self.clock = log, burst, window, clock
        self._seen: dict[str, tuple[float, int, int]] = {}  # peer → (window start, logged, quiet)

    def refused(self, peer: str, line: str) -> None:
        now = self.clock()
        start, logged, quiet = self._seen.get(peer, (now, 0, 0))
        if now - start >= self.window:
            if quiet:
                self.log(f"{peer}: {quiet} more refused connection(s) not logged in the last "
                         f"{self.window:.0f}s")
            start, logged, quiet = now, 0, 0
        if logged < self.burst:
            self.log(f"refused {peer}: {line}")
            logged += 1
        else:
            quiet += 1
        self._seen[peer] = (start, logged, quiet)
        if len(self._seen) > 10_000:   # forget the oldest windows
            for old in [p for p, (s, _, _) in self._seen.items() if now - s >= self.window]:
                del self._seen[old]


@dataclass
class FrontDoor:
    """What every connection shares: the keys, the limits, the live sessions, the log."""

    settings: ServeSettings
    keys: KeyBook
    record: Path
    config_path: Path | None
    host_key: HostKey
    log: Callable[[str], None] = stderr_log
    python: str = sys.executable
    sessions: set["ConsoleSession"] = field(default_factory=set)
    numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.refusals = RefusalLog(self.log)

    def console_argv(self, identity: Identity) -> list[str]:
        argv = [self.python, "-m", "firedesk.serve.session", "--db", str(self.record),
                "--name", identity.name, "--key", identity.fingerprint]
        if self.config_path is not None:
            argv += ["--config", str(self.config_path)]
        if identity.watching:
            argv.append("--watching")
        return argv

    def console_env(self, term: str | None, client_env: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in SERVER_ONLY_ENV}
        env["TERM"] = term or "xterm-256color"
        for name in CLIENT_ENV:
            value = client_env.get(name)
            if value is not None and len(value) < 200 and value.isprintable():
                env[name] = value
        return env

    def check_idle(self) -> None:
        limit = self.settings.idle_timeout
        if limit is None:
            return
        now = time.monotonic()
        for session in list(self.sessions):
            if now - session.last_input >= limit:
                session.close_idle(limit)

    def hang_up_all(self) -> None:
        for session in list(self.sessions):
            session.end("the server is stopping")


class Doorman(asyncssh.SSHServer):
    """One connection's authentication: public keys only, each looked up in the KeyBook."""

    def __init__(self, door: FrontDoor) -> None:
        self.door = door
        self.conn: asyncssh.SSHServerConnection | None = None
        self.peer = "?"
        self.username = ""
        self.identity: Identity | None = None
        self.refused_keys: list[str] = []
        self.authenticated = False
        self.told = False

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if peer else "?"

    def connection_lost(self, exc: Exception | None) -> None:
        if self.authenticated:
            return
        if len(self.refused_keys) > self.door.settings.max_auth_attempts:
            why = f"too many keys tried ({len(self.refused_keys)})"
        elif self.refused_keys:
            shown = ", ".join(self.refused_keys[:3])
            why = f"unknown key {shown}" + (f" (+{len(self.refused_keys) - 3} more)"
                                            if len(self.refused_keys) > 3 else "")
        else:
            why = "no key offered (only known SSH keys are accepted; never passwords)"
        self.door.refusals.refused(self.peer, f"user {self.username[:64]!r}: {why}")

    def begin_auth(self, username: str) -> bool:
        self.username = username
        for problem in self.door.keys.refresh():
            self.door.log(f"config: {problem}")
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        digest = key.get_fingerprint("sha256")
        identity = self.door.keys.identity(digest)
        if identity is not None:
            self.identity = identity
            return True
        if digest not in self.refused_keys:
            self.refused_keys.append(digest)
        if not self.told and self.conn is not None:
            self.told = True
            try:
                self.conn.send_auth_banner(
                    f"firedesk: key {digest} is not known here. Ask whoever runs firedesk "
                    "to add it to firedesk.toml.\r\n")
            except OSError:
                pass
        if len(self.refused_keys) > self.door.settings.max_auth_attempts and self.conn:
            self.conn.disconnect(asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE,
                                 "too many authentication attempts")
        return False

    def auth_completed(self) -> None:
        self.authenticated = True

    def session_requested(self) -> "ConsoleSession | bool":
        if self.identity is None:
            return False
        return ConsoleSession(self.door, self.identity, self.peer, self.username)


class ConsoleSession(asyncssh.SSHServerSession):
    """One SSH session: its own console process on its own pty."""

    def __init__(self, door: FrontDoor, identity: Identity, peer: str, username: str) -> None:
        self.door = door
        self.identity = identity
        self.peer = peer
        self.username = username
        self.number = next(door.numbers)
        self.chan: asyncssh.SSHServerChannel | None = None
        self.term: str | None = None
        self.size = (80, 24)
        self.command: str | None = None
        self.terminal: ConsoleTerminal | None = None
        self.last_input = time.monotonic()
        self.ending: str | None = None   # what to tell the person when the console ends
        self.closed = False

    @property
    def who(self) -> str:
        return f"{self.identity.name} ({self.identity.kind}, key {self.identity.fingerprint})"

    # -- what the client asks for -----------------------------------------------------

    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: tuple, term_modes: dict) -> bool:
        self.term = term_type
        cols, rows = term_size[0], term_size[1]
        if cols > 0 and rows > 0:
            self.size = (cols, rows)
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self.command = command
        return True   # answered in session_started with why nothing is run

    def subsystem_requested(self, subsystem: str) -> bool:
        return False

    def session_started(self) -> None:
        if self.command is not None:
            self._refuse("firedesk: this server opens only the console; it runs no commands. "
                         "Connect with: ssh -t -p PORT HOST")
            return
        if self.term is None:
            self._refuse("firedesk: the console needs a terminal; connect with ssh -t")
            return
        if len(self.door.sessions) >= self.door.settings.max_sessions:
            self.door.log(f"session for {self.who} from {self.peer} refused: the server has "
                          f"its maximum of {self.door.settings.max_sessions} sessions")
            self._refuse(f"firedesk: all {self.door.settings.max_sessions} console sessions "
                         "are in use; try again in a minute")
            return
        self.door.sessions.add(self)
        asyncio.get_running_loop().create_task(self._start())

    async def _start(self) -> None:
        env = self.door.console_env(self.term, dict(self.chan.get_environment()))
        cols, rows = self.size
        self.terminal = ConsoleTerminal(self.door.console_argv(self.identity), env, cols, rows,
                                        self._output, self._ended)
        try:
            await self.terminal.start()
        except OSError as exc:
            self.door.sessions.discard(self)
            self.door.log(f"session {self.number} for {self.who}: cannot start the console: {exc}")
            self._refuse(f"firedesk: cannot start the console ({exc.strerror}); tell whoever "
                         "runs firedesk")
            return
        self.door.log(f"session {self.number} opened: {self.who} from {self.peer} "
                      f"(user {self.username[:64]!r}, {cols}x{rows}, TERM={env['TERM'][:40]}, "
                      f"pid {self.terminal.pid})")
        if self.closed:   # the client left while the console was starting
            self.terminal.hang_up()
        elif self.ending is not None:
            self.terminal.stop(signal.SIGHUP)

    def _refuse(self, message: str) -> None:
        try:
            self.chan.write(message.encode() + b"\r\n")
            self.chan.exit(1)
        except (OSError, asyncssh.Error):
            pass

    # -- bytes both ways ----------------------------------------------------------------

    def data_received(self, data: bytes, datatype) -> None:  # noqa: ANN001
        self.last_input = time.monotonic()
        if self.terminal is not None:
            self.terminal.write(data)

    def terminal_size_changed(self, width: int, height: int, pixwidth: int,
                              pixheight: int) -> None:
        self.size = (width, height)
        if self.terminal is not None:
            self.terminal.resize(width, height)

    def _output(self, data: bytes) -> None:
        if not self.closed:
            try:
                self.chan.write(data)
            except (OSError, asyncssh.Error):
                pass

    def pause_writing(self) -> None:
        if self.terminal is not None:
            self.terminal.pause_output()

    def resume_writing(self) -> None:
        if self.terminal is not None:
            self.terminal.resume_output()

    def eof_received(self) -> bool:
        return True   # half-closed input: the console stays until the connection goes

    def break_received(self, msec: int) -> bool:
        return True   # swallowed: the console has no use for a BREAK

    def signal_received(self, signal_name: str) -> None:
        pass   # a client cannot signal the console

    # -- the end ------------------------------------------------------------------------

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.terminal is not None and self.terminal.process is not None:
            self.terminal.hang_up()

    def close_idle(self, limit: float) -> None:
        if self.ending is None:
            minutes = limit / 60
            span = f"{minutes:.0f} min" if minutes >= 1 else f"{limit:.0f}s"
            self.end(f"closed after {span} without a keystroke; your draft is kept")

    def end(self, why: str) -> None:
        """End the console (it keeps its draft on SIGHUP), then tell the person why."""
        if self.ending is None:
            self.ending = why
            if self.terminal is not None:
                self.terminal.stop(signal.SIGHUP)

    def _ended(self, code: int) -> None:
        self.door.sessions.discard(self)
        how = {0: "quit", 129: "hung up", -signal.SIGHUP: "hung up"}.get(code, f"exit {code}")
        self.door.log(f"session {self.number} ended: {self.identity.name} ({how}"
                      f"{'; ' + self.ending if self.ending else ''})")
        if self.closed:
            return
        message = b""
        if self.ending:
            message = f"\r\nfiredesk: {self.ending}.\r\n".encode()
        elif code not in (0, 129):
            message = (f"\r\nfiredesk: the console ended unexpectedly (exit {code}); no other "
                       "session is affected. Connect again to reopen it.\r\n").encode()
        try:
            if message:
                self.chan.write(message)
            self.chan.exit(0 if code in (0, 129) else 1)
        except (OSError, asyncssh.Error):
            pass


async def serve(door: FrontDoor, host: str, port: int,
                ready: Callable[[str, int], None] | None = None) -> None:
    """Listen until SIGTERM or SIGINT, then hang up every session (drafts are kept)."""
    settings = door.settings
    acceptor = await asyncssh.create_server(
        lambda: Doorman(door), host, port, server_host_keys=[door.host_key.key],
        encoding=None, line_editor=False, agent_forwarding=False, x11_forwarding=False,
        gss_kex=False, gss_auth=False, login_timeout=settings.login_timeout,
        keepalive_interval=KEEPALIVE_SECONDS, keepalive_count_max=3,
        server_version="firedesk")
    bound = acceptor.sockets[0].getsockname()
    if ready is not None:
        ready(bound[0], bound[1])
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    idle = settings.idle_timeout
    ticker = None
    if idle is not None:
        async def tick() -> None:
            while True:
                await asyncio.sleep(min(30.0, max(0.2, idle / 4)))
                door.check_idle()
        ticker = loop.create_task(tick())
    try:
        await stop.wait()
    finally:
        door.log(f"stopping: hanging up {len(door.sessions)} session(s)")
        acceptor.close()
        if ticker is not None:
            ticker.cancel()
        door.hang_up_all()
        deadline = loop.time() + HANG_UP_GRACE + 2
        while door.sessions and loop.time() < deadline:
            await asyncio.sleep(0.05)
        await acceptor.wait_closed()
