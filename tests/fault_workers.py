"""Real worker processes for the fault tests and bench/faults.py.

    python fault_workers.py mixed DB INCIDENT NAME SEED [COUNT]

`mixed` writes notes (through `firedesk.store.add_entry`) and Alertmanager deliveries
(through `firedesk.intake.storage.record_delivery`, the function `receive` and `ingest`
use) in a random order, and prints one line per write only AFTER its commit returned:

    note <event id> <latency ms>
    alert <delivery id> <fingerprint> <latency ms>

A printed line is an acknowledged write: whatever kills this process afterwards, the
record must still hold it. `error <message>` lines are writes that failed cleanly.
Importable too: `alert_payload()` builds the same payloads for the receiver tests.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


def alert_payload(fingerprint: str, title: str = "", *, status: str = "firing",
                  labels: dict[str, str] | None = None,
                  annotations: dict[str, str] | None = None) -> bytes:
    """One Alertmanager (webhook v4) delivery of one alert with this fingerprint."""
    alert = {
        "status": status,
        "labels": {"alertname": "FaultTest", "severity": "warning", "service": "db",
                   "instance": fingerprint, **(labels or {})},
        "annotations": {"summary": title or f"fault test {fingerprint}", **(annotations or {})},
        "startsAt": "2026-11-22T03:00:00.000Z", "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example:9090/graph",
        "fingerprint": fingerprint,
    }
    return json.dumps({
        "version": "4", "status": status, "receiver": "firedesk",
        "groupKey": f"{{}}:{{instance=\"{fingerprint}\"}}", "truncatedAlerts": 0,
        "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093", "alerts": [alert],
    }, ensure_ascii=False).encode("utf-8")


def mixed(path: str, incident_ref: str, name: str, seed: int, count: int) -> int:
    from firedesk.errors import FiredeskError
    from firedesk.intake.detect import decode_json, parse_body
    from firedesk.intake.storage import record_delivery
    from firedesk.store import Store, add_entry, resolve_incident

    rng = random.Random(seed)
    errors = 0
    with Store(path) as store:
        incident = resolve_incident(store, incident_ref)
        for n in range(count):
            began = time.perf_counter()
            try:
                if rng.random() < 0.5:
                    event = add_entry(store, incident, f"{name} note {n}", author=name)
                    line = f"note {event.id}"
                else:
                    fingerprint = f"{name}-{n}"
                    raw = alert_payload(fingerprint)
                    parsed = parse_body(decode_json(raw), "alertmanager", now=store.now())
                    recorded = record_delivery(store, parsed, raw, via="fault-test")
                    line = f"alert {recorded.delivery_id} {fingerprint}"
            except FiredeskError as exc:
                errors += 1
                print(f"error {exc}", flush=True)
                continue
            print(f"{line} {(time.perf_counter() - began) * 1000:.3f}", flush=True)
    return 1 if errors else 0


@dataclass
class Acks:
    """What one worker acknowledged before it died (or finished)."""

    notes: set[int] = field(default_factory=set)
    deliveries: dict[int, str] = field(default_factory=dict)   # delivery id -> fingerprint
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def take(self, line: str) -> None:
        parts = line.split()
        if not parts:
            return
        if parts[0] == "note" and len(parts) == 3:
            self.notes.add(int(parts[1]))
            self.latencies_ms.append(float(parts[2]))
        elif parts[0] == "alert" and len(parts) == 4:
            self.deliveries[int(parts[1])] = parts[2]
            self.latencies_ms.append(float(parts[3]))
        elif parts[0] == "error":
            self.errors.append(line)
        # Anything else is a line cut short by the kill: never printed in full, so never
        # acknowledged (the flush of a complete line is the acknowledgement).

    def update(self, other: "Acks") -> None:
        self.notes |= other.notes
        self.deliveries.update(other.deliveries)
        self.latencies_ms += other.latencies_ms
        self.errors += other.errors

    @property
    def count(self) -> int:
        return len(self.notes) + len(self.deliveries)


def start_mixed(db: Path | str, name: str, seed: int, count: int = 1_000_000,
                incident: str = "INC-1") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "mixed", str(db), incident, name,
         str(seed), str(count)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def kill_trial(db: Path | str, name: str, seed: int, *, acks_before_kill: int,
               extra_delay: float = 0.0) -> Acks:
    """Start a mixed writer, let it acknowledge some writes, SIGKILL it mid-stream."""
    acks = Acks()
    worker = start_mixed(db, name, seed)
    try:
        for _ in range(acks_before_kill):
            line = worker.stdout.readline()
            if not line:
                raise AssertionError(f"worker {name} died early: {worker.stderr.read()[-2000:]}")
            acks.take(line)
        if extra_delay:
            # Land the kill somewhere inside the next write, not just between two writes.
            time.sleep(extra_delay)
        os.kill(worker.pid, signal.SIGKILL)
        rest, _ = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    lines = rest.split("\n")
    for line in lines[:-1]:           # complete lines only: the last one may be cut short
        acks.take(line)
    return acks


def missing_writes(db: Path | str, acks: Acks) -> list[str]:
    """Everything acknowledged that the record does not hold, plus integrity problems."""
    problems: list[str] = []
    conn = sqlite3.connect(str(db))
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            problems.append(f"integrity_check: {verdict}")
        events = {r[0] for r in conn.execute("SELECT id FROM events WHERE kind = 'note'")}
        lost = sorted(acks.notes - events)
        if lost:
            problems.append(f"lost acknowledged notes {lost[:10]}")
        deliveries = {r[0] for r in conn.execute("SELECT id FROM alert_deliveries")}
        lost = sorted(set(acks.deliveries) - deliveries)
        if lost:
            problems.append(f"lost acknowledged deliveries {lost[:10]}")
        alerts = dict(conn.execute("SELECT dedup_key, count FROM alerts WHERE source = 'alertmanager'"))
        lost = sorted(fp for fp in acks.deliveries.values() if fp not in alerts)
        if lost:
            problems.append(f"lost acknowledged alerts {lost[:10]}")
        doubled = sorted(fp for fp in acks.deliveries.values() if alerts.get(fp, 1) != 1)
        if doubled:
            problems.append(f"alerts counted twice {doubled[:10]}")
    finally:
        conn.close()
    return problems


def main(argv: list[str]) -> int:
    if len(argv) >= 5 and argv[0] == "mixed":
        count = int(argv[5]) if len(argv) > 5 else 1_000_000
        return mixed(argv[1], argv[2], argv[3], int(argv[4]), count)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
