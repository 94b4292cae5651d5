"""Handing a long incident over with its context intact.

The leader offers the incident to a person; the brief (status, impact, roles, open
tasks, hypotheses, checklist left, the update clock, snoozes, the last 20 entries) is
built from the record, never from memory. The person must accept: only then does the
leader role move, in the same transaction as the acceptance event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import Any

from firedesk.clock import format_duration, parse_utc, show_time, to_iso
from firedesk.config import Config
from firedesk.errors import InvalidInput, NotFound
from firedesk.model import Event, Incident
from firedesk.response.checklist import (
    ChecklistItem, ChecklistProgress, checklist_for, checklist_progress,
)
from firedesk.response.common import require_text, touch_incident
from firedesk.response.hypotheses import Hypothesis, hypotheses_for, loose_hypotheses
from firedesk.response.impact import Impact, impact_for
from firedesk.response.tasks import Task, tasks_for
from firedesk.response.updates import update_clock
from firedesk.store.incidents import resolve_incident
from firedesk.store.store import Store
from firedesk.store.timeline import append_event, get_event
from firedesk.text import one_line

LEADER = "leader"


@dataclass(frozen=True)
class HandoverOffer:
    """An offer of the leader role that waits for (or got) an answer."""

    id: int
    incident_id: int
    to: str
    offered_by: str
    offered_at: str
    note: str | None
    state: str

    def to_json(self) -> dict[str, Any]:
        return {"to": self.to, "offered_by": self.offered_by, "offered_at": self.offered_at,
                "note": self.note, "state": self.state}


_OFFER_COLUMNS = "id, incident_id, to_person, offered_by, offered_at, note, state"


def _offer(row: Any) -> HandoverOffer:
    return HandoverOffer(row["id"], row["incident_id"], row["to_person"], row["offered_by"],
                         row["offered_at"], row["note"], row["state"])


def pending_handover(store: Store, incident_id: int) -> HandoverOffer | None:
    row = store.query_one(
        f"SELECT {_OFFER_COLUMNS} FROM handover_offers WHERE incident_id = ? AND state = 'pending'",
        (incident_id,),
    )
    return _offer(row) if row else None


def pending_handovers_for(store: Store, person: str) -> list[HandoverOffer]:
    """Offers waiting for `person` to accept (the console shows them when they open it)."""
    return [_offer(r) for r in store.query(
        f"SELECT {_OFFER_COLUMNS} FROM handover_offers WHERE to_person = ? AND state = 'pending' "
        "ORDER BY id", (person,),
    )]


def _leaders(conn: Any, incident_id: int) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT person FROM role_assignments WHERE incident_id = ? AND role = ? AND until IS NULL",
        (incident_id, LEADER),
    )]


def offer_handover(
    store: Store, incident: Incident, to: str, *, author: str, note: str | None = None,
) -> HandoverOffer:
    """Offer the leader role to `to`. Only the current leader may (anyone, if nobody leads).
    A newer offer replaces one still waiting."""
    to = require_text(to, "person to hand over to")
    note = note.strip() if note and note.strip() else None
    if not incident.is_open:
        raise InvalidInput(f"{incident.key} is resolved; there is nothing to hand over")
    with store.write() as conn:
        leaders = _leaders(conn, incident.id)
        if leaders and author not in leaders:
            raise InvalidInput(
                f"only the leader ({one_line(', '.join(leaders), 60)}) can hand {incident.key} "
                f"over; you are {one_line(author, 40)}"
            )
        if to in leaders:
            raise InvalidInput(f"{one_line(to, 40)} already leads {incident.key}")
        previous = conn.execute(
            "SELECT id, to_person FROM handover_offers WHERE incident_id = ? AND state = 'pending'",
            (incident.id,),
        ).fetchone()
        event = append_event(
            store, incident_id=incident.id, kind="handover-offered", author=author,
            text=f"{author} offers the lead to {to}" + (f": {note}" if note else ""),
            data={"to": to, "note": note, "replaces_offer_to": previous[1] if previous else None},
        )
        if previous:
            conn.execute(
                "UPDATE handover_offers SET state = 'superseded', ended_by = ?, ended_at = ? "
                "WHERE id = ?", (author, event.recorded_at, previous[0]),
            )
        conn.execute(
            "INSERT INTO handover_offers (incident_id, to_person, offered_by, offered_at, note, "
            "event_id) VALUES (?, ?, ?, ?, ?, ?)",
            (incident.id, to, author, event.recorded_at, note, event.id),
        )
        touch_incident(conn, incident.id, event.recorded_at)
    offer = pending_handover(store, incident.id)
    assert offer is not None
    return offer


def _waiting_offer(conn: Any, incident: Incident, missing: str) -> HandoverOffer:
    """The pending offer, read inside the caller's write transaction; NotFound if none."""
    row = conn.execute(
        f"SELECT {_OFFER_COLUMNS} FROM handover_offers WHERE incident_id = ? "
        "AND state = 'pending'", (incident.id,),
    ).fetchone()
    if row is None:
        raise NotFound(missing.format(key=incident.key))
    return HandoverOffer(*row)


def accept_handover(store: Store, incident: Incident, *, person: str) -> HandoverOffer:
    """`person` accepts the lead offered to them; the leader role moves in the same write."""
    with store.write() as conn:
        offer = _waiting_offer(conn, incident, "no handover of {key} is waiting to be accepted")
        if offer.to != person:
            raise InvalidInput(
                f"the handover of {incident.key} is offered to {one_line(offer.to, 40)}, "
                f"not to you ({one_line(person, 40)})")
        accepted = append_event(
            store, incident_id=incident.id, kind="handover-accepted", author=person,
            text=f"{person} accepts the lead from {offer.offered_by}",
            data={"offered_by": offer.offered_by, "offered_at": offer.offered_at, "to": person},
        )
        leaders = _leaders(conn, incident.id)
        if person in leaders and len(leaders) == 1:  # made leader meanwhile: just close it
            conn.execute(
                "UPDATE handover_offers SET state = 'accepted', ended_by = ?, ended_at = ? "
                "WHERE id = ?", (person, accepted.recorded_at, offer.id))
            return HandoverOffer(offer.id, offer.incident_id, offer.to, offer.offered_by,
                                 offer.offered_at, offer.note, "accepted")
        previous = [p for p in leaders if p != person]
        role_event = append_event(
            store, incident_id=incident.id, kind="role", author=person,
            text=f"{person} is {LEADER}" + (f" (was {', '.join(previous)})" if previous else ""),
            data={"role": LEADER, "person": person, "previous": previous,
                  "handover": accepted.id},
        )
        now = role_event.recorded_at
        conn.execute(
            "UPDATE role_assignments SET until = ?, ended_by_event = ? "
            "WHERE incident_id = ? AND role = ? AND until IS NULL",
            (now, role_event.id, incident.id, LEADER),
        )
        conn.execute(
            "INSERT INTO role_assignments (incident_id, role, person, since, event_id) "
            "VALUES (?, ?, ?, ?, ?)", (incident.id, LEADER, person, now, role_event.id),
        )
        conn.execute(
            "UPDATE handover_offers SET state = 'accepted', ended_by = ?, ended_at = ? WHERE id = ?",
            (person, now, offer.id),
        )
        touch_incident(conn, incident.id, now)
    return HandoverOffer(offer.id, offer.incident_id, offer.to, offer.offered_by,
                         offer.offered_at, offer.note, "accepted")


def withdraw_handover(store: Store, incident: Incident, *, author: str) -> HandoverOffer:
    """Take back a waiting offer (the offerer, the person offered to, or a leader)."""
    with store.write() as conn:
        offer = _waiting_offer(conn, incident, "no handover of {key} is waiting")
        if author not in (offer.offered_by, offer.to, *_leaders(conn, incident.id)):
            raise InvalidInput(f"only {one_line(offer.offered_by, 40)} or {one_line(offer.to, 40)} "
                               "can withdraw this handover")
        event = append_event(
            store, incident_id=incident.id, kind="handover-withdrawn", author=author,
            text=f"handover to {offer.to} withdrawn", data={"to": offer.to},
        )
        conn.execute(
            "UPDATE handover_offers SET state = 'withdrawn', ended_by = ?, ended_at = ? WHERE id = ?",
            (author, event.recorded_at, offer.id),
        )
    return HandoverOffer(offer.id, offer.incident_id, offer.to, offer.offered_by,
                         offer.offered_at, offer.note, "withdrawn")


# --- the brief -------------------------------------------------------------------------

@dataclass(frozen=True)
class HandoverBrief:
    """Everything the next leader needs, read from the record at one moment."""

    incident: Incident
    generated_at: datetime
    impact: Impact | None
    open_tasks: list[Task]
    hypotheses: list[Hypothesis]
    checklist_left: list[ChecklistItem]
    checklist: ChecklistProgress
    last_update: Event | None
    next_update_due: datetime | None
    update_clock_text: str
    snoozes: list[str]
    recent: list[Event]
    pending: HandoverOffer | None
    noted: tuple[Event, ...] = ()  # hypothesis entries nobody has tracked yet

    @property
    def open_hypotheses(self) -> list[Hypothesis]:
        return [h for h in self.hypotheses if h.state == "open"]

    @property
    def concluded_hypotheses(self) -> list[Hypothesis]:
        return [h for h in self.hypotheses if h.state != "open"]

    def to_markdown(self, zone: tzinfo = timezone.utc) -> str:
        """The brief as Markdown, times in `zone` (and UTC in the heading)."""
        from firedesk.text import one_line, visible

        def t(stored: str | datetime | None) -> str:
            if not stored:
                return "-"
            return show_time(stored, zone, date=True)

        def md(text: str | None) -> str:
            return one_line(text or "").replace("|", "\\|")

        inc, now = self.incident, self.generated_at
        out = [f"# Handover: {inc.key} — {md(inc.title)}", "",
               f"Brief generated {t(now)} ({to_iso(now)[:16]}Z).", "",
               f"- **Status:** {inc.status}", f"- **Severity:** {inc.severity}",
               f"- **Service:** {md(inc.service) or '-'}",
               f"- **Declared:** {t(inc.declared_at)} by {md(inc.declared_by)} "
               f"({format_duration(now - parse_utc(inc.declared_at))} ago)"]
        if self.impact:
            out.append(f"- **Impact:** {md(self.impact.describe())}, since {t(self.impact.since)}")
        else:
            out.append("- **Impact:** not recorded")
        out.append(f"- **Last update:** " + (
            f"{t(self.last_update.recorded_at)} by {md(self.last_update.author)}"
            if self.last_update else "none sent yet"))
        out.append(f"- **Next update:** " + (
            f"due {t(self.next_update_due)} ({self.update_clock_text})"
            if self.next_update_due else self.update_clock_text))
        if self.pending:
            out.append(f"- **Handover:** offered to {md(self.pending.to)} by "
                       f"{md(self.pending.offered_by)} at {t(self.pending.offered_at)}"
                       + (f" — {md(self.pending.note)}" if self.pending.note else ""))
        out += ["", "## Roles", ""]
        out += [f"- {role}: {md(', '.join(people))}" for role, people in inc.roles.items()] or [
            "- nobody holds a role"]
        out += ["", "## Open tasks", ""]
        for task in self.open_tasks:
            left = task.remaining(now)
            timer = (f"overdue by {format_duration(-left)}" if task.is_overdue(now)
                     else f"check-in in {format_duration(left)}")
            out.append(f"- {task.ref} {md(task.owner)}: {md(task.text)} ({timer}, at {t(task.check_in_at)})")
        if not self.open_tasks:
            out.append("- none")
        out += ["", "## Hypotheses", ""]
        for h in self.hypotheses:
            detail = (f" — likelihood {h.likelihood}" if h.is_open and h.likelihood else
                      f" — {md(h.evidence)}" if h.evidence else "")
            out.append(f"- {h.ref} [{h.state}] {md(h.text)}{detail}")
        out += [f"- E{e.id} [noted] {md(e.text)} — by {md(e.author)}" for e in self.noted]
        if not self.hypotheses and not self.noted:
            out.append("- none recorded")
        out += ["", f"## Checklist ({self.checklist} settled, {self.checklist.open} left)", ""]
        out += [f"- [ ] {i.id}: {md(i.text)}" for i in self.checklist_left] or ["- all settled"]
        out += ["", "## Snoozes and silences", ""]
        out += [f"- {md(s)}" for s in self.snoozes] or ["- none active"]
        out += ["", f"## Last {len(self.recent)} timeline entries", ""]
        for e in self.recent:
            who = e.author + (f" ({e.role})" if e.role else "")
            body = visible(e.text, multiline=True).replace("\n", " / ")
            out.append(f"- {t(e.at)} {e.kind} — {md(who)}: {body.replace('|', chr(92) + '|')}")
        return "\n".join(out) + "\n"


def _active_snoozes(store: Store, incident: Incident, now: datetime) -> list[str]:
    """Snoozed alerts attached to the incident, read defensively: the alert tables belong
    to the alert feed and may not carry these columns (then there is nothing to list)."""
    columns = {r["name"] for r in store.query("PRAGMA table_info(alerts)")}
    found: list[str] = []
    if {"snoozed_until", "title", "incident_id"} <= columns:
        reason = "snooze_reason" if "snooze_reason" in columns else "NULL"
        found = [f"{r[0]} snoozed until {_short(r[1])}" + (f": {r[2]}" if r[2] else "")
                 for r in store.query(
                     f"SELECT title, snoozed_until, {reason} FROM alerts WHERE incident_id = ? "
                     "AND snoozed_until > ? ORDER BY snoozed_until LIMIT 50",
                     (incident.id, to_iso(now)))]
    # Alertmanager silences are recorded as `alert.silence` events with their end time.
    for event in store.query(
        "SELECT text, json_extract(data, '$.until') FROM events WHERE incident_id = ? "
        "AND kind = 'alert.silence' ORDER BY id", (incident.id,),
    ):
        until = event[1]
        try:
            active = until is None or parse_utc(until) > now
        except ValueError:
            active = True  # an unreadable end time: show it rather than hide it
        if active:
            found.append(event[0])
    return found


def _short(stored: str) -> str:
    return stored[:16].replace("T", " ") + "Z"


def build_brief(store: Store, incident: Incident | str | int, config: Config | None = None,
                *, now: datetime | None = None, recent: int = 20) -> HandoverBrief:
    """Read the brief from the record."""
    # Always re-read: a caller's Incident may predate the last change.
    incident = resolve_incident(store, incident.id if isinstance(incident, Incident) else incident)
    now = now or store.clock()
    items = checklist_for(store, incident, config)
    clock = update_clock(store, incident, config)
    last = store.query_one(
        "SELECT max(id) FROM events WHERE incident_id = ? AND kind = 'update'", (incident.id,))
    last_update = get_event(store, last[0]) if last and last[0] else None
    from firedesk.store.timeline import _COLUMNS

    tail = [Event.from_row(r) for r in reversed(store.query(
        f"SELECT {_COLUMNS} FROM events WHERE incident_id = ? ORDER BY id DESC LIMIT ?",
        (incident.id, recent)))]
    return HandoverBrief(
        incident=incident, generated_at=now, impact=impact_for(store, incident.id),
        open_tasks=tasks_for(store, incident.id, open_only=True),
        hypotheses=hypotheses_for(store, incident.id),
        checklist_left=[i for i in items if i.state == "open"],
        checklist=checklist_progress(items), last_update=last_update,
        next_update_due=clock.due_at, update_clock_text=clock.describe(now),
        snoozes=_active_snoozes(store, incident, now), recent=tail,
        pending=pending_handover(store, incident.id),
        noted=tuple(loose_hypotheses(store, incident.id)),
    )
