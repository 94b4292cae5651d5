"""Hypotheses: the scientific method under pressure.

Each is proposed open, may have its likelihood set, and is concluded once — confirmed or
ruled out — with the evidence that decided it. Ruled-out ones stay visible: they are
what the next person must not spend an hour re-testing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from firedesk.errors import InvalidInput, NotFound
from firedesk.model import Event, Incident
from firedesk.response.common import next_number, parse_number, require_text, touch_incident
from firedesk.store.store import Store
from firedesk.text import one_line
from firedesk.store.timeline import append_event

CONCLUSIONS = ("confirmed", "ruled-out")
LIKELIHOODS = ("low", "medium", "high")
_CONCLUSION_ALIASES = {"confirmed": "confirmed", "confirm": "confirmed", "yes": "confirmed",
                       "ruled-out": "ruled-out", "ruled_out": "ruled-out", "ruledout": "ruled-out",
                       "rule-out": "ruled-out", "out": "ruled-out", "no": "ruled-out"}


@dataclass(frozen=True)
class Hypothesis:
    """One idea about the cause, and what testing it showed."""

    number: int
    text: str
    state: str
    likelihood: str | None
    evidence: str | None
    created_by: str
    created_at: str
    concluded_by: str | None
    concluded_at: str | None
    ref_override: str | None = None  # `E42`: a timeline entry not yet tracked

    @property
    def ref(self) -> str:
        return self.ref_override or f"H{self.number}"

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("ref_override")
        data["id"] = self.ref
        return data


_COLUMNS = ("number, text, state, likelihood, evidence, created_by, created_at, "
            "concluded_by, concluded_at")
_LIKELY_ORDER = "CASE likelihood WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 3 ELSE 2 END"


def parse_conclusion(value: str) -> str:
    found = _CONCLUSION_ALIASES.get(value.strip().lower())
    if not found:
        raise InvalidInput(f"unknown conclusion {value!r}; use confirmed or ruled-out")
    return found


def parse_likelihood(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip().lower()
    if text not in LIKELIHOODS:
        raise InvalidInput(f"unknown likelihood {value!r}; use low, medium or high")
    return text


def hypotheses_for(store: Store, incident_id: int) -> list[Hypothesis]:
    """Open ones first (most likely first), then confirmed, then ruled out; oldest first within."""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM hypotheses WHERE incident_id = ? ORDER BY "
        f"CASE state WHEN 'open' THEN 0 WHEN 'confirmed' THEN 1 ELSE 2 END, "
        f"CASE state WHEN 'open' THEN {_LIKELY_ORDER} ELSE 0 END, number",
        (incident_id,),
    )
    return [Hypothesis(**dict(r)) for r in rows]


def _get(store: Store, incident: Incident, number: int) -> Hypothesis:
    row = store.query_one(
        f"SELECT {_COLUMNS} FROM hypotheses WHERE incident_id = ? AND number = ?",
        (incident.id, number),
    )
    if row is None:
        raise NotFound(f"no hypothesis H{number} in {incident.key}")
    return Hypothesis(**dict(row))


def loose_hypotheses(store: Store, incident_id: int) -> list[Event]:
    """Hypotheses written as plain timeline entries (`note --kind hypothesis`, the console's
    entry line) that nobody has tracked yet; `E<event id>` refers to one."""
    from firedesk.store.timeline import _COLUMNS

    return [Event.from_row(r) for r in store.query(
        f"SELECT {_COLUMNS} FROM events AS e WHERE incident_id = ? AND kind = 'hypothesis' "
        "AND NOT EXISTS (SELECT 1 FROM hypotheses AS h WHERE h.event_id = e.id) ORDER BY id",
        (incident_id,))]


def _number_for(store: Store, incident: Incident, ref: str | int, author: str) -> int:
    """H-number of `ref` (H3, 3) or of entry `E42`, which starts being tracked now.
    Call inside the write transaction: tracking writes its row and its event."""
    text = str(ref).strip()
    if not (text[:1] in ("E", "e") and text[1:].isdigit()):
        return parse_number(ref, "H", "hypothesis")
    conn, event_id = store.conn, int(text[1:])
    tracked = conn.execute("SELECT number FROM hypotheses WHERE event_id = ?", (event_id,)).fetchone()
    if tracked:
        return tracked[0]
    entry = conn.execute(
        "SELECT kind, text, author, recorded_at FROM events WHERE id = ? AND incident_id = ?",
        (event_id, incident.id)).fetchone()
    if entry is None or entry[0] != "hypothesis":
        raise NotFound(f"no hypothesis entry E{event_id} in {incident.key}")
    number = next_number(conn, "hypotheses", incident.id)
    event = append_event(
        store, incident_id=incident.id, kind="hypothesis-tracked", author=author,
        text=f"H{number} tracks entry #{event_id}: {entry[1]}",
        data={"hypothesis": number, "event": event_id},
    )
    conn.execute(
        "INSERT INTO hypotheses (incident_id, number, text, created_by, created_at, event_id) "
        "VALUES (?, ?, ?, ?, ?, ?)", (incident.id, number, entry[1], entry[2], entry[3], event_id))
    touch_incident(conn, incident.id, event.recorded_at)
    return number


def propose_hypothesis(
    store: Store, incident: Incident, text: str, *, author: str, likelihood: str | None = None,
) -> Hypothesis:
    """Record a new open hypothesis (H1, H2, … per incident)."""
    text = require_text(text, "hypothesis")
    likelihood = parse_likelihood(likelihood)
    with store.write() as conn:
        number = next_number(conn, "hypotheses", incident.id)
        event = append_event(
            store, incident_id=incident.id, kind="hypothesis", author=author, text=text,
            data={"hypothesis": number, "likelihood": likelihood},
        )
        conn.execute(
            "INSERT INTO hypotheses (incident_id, number, text, likelihood, created_by, "
            "created_at, event_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (incident.id, number, text, likelihood, author, event.recorded_at, event.id),
        )
        touch_incident(conn, incident.id, event.recorded_at)
    return _get(store, incident, number)


def conclude_hypothesis(
    store: Store, incident: Incident, ref: str | int, conclusion: str, *, evidence: str,
    author: str,
) -> Hypothesis:
    """Confirm or rule out an open hypothesis (H3, or entry E42), with the evidence. Once."""
    conclusion = parse_conclusion(conclusion)
    evidence = require_text(evidence, "evidence")
    with store.write() as conn:
        number = _number_for(store, incident, ref, author)
        row = conn.execute(
            "SELECT state, text, concluded_by FROM hypotheses WHERE incident_id = ? AND number = ?",
            (incident.id, number),
        ).fetchone()
        if row is None:
            raise NotFound(f"no hypothesis H{number} in {incident.key}")
        if row[0] != "open":
            raise InvalidInput(
                f"H{number} in {incident.key} was already {row[0]} by {one_line(row[2], 40)}; "
                "record new evidence as a new hypothesis or a note"
            )
        event = append_event(
            store, incident_id=incident.id, kind="conclusion", author=author,
            text=f"H{number} {conclusion}: {row[1]} — {evidence}",
            data={"hypothesis": number, "conclusion": conclusion, "evidence": evidence},
        )
        conn.execute(
            "UPDATE hypotheses SET state = ?, evidence = ?, concluded_by = ?, concluded_at = ? "
            "WHERE incident_id = ? AND number = ?",
            (conclusion, evidence, author, event.recorded_at, incident.id, number),
        )
        touch_incident(conn, incident.id, event.recorded_at)
    return _get(store, incident, number)


def set_likelihood(
    store: Store, incident: Incident, ref: str | int, likelihood: str, *, author: str,
) -> Hypothesis:
    """Say how likely an open hypothesis (H3, or entry E42) looks now: low, medium, high."""
    likelihood = parse_likelihood(likelihood)
    with store.write() as conn:
        number = _number_for(store, incident, ref, author)
        row = conn.execute(
            "SELECT state, likelihood FROM hypotheses WHERE incident_id = ? AND number = ?",
            (incident.id, number),
        ).fetchone()
        if row is None:
            raise NotFound(f"no hypothesis H{number} in {incident.key}")
        if row[0] != "open":
            raise InvalidInput(f"H{number} is already {row[0]}; its likelihood is settled")
        if row[1] != likelihood:
            event = append_event(
                store, incident_id=incident.id, kind="likelihood", author=author,
                text=f"H{number} likelihood {row[1] or 'unset'} → {likelihood}",
                data={"hypothesis": number, "from": row[1], "to": likelihood},
            )
            conn.execute(
                "UPDATE hypotheses SET likelihood = ? WHERE incident_id = ? AND number = ?",
                (likelihood, incident.id, number),
            )
            touch_incident(conn, incident.id, event.recorded_at)
    return _get(store, incident, number)
