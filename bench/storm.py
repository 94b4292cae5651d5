"""Alert storm benchmark: one Alertmanager payload of 20,000 alerts (5,000 fingerprints).

Measures the payload through `firedesk receive` (real HTTP on 127.0.0.1) and through
`firedesk ingest` (the real command), against a raw `sqlite3` upsert of the same rows
with the same pragmas (WAL, synchronous=FULL) in one transaction, and prints the ratio.
`--long` adds 100 alerts/s sustained for 2 minutes while a console-like reader polls the
change feed and reloads the alert pane's data every 200 ms. `--quick` runs a small version.

    .venv/bin/python bench/storm.py [--quick] [--long]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from firedesk.config import parse_config
from firedesk.intake.receiver import Receiver, start
from firedesk.intake.settings import receiver_settings
from firedesk.store import ChangeFeed, Store

TOKEN = "bench-token"


def storm_payload(alerts: int, fingerprints: int, seed: str = "") -> bytes:
    items = []
    for i in range(alerts):
        n = i % fingerprints
        items.append({
            "status": "firing",
            "labels": {"alertname": f"HighLatency{n % 40}", "instance": f"node-{n}:9100",
                       "job": "node", "severity": ("critical", "warning", "info")[n % 3],
                       "service": f"svc-{n % 25}"},
            "annotations": {"summary": f"Latency above SLO on node-{n}{seed}",
                            "runbook_url": "https://runbooks.example/latency"},
            "startsAt": "2026-11-22T03:00:00.000Z", "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": f"http://prometheus:9090/graph?g0.expr=latency&node={n}",
            "fingerprint": f"{n:016x}",
        })
    return json.dumps({"version": "4", "status": "firing", "receiver": "firedesk",
                       "groupKey": "{}:{alertname=\"storm\"}", "truncatedAlerts": 0,
                       "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
                       "externalURL": "http://alertmanager:9093", "alerts": items}).encode()


class BackgroundReceiver:
    def __init__(self, db: Path):
        config = parse_config({"receiver": {"token": TOKEN, "max_body": "256MiB"}})
        self.receiver = Receiver(db, receiver_settings(config))
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runner, port = asyncio.run_coroutine_threadsafe(
            start(self.receiver, "127.0.0.1", 0), self.loop).result(30)
        self.url = f"http://127.0.0.1:{port}/hooks/alertmanager"
        self.http = httpx.Client(timeout=300, headers={"Authorization": f"Bearer {TOKEN}"})

    def post(self, body: bytes) -> httpx.Response:
        return self.http.post(self.url, content=body)

    def close(self) -> None:
        self.http.close()
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.receiver.close()


def through_receive(db: Path, body: bytes) -> float:
    Store(db).close()  # migrations are not part of the storm
    server = BackgroundReceiver(db)
    try:
        began = time.perf_counter()
        response = server.post(body)
        elapsed = time.perf_counter() - began
        assert response.status_code == 200, response.text[:300]
    finally:
        server.close()
    return elapsed


def through_ingest(db: Path, body: bytes, workdir: Path) -> tuple[float, float]:
    """Wall time of the real `firedesk ingest` command, and of an empty run (startup)."""
    Store(db).close()
    path = workdir / "storm.json"
    path.write_bytes(body)
    env = {**os.environ, "FIREDESK_DB": str(db), "FIREDESK_USER": "bench"}
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "firedesk", "ingest", str(path)], check=True,
                   env=env, capture_output=True)
    elapsed = time.perf_counter() - began
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "firedesk", "alerts", "--status", "resolved"],
                   check=True, env=env, capture_output=True)
    return elapsed, time.perf_counter() - began


def raw_baseline(db: Path, body: bytes) -> tuple[float, float]:
    """json.loads + one executemany upsert in plain sqlite3, same pragmas; (upsert, total)."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("""CREATE TABLE alerts (id INTEGER PRIMARY KEY, source TEXT, dedup_key TEXT,
        title TEXT, status TEXT, labels TEXT, count INTEGER DEFAULT 1, last_seen TEXT,
        UNIQUE (source, dedup_key))""")
    conn.execute("CREATE TABLE deliveries (id INTEGER PRIMARY KEY, body BLOB)")
    began = time.perf_counter()
    alerts = json.loads(body)["alerts"]
    rows = [("alertmanager", a["fingerprint"], a["annotations"]["summary"], a["status"],
             json.dumps(a["labels"], sort_keys=True), "2026-11-22T03:00:00Z") for a in alerts]
    upsert_began = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO deliveries (body) VALUES (?)", (body,))
    conn.executemany(
        "INSERT INTO alerts (source, dedup_key, title, status, labels, last_seen) "
        "VALUES (?,?,?,?,?,?) ON CONFLICT (source, dedup_key) DO UPDATE SET "
        "count = count + 1, title = excluded.title, status = excluded.status, "
        "labels = excluded.labels, last_seen = excluded.last_seen", rows)
    conn.execute("COMMIT")
    end = time.perf_counter()
    conn.close()
    return end - upsert_began, end - began


def sustained(db: Path, rate: int, seconds: int) -> dict[str, float]:
    """`rate` alerts/s (one webhook per alert, rotating fingerprints) with a reader polling."""
    from firedesk.intake.triage import list_alerts

    Store(db).close()
    server = BackgroundReceiver(db)
    stop = threading.Event()
    reloads: list[float] = []

    def console_reader() -> None:
        feed, reader = ChangeFeed(db), Store(db)
        while not stop.is_set():
            if feed.changed():
                began = time.perf_counter()
                list_alerts(reader, limit=2000)
                reloads.append(time.perf_counter() - began)
            stop.wait(0.2)
        feed.close()
        reader.close()

    thread = threading.Thread(target=console_reader, daemon=True)
    thread.start()
    latencies = []
    began = time.perf_counter()
    try:
        for i in range(rate * seconds):
            due = began + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            body = storm_payload(1, 1, seed=f"-{i}").replace(b'"0000000000000000"',
                                                             f'"{i % 500:016x}"'.encode())
            sent = time.perf_counter()
            assert server.post(body).status_code == 200
            latencies.append(time.perf_counter() - sent)
        elapsed = time.perf_counter() - began
    finally:
        stop.set()
        thread.join(5)
        server.close()
    latencies.sort()
    return {"sent": len(latencies), "achieved_rate": len(latencies) / elapsed,
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
            "reloads": len(reloads),
            "reload_p50_ms": (statistics.median(reloads) * 1000) if reloads else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 alerts; 3 s sustained")
    parser.add_argument("--long", action="store_true", help="also 100 alerts/s for 2 minutes")
    args = parser.parse_args()
    total, distinct = (2000, 500) if args.quick else (20000, 5000)
    body = storm_payload(total, distinct)
    print(f"storm: one Alertmanager payload, {total:,} alerts, {distinct:,} fingerprints, "
          f"{len(body) / 1048576:.1f} MiB")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        receive_s = through_receive(work / "receive.db", body)
        ingest_s, startup_s = through_ingest(work / "ingest.db", body, work)
        upsert_s, baseline_s = raw_baseline(work / "raw.db", body)
        print(f"receive (HTTP, commit before 200): {receive_s:7.3f} s  {total / receive_s:9,.0f} alerts/s")
        print(f"ingest (CLI, incl. {startup_s:.2f} s startup): {ingest_s:7.3f} s  {total / ingest_s:9,.0f} alerts/s")
        print(f"raw sqlite3: json.loads + upsert     {baseline_s:7.3f} s  {total / baseline_s:9,.0f} alerts/s"
              f"  (upsert alone {upsert_s:.3f} s)")
        print(f"ratio receive / raw: {receive_s / baseline_s:.2f}x   ingest (minus startup) / raw: "
              f"{max(ingest_s - startup_s, 0) / baseline_s:.2f}x")
        if args.long or args.quick:
            rate, seconds = (100, 3) if args.quick else (100, 120)
            result = sustained(work / "sustained.db", rate, seconds)
            print(f"sustained {rate} alerts/s for {seconds} s with a reader on the change feed: "
                  f"{result['achieved_rate']:.1f} alerts/s achieved, webhook p50 "
                  f"{result['p50_ms']:.1f} ms p99 {result['p99_ms']:.1f} ms; pane reloads "
                  f"{int(result['reloads'])} (p50 {result['reload_p50_ms']:.1f} ms)")


if __name__ == "__main__":
    main()
