"""`firedesk receive`: the webhook daemon (aiohttp).

`POST /hooks/<source>` and `POST /hooks/auto`, `GET /healthz`. A 2xx answer means the
alerts are committed; a busy database answers 503 so senders retry; everything else that
is wrong with a request gets its own 4xx and the daemon carries on. SQLite work runs on
one dedicated thread so the event loop keeps answering while a storm is written.

Credentials are checked from the headers before any of the body is read (a token, basic
auth, or none at all); only a source that signs its body (HMAC) has it read first,
bounded by `max_body` and the body deadline. Connections are capped and must send their
headers in time (see `guard.py`).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from aiohttp import web

from firedesk.clock import Clock, system_clock
from firedesk.errors import StoreBusy, StoreError
from firedesk.intake.alert import Headers, MalformedPayload, UnrecognisedPayload
from firedesk.intake.auth import authorise, authorise_headers, signature_source
from firedesk.intake.detect import decode_json, parse_body, source_from_body, source_from_headers
from firedesk.intake.guard import ConnectionGuard, connection_cap, quiet_logs
from firedesk.intake.settings import ReceiverSettings
from firedesk.intake.storage import Recorded, record_delivery
from firedesk.store.store import Store
from firedesk.text import one_line

log = logging.getLogger("firedesk.receive")
RETRY_AFTER = "5"


def _closing(response: web.Response) -> web.Response:
    """Answer and close: the rest of an unread body is not worth the connection."""
    response.force_close()
    return response


def _answer(status: int, **body: Any) -> web.Response:
    headers = {"Retry-After": RETRY_AFTER} if status == 503 else None
    if status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="firedesk"'}
    return web.json_response(body, status=status, headers=headers)


class Receiver:
    """The daemon's state: its own store connection, settings and the writer thread."""

    def __init__(self, db_path: Path | str, settings: ReceiverSettings, *,
                 clock: Clock = system_clock, on_recorded: Callable[[Recorded], None] | None = None):
        self.settings = settings
        self.store = Store(db_path, clock=clock)
        self.store.conn.execute(f"PRAGMA busy_timeout = {int(settings.busy_timeout * 1000)}")
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="firedesk-writer")
        self.on_recorded = on_recorded
        self.guard = ConnectionGuard(None, max_connections=connection_cap(settings.max_connections),
                                     header_timeout=settings.header_timeout)

    def close(self) -> None:
        self.writer.shutdown(wait=True)
        self.store.close()

    def application(self) -> web.Application:
        app = web.Application(client_max_size=self.settings.max_body,
                              middlewares=[self._health_room])
        app.router.add_get("/healthz", self.healthz)
        app.router.add_post("/hooks/{source}", self.hook)
        return app

    @web.middleware
    async def _health_room(self, request: web.Request, handler: Callable[..., Any]) -> web.StreamResponse:
        """A connection let in past the cap may only ask /healthz."""
        if request.transport in self.guard.in_room and request.path != "/healthz":
            response = _answer(503, error="too many connections; try again shortly "
                                          "([receiver] max_connections)")
            response.force_close()
            return response
        return await handler(request)

    async def run_in_writer(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.writer, fn, *args)

    async def healthz(self, request: web.Request) -> web.Response:
        return _answer(200, ok=True, sources=list(self.settings.known_sources))

    async def hook(self, request: web.Request) -> web.Response:
        source = request.match_info["source"]
        if source == "generic" and len(self.settings.generic) == 1:
            source = next(iter(self.settings.generic))
        if source != "auto" and source not in self.settings.known_sources:
            return _answer(404, error=f"unknown source {source!r}",
                           sources=["auto", *self.settings.known_sources])
        length = request.content_length
        if length is not None and length > self.settings.max_body:
            return _closing(self._too_large(length))
        headers = Headers(request.headers)
        claimed = source if source != "auto" else (signature_source(headers) or source_from_headers(headers))
        verdict = authorise_headers(claimed, headers, self.settings)
        if verdict is not None and not verdict.ok:
            # Decided from the headers: the body is never read (nor kept in memory).
            log.info("POST /hooks/%s %s from %s (body not read)", source,
                     401 if verdict.missing else 403, request.remote)
            return _closing(_answer(401 if verdict.missing else 403, error=verdict.reason))
        try:
            raw = await asyncio.wait_for(request.read(), self.settings.body_timeout)
        except web.HTTPRequestEntityTooLarge:
            return _closing(self._too_large(None))
        except asyncio.TimeoutError:
            log.info("POST /hooks/%s 408 from %s (body too slow)", source, request.remote)
            return _closing(_answer(408, error=f"the body did not arrive within "
                                               f"{self.settings.body_timeout:g}s ([receiver] body_timeout)"))
        try:
            response = await self._hook(source, raw, headers, request)
        except Exception:  # noqa: BLE001 — one bad request must never stop the daemon
            log.exception("unexpected failure on POST /hooks/%s", source)
            response = _answer(500, error="internal error; nothing was recorded")
        log.info("POST /hooks/%s %s %s bytes from %s", source, response.status, len(raw),
                 request.remote)
        return response

    def _too_large(self, length: int | None) -> web.Response:
        return _answer(413, error=f"body larger than the limit of {self.settings.max_body} bytes "
                                  "([receiver] max_body)", length=length)

    async def _hook(self, source: str, raw: bytes, headers: Headers, request: web.Request) -> web.Response:
        claimed = source if source != "auto" else (signature_source(headers) or source_from_headers(headers))
        verdict = authorise(claimed, raw, headers, self.settings)
        if not verdict.ok and verdict.missing and claimed is None:
            # Which source's allow_unauthenticated applies depends on the body's shape.
            try:
                claimed = source_from_body(decode_json(raw))
            except MalformedPayload:
                claimed = None
            if claimed:
                verdict = authorise(claimed, raw, headers, self.settings)
        if not verdict.ok:
            return _answer(401 if verdict.missing else 403, error=verdict.reason)
        try:
            result = await self.run_in_writer(
                self._ingest, raw, source if source != "auto" else (claimed or "auto"), headers,
                request.remote, request.content_type)
        except MalformedPayload as exc:
            return _answer(400, error=str(exc))
        except UnrecognisedPayload as exc:
            return _answer(422, error=str(exc))
        except StoreBusy as exc:
            return _answer(503, error=str(exc))
        except StoreError as exc:
            return _answer(503, error=str(exc))
        if result.note:
            log.warning("%s", one_line(result.note))
        if self.on_recorded:
            self.on_recorded(result)
        return _answer(200, ok=True, **result.to_json())

    def _ingest(self, raw: bytes, source: str, headers: Headers, peer: str | None,
                content_type: str | None) -> Recorded:
        """Parse and commit on the writer thread (both can take a while for a storm)."""
        parsed = parse_body(decode_json(raw), source, headers, generic=self.settings.generic,
                            now=self.store.now())
        return record_delivery(self.store, parsed, raw, via="receive", origin=peer,
                               headers=headers, content_type=content_type)


class Listening:
    """The receiver's listening socket and aiohttp's runner, stopped together."""

    def __init__(self, server: asyncio.AbstractServer, runner: web.AppRunner):
        self.server, self.runner = server, runner

    async def cleanup(self) -> None:
        self.server.close()
        await self.server.wait_closed()
        await self.runner.cleanup()


async def start(receiver: Receiver, host: str, port: int) -> tuple[Listening, int]:
    """Start listening; returns what to `cleanup()` and the bound port (for port 0)."""
    settings = receiver.settings
    quiet_logs()
    # aiohttp closes a connection idle between requests after keepalive_timeout: the
    # header deadline for every request after the first (the guard times the first).
    runner = web.AppRunner(receiver.application(), access_log=None, handle_signals=False,
                           keepalive_timeout=settings.header_timeout,
                           lingering_time=min(2.0, settings.body_timeout))
    await runner.setup()
    assert runner.server is not None
    receiver.guard.factory = runner.server
    server = await asyncio.get_running_loop().create_server(
        receiver.guard, host, port, backlog=1024, reuse_address=True)
    bound = server.sockets[0].getsockname()[1] if server.sockets else port
    return Listening(server, runner), bound


async def serve(receiver: Receiver, host: str, port: int, *, spool: Path | None = None,
                announce: Callable[[str], None] = print) -> None:
    """Run until cancelled (Ctrl-C / SIGTERM)."""
    runner, bound = await start(receiver, host, port)
    announce(f"firedesk receive: listening on http://{host}:{bound} "
             f"(POST /hooks/<source>, /hooks/auto; GET /healthz)")
    tasks = []
    if spool is not None:
        from firedesk.intake.spool import watch_spool

        announce(f"firedesk receive: watching {spool} for *.json")
        tasks.append(asyncio.create_task(watch_spool(receiver, spool)))
    stop = asyncio.Event()
    try:
        import signal

        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    except (NotImplementedError, RuntimeError, ValueError):
        pass  # not the main thread, or no signals here: Ctrl-C / cancel still stop it
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await runner.cleanup()
