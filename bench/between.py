"""Benchmark the between-incidents reports over a busy feed: the digest per tech lead and
the shift handover report.

    .venv/bin/python bench/between.py            # 20,000 alerts, 60,000 deliveries
    .venv/bin/python bench/between.py --quick    # 1,000 alerts, a few seconds

Each figure is printed with a natural baseline measured in the same run: reading every
alert row the feed has (list_alerts), the floor any report over the feed pays.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from firedesk.config import parse_config  # noqa: E402
from firedesk.intake.alert import Alert, Parsed  # noqa: E402
from firedesk.intake.storage import record_deliveries  # noqa: E402
from firedesk.intake.triage import list_alerts  # noqa: E402
from firedesk.oncall import load_oncall  # noqa: E402
from firedesk.oncall.shift import shift_report, shift_window  # noqa: E402
from firedesk.review.digest import build_digest, digest_settings  # noqa: E402
from firedesk.store import Store  # noqa: E402

from _report import report

SERVICES = ["reader", "certification", "efolder", "dispatch", "hearings", "mystery"]
CONFIG = {
    "people": [{"name": n, "timezone": "America/New_York"} for n in ("Mark", "Alex", "Sharon", "Ana")],
    "teams": [{"name": "Whiskey", "members": ["Mark"], "tech_lead": "Mark"},
              {"name": "Foxtrot", "members": ["Alex", "Ana"], "tech_lead": "Alex"},
              {"name": "Tango", "members": ["Sharon"], "tech_lead": "Sharon"}],
    "services": [{"name": "reader", "team": "Whiskey"}, {"name": "certification", "team": "Foxtrot"},
                 {"name": "efolder", "team": "Foxtrot"}, {"name": "dispatch", "team": "Tango"},
                 {"name": "hearings", "team": "Tango"}],
    "rotations": [{"name": "prod-squad", "members": ["Ana", "Alex"], "start": "2026-11-03",
                   "handoff": "tuesday 09:00", "timezone": "America/New_York", "length": "1w"}],
    "digest": {"business_hours": "09:00-17:00", "timezone": "America/New_York"},
}


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def build(path: Path, alerts: int, rng: random.Random) -> Clock:
    clock = Clock(datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc))
    with Store(path, clock=clock) as store:
        batch = []
        for n in range(alerts * 3):
            key = f"err-{rng.randrange(alerts)}"
            service = SERVICES[hash(key) % len(SERVICES)]
            alert = Alert(source="sentry", dedup_key=key, title=f"Error {key} in {service}",
                          service=service, severity=rng.choice(["critical", "high", "medium"]),
                          links={"source": f"https://sentry.example/issues/{key}"})
            batch.append((Parsed("sentry", [alert]), json.dumps([n, key]).encode()))
            if len(batch) == 500:
                record_deliveries(store, batch, via="ingest")
                batch = []
                clock.now += timedelta(minutes=7)
        if batch:
            record_deliveries(store, batch, via="ingest")
    return clock


def timed(fn, repeat: int) -> list[float]:  # noqa: ANN001
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    alerts = 1000 if args.quick else 20000
    repeat = 3 if args.quick else 5
    rng = random.Random(22)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "between.db"
        clock = build(path, alerts, rng)
        config = parse_config(CONFIG)
        oncall, problems = load_oncall(config)
        settings = digest_settings(config)
        assert not problems and not config.problems, (problems, config.problems)
        with Store(path, clock=clock) as store:
            count = len(list_alerts(store))
            baseline = timed(lambda: list_alerts(store), repeat)
            digest = timed(lambda: build_digest(store, oncall, settings, clock(),
                                                since=timedelta(days=7)), repeat)
            window = shift_window(oncall, oncall.rotations["prod-squad"], clock())
            shift = timed(lambda: shift_report(store, window), repeat)
        label = f"{count:,} alerts"
        report(f"digest per tech lead, {label}", [s * 1000 for s in digest], unit="ms",
               baseline=[s * 1000 for s in baseline], baseline_name="list_alerts")
        report(f"shift handover report, {label}", [s * 1000 for s in shift], unit="ms",
               baseline=[s * 1000 for s in baseline], baseline_name="list_alerts")
        print(f"(median digest {statistics.median(digest) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
