"""Console soak: the real console open for an hour while notes and alerts flow.

    .venv/bin/python bench/console_soak.py [--seconds 3600] [--writers 3] [--note-rate 2]
                                           [--alert-rate 20] [--quick]

`firedesk console INC-1` runs in a pseudo-terminal at 120x40 (its output drained and
counted, as an SSH link would), while `--writers` processes add notes through
`add_entry` at `--note-rate` each and Alertmanager posts `--alert-rate` alerts/s to a
real `firedesk receive` (rotating over 2,000 fingerprints, every tenth a resolve, each
body distinct, so the alert table grows and then churns). Sampled every `--every` seconds: the console's resident memory and CPU, the
WAL file's size. At the end one more note is written and the console must draw it
(it is still live), and a second, fresh console opens the final record (its memory is
what the data alone costs, so growth beyond it is a leak). Printed via report(): memory
at start/end and its growth, the console's CPU in the first and last tenth, the WAL's
largest size, terminal bytes/s, events and alerts written. The run fails (exit 1) if the
console died, stopped drawing, or memory grew more than `--max-growth` MiB after warm-up
or more than `--max-late-growth` MiB in the run's second half (a slope, not a plateau).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from _report import report  # noqa: E402
from fault_workers import STORM_TOKEN, alert_payload, start_receiver  # noqa: E402
from terminal_bytes import Terminal  # noqa: E402


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def note_writer(path: str, name: str, rate: float, stop_at: float) -> None:
    from firedesk.store import Store, add_entry, resolve_incident

    with Store(path) as store:
        incident = resolve_incident(store, 1)
        n, start = 0, time.monotonic()
        while time.monotonic() < stop_at:
            add_entry(store, incident, f"{name} soak note {n}: checked db-{n % 7}", author=name)
            n += 1
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)


def alert_sender(base: str, rate: float, stop_at: float, counts: list[int]) -> None:
    import httpx

    start, n = time.monotonic(), 0
    with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {STORM_TOKEN}"}) as http:
        while time.monotonic() < stop_at:
            status = "resolved" if (n + n // 2000) % 10 == 9 else "firing"   # varies by round
            # The post number makes each body new: an identical body is a retried delivery,
            # acknowledged without a write (dedup), and would not churn the alert table.
            body = alert_payload(f"soak-{n % 2000}", f"soak alert {n % 2000}", status=status,
                                 annotations={"description": f"post {n}"})
            answer = http.post(f"{base}/hooks/alertmanager", content=body)
            counts[0 if answer.status_code == 200 else 1] += 1
            n += 1
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3600)
    parser.add_argument("--writers", type=int, default=3)
    parser.add_argument("--note-rate", type=float, default=2.0, help="notes/s per writer")
    parser.add_argument("--alert-rate", type=float, default=20.0, help="alerts/s to receive")
    parser.add_argument("--every", type=float, default=None, help="sample interval (s)")
    parser.add_argument("--max-growth", type=float, default=150.0,
                        help="MiB of console memory growth after warm-up that fails the run")
    parser.add_argument("--max-late-growth", type=float, default=16.0,
                        help="MiB of growth over the run's second half that fails the run: "
                             "a bounded console has reached its plateau by then")
    parser.add_argument("--quick", action="store_true", help="20 seconds")
    args = parser.parse_args()
    # Stopped with a signal: still close the console and the receiver (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if args.quick:
        args.seconds = 20
    every = args.every or (2.0 if args.seconds <= 120 else 30.0)
    from firedesk.store import Store, add_entry, declare_incident

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "soak.db"
        wal = Path(str(db) + "-wal")
        with Store(db) as store:
            incident = declare_incident(store, "Soak: checkout degraded", severity="SEV2",
                                        author="bench", service="checkout")
        receiver, base = start_receiver(db, work)
        terminal = Terminal(db, work)
        terminal.watch(b"Soak: checkout")
        pid = terminal.process.pid
        procs: list[mp.Process] = []
        counts = [0, 0]
        samples: list[tuple[float, float, float, float]] = []   # t, rss, wal MiB, cpu s
        alive = drew_last = False
        fresh_rss = float("nan")
        try:
            terminal.wait_for(b"Soak: checkout")
            terminal.settle()
            began = time.monotonic()
            stop_at = began + args.seconds
            procs = [mp.Process(target=note_writer, args=(str(db), f"w{n}", args.note_rate, stop_at))
                     for n in range(args.writers)]
            for proc in procs:
                proc.start()
            sender = threading.Thread(target=alert_sender, args=(base, args.alert_rate, stop_at, counts),
                                      daemon=True)
            sender.start()
            bytes_at_start = terminal.count()
            progress = min(300.0, max(every, args.seconds / 12))   # a dozen progress lines
            next_sample, next_print = began, began + progress
            while time.monotonic() < stop_at:
                time.sleep(max(0.0, next_sample - time.monotonic()))
                next_sample += every
                if terminal.process.poll() is not None:
                    break
                size = wal.stat().st_size / 1048576 if wal.exists() else 0.0
                samples.append((time.monotonic() - began, rss_mib(pid), size, cpu_seconds(pid)))
                if time.monotonic() > next_print:
                    next_print += progress
                    t, rss, size, cpu = samples[-1]
                    print(f"  t+{t:.0f}s: console rss {rss:.1f} MiB, wal {size:.1f} MiB, "
                          f"console cpu {cpu:.0f} s, {counts[0]} alerts", flush=True)
            for proc in procs:
                proc.join(30)
            sender.join(30)
            elapsed = time.monotonic() - began
            bytes_total = terminal.count() - bytes_at_start
            alive = terminal.process.poll() is None
            if alive:
                # Still live: a note written now must be drawn.
                final = terminal.watch(b"soak is over")
                with Store(db) as store:
                    add_entry(store, incident, "the soak is over", author="bench")
                drew_last = final.wait(30)
            with Store(db) as store:
                events = store.query_one("SELECT count(*) FROM events")[0]
                alerts = store.query_one("SELECT count(*) FROM alerts")[0]
            # Growth from the data or a leak? A fresh console on the final record shows
            # what the data alone costs.
            fresh = Terminal(db, work)
            try:
                fresh.wait_for(b"soak is over")
                fresh.settle()
                fresh_rss = rss_mib(fresh.process.pid)
            finally:
                fresh.close()
        finally:
            terminal.close()
            receiver.terminate()
            receiver.communicate(timeout=20)
            for proc in procs:
                if proc.is_alive():
                    proc.kill()
    warm = [s for s in samples if s[0] >= min(10.0, args.seconds / 4)] or samples
    rss_start, rss_end = warm[0][1], samples[-1][1]
    growth = rss_end - rss_start
    half = [s for s in samples if s[0] >= samples[-1][0] / 2] or samples
    late_growth = rss_end - half[0][1]
    wal_max = max(s[2] for s in samples)
    cpu_share = (samples[-1][3] - samples[0][3]) / max(samples[-1][0] - samples[0][0], 1e-9) * 100
    tenth = max(1, len(samples) // 10)

    def share(part: list[tuple[float, float, float, float]]) -> float:
        return (part[-1][3] - part[0][3]) / max(part[-1][0] - part[0][0], 1e-9) * 100
    print(f"console soak: {elapsed:.0f} s, {args.writers} writers x {args.note_rate:g} notes/s, "
          f"{args.alert_rate:g} alerts/s ({counts[0]} accepted, {counts[1]} refused); "
          f"{events} events and {alerts} alerts in the record; console alive: {alive}, "
          f"drew the last note: {drew_last}")
    report("console soak: console RSS after warm-up", [rss_start], unit="MiB")
    report("console soak: console RSS at the end", [rss_end], unit="MiB")
    report("console soak: console RSS growth", [growth], unit="MiB")
    report("console soak: console RSS growth, second half", [late_growth], unit="MiB")
    report("console soak: WAL size (sampled)", [s[2] for s in samples], unit="MiB")
    report("console soak: fresh console on the final record", [fresh_rss], unit="MiB")
    report("console soak: console CPU", [cpu_share], unit="% of a core")
    report("console soak: console CPU, first tenth", [share(samples[:tenth + 1])], unit="% of a core")
    report("console soak: console CPU, last tenth", [share(samples[-tenth - 1:])], unit="% of a core")
    report("console soak: terminal output", [bytes_total / 1024 / elapsed], unit="KiB/s")
    ok = (alive and drew_last and growth <= args.max_growth and counts[1] == 0
          and late_growth <= args.max_late_growth)
    print(f"  bounded: memory growth {growth:.1f} MiB (limit {args.max_growth:g}), "
          f"{late_growth:.1f} MiB of it in the second half (limit {args.max_late_growth:g}), "
          f"WAL max {wal_max:.1f} MiB (journal_size_limit 64 MiB); {'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
