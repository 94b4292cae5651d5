"""The receiver under abuse (issue 16, points 6–7), with real sockets on loopback.

Slow headers, slow bodies, unauthenticated big bodies, more connections than the cap:
each test asserts what the daemon does (drops, answers, refuses without reading), with
small configured deadlines; none asserts how long anything took.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import httpx
from conftest import PAYLOADS

from firedesk.config import parse_config
from firedesk.intake.guard import RateLimit
from firedesk.intake.receiver import Receiver, start
from firedesk.intake.settings import receiver_settings
from test_intake_receiver import TOKEN, sign

SAFETY = 20  # seconds a socket waits before the test fails (a bound, not a measurement)


class Daemon:
    """The real receiver on an ephemeral port, its loop on a thread; `guard` to inspect."""

    def __init__(self, db_path: Path, raw: dict[str, Any], room_header_timeout: float | None = None):
        config = parse_config({"receiver": raw})
        assert not config.problems, config.problems
        self.receiver = Receiver(db_path, receiver_settings(config))
        if room_header_timeout is not None:
            self.receiver.guard.room_header_timeout = room_header_timeout
        self.guard = self.receiver.guard
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.listening, self.port = self._run(start(self.receiver, "127.0.0.1", 0))

    def _run(self, coroutine):  # noqa: ANN001
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=SAFETY)
        return sock

    def healthz(self) -> int:
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=SAFETY) as http:
            return http.get("/healthz").status_code

    def close(self) -> None:
        self._run(self.listening.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
        self.receiver.close()


@contextmanager
def daemon(db_path: Path, raw: dict[str, Any], **kwargs: Any) -> Iterator[Daemon]:
    running = Daemon(db_path, raw, **kwargs)
    try:
        yield running
    finally:
        running.close()


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a reset counts as closed)."""
    chunks = []
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def request_head(path: str, length: int, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {length}",
             "Content-Type: application/json", "Connection: close",
             *(f"{k}: {v}" for k, v in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def deliveries(db_path: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM alert_deliveries").fetchone()[0]
    finally:
        conn.close()


def test_a_client_that_never_finishes_its_headers_is_dropped(db_path):
    with daemon(db_path, {"token": TOKEN, "header_timeout": "300ms"}) as server:
        silent, trickle = server.connect(), server.connect()
        trickle.sendall(b"POST /hooks/auto HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and no more
        assert read_all(silent) == b""   # closed without a word
        assert read_all(trickle) == b""
        assert server.guard.dropped_slow == 2
        assert server.healthz() == 200   # and it carries on


def test_a_body_that_does_not_arrive_in_time_gets_408_and_nothing_is_recorded(db_path):
    with daemon(db_path, {"token": TOKEN, "body_timeout": "300ms"}) as server:
        sock = server.connect()
        sock.sendall(request_head("/hooks/auto", 1000, {"Authorization": f"Bearer {TOKEN}"}))
        sock.sendall(b'{"version": "4", ')   # then stalls
        answer = read_all(sock)
        assert status_of(answer) == 408 and b"body_timeout" in answer
        assert server.healthz() == 200
    assert deliveries(db_path) == 0


def test_unauthenticated_big_bodies_are_refused_from_the_headers_alone(db_path):
    with daemon(db_path, {"token": TOKEN, "max_connections": 400}) as server:
        clients = [server.connect() for _ in range(50)]
        for n, sock in enumerate(clients):
            # Each claims a 2 MiB body (the limit) and sends none of it.
            extra = {"Authorization": "Bearer wrong"} if n % 2 else {}
            sock.sendall(request_head("/hooks/auto", 2 * 1024 * 1024, extra))
        answers = [read_all(sock) for sock in clients]  # answered before any body byte was sent
        assert [status_of(a) for a in answers] == [403 if n % 2 else 401 for n in range(50)]
        for sock in clients:
            sock.close()
    assert deliveries(db_path) == 0


def test_a_signed_source_has_its_bounded_body_read_first(db_path):
    body = (PAYLOADS / "pagerduty_v3_triggered.json").read_bytes()
    with daemon(db_path, {"sources": {"pagerduty": {"secret": "pd"}}}) as server:
        sock = server.connect()
        sock.sendall(request_head("/hooks/pagerduty", len(body),
                                  {"X-PagerDuty-Signature": f"v1={sign('pd', body)}"}))
        sock.sendall(body)
        assert status_of(read_all(sock)) == 200
        too_big = server.connect()
        too_big.sendall(request_head("/hooks/pagerduty", 3 * 1024 * 1024,
                                     {"X-PagerDuty-Signature": "v1=00"}))
        assert status_of(read_all(too_big)) == 413   # from Content-Length, unread
    assert deliveries(db_path) == 1


def test_past_the_connection_cap_only_healthz_is_answered(db_path):
    with daemon(db_path, {"token": TOKEN, "max_connections": 3, "header_timeout": "60s"},
                room_header_timeout=60) as server:
        idle = [server.connect() for _ in range(3)]   # the cap, held by clients saying nothing
        assert server.healthz() == 200                # the room still answers /healthz
        sock = server.connect()
        body = (PAYLOADS / "alertmanager_v4.json").read_bytes()
        sock.sendall(request_head("/hooks/auto", len(body), {"Authorization": f"Bearer {TOKEN}"}))
        sock.sendall(body)
        answer = read_all(sock)
        assert status_of(answer) == 503 and b"max_connections" in answer
        # The room full of silent clients too: a newcomer takes the oldest one's place.
        room = [server.connect() for _ in range(server.guard.room)]
        assert server.healthz() == 200
        assert read_all(room[0]) == b""             # the one that made room
        assert server.guard.evicted >= 1
        for held in idle + room:
            held.close()
    assert deliveries(db_path) == 0


def test_a_flood_of_the_same_log_line_is_cut_to_a_few_and_a_count():
    now = [0.0]
    limit = RateLimit(burst=3, window=10, clock=lambda: now[0])
    logger = logging.getLogger("firedesk.test.ratelimit")
    records = [logger.makeRecord(logger.name, logging.WARNING, __file__, 1,
                                 "dropped a client: %s", ("slow",), None) for _ in range(1000)]
    passed = [r for r in records if limit.filter(r)]
    assert len(passed) == 3
    now[0] = 10.0
    later = logger.makeRecord(logger.name, logging.WARNING, __file__, 1, "dropped a client: %s",
                              ("slow",), None)
    assert limit.filter(later) and "997 like it left out" in later.getMessage()
    other = logger.makeRecord(logger.name, logging.WARNING, __file__, 1, "another message", (), None)
    assert limit.filter(other)


def test_a_connection_flood_does_not_flood_the_log(db_path, caplog):
    caplog.set_level(logging.WARNING, logger="firedesk.receive")
    with daemon(db_path, {"token": TOKEN, "max_connections": 1, "header_timeout": "60s"},
                room_header_timeout=60) as server:
        held = [server.connect() for _ in range(1 + server.guard.room)]
        newcomers = [server.connect() for _ in range(60)]   # each takes a silent one's place
        assert server.healthz() == 200
        for sock in held + newcomers:
            sock.close()
        assert server.guard.evicted >= 60
    dropped = [r for r in caplog.records if "dropped a client" in r.getMessage()]
    assert len(dropped) <= 20   # the rate limit's burst, not one line per connection
