"""The spool folder: done/, failed/ with the reason beside it, busy database retried."""

from __future__ import annotations

import json
import os
import sqlite3
import time

from conftest import PAYLOADS

from firedesk.config import parse_config
from firedesk.intake.receiver import Receiver
from firedesk.intake.settings import receiver_settings
from firedesk.intake.spool import spool_one
from firedesk.intake.triage import list_alerts
from firedesk.store import Store


def make_receiver(db_path, **receiver):  # noqa: ANN001, ANN003
    return Receiver(db_path, receiver_settings(parse_config({"receiver": receiver})))


def test_done_failed_and_source_prefix(db_path, tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    receiver = make_receiver(db_path)
    try:
        good = spool / "cloudwatch--alarm-1.json"
        good.write_bytes((PAYLOADS / "cloudwatch_sns.json").read_bytes())
        assert spool_one(receiver, good) == "done"
        assert (spool / "done" / "cloudwatch--alarm-1.json").exists() and not good.exists()
        again = spool / "cloudwatch--alarm-1.json"
        again.write_bytes((PAYLOADS / "cloudwatch_sns.json").read_bytes())
        assert spool_one(receiver, again) == "done"  # a duplicate delivery is still handled
        assert (spool / "done" / "cloudwatch--alarm-1.1.json").exists()
        wrong = spool / "sentry--x.json"
        wrong.write_bytes((PAYLOADS / "grafana.json").read_bytes())
        assert spool_one(receiver, wrong) == "failed"
        assert "not a Sentry webhook" in (spool / "failed" / "sentry--x.json.reason.txt").read_text()
        junk = spool / "junk.json"
        junk.write_text(json.dumps({"text": "not an alert"}))
        assert spool_one(receiver, junk) == "failed"
        assert "no parser" in (spool / "failed" / "junk.json.reason.txt").read_text()
    finally:
        receiver.close()
    with Store(db_path) as store:
        assert [a.source for a in list_alerts(store)] == ["cloudwatch"]
        assert list_alerts(store)[0].count == 1


def test_half_written_file_waits_and_busy_database_retries(db_path, tmp_path):
    Store(db_path).close()
    spool = tmp_path / "spool"
    spool.mkdir()
    receiver = make_receiver(db_path, busy_timeout="50ms")
    try:
        partial = spool / "am.json"
        partial.write_bytes((PAYLOADS / "alertmanager_v4.json").read_bytes()[:100])
        assert spool_one(receiver, partial) == "retry"  # just written: may still be growing
        partial.write_bytes((PAYLOADS / "alertmanager_v4.json").read_bytes())
        blocker = sqlite3.connect(db_path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            assert spool_one(receiver, partial) == "retry"
            assert partial.exists() and not (spool / "failed").exists()
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert spool_one(receiver, partial) == "done"
        stale = spool / "stale.json"
        stale.write_bytes(b"{broken")
        os.utime(stale, (time.time() - 60, time.time() - 60))
        assert spool_one(receiver, stale) == "failed"
    finally:
        receiver.close()


async def test_a_file_no_event_announced_is_found_by_the_next_rescan(db_path, tmp_path):
    """Point 9: the spool is scanned on a timer too; the ticks here stand in for the timer."""
    import asyncio

    from firedesk.intake.spool import watch_spool

    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "first.json").write_bytes((PAYLOADS / "alertmanager_v4.json").read_bytes())
    loop = asyncio.get_running_loop()
    handled: asyncio.Queue = asyncio.Queue()
    ticks: asyncio.Queue = asyncio.Queue()
    receiver = make_receiver(db_path)
    receiver.on_recorded = lambda result: loop.call_soon_threadsafe(handled.put_nowait, result)

    async def timer():
        while True:
            yield await ticks.get()

    task = asyncio.create_task(watch_spool(receiver, spool, ticks=timer()))
    try:
        await handled.get()                       # the first drain
        late = spool / "late.json"                # arrives with nobody announcing it
        late.write_bytes((PAYLOADS / "grafana.json").read_bytes())
        assert late.exists()
        ticks.put_nowait("rescan")
        await handled.get()
        assert not late.exists() and (spool / "done" / "late.json").exists()
    finally:
        task.cancel()
        receiver.close()
