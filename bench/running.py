"""Running the incident on a long record: how fast the panes and the brief read.

    python bench/running.py [--events 20000] [--repeat 5] [--quick]

A SEV1 with many timeline events, tasks, hypotheses and a touched checklist. Figures:
the checklist pane's load (runs every time any console writes), `show --json`'s
running part, the handover brief (+ Markdown), the update composer with every event
since the last update, and one checklist write. Baselines, measured in the same run:
`resolve_incident` (the cheapest read the console does on every refresh) for reads,
`add_entry` (a plain note) for the write.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _report import report


def timed(fn, repeat: int) -> list[float]:  # noqa: ANN001
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="a small run in a few seconds")
    args = parser.parse_args()
    if args.quick:
        args.events, args.repeat = 2000, 3

    from firedesk.config import parse_config
    from firedesk.response.checklist import check_item
    from firedesk.response.handover import build_brief
    from firedesk.response.hypotheses import propose_hypothesis
    from firedesk.response.state import running_state
    from firedesk.response.tasks import assign_task
    from firedesk.response.updates import compose_update
    from firedesk.response.views import checklist_view
    from firedesk.store import Store, add_entry, declare_incident, resolve_incident
    from firedesk.store.timeline import append_event

    config = parse_config({})
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        incident = declare_incident(store, "Checkout down", severity="SEV1", author="lead")
        with store.write():  # the bulk of the timeline, in one transaction (setup only)
            for n in range(args.events):
                append_event(store, incident_id=incident.id, kind="note", author=f"r{n % 7}",
                             text=f"note {n}: replica lag still 40s on db-{n % 3}")
        for n in range(40):
            assign_task(store, incident, f"task {n}", owner=f"r{n % 7}", author="lead")
            propose_hypothesis(store, incident, f"hypothesis {n}", author="lead")
        for item in ("database", "network", "servers"):
            check_item(store, incident, item, author="lead")
        incident = resolve_incident(store, incident.id)
        print(f"record: {args.events} events, 40 tasks, 40 hypotheses; times in ms")
        base = timed(lambda: resolve_incident(store, incident.id), args.repeat * 4)
        for name, fn in (
            ("checklist pane load", lambda: checklist_view(store, incident, config)),
            ("show --json running part", lambda: running_state(store, incident, config)),
            ("handover brief + markdown", lambda: build_brief(store, incident, config).to_markdown()),
            (f"composer ({args.events} changes)", lambda: compose_update(store, incident, config)),
        ):
            report(name, timed(fn, args.repeat), unit="ms", baseline=base,
                   baseline_name="resolve_incident")
        states = iter(["na", "open"] * (args.repeat + 1))
        note = timed(lambda: add_entry(store, incident, "a note", author="lead"), args.repeat * 4)
        report("check item (write + event)",
               timed(lambda: check_item(store, incident, "identity", author="lead",
                                        state=next(states)), args.repeat * 2),
               unit="ms", baseline=note, baseline_name="add_entry")
        store.close()


if __name__ == "__main__":
    main()
