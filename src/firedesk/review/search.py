"""Seen this before? Full-text search over incidents, timeline entries and alerts.

Queries run against the FTS5 indexes of store/search_tables.py and are ranked with
bm25 (lower is better; the title counts more than the summary). A person's query is
turned into quoted terms, so punctuation in an error message is never FTS syntax; all
terms must match, and when nothing does, any term may.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from firedesk.errors import InvalidInput
from firedesk.model import incident_key
from firedesk.review.record import table_columns
from firedesk.store.store import Store

# Words too common in incident text to say anything about similarity.
STOPWORDS = frozenset("""
a an and are as at be been but by for from has have in is it its of on or that the this to
was were will with we our not no after before into over under out up down all any can
""".split())
_TOKEN = re.compile(r'"([^"]+)"|([\w][\w.\-/]*)', re.UNICODE)
INCIDENT_WEIGHTS = "10.0, 4.0, 2.0"  # title, summary, service
# bm25 scores from different indexes are not comparable (a small incidents table gives
# every term a near-zero IDF), so hits are grouped: incidents (what you open) first, then
# timeline entries, then alerts; bm25 orders each group.
_KIND_RANK = {"incident": 0, "alert": 2}


@dataclass(frozen=True)
class Hit:
    """One match: where it is, what it says, and its rank (bm25; lower is better)."""

    incident: str | None
    incident_id: int | None
    kind: str
    text: str
    at: str | None
    score: float
    event_id: int | None = None
    alert_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["score"] = round(self.score, 6)
        return data


def fts_query(text: str, *, any_term: bool = False) -> str:
    """A person's words as a safe FTS5 query: each term (or "quoted phrase") quoted."""
    terms: list[str] = []
    for phrase, word in _TOKEN.findall(text):
        if phrase:
            words = re.findall(r"\w+", phrase)
            if words:
                terms.append('"' + " ".join(words) + '"')
            continue
        for part in re.findall(r"\w+", word):
            if any_term and part.lower() in STOPWORDS:
                continue
            terms.append(f'"{part}"')
    terms = list(dict.fromkeys(terms))
    return (" OR " if any_term else " ").join(terms)


def _has_table(store: Store, name: str) -> bool:
    return store.query_one("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)) is not None


def _alert_incident_sql(store: Store) -> str:
    columns = table_columns(store, "alerts")
    return "alerts.incident_id" if "incident_id" in columns else "NULL"


def _run(store: Store, match: str, limit: int, exclude: int | None) -> list[Hit]:
    hits: list[Hit] = []
    params: list[Any] = [match]
    skip = ""
    if exclude is not None:
        skip = " AND incidents.id != ?"
        params.append(exclude)
    rows = store.query(
        f"SELECT incidents.id, incidents.title, incidents.declared_at, "
        f"bm25(incidents_fts, {INCIDENT_WEIGHTS}) AS score FROM incidents_fts "
        f"JOIN incidents ON incidents.id = incidents_fts.rowid WHERE incidents_fts MATCH ?{skip} "
        f"ORDER BY score LIMIT ?", [*params, limit])
    hits += [Hit(incident_key(r[0]), r[0], "incident", r[1], r[2], r[3]) for r in rows]
    skip = skip.replace("incidents.id", "events.incident_id")
    rows = store.query(
        f"SELECT events.incident_id, events.kind, events.text, events.at, events.id, "
        f"bm25(events_fts) AS score FROM events_fts JOIN events ON events.id = events_fts.rowid "
        f"WHERE events_fts MATCH ?{skip} ORDER BY score LIMIT ?", [*params, limit])
    hits += [Hit(incident_key(r[0]) if r[0] else None, r[0], r[1], r[2], r[3], r[5], event_id=r[4])
             for r in rows]
    if _has_table(store, "alerts_fts"):
        columns = table_columns(store, "alerts")
        title = "alerts.title" if "title" in columns else "''"
        seen = next((f"alerts.{c}" for c in ("first_seen", "received_at", "created_at",
                                             "starts_at") if c in columns), "NULL")
        owner = _alert_incident_sql(store)
        skip_alerts = f" AND ({owner} IS NULL OR {owner} != ?)" if exclude is not None else ""
        rows = store.query(
            f"SELECT {owner}, {title}, {seen}, alerts.id, bm25(alerts_fts) AS score "
            f"FROM alerts_fts JOIN alerts ON alerts.id = alerts_fts.rowid "
            f"WHERE alerts_fts MATCH ?{skip_alerts} ORDER BY score LIMIT ?", [*params, limit])
        hits += [Hit(incident_key(r[0]) if r[0] else None, r[0], "alert", r[1] or "", r[2], r[4],
                     alert_id=r[3]) for r in rows]
    hits.sort(key=lambda h: (_KIND_RANK.get(h.kind, 1), h.score, -(h.incident_id or 0),
                             h.event_id or 0, h.alert_id or 0))
    return hits[:limit]


def search(store: Store, query: str, *, limit: int = 20, exclude: int | None = None) -> list[Hit]:
    """The best matches for `query`: all terms must match, or, when nothing has them all, any
    term may. Incidents come first, then timeline entries, then alerts, each by bm25."""
    match = fts_query(query)
    if not match:
        raise InvalidInput("the search is empty; give a word or two (e.g. 'connection pool')")
    hits = _run(store, match, limit, exclude)
    if not hits:
        loose = fts_query(query, any_term=True)
        if loose and loose != match:
            hits = _run(store, loose, limit, exclude)
    return hits


@dataclass(frozen=True)
class SimilarIncident:
    """A past incident like this one, and how it ended."""

    key: str
    incident_id: int
    title: str
    severity: str
    status: str
    declared_at: str
    score: float
    resolution: str | None
    matched: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["score"] = round(self.score, 6)
        return data


def how_resolved(store: Store, incident_id: int) -> str | None:
    """What ended an incident, in the responders' words: the resolving note, else the
    confirmed hypothesis, else the last decision or action before resolution."""
    rows = store.query(
        "SELECT kind, text, data FROM events WHERE incident_id = ? AND kind IN "
        "('status', 'conclusion', 'decision', 'action') ORDER BY id DESC", (incident_id,))
    import json

    for kind, text, data in rows:
        if kind == "status" and json.loads(data or "{}").get("to") == "resolved" \
                and not text.startswith("status "):
            return text
    for kind, text, data in rows:
        if kind == "conclusion" and json.loads(data or "{}").get("conclusion") == "confirmed":
            return text
    for kind, text, _ in rows:
        if kind in ("decision", "action"):
            return text
    return None


def similar_incidents(store: Store, text: str, *, exclude: int | None = None,
                      limit: int = 3) -> list[SimilarIncident]:
    """The incidents most like `text` (a title, an alert), each with how it was resolved.
    Matches on the incident itself count fully; matches in its timeline or alerts add
    less, so a like-named incident beats one that mentions the words once."""
    match = fts_query(text, any_term=True)
    if not match:
        return []
    scores: dict[int, float] = {}
    matched: dict[int, list[str]] = {}
    for hit in _run(store, match, 200, exclude):
        if hit.incident_id is None:
            continue
        # Each matching row adds a fixed part, so several matches outweigh one; bm25 adds
        # the rest where the corpus is big enough for it to discriminate.
        weight = 2.0 if hit.kind == "incident" else 1.0
        scores[hit.incident_id] = scores.get(hit.incident_id, 0.0) + weight * (hit.score - 1.0)
        matched.setdefault(hit.incident_id, [])
        if len(matched[hit.incident_id]) < 3:
            matched[hit.incident_id].append(hit.kind)
    best = sorted(scores, key=lambda i: (scores[i], -i))[:limit]
    out = []
    for incident_id in best:
        row = store.query_one(
            "SELECT title, severity, status, declared_at FROM incidents WHERE id = ?",
            (incident_id,))
        out.append(SimilarIncident(
            incident_key(incident_id), incident_id, row[0], row[1], row[2], row[3],
            scores[incident_id], how_resolved(store, incident_id), tuple(matched[incident_id])))
    return out


def similar_to_incident(store: Store, incident_id: int, limit: int = 3) -> list[SimilarIncident]:
    """Past incidents like this one (its title, service, summary and alert titles)."""
    row = store.query_one("SELECT title, summary, service FROM incidents WHERE id = ?",
                          (incident_id,))
    if row is None:
        return []
    words = " ".join(part for part in row if part)
    return similar_incidents(store, words, exclude=incident_id, limit=limit)


def index_problems(store: Store) -> list[str]:
    """What `firedesk doctor` should know about the search index."""
    if "id" in table_columns(store, "alerts") and not _has_table(store, "alerts_fts"):
        return ["alerts are not in the search index (this record was created before the "
                "alert tables); `firedesk search` finds incidents and entries only"]
    return []
