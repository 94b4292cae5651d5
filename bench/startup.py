"""Launch to first painted screen: firedesk on a record with 100,000 events vs a minimal
Textual app, both measured the same way in one run.

Each is started in a pseudo-terminal (100x30) and timed from spawn until its marker text
is in the terminal output: for firedesk the newest timeline entry (so the record was read
and the timeline painted), for the baseline a one-line Static.

    .venv/bin/python bench/startup.py            # 100,000 events, 5 runs each
    .venv/bin/python bench/startup.py --quick    # 5,000 events, 2 runs each
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from _report import report

BASELINE = '''
from textual.app import App
from textual.widgets import Static


class Minimal(App):
    def compose(self):
        yield Static("baseline-ready-marker")

Minimal().run()
'''


def build_record(path: Path, events: int) -> str:
    """One incident with `events` timeline entries; returns the newest entry's text."""
    from firedesk.store import Store, append_event, declare_incident

    with Store(path) as store:
        incident = declare_incident(store, "Benchmark flood", severity="SEV1", author="bench")
        batch = 10_000
        for start in range(0, events, batch):
            with store.write():
                for n in range(start, min(events, start + batch)):
                    append_event(store, incident_id=incident.id, kind="note", author="bench",
                                 text=f"flood entry {n}")
    return f"flood entry {events - 1}"


def time_to_marker(argv: list[str], marker: bytes, env: dict[str, str], timeout: float = 60.0) -> float:
    """Seconds from spawn until `marker` appears in the program's terminal output."""
    parent, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=child, stdout=child, stderr=child, env=env,
                            start_new_session=True)
    os.close(child)
    seen = b""
    try:
        while marker not in seen:
            if time.perf_counter() - start > timeout:
                raise RuntimeError(f"{marker!r} did not appear within {timeout}s")
            ready, _, _ = select.select([parent], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(parent, 1 << 16)
                except OSError:
                    raise RuntimeError(f"the program ended before {marker!r}: {seen[-400:]!r}")
        return time.perf_counter() - start
    finally:
        proc.kill()
        proc.wait()
        os.close(parent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 events, 2 runs each")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args()
    events = args.events or (5_000 if args.quick else 100_000)
    runs = args.runs or (2 if args.quick else 5)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        started = time.perf_counter()
        newest = build_record(db, events)
        print(f"record: {events:,} events built in {time.perf_counter() - started:.1f}s")
        baseline_script = Path(tmp) / "minimal_app.py"
        baseline_script.write_text(BASELINE)
        env = {**os.environ, "FIREDESK_DB": str(db), "FIREDESK_USER": "bench", "TZ": "UTC",
               "TERM": "xterm-256color"}
        firedesk_times, baseline_times = [], []
        for _ in range(runs):  # interleaved, so machine noise hits both alike
            baseline_times.append(time_to_marker([sys.executable, str(baseline_script)],
                                                 b"baseline-ready-marker", env))
            firedesk_times.append(time_to_marker(
                [sys.executable, "-m", "firedesk", "console", "1"], newest.encode(), env))
    base, ours = statistics.median(baseline_times), statistics.median(firedesk_times)
    print(f"minimal Textual app: median {base * 1000:.0f} ms over {runs} runs")
    print(f"firedesk, {events:,} events: median {ours * 1000:.0f} ms over {runs} runs "
          f"(newest entry on screen)")
    print(f"ratio firedesk / minimal: {ours / base:.2f}")
    report(f"startup to first paint, {events:,} events", [t * 1000 for t in firedesk_times],
           unit="ms", baseline=[t * 1000 for t in baseline_times],
           baseline_name="minimal Textual app")


if __name__ == "__main__":
    main()
