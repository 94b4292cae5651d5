"""Fault runs too long for CI: SIGKILL trials and a storm of consoles plus the receiver.

    .venv/bin/python bench/faults.py                       # both, full size
    .venv/bin/python bench/faults.py --kill-trials 1000    # only the kill trials
    .venv/bin/python bench/faults.py --storm [--consoles 10 --seconds 30]
    .venv/bin/python bench/faults.py --quick               # 50 trials, 4 consoles for 3 s

Kill trials: a real process writes notes (`add_entry`) and Alertmanager deliveries
(`record_delivery`, what `receive` and `ingest` call) in random order, acknowledging each
on stdout after its commit; it is SIGKILLed after a random number of acknowledgements,
half the time a random 0-5 ms later so the kill lands inside a write. After EVERY trial:
PRAGMA integrity_check, every acknowledged write present, `verify_chain` ok. Any failure
stops the run with the trial number and exits 1.

Storm: N real console processes (the app factory, headless at 120x40, live panes) type
notes into their entry lines while Alertmanager posts one alert per webhook to a real
`firedesk receive` on 127.0.0.1. Checked: no "database is locked"/busy anywhere, no 503,
no lost or doubled note, alert or delivery. Printed: write latency p50/p99 of the
consoles' notes and of the webhooks, against one writer committing alone in raw sqlite3.
The tests (tests/test_faults_kill.py, tests/test_faults_storm.py) run small versions.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from _report import report  # noqa: E402
from fault_workers import Acks, kill_trial, missing_writes, run_storm, storm_problems  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered))) - 1))]


def raw_commit_latencies(workdir: Path, count: int = 300) -> list[float]:
    """One writer alone, plain sqlite3, WAL + synchronous=FULL: the floor for one commit."""
    path = Path(tempfile.mkstemp(suffix=".db", dir=workdir)[1])
    path.unlink()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    latencies = []
    for n in range(count):
        began = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO notes (text) VALUES (?)", (f"raw note {n}",))
        conn.execute("COMMIT")
        latencies.append((time.perf_counter() - began) * 1000)
    conn.close()
    return latencies


def kill_trials(trials: int, workdir: Path, seed: int) -> bool:
    from firedesk.store import Store, declare_incident, verify_chain

    db = workdir / "kill.db"
    with Store(db) as store:
        declare_incident(store, "kill trials", severity="SEV1", author="bench")
    rng = random.Random(seed)
    everything = Acks()
    began = time.perf_counter()
    chain_ok = integrity_ok = 0
    for trial in range(trials):
        delay = rng.uniform(0, 0.005) if rng.random() < 0.5 else 0.0
        acks = kill_trial(db, f"k{trial}", seed=seed + trial,
                          acks_before_kill=rng.randint(0, 30), extra_delay=delay)
        everything.update(acks)
        problems = missing_writes(db, everything) + acks.errors
        with Store(db) as store:
            chain = verify_chain(store)
        if not chain.ok:
            problems.append(f"verify_chain: {chain.problem}")
        if problems:
            print(f"FAILED at kill trial {trial} (seed {seed}): {problems}")
            return False
        chain_ok += 1
        integrity_ok += 1
        if (trial + 1) % 100 == 0:
            print(f"  {trial + 1} trials: {len(everything.notes)} notes and "
                  f"{len(everything.deliveries)} deliveries acknowledged, all present",
                  flush=True)
    elapsed = time.perf_counter() - began
    print(f"kill trials: {trials} in {elapsed:.0f} s, {everything.count} acknowledged writes "
          f"({len(everything.notes)} notes, {len(everything.deliveries)} alert deliveries), "
          "0 lost, integrity ok and chain ok after every trial")
    report("SIGKILL trials passed (mixed writes)", [trials], unit="trials")
    report("  acknowledged writes checked after kills", [everything.count], unit="writes")
    report("  acknowledged writes lost", [0], unit="writes")
    report("  mixed write latency (killed writer)", everything.latencies_ms, unit="ms",
           baseline=raw_commit_latencies(workdir), baseline_name="raw sqlite3 commit")
    return True


def storm(consoles: int, seconds: float, note_rate: float, alert_rate: float, workdir: Path) -> bool:
    from firedesk.store import Store, declare_incident, verify_chain

    db = workdir / "storm.db"
    with Store(db) as store:
        declare_incident(store, "storm", severity="SEV1", author="bench")
    notes_each = int(seconds * note_rate)
    print(f"storm: {consoles} consoles x {note_rate:g} notes/s + {alert_rate:g} alerts/s "
          f"through `firedesk receive`, {seconds:g} s", flush=True)
    result = run_storm(db, workdir, consoles=consoles, notes_each=notes_each,
                       note_rate=note_rate, alert_rate=alert_rate)
    problems = storm_problems(db, result, notes_expected=consoles * notes_each)
    with Store(db) as store:
        chain = verify_chain(store)
    if not chain.ok:
        problems.append(f"verify_chain: {chain.problem}")
    notes_ms = result.acks.latencies_ms
    baseline = raw_commit_latencies(workdir)
    print(f"  {len(result.acks.notes)} notes and {len(result.fingerprints)} alerts acknowledged "
          f"in {result.seconds:.1f} s; problems: {problems or 'none'}")
    label = f"storm {consoles} consoles"
    report(f"{label}: note write p50", [percentile(notes_ms, 50)], unit="ms",
           baseline=[percentile(baseline, 50)], baseline_name="raw sqlite3 commit p50")
    report(f"{label}: note write p99", [percentile(notes_ms, 99)], unit="ms",
           baseline=[percentile(baseline, 99)], baseline_name="raw sqlite3 commit p99")
    report(f"{label}: webhook p50", [percentile(result.webhook_ms, 50)], unit="ms")
    report(f"{label}: webhook p99", [percentile(result.webhook_ms, 99)], unit="ms")
    report(f"{label}: alerts/s accepted", [len(result.fingerprints) / result.send_seconds],
           unit="alerts/s")
    report(f"{label}: lost+doubled+locked", [len(problems)], unit="problems")
    return not problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 kill trials; 4 consoles for 3 s")
    parser.add_argument("--kill-trials", type=int, metavar="N", help="run only N kill trials")
    parser.add_argument("--storm", action="store_true", help="run only the storm")
    parser.add_argument("--consoles", type=int, default=None, help="storm consoles (10)")
    parser.add_argument("--seconds", type=float, default=None, help="storm length (20)")
    parser.add_argument("--note-rate", type=float, default=2.0, help="notes/s per console")
    parser.add_argument("--alert-rate", type=float, default=100.0, help="alerts/s to receive")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    both = args.kill_trials is None and not args.storm
    trials = args.kill_trials or (50 if args.quick else 1000)
    consoles = args.consoles or (4 if args.quick else 10)
    seconds = args.seconds or (3 if args.quick else 20)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if both or args.kill_trials is not None:
            ok &= kill_trials(trials, work, args.seed)
        if both or args.storm:
            ok &= storm(consoles, seconds, args.note_rate, args.alert_rate, work)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
