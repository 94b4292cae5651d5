"""Every piece of current state, rebuilt from the timeline alone, and compared.

The tables beside the timeline (incidents, role tenures, tasks, hypotheses, checklist,
impact, handover offers, alert attachments) are written in the same transaction as the
event that changes them, so the events alone say what each row must hold. Nothing
prevents someone with the file from editing those rows with `sqlite3` (no trigger can
stop a writer who can drop triggers); `derived_mismatches` names each field that no
longer matches its events, so a review never trusts an edited row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator

from firedesk.model import incident_key
from firedesk.store.store import Store

# Writers before this check took the clock twice (state row, then event): allow the gap.
_CLOCK_SLACK_SECONDS = 1.0


@dataclass
class _Incident:
    title: str | None = None
    service: str | None = None
    summary: str | None = None
    declared_by: str | None = None
    declared_at: str | None = None
    severity: str | None = None
    status: str | None = None
    zone: Any = None
    resolved_at: str | None = None
    tenures: list[dict[str, Any]] = field(default_factory=list)
    tasks: dict[int, dict[str, Any]] = field(default_factory=dict)
    hypotheses: dict[int, dict[str, Any]] = field(default_factory=dict)
    checklist: dict[str, dict[str, Any]] = field(default_factory=dict)
    impact: dict[str, Any] | None = None
    offers: list[dict[str, Any]] = field(default_factory=list)
    handover_role_at: dict[int, str] = field(default_factory=dict)


def _close(a: str | None, b: str | None) -> bool:
    if a == b:
        return True
    if a is None or b is None:
        return False
    try:
        gap = abs((datetime.fromisoformat(a) - datetime.fromisoformat(b)).total_seconds())
    except ValueError:
        return False
    return gap <= _CLOCK_SLACK_SECONDS


def _events(store: Store, batch: int = 5000) -> Iterator[Any]:
    last = 0
    while True:
        rows = store.query(
            "SELECT id, incident_id, at, recorded_at, author, kind, text, data FROM events "
            "WHERE id > ? ORDER BY id LIMIT ?", (last, batch))
        if not rows:
            return
        yield from rows
        last = rows[-1]["id"]


def rebuild(store: Store) -> tuple[dict[int, _Incident], dict[int, int | None], dict[int, str]]:
    """Incidents' state, alert id → attached incident, alert id → who acked, from events."""
    incidents: dict[int, _Incident] = {}
    attached: dict[int, int | None] = {}
    acked: dict[int, str] = {}
    texts: dict[int, tuple[str, str, str]] = {}  # hypothesis entries: text, author, recorded
    for e in _events(store):
        data = json.loads(e["data"] or "{}")
        kind, inc_id = e["kind"], e["incident_id"]
        if kind in ("alert.attach", "alert.detach"):
            # One alert names alert_id; a group or a selection lists alert_ids.
            ids = data.get("alert_ids") or [data.get("alert_id")]
            for alert_id in ids:
                if isinstance(alert_id, int):
                    attached[alert_id] = inc_id if kind == "alert.attach" else None
        elif kind == "alert.ack" and isinstance(data.get("alert_id"), int):
            acked[data["alert_id"]] = e["author"]
        if inc_id is None:
            continue
        inc = incidents.setdefault(inc_id, _Incident())
        who, when = e["author"], e["recorded_at"]
        if kind == "declared":
            inc.title, inc.service, inc.summary = e["text"], data.get("service"), data.get("summary")
            inc.declared_by, inc.declared_at = who, e["at"]
            inc.severity, inc.status = data.get("severity"), data.get("status")
            inc.zone = data.get("zone")
        elif kind == "zone":
            inc.zone = data.get("to")
        elif kind == "severity":
            inc.severity = data.get("to")
        elif kind == "status":
            inc.status = data.get("to")
            inc.resolved_at = when if inc.status == "resolved" else None
        elif kind == "role":
            _role(inc, e["id"], when, data)
        elif kind == "task":
            number, owner = data.get("task"), data.get("owner")
            inc.tasks[number] = {
                "text": e["text"].removeprefix(f"T{number} {owner}: "), "owner": owner,
                "check_in_at": data.get("check_in_at"), "state": "open", "created_by": who,
                "created_at": when, "closed_by": None, "closed_at": None, "note": None,
                "event_id": e["id"]}
        elif kind in ("task-done", "task-dropped") and data.get("task") in inc.tasks:
            inc.tasks[data["task"]].update(state=data.get("state"), closed_by=who,
                                           closed_at=when, note=data.get("note"))
        elif kind == "task-check-in" and data.get("task") in inc.tasks:
            inc.tasks[data["task"]]["check_in_at"] = data.get("check_in_at")
        elif kind == "hypothesis":
            texts[e["id"]] = (e["text"], who, when)
            if isinstance(data.get("hypothesis"), int):
                inc.hypotheses[data["hypothesis"]] = _hypothesis(
                    e["text"], data.get("likelihood"), who, when, e["id"])
        elif kind == "hypothesis-tracked" and data.get("event") in texts:
            text, author, recorded = texts[data["event"]]
            inc.hypotheses[data.get("hypothesis")] = _hypothesis(
                text, None, author, recorded, data["event"])
        elif kind == "conclusion" and data.get("hypothesis") in inc.hypotheses:
            inc.hypotheses[data["hypothesis"]].update(
                state=data.get("conclusion"), evidence=data.get("evidence"), concluded_by=who,
                concluded_at=when)
        elif kind == "likelihood" and data.get("hypothesis") in inc.hypotheses:
            inc.hypotheses[data["hypothesis"]]["likelihood"] = data.get("to")
        elif kind == "checklist" and data.get("item"):
            from_state = inc.checklist.get(data["item"], {})
            note = data.get("note")
            words = {"open": "reopened", "done": "done", "na": "not applicable"}.get(
                data.get("state"), "")
            suffix = f": {words}" + (f" ({note})" if note else "")
            text = e["text"].removesuffix(suffix) if e["text"].endswith(suffix) else None
            inc.checklist[data["item"]] = {
                "list": data.get("list"), "text": text or from_state.get("text"),
                "state": data.get("state"), "by": who, "at": when, "note": note,
                "event_id": e["id"]}
        elif kind == "impact":
            inc.impact = {"what": data.get("what"), "scope": data.get("scope"),
                          "since": data.get("since"), "set_by": who, "set_at": when,
                          "event_id": e["id"]}
        elif kind == "handover-offered":
            for offer in inc.offers:
                if offer["state"] == "pending":
                    offer.update(state="superseded", ended_by=who, ended_at=(when,))
            inc.offers.append({"to_person": data.get("to"), "offered_by": who,
                               "offered_at": when, "note": data.get("note"), "state": "pending",
                               "ended_by": None, "ended_at": None, "event_id": e["id"]})
        elif kind in ("handover-accepted", "handover-withdrawn"):
            for offer in inc.offers:
                if offer["state"] == "pending":
                    state = "accepted" if kind == "handover-accepted" else "withdrawn"
                    offer.update(state=state, ended_by=who, ended_at=(when,),
                                 accepted_event=e["id"])
    for inc in incidents.values():
        for offer in inc.offers:
            # Acceptance stamps the offer with the role change that follows it.
            role_at = inc.handover_role_at.get(offer.pop("accepted_event", -1))
            if role_at and isinstance(offer["ended_at"], tuple):
                offer["ended_at"] = (*offer["ended_at"], role_at)
    return incidents, attached, acked


def _hypothesis(text: str, likelihood: str | None, author: str, recorded: str,
                event_id: int) -> dict[str, Any]:
    return {"text": text, "likelihood": likelihood, "state": "open", "evidence": None,
            "created_by": author, "created_at": recorded, "concluded_by": None,
            "concluded_at": None, "event_id": event_id}


def _role(inc: _Incident, event_id: int, when: str, data: dict[str, Any]) -> None:
    role, person, previous = data.get("role"), data.get("person"), data.get("previous") or []
    if isinstance(data.get("handover"), int):
        inc.handover_role_at[data["handover"]] = when
    for tenure in inc.tenures:
        if tenure["role"] != role or tenure["until"] is not None:
            continue
        if (tenure["person"] in previous if person is None
                else previous or isinstance(data.get("handover"), int)):
            tenure.update(until=when, ended_by_event=event_id)
    if person is not None:
        inc.tenures.append({"role": role, "person": person, "since": when, "until": None,
                            "event_id": event_id, "ended_by_event": None})


def _tables(store: Store) -> set[str]:
    return {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _differences(where: str, row: Any, expected: dict[str, Any]) -> Iterator[str]:
    for column, want in expected.items():
        have = row[column]
        ok = (any(_close(have, w) for w in want) if isinstance(want, tuple)
              else have == want)
        if not ok:
            shown = want[0] if isinstance(want, tuple) else want
            yield f"{where} {column} is {have!r} but its timeline says {shown!r}"


def derived_mismatches(store: Store) -> list[str]:
    """Each field of current state that disagrees with the events, in words."""
    incidents, attached, acked = rebuild(store)
    tables = _tables(store)
    out: list[str] = []
    for row in store.query("SELECT * FROM incidents ORDER BY id"):
        key = incident_key(row["id"])
        inc = incidents.get(row["id"])
        if inc is None or inc.declared_by is None:
            out.append(f"{key} has no declaration on its timeline")
            continue
        out += _differences(key, row, {
            "title": inc.title, "service": inc.service, "summary": inc.summary,
            "declared_by": inc.declared_by, "declared_at": inc.declared_at,
            "severity": inc.severity, "status": inc.status,
            **({"zone": inc.zone} if "zone" in row.keys() else {}),
            "resolved_at": (inc.resolved_at,) if inc.resolved_at else None})
        out += _rows(store, f"{key} role tenure", "role_assignments", row["id"], inc.tenures,
                     "id")
        if "tasks" in tables:
            out += _numbered(store, f"{key} task T", "tasks", row["id"], inc.tasks)
        if "hypotheses" in tables:
            out += _numbered(store, f"{key} hypothesis H", "hypotheses", row["id"],
                             inc.hypotheses)
        if "checklist_items" in tables:
            out += _checklist(store, key, row["id"], inc.checklist)
        if "impact" in tables:
            have = store.query("SELECT * FROM impact WHERE incident_id = ?", (row["id"],))
            if have and inc.impact is None:
                out.append(f"{key} impact is recorded but its timeline has no impact statement")
            elif inc.impact is not None and not have:
                out.append(f"{key} impact is missing but its timeline states it")
            elif have and inc.impact is not None:
                out += _differences(f"{key} impact", have[0], inc.impact)
        if "handover_offers" in tables:
            out += _rows(store, f"{key} handover offer", "handover_offers", row["id"],
                         inc.offers, "id")
    if "alerts" in tables:
        columns = {r[1] for r in store.query("PRAGMA table_info(alerts)")}
        if "incident_id" in columns:
            for alert in store.query("SELECT id, incident_id, acked_by FROM alerts ORDER BY id"):
                want = attached.get(alert["id"])
                if alert["incident_id"] != want:
                    out.append(f"alert {alert['id']} is attached to "
                               f"{_inc(alert['incident_id'])} but its timeline says "
                               f"{_inc(want)}")
                if alert["acked_by"] != acked.get(alert["id"]):
                    out.append(f"alert {alert['id']} acked_by is {alert['acked_by']!r} but its "
                               f"timeline says {acked.get(alert['id'])!r}")
    return out


def _inc(incident_id: int | None) -> str:
    return incident_key(incident_id) if incident_id is not None else "no incident"


def _rows(store: Store, what: str, table: str, incident_id: int,
          expected: list[dict[str, Any]], order: str) -> Iterator[str]:
    rows = store.query(f"SELECT * FROM {table} WHERE incident_id = ? ORDER BY {order}",
                       (incident_id,))
    for index, (row, want) in enumerate(zip(rows, expected), start=1):
        yield from _differences(f"{what} {index}", row, want)
    for row in rows[len(expected):]:
        yield f"{what} row {row['id']} has no event on the timeline"
    for want in expected[len(rows):]:
        yield f"{what} recorded by event #{want['event_id']} is missing"


def _numbered(store: Store, what: str, table: str, incident_id: int,
              expected: dict[int, dict[str, Any]]) -> Iterator[str]:
    rows = {r["number"]: r for r in store.query(
        f"SELECT * FROM {table} WHERE incident_id = ?", (incident_id,))}
    for number in sorted(set(rows) | set(expected), key=lambda n: (n is None, n)):
        if number not in expected:
            yield f"{what}{number} has no event on the timeline"
        elif number not in rows:
            yield f"{what}{number} is missing but its timeline records it"
        else:
            yield from _differences(f"{what}{number}", rows[number], expected[number])


def _checklist(store: Store, key: str, incident_id: int,
               expected: dict[str, dict[str, Any]]) -> Iterator[str]:
    rows = {r["item"]: r for r in store.query(
        "SELECT * FROM checklist_items WHERE incident_id = ?", (incident_id,))}
    for item, want in expected.items():
        if item not in rows:
            yield f"{key} checklist item {item!r} is missing but its timeline checks it"
            continue
        if want["text"] is None:
            want = {k: v for k, v in want.items() if k != "text"}
        yield from _differences(f"{key} checklist item {item!r}", rows[item], want)
    for item, row in rows.items():
        if item not in expected:
            yield from _differences(f"{key} checklist item {item!r}", row, {
                "state": "open", "by": None, "at": None, "note": None, "event_id": None})
