"""Latency from `firedesk note` in another process to the note on the console's screen.

The console runs headless in this process (App.run_test, 120x40) on a fresh record; each
round starts a real `python -m firedesk note` process and waits until the note is in the
timeline's rendered lines. Two figures per note: from the note process's exit (its commit
is done) to on screen — the console's own share — and from launching the command (adds
the CLI's start-up). Median and p95 over 50 notes.

    .venv/bin/python bench/note_latency.py            # 50 notes
    .venv/bin/python bench/note_latency.py --quick    # 8 notes
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _report import report


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def measure(notes: int) -> tuple[list[float], list[float]]:
    from firedesk.app import make_app
    from firedesk.config import Config
    from firedesk.store import Store, declare_incident

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        with Store(db) as store:
            incident = declare_incident(store, "Latency", severity="SEV2", author="bench")
        app = make_app(db, Config(), "console-user", incident=incident.id, cursor_blink=False)
        env = {**os.environ, "FIREDESK_DB": str(db), "FIREDESK_USER": "bench", "TZ": "UTC"}
        from_commit, from_launch = [], []
        async with app.run_test(size=(120, 40)) as pilot:
            while not (app.main_screen and app.main_screen.query("#timeline")
                       and app.main_screen.query_one("#timeline").events):
                await pilot.pause(0.01)
            timeline = app.main_screen.query_one("#timeline")
            for n in range(notes):
                text = f"latency probe {n}"
                launched = time.perf_counter()
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "firedesk", "note", incident.key, text, env=env,
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
                _, err = await proc.communicate()
                committed = time.perf_counter()
                if proc.returncode:
                    raise RuntimeError(err.decode())
                while not any(text in line for line in timeline.visible_text()[-5:]):
                    await asyncio.sleep(0.002)
                shown = time.perf_counter()
                from_commit.append(shown - committed)
                from_launch.append(shown - launched)
    return from_commit, from_launch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 notes instead of 50")
    args = parser.parse_args()
    notes = 8 if args.quick else 50
    from_commit, from_launch = asyncio.run(measure(notes))
    ms = lambda v: f"{v * 1000:.0f} ms"  # noqa: E731
    print(f"{notes} notes from another process to the console's screen")
    print(f"  after the note process exits (commit done): median {ms(statistics.median(from_commit))}, "
          f"p95 {ms(p95(from_commit))}  (poll interval 150 ms; target < 500 ms)")
    print(f"  from launching `firedesk note`: median {ms(statistics.median(from_launch))}, "
          f"p95 {ms(p95(from_launch))}")
    report("note to screen, after commit", [v * 1000 for v in from_commit], unit="ms")
    report("note to screen, p95 after commit", [p95(from_commit) * 1000], unit="ms")


if __name__ == "__main__":
    main()
