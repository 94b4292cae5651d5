"""Real worker processes for the fault tests and bench/faults.py.

    python fault_workers.py mixed DB INCIDENT NAME SEED [COUNT]
    python fault_workers.py console DB INCIDENT NAME COUNT RATE

`mixed` writes notes (through `firedesk.store.add_entry`) and Alertmanager deliveries
(through `firedesk.intake.storage.record_delivery`, the function `receive` and `ingest`
use) in a random order, and prints one line per write only AFTER its commit returned:

    note <event id> <latency ms>
    alert <delivery id> <fingerprint> <latency ms>

`console` runs the real console (the app factory, headless at 120x40, live change feed
and panes) and types COUNT notes into its entry line at RATE per second, each recorded by
the console's own write path; it prints `ready` once the incident is on screen, the same
`note` lines (latency = the console's write, lock wait included), and at the end any
error notice the console showed as `error <message>`, then `done`.

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


def console(path: str, incident_ref: str, name: str, count: int, rate: float) -> int:
    import asyncio

    from firedesk.config import Config
    from firedesk.app import make_app
    import firedesk.screens.incident as incident_screen

    original = incident_screen.record_entry
    written = [0]

    def timed_record_entry(store, incident, text, **kwargs):  # noqa: ANN001
        began = time.perf_counter()
        try:
            event = original(store, incident, text, **kwargs)
        except Exception as exc:  # the console shows it as a notice; count it here too
            written[0] += 1
            print(f"error {type(exc).__name__}: {exc}", flush=True)
            raise
        written[0] += 1
        print(f"note {event.id} {(time.perf_counter() - began) * 1000:.3f}", flush=True)
        return event

    incident_screen.record_entry = timed_record_entry

    async def run() -> int:
        app = make_app(path, Config(), name, incident=incident_ref)
        async with app.run_test(size=(120, 40)) as pilot:
            deadline = time.monotonic() + 60
            while not isinstance(app.screen, incident_screen.IncidentScreen) or \
                    app.screen.incident is None:
                if time.monotonic() > deadline:
                    print("error the incident never opened", flush=True)
                    return 1
                await pilot.pause(0.05)
            print("ready", flush=True)
            go = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
            if not go:
                return 1
            began = time.monotonic()
            entry = app.screen.query_one("#entry")
            for n in range(count):
                delay = began + n / rate - time.monotonic()
                if delay > 0:
                    await pilot.pause(delay)
                # The entry line's own actions (what `n` and Enter do), without the
                # pilot's wait-for-idle after every key, so RATE is what is written.
                app.screen.action_write("note")
                entry.value = f"{name} console note {n}"
                await entry.action_submit()
                await pilot.pause(0)
            deadline = time.monotonic() + 60
            while True:
                failed = [n for n in app._notifications if n.severity == "error"]
                if written[0] >= count or time.monotonic() > deadline:
                    break
                await pilot.pause(0.05)
            for notice in failed:
                print(f"error {notice.title}: {notice.message}".replace("\n", " "), flush=True)
            print("done", flush=True)
        return 0

    return asyncio.run(run())


STORM_TOKEN = "storm-token"


@dataclass
class StormResult:
    """What a storm of consoles plus the receiver acknowledged, and everything they said."""

    acks: Acks
    statuses: list[int]
    webhook_ms: list[float]
    fingerprints: list[str]
    outputs: list[str]             # every process's stdout and stderr, for "locked" etc.
    seconds: float                 # from "go" until every console had finished
    send_seconds: float            # from "go" until the last webhook was answered


def start_receiver(db: Path | str, workdir: Path) -> tuple[subprocess.Popen[str], str]:
    """The real `firedesk receive` on 127.0.0.1, an ephemeral port; (process, base URL)."""
    config = workdir / "receiver.toml"
    config.write_text(f'[receiver]\ntoken = "{STORM_TOKEN}"\n')
    env = {**os.environ, "FIREDESK_DB": str(db), "FIREDESK_CONFIG": str(config)}
    # It logs a line per request: to a file (workdir/receive.log), never to a pipe that
    # nobody drains, or a long storm fills the pipe and the receiver blocks on its log.
    with open(workdir / "receive.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "firedesk", "receive", "--host", "127.0.0.1", "--port", "0"],
            stdout=subprocess.PIPE, stderr=log, text=True, env=env, cwd=workdir)
    line = process.stdout.readline()
    if "listening on " not in line:
        process.kill()
        raise AssertionError(f"receive did not start: {line}"
                             f"{(workdir / 'receive.log').read_text(errors='replace')[-2000:]}")
    return process, line.split("listening on ")[1].split()[0]


def run_storm(db: Path | str, workdir: Path, *, consoles: int, notes_each: int,
              note_rate: float, alert_rate: float, senders: int = 4) -> StormResult:
    """Consoles typing notes and Alertmanager posting to the receiver, all at once."""
    import threading

    import httpx

    receiver, base = start_receiver(db, workdir)
    writers = [subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "console", str(db), "INC-1", f"c{n}",
         str(notes_each), str(note_rate)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=workdir) for n in range(consoles)]
    outputs: list[str] = []
    statuses: list[int] = []
    webhook_ms: list[float] = []
    fingerprints: list[str] = []
    lock = threading.Lock()
    last_answer = [0.0]
    try:
        for writer in writers:
            line = writer.stdout.readline()
            if line.strip() != "ready":
                raise AssertionError(f"a console did not start: {line}{writer.stderr.read()[-3000:]}")
        seconds = notes_each / note_rate
        total_alerts = int(alert_rate * seconds)
        began = time.perf_counter()
        for writer in writers:
            writer.stdin.write("go\n")
            writer.stdin.flush()

        def send(k: int) -> None:
            with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {STORM_TOKEN}"}) as http:
                for i in range(k, total_alerts, senders):
                    delay = began + i / alert_rate - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    fingerprint = f"storm-{i}"
                    sent = time.perf_counter()
                    answer = http.post(f"{base}/hooks/alertmanager", content=alert_payload(fingerprint))
                    took = (time.perf_counter() - sent) * 1000
                    with lock:
                        last_answer[0] = max(last_answer[0], time.perf_counter())
                        statuses.append(answer.status_code)
                        webhook_ms.append(took)
                        if answer.status_code == 200:
                            fingerprints.append(fingerprint)
                        else:
                            outputs.append(f"webhook {answer.status_code}: {answer.text}")

        threads = [threading.Thread(target=send, args=(k,)) for k in range(senders)]
        for thread in threads:
            thread.start()
        acks = Acks()
        for writer in writers:
            out, err = writer.communicate(timeout=120 + seconds * 2)
            outputs += [out, err]
            for line in out.splitlines():
                acks.take(line)
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.communicate()
        receiver.terminate()
        try:
            out, err = receiver.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            receiver.kill()
            out, err = receiver.communicate()
        outputs += [out, (workdir / "receive.log").read_text(errors="replace")]
    return StormResult(acks, statuses, webhook_ms, fingerprints, outputs, elapsed,
                       max(last_answer[0] - began, 1e-9))


def storm_problems(db: Path | str, result: StormResult, *, notes_expected: int) -> list[str]:
    """Lost, doubled or refused writes, and any "database is locked" anywhere."""
    problems = [f"not acknowledged: {e}" for e in result.acks.errors]
    problems += [f"webhook answered {s}" for s in sorted(set(result.statuses)) if s != 200]
    problems += [f"said 'locked': {o.strip()[:300]}" for o in result.outputs
                 if "locked" in o.lower() or "busy" in o.lower()]
    if len(result.acks.notes) != notes_expected:
        problems.append(f"{len(result.acks.notes)} notes acknowledged, {notes_expected} typed")
    conn = sqlite3.connect(str(db))
    try:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            problems.append("integrity_check failed")
        notes = conn.execute("SELECT id, text FROM events WHERE kind = 'note'").fetchall()
        if {r[0] for r in notes} != result.acks.notes:
            problems.append(f"notes in the record {len(notes)} != acknowledged {len(result.acks.notes)}")
        if len({r[1] for r in notes}) != len(notes):
            problems.append("a note was recorded twice")
        alerts = dict(conn.execute("SELECT dedup_key, count FROM alerts"))
        deliveries = conn.execute("SELECT count(*) FROM alert_deliveries").fetchone()[0]
        if sorted(alerts) != sorted(result.fingerprints):
            problems.append(f"alerts in the record {len(alerts)} != acknowledged {len(result.fingerprints)}")
        if any(count != 1 for count in alerts.values()) or deliveries != len(result.fingerprints):
            problems.append("an alert or delivery was counted twice")
    finally:
        conn.close()
    return problems


def main(argv: list[str]) -> int:
    if len(argv) == 6 and argv[0] == "console":
        return console(argv[1], argv[2], argv[3], int(argv[4]), float(argv[5]))
    if len(argv) >= 5 and argv[0] == "mixed":
        count = int(argv[5]) if len(argv) > 5 else 1_000_000
        return mixed(argv[1], argv[2], argv[3], int(argv[4]), count)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
