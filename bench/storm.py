"""Alert storm benchmark: one Alertmanager payload of 20,000 alerts (5,000 fingerprints).

Measures the payload through `firedesk receive` (real HTTP on 127.0.0.1) and through
`firedesk ingest` (the real command), against a raw `sqlite3` upsert of the same rows
with the same pragmas (WAL, synchronous=FULL) in one transaction, and prints the ratio.
`--long` adds 100 alerts/s sustained for 2 minutes while the real console (headless) is
open on an incident, reloading its panes from the change feed. `--quick` runs a small version.

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
from firedesk.store import Store

from _report import report

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


class ReceiverProcess:
    """`firedesk receive --port 0` in a subprocess."""

    def __init__(self, db: Path):
        config = db.with_suffix(".toml")
        config.write_text(f'[receiver]\ntoken = "{TOKEN}"\nmax_body = "256MiB"\n')
        env = {**os.environ, "FIREDESK_DB": str(db), "FIREDESK_CONFIG": str(config)}
        self.process = subprocess.Popen([sys.executable, "-m", "firedesk", "receive", "--port", "0"],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        text=True, env=env)
        line = self.process.stdout.readline()
        self.url = line.split("listening on ")[1].split()[0] + "/hooks/alertmanager"
        self.http = httpx.Client(timeout=60, headers={"Authorization": f"Bearer {TOKEN}"},
                                 limits=httpx.Limits(max_connections=8))

    def post(self, body: bytes) -> httpx.Response:
        return self.http.post(self.url, content=body)

    def close(self) -> None:
        self.http.close()
        self.process.terminate()
        self.process.wait(10)


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
    """`rate` alerts/s (one webhook each, rotating over 500 fingerprints) while the real
    console (headless, 120×40) is open on an incident and reloads its panes as they land."""
    from firedesk.app import make_app
    from firedesk.config import Config
    from firedesk.store import declare_incident
    from firedesk.widgets.alert_feed import AlertFeed

    with Store(db) as store:
        incident = declare_incident(store, "Storm", severity="SEV2", author="bench")
    server = ReceiverProcess(db)  # its own process, as in production
    shows: list[tuple[float, int]] = []
    original_show = AlertFeed.show

    def counting_show(self, data):  # noqa: ANN001
        original_show(self, data)
        if data is not None:
            shows.append((time.perf_counter(), data.counts["total"]))

    AlertFeed.show = counting_show
    latencies: list[float] = []
    finished = threading.Event()

    senders = 4  # several senders at once, as several Alertmanager groups would post
    lock = threading.Lock()
    last_answer = [0.0]

    def send_share(k: int, began: float) -> None:
        for i in range(k, rate * seconds, senders):
            delay = began + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            body = storm_payload(1, 1, seed=f"-{i}").replace(
                b'"0000000000000000"', f'"{i % 500:016x}"'.encode())
            sent = time.perf_counter()
            assert server.post(body).status_code == 200
            with lock:
                answered = time.perf_counter()
                latencies.append(answered - sent)
                last_answer[0] = max(last_answer[0], answered)

    def sender() -> None:
        began = time.perf_counter()
        threads = [threading.Thread(target=send_share, args=(k, began)) for k in range(senders)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            finished.set()

    async def console() -> float:
        app = make_app(db, Config(), "bench", incident=incident.id)
        async with app.run_test(size=(120, 40)) as pilot:
            thread = threading.Thread(target=sender, daemon=True)
            began = time.perf_counter()
            thread.start()
            while not finished.is_set():
                await pilot.pause(0.1)
            elapsed = time.perf_counter() - began
            last_post = last_answer[0]
            target = min(rate * seconds, 500)
            deadline = last_post + 30
            while time.perf_counter() < deadline and not any(
                    t >= last_post and n >= target for t, n in shows):
                await pilot.pause(0.05)
            caught_up = next((t for t, n in shows if t >= last_post and n >= target), None)
            thread.join(5)
            return elapsed, (caught_up - last_post) if caught_up else float("nan")

    try:
        elapsed, lag = asyncio.run(console())
    finally:
        AlertFeed.show = original_show
        server.close()
    latencies.sort()
    return {"sent": len(latencies), "achieved_rate": len(latencies) / elapsed,
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
            "reloads": len(shows), "catch_up_ms": lag * 1000}


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
        report(f"storm: {total:,} alerts through receive", [receive_s], unit="s",
               baseline=[baseline_s], baseline_name="raw sqlite3 upsert")
        report(f"storm: {total:,} alerts through ingest", [max(ingest_s - startup_s, 0)], unit="s",
               baseline=[baseline_s], baseline_name="raw sqlite3 upsert")
        if args.long or args.quick:
            rate, seconds = (100, 3) if args.quick else (100, 120)
            result = sustained(work / "sustained.db", rate, seconds)
            print(f"sustained {rate} alerts/s for {seconds} s with the console open: "
                  f"{result['achieved_rate']:.1f} alerts/s achieved, webhook p50 "
                  f"{result['p50_ms']:.1f} ms p99 {result['p99_ms']:.1f} ms; alert pane redrawn "
                  f"{int(result['reloads'])} times, " + (
                      f"caught up {result['catch_up_ms']:.0f} ms after the last webhook"
                      if result["catch_up_ms"] == result["catch_up_ms"] else
                      "did NOT catch up within 30 s of the last webhook"))


if __name__ == "__main__":
    main()
