"""`firedesk receive --spool DIR`: payloads dropped as `*.json` files, moved when handled.

Each file is one delivery (source detected from its shape, or named by a
`<source>--anything.json` prefix). Committed files move to `done/`; unreadable ones to
`failed/` with `<name>.reason.txt` beside them; while the database is busy a file stays
where it is and is tried again. Writers should write `name.json.tmp` and rename it, so a
half-written file is never read.

The folder is scanned when watchfiles reports a change and, whatever it reports, every
`RESCAN_SECONDS`: one watcher runs for the daemon's life (changes made while a batch is
handled are not lost), and the timer picks up anything an event missed.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, AsyncIterator

from firedesk.errors import StoreError
from firedesk.intake.alert import MalformedPayload, UnrecognisedPayload
from firedesk.intake.detect import parse_delivery
from firedesk.intake.storage import Recorded, record_delivery
from firedesk.text import one_line

if TYPE_CHECKING:
    from firedesk.intake.receiver import Receiver

log = logging.getLogger("firedesk.spool")
SETTLE_SECONDS = 1.0   # a file changed more recently than this may still be being written
RESCAN_SECONDS = 2.0   # scan again this often even when no change is reported (and to retry)


def _unique(target: Path) -> Path:
    """`done/x.json`, or `done/x.1.json` … when a file of that name was handled before."""
    candidate, n = target, 0
    while candidate.exists():
        n += 1
        candidate = target.with_name(f"{target.stem}.{n}{target.suffix}")
    return candidate


def _source_of(path: Path, known: tuple[str, ...]) -> str:
    prefix = path.name.split("--", 1)[0]
    return prefix if "--" in path.name and prefix in known else "auto"


def spool_one(receiver: "Receiver", path: Path) -> str:
    """Handle one file: `done`, `failed`, or `retry` (busy database, or still being written)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return "gone"
    settings = receiver.settings
    try:
        if len(raw) > settings.max_body:
            raise UnrecognisedPayload(f"larger than max_body ({settings.max_body} bytes)")
        parsed = parse_delivery(raw, _source_of(path, settings.known_sources),
                                generic=settings.generic, now=receiver.store.now())
        result: Recorded = record_delivery(receiver.store, parsed, raw, via="spool", origin=path.name)
    except MalformedPayload as exc:
        if time.time() - path.stat().st_mtime < SETTLE_SECONDS:
            return "retry"
        return _fail(path, str(exc))
    except UnrecognisedPayload as exc:
        return _fail(path, str(exc))
    except StoreError as exc:
        log.warning("%s: %s (will retry)", one_line(path.name), exc)
        return "retry"
    done = path.parent / "done"
    done.mkdir(exist_ok=True)
    path.rename(_unique(done / path.name))
    if receiver.on_recorded:
        receiver.on_recorded(result)
    log.info("%s: %s", one_line(path.name), "duplicate" if result.duplicate else f"{result.mentions} alert(s)")
    return "done"


def _fail(path: Path, reason: str) -> str:
    failed = path.parent / "failed"
    failed.mkdir(exist_ok=True)
    target = _unique(failed / path.name)
    path.rename(target)
    target.with_name(target.name + ".reason.txt").write_text(reason + "\n")
    log.warning("%s: failed: %s", one_line(path.name), one_line(reason))
    return "failed"


def pending(spool: Path) -> list[Path]:
    return sorted(p for p in spool.glob("*.json") if p.is_file())


async def drain(receiver: "Receiver", spool: Path) -> dict[str, str]:
    """Handle every `*.json` in the folder now (on the writer thread); name → outcome."""
    outcomes = {}
    for path in pending(spool):
        outcomes[path.name] = await receiver.run_in_writer(spool_one, receiver, path)
    return outcomes


async def _changes(spool: Path, every: float) -> AsyncIterator[Any]:
    """One watchfiles watcher for the daemon's life: yields on a change, or every `every` s."""
    from watchfiles import awatch

    async for changes in awatch(spool, recursive=False, rust_timeout=int(every * 1000),
                                yield_on_timeout=True):
        yield changes


async def watch_spool(receiver: "Receiver", spool: Path, *,
                      ticks: AsyncIterator[Any] | None = None) -> None:
    """Drain what is there, then again on every change and every RESCAN_SECONDS.

    `ticks` replaces the watcher (tests drive the rescans one by one).
    """
    spool.mkdir(parents=True, exist_ok=True)
    await drain(receiver, spool)
    async for _ in ticks if ticks is not None else _changes(spool, RESCAN_SECONDS):
        await drain(receiver, spool)
