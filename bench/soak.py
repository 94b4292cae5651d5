"""A long soak of the record: writers and a live reader for an hour; WAL and memory bounded?

    python bench/soak.py [--seconds 3600] [--writers 5] [--rate 20] [--quick]

`--writers` processes each write `--rate` notes per second through firedesk's write path
while this process follows the change feed the way a console does (poll data_version
every 150 ms, read new events). Printed every minute and at the end: the WAL's size,
this reader's resident memory, and events seen versus written.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import tempfile
import time
from pathlib import Path

from _report import report


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def writer(path: str, name: str, rate: float, stop_at: float) -> None:
    from firedesk.store import Store, add_entry, resolve_incident

    with Store(path) as store:
        incident = resolve_incident(store, 1)
        n, start = 0, time.monotonic()
        while time.monotonic() < stop_at:
            add_entry(store, incident, f"{name} soak note {n}", author=name)
            n += 1
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3600)
    parser.add_argument("--writers", type=int, default=5)
    parser.add_argument("--rate", type=float, default=20, help="notes/s per writer")
    parser.add_argument("--quick", action="store_true", help="15 seconds")
    args = parser.parse_args()
    if args.quick:
        args.seconds = 15
    from firedesk.store import ChangeFeed, Store, declare_incident

    with tempfile.TemporaryDirectory(prefix="firedesk-bench-") as tmp:
        path = Path(tmp) / "soak.db"
        with Store(path) as store:
            declare_incident(store, "soak", severity="SEV2", author="soak")
        stop_at = time.monotonic() + args.seconds
        procs = [mp.Process(target=writer, args=(str(path), f"w{n}", args.rate, stop_at))
                 for n in range(args.writers)]
        for p in procs:
            p.start()
        feed, cursor, seen = ChangeFeed(path), 0, 0
        wal = Path(str(path) + "-wal")
        rss_start, wal_max, rss_samples, next_print = None, 0, [], time.monotonic() + 60
        while time.monotonic() < stop_at:
            if feed.changed():
                events = feed.events_since(cursor)
                while events:
                    seen += len(events)
                    cursor = events[-1].id
                    events = feed.events_since(cursor)
            if rss_start is None and time.monotonic() > stop_at - args.seconds + 2:
                rss_start = rss_mib()
            wal_max = max(wal_max, wal.stat().st_size if wal.exists() else 0)
            rss_samples.append(rss_mib())
            if time.monotonic() > next_print:
                print(f"  t+{args.seconds - (stop_at - time.monotonic()):.0f}s: wal "
                      f"{wal_max / 1048576:.1f} MiB max, reader rss {rss_samples[-1]:.1f} MiB, "
                      f"{seen} events seen", flush=True)
                next_print += 60
            time.sleep(0.15)
        for p in procs:
            p.join()
        written = Store(path).query_one("SELECT count(*) FROM events")[0]
        print(f"soak: {args.seconds:.0f}s, {args.writers} writers x {args.rate}/s: {written} events "
              f"written, {seen} seen live by the reader")
        report("soak: WAL size, max", [wal_max / 1048576], unit="MiB")
        report("soak: reader RSS growth after warm-up", [rss_samples[-1] - (rss_start or rss_samples[0])],
               unit="MiB")


if __name__ == "__main__":
    main()
