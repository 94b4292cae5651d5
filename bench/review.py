"""Benchmark the blameless review: export a 50,000-event incident, search 10,000 incidents.

    .venv/bin/python bench/review.py            # full size
    .venv/bin/python bench/review.py --quick    # a few seconds

Each figure is printed with a natural baseline measured in the same run:
- export: reading the incident's events (events_for) — the floor any export pays;
- search: a LIKE scan of the timeline for every match (what ranking without FTS needs).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from firedesk.clock import to_iso  # noqa: E402
from firedesk.review.export import build_postmortem, render  # noqa: E402
from firedesk.review.search import search, similar_to_incident  # noqa: E402
from firedesk.store import Store, events_for  # noqa: E402
from firedesk.store.timeline import append_event  # noqa: E402

from _report import report

WORDS = ("checkout payment database connection pool timeout latency deploy rollback cache "
         "redis kafka consumer lag disk full memory leak certificate expired dns resolver "
         "queue backlog worker crash loadbalancer 502 503 gateway auth token login search "
         "index shard replica failover region network partition packet loss cpu throttling "
         "config flag migration schema lock deadlock cron job email smtp webhook retry storm "
         "rate limit quota billing invoice export report batch").split()
KINDS = ("note", "note", "note", "action", "hypothesis", "decision", "update")


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def sentence(rng: random.Random, n: int = 8) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def timed(fn, repeat: int = 3) -> tuple[float, object]:  # noqa: ANN001
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def build_big_incident(store: Store, clock: Clock, events: int, rng: random.Random) -> int:
    with store.write() as conn:
        cur = conn.execute(
            "INSERT INTO incidents (title, severity, status, service, summary, declared_by, "
            "declared_at, updated_at) VALUES ('Alert storm on checkout', 'SEV1', 'investigating', "
            "'checkout', 'bench', 'ana', ?, ?)", (store.now(), store.now()))
        incident_id = cur.lastrowid
        append_event(store, incident_id=incident_id, kind="declared", author="ana",
                     text="Alert storm on checkout", data={"severity": "SEV1",
                                                           "status": "investigating"})
    done = 1
    while done < events:
        with store.write():
            for _ in range(min(5000, events - done)):
                clock.now += timedelta(seconds=1)
                kind = rng.choice(KINDS)
                text = sentence(rng) + (" TODO(ana): follow up" if rng.random() < 0.01 else "")
                append_event(store, incident_id=incident_id, kind=kind,
                             author=rng.choice(("ana", "ben", "chen", "dana")), text=text)
                done += 1
    return incident_id


def build_many_incidents(store: Store, clock: Clock, count: int, rng: random.Random) -> None:
    with store.write() as conn:
        for _ in range(count):
            clock.now += timedelta(minutes=7)
            now = store.now()
            title = sentence(rng, 5)
            cur = conn.execute(
                "INSERT INTO incidents (title, severity, status, service, summary, declared_by, "
                "declared_at, updated_at, resolved_at) VALUES (?, ?, 'resolved', ?, ?, 'ana', ?, ?, ?)",
                (title, rng.choice(("SEV1", "SEV2", "SEV3")), rng.choice(WORDS),
                 sentence(rng, 14), now, now, now))
            incident_id = cur.lastrowid
            append_event(store, incident_id=incident_id, kind="declared", author="ana",
                         text=title, data={"severity": "SEV2", "status": "investigating"})
            for _ in range(3):
                append_event(store, incident_id=incident_id, kind=rng.choice(KINDS),
                             author="ben", text=sentence(rng, 10))
            append_event(store, incident_id=incident_id, kind="status", author="ana",
                         text=sentence(rng, 6), data={"from": "investigating", "to": "resolved"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    args = parser.parse_args()
    events = 5_000 if args.quick else 50_000
    incidents = 1_000 if args.quick else 10_000
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        clock = Clock(datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc))
        store = Store(Path(tmp) / "bench.db", clock=clock)
        start = time.perf_counter()
        big = build_big_incident(store, clock, events, rng)
        print(f"built an incident with {events:,} events in {time.perf_counter() - start:.1f}s")

        read_s, _ = timed(lambda: events_for(store, big))
        print(f"\nexport of INC-{big} ({events:,} events); baseline: reading its events "
              f"{read_s * 1000:.0f} ms")
        build_s, pm = timed(lambda: build_postmortem(store, big, zone="Europe/Berlin"))
        print(f"  build Postmortem      {build_s * 1000:8.0f} ms  ({build_s / read_s:.1f}× the read)")
        for fmt in ("md", "json", "html"):
            render_s, text = timed(lambda: render(pm, fmt))
            total = build_s + render_s
            print(f"  {fmt:<4} render {render_s * 1000:8.0f} ms, total {total * 1000:6.0f} ms "
                  f"({total / read_s:.1f}× the read), {len(text) / 1e6:.1f} MB")
            report(f"export {fmt}, {events:,} events", [total * 1000], unit="ms",
                   baseline=[read_s * 1000], baseline_name="reading the events")

        clock.now += timedelta(days=1)
        start = time.perf_counter()
        build_many_incidents(store, clock, incidents, rng)
        print(f"\nbuilt {incidents:,} more incidents (5 events each) in "
              f"{time.perf_counter() - start:.1f}s")
        queries = ["connection pool timeout", "disk full", "certificate expired", "kafka lag",
                   "dns resolver failover", "rate limit webhook retry"]
        fts_times, like_times = [], []
        for q in queries:
            fts_s, hits = timed(lambda: search(store, q, limit=20))
            terms = q.split()
            where = " AND ".join("text LIKE ?" for _ in terms)

            def like() -> list:  # noqa: ANN202
                # Ranking needs every match, so the scan reads all of them.
                return store.query(f"SELECT id, text FROM events WHERE {where}",
                                   [f"%{t}%" for t in terms])

            like_s, _ = timed(like)
            fts_times.append(fts_s)
            like_times.append(like_s)
            print(f"  search {q!r:<28} {fts_s * 1000:7.2f} ms ({len(hits)} hits); "
                  f"LIKE scan {like_s * 1000:7.2f} ms")
        fts_med, like_med = statistics.median(fts_times), statistics.median(like_times)
        report(f"search over {incidents:,} incidents (FTS5 + bm25)", [t * 1000 for t in fts_times],
               unit="ms", baseline=[t * 1000 for t in like_times], baseline_name="LIKE scan")
        print(f"  median: FTS5+bm25 {fts_med * 1000:.2f} ms vs LIKE scan {like_med * 1000:.2f} ms "
              f"({like_med / fts_med:.1f}× faster, and ranked)")
        sim_s, found = timed(lambda: similar_to_incident(store, incidents // 2))
        print(f"  three most similar to INC-{incidents // 2}: {sim_s * 1000:.1f} ms "
              f"({', '.join(s.key for s in found)})")
        store.close()


if __name__ == "__main__":
    main()
