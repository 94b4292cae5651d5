"""The shift handover report: what the outgoing on-call person leaves the incoming one.

A report covers one shift of one rotation, from its handoff to the next (or to now, for
the shift still running): incidents still open and their state, what happened to
alerts during the shift and who did it, open tasks and their owners, and the notes left
for the next person. Notes (`shift.note`) and "I have read it" (`shift.read`) are
timeline events with no incident, so both are on the hash-chained record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from firedesk.clock import parse_utc, to_iso
from firedesk.errors import InvalidInput, NotFound
from firedesk.model import Incident
from firedesk.oncall.model import OnCall, Rotation
from firedesk.oncall.rotation import duties_at, duties_between, shifts_at
from firedesk.store.store import Store
from firedesk.store.timeline import append_event
from firedesk.text import one_line

TRIAGE_KINDS = {"alert.ack": "acked", "alert.snooze": "snoozed", "alert.silence": "silenced",
                "alert.noise": "noise", "alert.attach": "attached"}
_TINY = timedelta(microseconds=1)
# The console shows a waiting report "at the handoff": in the first day of the new shift,
# never in the middle of someone's week (read it any time with `firedesk shift --at`).
HANDOFF_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class ShiftWindow:
    """One shift of a rotation: [start, end), who held it, who takes over at `end`."""

    rotation: Rotation
    start: datetime
    end: datetime
    upto: datetime          # end, or now for the shift still running
    outgoing: tuple[str, ...]
    incoming: str | None

    @property
    def running(self) -> bool:
        return self.upto < self.end

    def ident(self) -> dict[str, str]:
        return {"rotation": self.rotation.name, "shift_start": to_iso(self.start),
                "shift_end": to_iso(self.end)}


def pick_rotation(oncall: OnCall, at: datetime, *, rotation: str | None = None,
                  person: str | None = None) -> Rotation:
    """`--rotation`, else the one `person` holds at `at`, else the only one configured."""
    if not oncall.rotations:
        raise NotFound("no rotations configured ([[rotations]] in firedesk.toml)")
    names = ", ".join(oncall.rotations)
    if rotation is not None:
        if rotation not in oncall.rotations:
            raise NotFound(f"no rotation {rotation!r}; configured: {names}")
        return oncall.rotations[rotation]
    if person:
        mine = [r for r in oncall.rotations.values()
                if any(d.person == person for d in duties_at(oncall, r, at - _TINY))]
        if len(mine) == 1:
            return mine[0]
    if len(oncall.rotations) == 1:
        return next(iter(oncall.rotations.values()))
    raise InvalidInput(f"several rotations; pass --rotation (one of {names})")


def shift_window(oncall: OnCall, rotation: Rotation, at: datetime) -> ShiftWindow:
    """The shift in force just before `at`: at a handoff instant, the one that ends there."""
    shifts = shifts_at(rotation, at - _TINY)
    if not shifts:
        raise NotFound(f"rotation {rotation.name} has no shift before "
                       f"{at.astimezone(rotation.zone):%Y-%m-%d %H:%M} {rotation.timezone}")
    shift = shifts[-1]
    upto = min(at, shift.end)
    outgoing = tuple(dict.fromkeys(
        d.person for d in duties_between(oncall, rotation, shift.start, upto) if d.person))
    after = duties_at(oncall, rotation, shift.end)
    incoming = after[0].person if after else None
    return ShiftWindow(rotation, shift.start, shift.end, upto, outgoing or (shift.person,),
                       incoming)


@dataclass
class ShiftReport:
    window: ShiftWindow
    open_incidents: list[dict[str, Any]] = field(default_factory=list)
    resolved_incidents: list[dict[str, Any]] = field(default_factory=list)
    fired: list[dict[str, Any]] = field(default_factory=list)
    triage: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    read_by: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {"fired": len(self.fired)}
        for verb in TRIAGE_KINDS.values():
            out[verb] = sum(1 for t in self.triage if t["action"] == verb)
        return out

    def to_json(self) -> dict[str, Any]:
        w = self.window
        return {**w.ident(), "team": w.rotation.team, "layer": w.rotation.layer,
                "timezone": w.rotation.timezone, "upto": to_iso(w.upto), "running": w.running,
                "outgoing": list(w.outgoing), "incoming": w.incoming, "counts": self.counts(),
                "open_incidents": self.open_incidents,
                "resolved_incidents": self.resolved_incidents, "alerts_fired": self.fired,
                "alert_actions": self.triage, "open_tasks": self.tasks, "notes": self.notes,
                "read_by": self.read_by}


def _incident_line(incident: Incident) -> dict[str, Any]:
    return {"key": incident.key, "title": incident.title, "severity": incident.severity,
            "status": incident.status, "service": incident.service,
            "declared_at": incident.declared_at, "resolved_at": incident.resolved_at,
            "roles": {role: ", ".join(people) for role, people in incident.roles.items()}}


def _shift_events(store: Store, kind: str, window: ShiftWindow) -> list[dict[str, Any]]:
    rows = store.query(
        "SELECT id, at, author, text, data FROM events WHERE incident_id IS NULL AND kind = ? "
        "ORDER BY id", (kind,))
    out = []
    for row in rows:
        data = json.loads(row["data"] or "{}")
        if data.get("rotation") == window.rotation.name and data.get("shift_start") == to_iso(window.start):
            out.append({"event": row["id"], "at": row["at"], "by": row["author"], "text": row["text"]})
    return out


def shift_report(store: Store, window: ShiftWindow) -> ShiftReport:
    """Everything the incoming person needs, read from the record as it stands now."""
    from firedesk.response.tasks import tasks_for
    from firedesk.store.incidents import list_incidents

    # A running shift's report includes what happened at this very instant.
    start = to_iso(window.start)
    upto = to_iso(window.upto + _TINY if window.running else window.upto)
    report = ShiftReport(window)
    now = parse_utc(store.now())
    for incident in list_incidents(store):
        if incident.is_open:
            report.open_incidents.append(_incident_line(incident))
            for task in tasks_for(store, incident.id, open_only=True):
                report.tasks.append({"incident": incident.key, **task.to_json(now)})
        elif incident.resolved_at and start <= incident.resolved_at < upto:
            report.resolved_incidents.append(_incident_line(incident))
    for row in store.query(
        "SELECT id, source, title, service, severity, status, first_seen, last_seen, count, "
        "incident_id FROM alerts WHERE (first_seen >= ? AND first_seen < ?) OR id IN ("
        "SELECT alert_id FROM alert_transitions WHERE to_status = 'firing' AND at >= ? AND at < ?) "
        "ORDER BY first_seen, id", (start, upto, start, upto)):
        report.fired.append({**dict(row), "incident": f"INC-{row['incident_id']}" if row["incident_id"] else None})
    for row in store.query(
        f"SELECT id, at, author, kind, text, data, incident_id FROM events WHERE kind IN "
        f"({','.join('?' * len(TRIAGE_KINDS))}) AND at >= ? AND at < ? ORDER BY at, id",
        (*TRIAGE_KINDS, start, upto)):
        data = json.loads(row["data"] or "{}")
        action = TRIAGE_KINDS[row["kind"]]
        if row["kind"] == "alert.noise" and data.get("noise") is False:
            action = "not noise"
        report.triage.append({"at": row["at"], "by": row["author"], "action": action,
                              "alert": data.get("alert_id"), "title": data.get("title"),
                              "text": row["text"]})
    report.notes = _shift_events(store, "shift.note", window)
    report.read_by = _shift_events(store, "shift.read", window)
    return report


def leave_shift_note(store: Store, window: ShiftWindow, text: str, *, author: str) -> Any:
    """A note for whoever takes over the shift, kept with the shift it was written in."""
    from firedesk.store.incidents import require_utf8

    if not text or not text.strip():
        raise InvalidInput("the note is empty; nothing was recorded")
    require_utf8(text, "note")
    with store.write():
        return append_event(store, incident_id=None, kind="shift.note", author=author, text=text,
                            data=window.ident())


def mark_shift_read(store: Store, window: ShiftWindow, *, author: str) -> Any:
    """On the record: `author` read the handover report of this shift."""
    with store.write():
        return append_event(store, incident_id=None, kind="shift.read", author=author,
                            text=f"read the handover report of {window.rotation.name} "
                                 f"({to_iso(window.start)[:16]}Z → {to_iso(window.end)[:16]}Z)",
                            data=window.ident())


def waiting_handover(store: Store, oncall: OnCall, person: str, now: datetime) -> list[ShiftWindow]:
    """Shifts that ended in a handoff to `person` (who holds the layer now) within the last
    day, not yet marked read by them."""
    out = []
    for rotation in oncall.rotations.values():
        if not any(d.person == person for d in duties_at(oncall, rotation, now)):
            continue
        current = shifts_at(rotation, now)
        if not current or now - current[-1].start > HANDOFF_WINDOW:
            continue
        try:
            previous = shift_window(oncall, rotation, current[-1].start)
        except NotFound:
            continue
        if person in previous.outgoing:
            continue  # their own shift went on: nothing was handed to them
        readers = [r["by"] for r in _shift_events(store, "shift.read", previous)]
        if person not in readers:
            out.append(previous)
    return out


# -- Markdown --------------------------------------------------------------------------


def _when(stored: str | datetime, zone: Any) -> str:
    moment = parse_utc(stored) if isinstance(stored, str) else stored
    return moment.astimezone(zone).strftime("%a %Y-%m-%d %H:%M")


def render_shift_markdown(report: ShiftReport) -> str:
    """The report as Markdown; times in the rotation's zone, record text made visible."""
    w = report.window
    zone, label = w.rotation.zone, w.rotation.timezone
    s = one_line
    lines = [f"# Shift handover: {s(w.rotation.name)}", ""]
    end = f"{_when(w.end, zone)} {label}"
    lines.append(f"Shift {_when(w.start, zone)} → {end}"
                 + (f" (report as of {_when(w.upto, zone)})" if w.running else ""))
    lines.append(f"Outgoing: {s(', '.join(w.outgoing))} · incoming: {s(w.incoming or 'nobody')}")
    c = report.counts()
    lines += ["", f"Alerts: {c['fired']} fired, {c['acked']} acked, {c['snoozed']} snoozed, "
                  f"{c['silenced']} silenced, {c['noise']} marked noise.", ""]
    lines.append("## Open incidents")
    for i in report.open_incidents or []:
        roles = "; ".join(f"{r}: {p}" for r, p in i["roles"].items()) or "no roles held"
        lines.append(f"- {i['key']} {i['severity']} {i['status']}: {s(i['title'])} ({s(roles)})")
    if not report.open_incidents:
        lines.append("- none")
    if report.resolved_incidents:
        lines += ["", "## Resolved during the shift"]
        lines += [f"- {i['key']} {i['severity']}: {s(i['title'])} (resolved "
                  f"{_when(i['resolved_at'], zone)})" for i in report.resolved_incidents]
    lines += ["", "## Open tasks"]
    for t in report.tasks:
        late = " (overdue)" if t.get("overdue") else ""
        lines.append(f"- {t['incident']} {t['id']} {s(t['owner'])}: {s(t['text'])} — check in "
                     f"{_when(t['check_in_at'], zone)}{late}")
    if not report.tasks:
        lines.append("- none")
    lines += ["", "## Alerts that fired"]
    for a in report.fired:
        where = f" → {a['incident']}" if a["incident"] else ""
        lines.append(f"- A-{a['id']} {a['severity']} {a['status']} {s(a['source'])}"
                     f"{' ' + s(a['service']) if a['service'] else ''}: {s(a['title'])} "
                     f"(first {_when(a['first_seen'], zone)}, ×{a['count']}){where}")
    if not report.fired:
        lines.append("- none")
    lines += ["", "## Alert actions"]
    for t in report.triage:
        lines.append(f"- {_when(t['at'], zone)} {s(t['by'])} {t['action']} A-{t['alert']}: "
                     f"{s(t['title'] or '')}")
    if not report.triage:
        lines.append("- none")
    lines += ["", "## Notes for the next shift"]
    for n in report.notes:
        lines.append(f"- {_when(n['at'], zone)} {s(n['by'])}: {s(n['text'])}")
    if not report.notes:
        lines.append("- none")
    if report.read_by:
        lines += ["", "Read by " + ", ".join(
            f"{s(r['by'])} ({_when(r['at'], zone)})" for r in report.read_by) + "."]
    return "\n".join(lines) + "\n"
