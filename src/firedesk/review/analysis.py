"""Analysis required (Banno's rule): "analysis for anything that needs a roll back/forward
(hotfix/quick fix) … incidents where Support updates our external status page".

Rules in `[analysis]` are checked when an incident is resolved; when any matches, an
`analysis.required` event names the reasons. The requirement is met by `firedesk
analysis INC-7 URL` (an `analysis` event with where it lives), by publishing the
postmortem (`published`), or waived with a reason (`analysis.waived`, e.g. Banno's
"rolled back while testing in production"). `lint` and `stats` list incidents still
missing one.

Config (firedesk.toml):

    [analysis]
    words = ["rollback", "roll back", "rolled back", "roll forward", "hotfix", "quick fix"]
    kinds = ["decision"]                   # any timeline entry of these kinds
    status_page_audiences = ["status-page"]  # an update sent to one of these
    severities = ["SEV1", "SEV2"]          # reached at any point
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from firedesk.config import Config, Loading
from firedesk.errors import InvalidInput
from firedesk.model import SEVERITIES, Event, Incident
from firedesk.store.store import Store
from firedesk.store.timeline import append_event, events_for

MET_KINDS = ("analysis", "published", "analysis.waived")


@dataclass(frozen=True)
class AnalysisRules:
    words: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    status_page_audiences: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.words or self.kinds or self.status_page_audiences or self.severities)


def _strings(config: Loading, raw: dict[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        config.problem(f"analysis.{key}", "must be a list of strings")
        return ()
    return tuple(value)


def analysis_rules(config: Config) -> AnalysisRules:
    """`[analysis]` as read when the config was loaded (`config.analysis`)."""
    return config.analysis


def parse_analysis(config: Loading) -> AnalysisRules:
    """The [analysis] section, checked (problems recorded on the config); empty: no rules."""
    raw = config.section("analysis")
    if raw is None:
        return AnalysisRules()
    if not isinstance(raw, dict):
        config.problem("analysis", "must be a table ([analysis])")
        return AnalysisRules()
    severities = tuple(s.upper() for s in _strings(config, raw, "severities"))
    bad = [s for s in severities if s not in SEVERITIES]
    if bad:
        config.problem("analysis.severities", f"not severities: {', '.join(bad)} (SEV1..SEV5)")
        severities = tuple(s for s in severities if s in SEVERITIES)
    return AnalysisRules(_strings(config, raw, "words"), _strings(config, raw, "kinds"),
                         _strings(config, raw, "status_page_audiences"), severities)


def analysis_reasons(events: list[Event], incident: Incident, rules: AnalysisRules) -> list[str]:
    """Why this incident needs an analysis (empty: it does not), each reason once."""
    reasons: list[str] = []

    def add(reason: str) -> None:
        if reason not in reasons:
            reasons.append(reason)

    patterns = [(w, re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, w.split())) + r"(?!\w)",
                               re.IGNORECASE)) for w in rules.words]
    severities = {incident.severity}
    for event in events:
        if event.kind == "declared":
            severities.add(str(event.data.get("severity")))
        if event.kind == "severity":
            severities.add(str(event.data.get("to")))
        if event.kind in rules.kinds:
            add(f"a {event.kind} entry (#{event.id})")
        if event.kind == "update" and set(event.data.get("audiences") or ()) & set(rules.status_page_audiences):
            add(f"a status-page update (#{event.id})")
        for word, pattern in patterns:
            if pattern.search(event.text):
                add(f"“{word}” (#{event.id})")
    for word, pattern in patterns:
        if pattern.search(f"{incident.title}\n{incident.summary or ''}"):
            add(f"“{word}” (in the title or summary)")
    worst = [s for s in SEVERITIES if s in severities and s in rules.severities]
    if worst:
        add(f"severity {worst[0]}")
    return reasons


def set_status_checked(store: Store, incident: Incident, status: str, *, author: str,
                       rules: AnalysisRules, note: str = "") -> Event | None:
    """Set the status; on resolve, mark the incident "analysis required" when a rule matches."""
    from firedesk.store.incidents import resolve_incident, set_status

    event = set_status(store, incident, status, author=author, note=note)
    if event is not None and event.data.get("to") == "resolved" and rules.any:
        mark_analysis_required(store, resolve_incident(store, incident.id), rules, author=author)
    return event


def mark_analysis_required(store: Store, incident: Incident, rules: AnalysisRules, *,
                           author: str) -> Event | None:
    """Record `analysis.required` with the reasons (None when no rule matches or met)."""
    events = events_for(store, incident.id)
    if any(e.kind in ("analysis.required", *MET_KINDS) for e in events):
        return None
    reasons = analysis_reasons(events, incident, rules)
    if not reasons:
        return None
    with store.write():
        return append_event(store, incident_id=incident.id, kind="analysis.required",
                            author=author, text="analysis required: " + "; ".join(reasons),
                            data={"reasons": reasons})


def record_analysis(store: Store, incident: Incident, *, author: str, link: str | None = None,
                    waive: str | None = None) -> Event:
    """The analysis is written (where it lives), or not needed (why)."""
    from firedesk.store.incidents import require_utf8

    if bool(link) == bool(waive):
        raise InvalidInput("give the analysis's LINK, or --waive REASON; not both")
    text = (link or waive or "").strip()
    if not text:
        raise InvalidInput("the link or reason is empty; nothing was recorded")
    require_utf8(text, "link" if link else "reason")
    with store.write():
        if link:
            return append_event(store, incident_id=incident.id, kind="analysis", author=author,
                                text=f"analysis: {text}", data={"url": text})
        return append_event(store, incident_id=incident.id, kind="analysis.waived",
                            author=author, text=f"no analysis needed: {text}",
                            data={"reason": text})


@dataclass(frozen=True)
class Missing:
    key: str
    title: str
    resolved_at: str | None
    reasons: tuple[str, ...]
    event_id: int

    def to_json(self) -> dict[str, Any]:
        return {"incident": self.key, "title": self.title, "resolved_at": self.resolved_at,
                "reasons": list(self.reasons), "event": self.event_id}


def missing_analyses(store: Store, incident_id: int | None = None) -> list[Missing]:
    """Incidents marked "analysis required" with no analysis, publication or waiver since."""
    marks = ", ".join(f"'{k}'" for k in MET_KINDS)
    sql = (
        "SELECT e.id, e.data, i.id AS incident_id, i.title, i.resolved_at FROM events e "
        "JOIN incidents i ON i.id = e.incident_id WHERE e.kind = 'analysis.required' "
        f"AND NOT EXISTS (SELECT 1 FROM events m WHERE m.incident_id = e.incident_id "
        f"AND m.kind IN ({marks}))")
    params: list[Any] = []
    if incident_id is not None:
        sql += " AND e.incident_id = ?"
        params.append(incident_id)
    import json

    return [Missing(f"INC-{r['incident_id']}", r["title"], r["resolved_at"],
                    tuple(json.loads(r["data"]).get("reasons", [])), r["id"])
            for r in store.query(sql + " ORDER BY i.resolved_at, i.id", params)]
