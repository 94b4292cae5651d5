"""What keeps `firedesk receive` answering under abuse: connection cap, header deadline, quiet logs.

- A cap on concurrent connections (`[receiver] max_connections`). A few more (the
  health room) are let in with a short header deadline, and only `GET /healthz` is
  answered on them (anything else gets 503), so a monitor can still ask while the cap
  is full. When the room is full too, a newcomer takes the place of the oldest room
  connection that has not sent its headers; if every one has, the newcomer is closed as
  soon as it is accepted. The daemon never runs out of file descriptors.
- A deadline for the request headers (`header_timeout`): a client that has not sent
  them by then is dropped (between requests, aiohttp's keep-alive timeout, set to the
  same, does the same). The body has its own deadline, in the handler.
- A rate-limited log: the same message at most `burst` times per `window`, then one line
  saying how many like it were left out, so a flood cannot fill the disk.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from typing import Any, Callable

log = logging.getLogger("firedesk.receive")
HEALTH_ROOM = 8
ROOM_HEADER_TIMEOUT = 2.0
_FD_RESERVE = 64   # descriptors kept for the database, the spool watcher, logs


def connection_cap(configured: int) -> int:
    """The configured cap, lowered to what this process's descriptor limit allows."""
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (OSError, ValueError):
        return configured
    if soft == resource.RLIM_INFINITY:
        return configured
    return max(1, min(configured, soft - _FD_RESERVE - HEALTH_ROOM))


class RateLimit(logging.Filter):
    """Let the same message through `burst` times per `window` seconds, then summarise."""

    def __init__(self, burst: int = 20, window: float = 10.0,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__("firedesk-rate-limit")
        self.burst, self.window, self.clock = burst, window, clock
        self._seen: dict[tuple[str, int, str], list[float]] = {}   # key → [window start, count, left out]

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        start, count, left_out = self._seen.get(key, (now, 0, 0))
        if now - start >= self.window:
            if left_out:
                record.msg = f"{record.msg} ({left_out} like it left out in the last {self.window:g}s)"
            start, count, left_out = now, 0, 0
        count += 1
        if count > self.burst:
            self._seen[key] = [start, count, left_out + 1]
            return False
        self._seen[key] = [start, count, left_out]
        if len(self._seen) > 1000:   # bounded, whatever the messages
            self._seen = {key: self._seen[key]}
        return True


_LOGGERS = ("firedesk.receive", "firedesk.spool", "asyncio", "aiohttp.server", "aiohttp.web",
            "aiohttp.access")


def quiet_logs(burst: int = 20, window: float = 10.0) -> None:
    """Rate-limit the daemon's loggers (once per process; asyncio's accept errors too)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RateLimit) for f in logger.filters):
            logger.addFilter(RateLimit(burst, window))


class ConnectionGuard:
    """Wraps aiohttp's protocol factory: counts connections, enforces the header deadline."""

    def __init__(self, factory: Callable[[], asyncio.Protocol] | None, *, max_connections: int,
                 header_timeout: float, room: int = HEALTH_ROOM,
                 room_header_timeout: float = ROOM_HEADER_TIMEOUT):
        self.factory = factory
        self.max_connections = max_connections
        self.header_timeout = header_timeout
        self.room = room
        self.room_header_timeout = min(room_header_timeout, header_timeout)
        self.open = 0
        self.refused = 0
        self.dropped_slow = 0
        self.evicted = 0
        self.in_room: set[Any] = set()   # transports let in past the cap: /healthz only
        self.room_waiting: dict[Any, "_Guarded"] = {}   # of those, still without headers

    def __call__(self) -> asyncio.Protocol:
        return _Guarded(self)


class _Guarded(asyncio.Protocol):
    """One connection: aiohttp's handler inside, and the guard's rules around it."""

    def __init__(self, guard: ConnectionGuard):
        self.guard = guard
        self.inner: Any = None
        self.transport: Any = None
        self.timer: asyncio.TimerHandle | None = None
        self.tail = b""

    def connection_made(self, transport: Any) -> None:
        guard = self.guard
        if guard.open >= guard.max_connections + guard.room:
            if not guard.room_waiting:
                guard.refused += 1
                log.warning("too many connections (%s open, [receiver] max_connections %s): "
                            "closing new ones", guard.open, guard.max_connections)
                transport.abort()
                return
            oldest = next(iter(guard.room_waiting))
            guard.room_waiting.pop(oldest).drop("made room for a newer connection")
            guard.evicted += 1
        guard.open += 1
        self.transport = transport
        timeout = guard.header_timeout
        if guard.open > guard.max_connections:
            guard.in_room.add(transport)
            guard.room_waiting[transport] = self
            timeout = guard.room_header_timeout
        self.timer = asyncio.get_running_loop().call_later(timeout, self._headers_too_slow)
        self.inner = guard.factory()
        self.inner.connection_made(transport)

    def _headers_too_slow(self) -> None:
        self.timer = None
        self.guard.dropped_slow += 1
        self.drop("no complete request headers in time ([receiver] header_timeout)")

    def drop(self, why: str) -> None:
        log.warning("dropped a client: %s", why)
        self.guard.room_waiting.pop(self.transport, None)
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.transport.abort()   # connection_lost follows and does the counting

    def data_received(self, data: bytes) -> None:
        if self.inner is None:
            return
        if self.timer is not None:
            if b"\r\n\r\n" in self.tail + data:
                self.timer.cancel()
                self.timer = None
                self.guard.room_waiting.pop(self.transport, None)
            else:
                self.tail = (self.tail + data)[-3:]
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.inner is not None else None

    def pause_writing(self) -> None:
        if self.inner is not None:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if self.inner is not None:
            self.inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.inner is None:
            return
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.guard.open -= 1
        self.guard.in_room.discard(self.transport)
        self.guard.room_waiting.pop(self.transport, None)
        inner, self.inner = self.inner, None
        inner.connection_lost(exc)
