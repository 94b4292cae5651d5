"""Notes per second through firedesk's write path, next to raw sqlite3 with the same pragmas.

    python bench/write_throughput.py [--notes 2000] [--writers 8] [--repeat 3] [--quick]

firedesk's path: `add_entry` (BEGIN IMMEDIATE, role lookup, hash chain, INSERT, COMMIT).
The baseline: the same WAL + synchronous=FULL file, BEGIN IMMEDIATE + one INSERT + COMMIT.
Each writer is its own process, as responders' consoles are.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sqlite3
import tempfile
import time
from pathlib import Path

from _report import report


def firedesk_writer(path: str, count: int, name: str, start: mp.Event) -> None:
    from firedesk.store import Store, add_entry, resolve_incident

    with Store(path) as store:
        incident = resolve_incident(store, 1)
        start.wait()
        for n in range(count):
            add_entry(store, incident, f"{name} note {n}: checked the replica lag, still 40s", author=name)


def raw_writer(path: str, count: int, name: str, start: mp.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None, timeout=5)
    for pragma in ("busy_timeout = 5000", "synchronous = FULL", "foreign_keys = ON"):
        conn.execute(f"PRAGMA {pragma}")
    start.wait()
    for n in range(count):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO notes (author, text, at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ'))",
                     (name, f"{name} note {n}: checked the replica lag, still 40s"))
        conn.execute("COMMIT")
    conn.close()


def prepare_firedesk(path: Path) -> None:
    from firedesk.store import Store, declare_incident

    with Store(path) as store:
        declare_incident(store, "bench", severity="SEV2", author="bench")


def prepare_raw(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, author TEXT, text TEXT, at TEXT)")
    conn.close()


def run(kind: str, writers: int, notes: int) -> float:
    """Notes per second for `writers` processes sharing `notes` notes."""
    with tempfile.TemporaryDirectory(prefix="firedesk-bench-") as tmp:
        path = Path(tmp) / "bench.db"
        (prepare_firedesk if kind == "firedesk" else prepare_raw)(path)
        target = firedesk_writer if kind == "firedesk" else raw_writer
        start = mp.Event()
        per = notes // writers
        procs = [mp.Process(target=target, args=(str(path), per, f"w{n}", start)) for n in range(writers)]
        for p in procs:
            p.start()
        time.sleep(0.5)  # let every process open its connection before the clock starts
        t0 = time.perf_counter()
        start.set()
        for p in procs:
            p.join()
        elapsed = time.perf_counter() - t0
        if any(p.exitcode for p in procs):
            raise SystemExit(f"{kind} writer failed")
        return per * writers / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="200 notes, 1 repeat")
    args = parser.parse_args()
    if args.quick:
        args.notes, args.repeat = 200, 1
    print(f"write throughput: {args.notes} notes, WAL + synchronous=FULL, {args.repeat} runs each")
    for writers in (1, args.writers):
        ours = [run("firedesk", writers, args.notes) for _ in range(args.repeat)]
        raw = [run("raw", writers, args.notes) for _ in range(args.repeat)]
        report(f"write: {writers} writer process(es)", ours, unit="notes/s", baseline=raw,
               baseline_name="raw sqlite3")


if __name__ == "__main__":
    main()
