"""Drills: a past incident replayed into a separate scratch record, so a trainee can run
it as the leader while its alerts and timeline arrive as they happened (in real time,
or `speed` times faster).

The scratch record is its own SQLite file: nothing of the drill is ever written to the
real record, and nothing of the real record is changed by it. The scratch record says
it is a drill in its first event (`drill.started`, no incident) and in its incident's
title ("DRILL: …"). The real record keeps one line about it — a `drill.started` event
with no incident naming the source incident, the leader and the shadows — so the
roster can count drills served and shadowed.

A `shadow` (the built-in role) sees everything and may only write notes: the timeline
refuses any other entry from someone whose only role in the incident is shadow.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from firedesk.clock import parse_utc
from firedesk.errors import InvalidInput
from firedesk.model import Incident
from firedesk.store.store import Store
from firedesk.store.timeline import append_event

DRILL_PREFIX = "DRILL: "


@dataclass(frozen=True)
class Step:
    """One thing that happened, `offset` after the drill's start."""

    offset: timedelta
    kind: str                        # alerts | event
    payload: dict[str, Any]


@dataclass
class DrillPlan:
    source: str                      # INC-7
    title: str
    severity: str
    service: str | None
    summary: str | None
    started: str                     # the source's first alert or declaration (stored UTC)
    steps: list[Step] = field(default_factory=list)

    @property
    def length(self) -> timedelta:
        return self.steps[-1].offset if self.steps else timedelta(0)


def is_drill(store: Store) -> dict[str, Any] | None:
    """The scratch record's drill marker, or None for a real record."""
    row = store.query_one("SELECT data FROM events WHERE incident_id IS NULL AND "
                          "kind = 'drill.started' AND id = 1")
    if row is None:
        return None
    data = json.loads(row["data"] or "{}")
    return data if data.get("scratch") else None


def plan_drill(store: Store, incident: Incident) -> DrillPlan:
    """Everything to replay: the alerts attached to the incident, delivery by delivery,
    and its timeline, in the order they happened."""
    if is_drill(store):
        raise InvalidInput("this record is itself a drill; run drills from the real record")
    deliveries: dict[int, dict[str, Any]] = {}
    for row in store.query(
            "SELECT d.id AS delivery, d.received_at, d.source AS delivery_source, o.status AS "
            "occurrence_status, a.source, a.dedup_key, a.title, a.service, a.severity, "
            "a.labels, a.annotations, a.links FROM alert_occurrences o "
            "JOIN alert_deliveries d ON d.id = o.delivery_id JOIN alerts a ON a.id = o.alert_id "
            "WHERE a.incident_id = ? ORDER BY d.received_at, d.id, a.id", (incident.id,)):
        entry = deliveries.setdefault(row["delivery"], {"at": row["received_at"],
                                                        "source": row["delivery_source"],
                                                        "alerts": []})
        entry["alerts"].append({
            "source": row["source"], "dedup_key": row["dedup_key"], "title": row["title"],
            "service": row["service"], "severity": row["severity"],
            "status": row["occurrence_status"] if row["occurrence_status"] in ("firing", "resolved") else "firing",
            "labels": json.loads(row["labels"] or "{}"),
            "annotations": json.loads(row["annotations"] or "{}"),
            "links": json.loads(row["links"] or "{}")})
    events = store.query("SELECT id, at, author, role, kind, text FROM events WHERE "
                         "incident_id = ? ORDER BY at, id", (incident.id,))
    moments = [d["at"] for d in deliveries.values()] + [e["at"] for e in events]
    started = min(moments) if moments else incident.declared_at
    t0 = parse_utc(started)
    steps = [Step(parse_utc(d["at"]) - t0, "alerts", d) for d in deliveries.values()]
    steps += [Step(parse_utc(e["at"]) - t0, "event", dict(e)) for e in events]
    steps.sort(key=lambda s: (s.offset, s.kind != "alerts"))
    return DrillPlan(incident.key, incident.title, incident.severity, incident.service,
                     incident.summary, started, steps)


def default_drill_path(real_db: Path, source: str, now: datetime) -> Path:
    """`drills/INC-7-20261122T030000Z.db` beside the real record."""
    return real_db.parent / "drills" / f"{source}-{now:%Y%m%dT%H%M%SZ}.db"


def start_drill(real: Store, plan: DrillPlan, path: Path, *, leader: str,
                shadows: tuple[str, ...] = (), speed: float = 1.0) -> Incident:
    """Create the scratch record at `path` (a new file) with the drill incident, the
    leader and the shadows; note the drill in the real record. Returns the drill incident."""
    from firedesk.store.incidents import assign_role, declare_incident

    if speed <= 0:
        raise InvalidInput("--speed must be more than 0 (1 = real time, 10 = ten times faster)")
    if path.resolve() == real.path.resolve():
        raise InvalidInput("a drill never writes to the real record; pick another --into")
    if path.exists():
        raise InvalidInput(f"{path} already exists; a drill starts in a new file")
    if leader in shadows:
        raise InvalidInput(f"{leader} leads the drill; a leader is not also a shadow")
    path.parent.mkdir(parents=True, exist_ok=True)
    with Store(path, clock=real.clock) as scratch:
        with scratch.write():
            append_event(scratch, incident_id=None, kind="drill.started", author=leader,
                         text=f"drill: a replay of {plan.source} from {real.path}",
                         data={"scratch": True, "source": plan.source,
                               "record": str(real.path), "speed": speed, "leader": leader,
                               "shadows": list(shadows)})
        incident = declare_incident(scratch, DRILL_PREFIX + plan.title, severity=plan.severity,
                                    author=leader, service=plan.service,
                                    summary=f"A drill replaying {plan.source}. Nothing here is real.")
        assign_role(scratch, incident, "leader", leader, author=leader)
        for shadow in shadows:
            assign_role(scratch, incident, "shadow", shadow, author=leader)
    with real.write():
        append_event(real, incident_id=None, kind="drill.started", author=leader,
                     text=f"drill of {plan.source} led by {leader}"
                          + (f", shadowed by {', '.join(shadows)}" if shadows else "")
                          + f" (scratch record {path})",
                     data={"source": plan.source, "record": str(path), "leader": leader,
                           "shadows": list(shadows), "speed": speed})
    return incident


def replay_step(scratch: Store, incident: Incident, step: Step) -> str:
    """Write one step into the scratch record; a line saying what arrived."""
    if step.kind == "alerts":
        from firedesk.intake.alert import Alert, Parsed
        from firedesk.intake.storage import record_delivery
        from firedesk.intake.triage import attach_alert, find_alert

        alerts = [Alert(**a) for a in step.payload["alerts"]]
        body = json.dumps({"drill": incident.key, "alerts": step.payload["alerts"]},
                          sort_keys=True)
        record_delivery(scratch, Parsed(step.payload["source"], alerts), body, via="drill",
                        origin=f"drill of {incident.title[len(DRILL_PREFIX):]}")
        rows = [scratch.query_one("SELECT id FROM alerts WHERE source = ? AND dedup_key = ?",
                                  (a.source, a.dedup_key)) for a in alerts]
        loose = [find_alert(scratch, r["id"]) for r in rows if r]
        loose = [a for a in loose if a.incident_id is None]
        if loose:   # the drill's alerts belong to the drill incident, as they did in real life
            attach_alert(scratch, loose, incident, author="drill")
        return f"alert: {', '.join(a.title for a in alerts)}"
    event = step.payload
    role = f" ({event['role']})" if event.get("role") else ""
    with scratch.write():
        append_event(scratch, incident_id=incident.id, kind="drill.replay", author="drill",
                     text=f"then: {event['author']}{role} {event['kind']}: {event['text']}",
                     data={"original_event": event["id"], "original_kind": event["kind"],
                           "original_author": event["author"]})
    return f"{event['kind']}: {event['text']}"


def run_drill(scratch: Store, incident: Incident, plan: DrillPlan, *, speed: float = 1.0,
              wait: Callable[[float], bool] | None = None,
              on_step: Callable[[str], None] | None = None) -> int:
    """Replay every step at `speed`; `wait(seconds)` pauses (True: stop early). Returns
    the number of steps replayed."""
    stop = threading.Event()
    wait = wait or stop.wait
    done = 0
    elapsed = timedelta(0)
    for step in plan.steps:
        pause = (step.offset - elapsed).total_seconds() / speed
        if pause > 0 and wait(pause):
            break
        elapsed = step.offset
        line = replay_step(scratch, incident, step)
        done += 1
        if on_step:
            on_step(line)
    return done
