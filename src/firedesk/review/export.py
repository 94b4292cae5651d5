"""The postmortem as one data structure, built from the record and nothing else.

`build_postmortem` reads the incident's events (and the optional tables other
capabilities keep) and returns a `Postmortem`; the Markdown, JSON and HTML renderers only
format it. Nothing here reads the clock: the same record gives the same document, byte
for byte, and every line traces to an event id.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import timedelta, tzinfo
from typing import Any

from firedesk.clock import DEFAULT_ALERT_WINDOW, format_duration, zone_name, zone_named
from firedesk.review.measures import parse_utc
from firedesk.config import DEFAULT_CADENCE_MINUTES
from firedesk.errors import InvalidInput
from firedesk.model import Event, Incident
from firedesk.review import measures
from firedesk.review.record import alerts_for, checklist_for, task_texts
from firedesk.review.todos import find_todos
from firedesk.store import events_for, resolve_incident, role_tenures, verify_chain
from firedesk.store.store import Store

FORMAT = "firedesk-postmortem/1"
# Entries further apart than this on the incident's own clock are "entered later".
BACKDATED_AFTER = timedelta(minutes=1)


@dataclass(frozen=True)
class SeverityChange:
    at: str
    severity: str
    previous: str | None
    author: str
    note: str
    event_id: int


@dataclass(frozen=True)
class Tenure:
    role: str
    person: str
    since: str
    until: str | None
    seconds: int | None
    holds_now: bool


@dataclass(frozen=True)
class Entry:
    """One timeline line: an event, or an alert milestone that has no event."""

    event_id: int | None
    at: str
    recorded_at: str | None
    kind: str
    author: str
    role: str | None
    text: str
    phases: tuple[str, ...] = ()
    backdated: bool = False
    corrects: int | None = None
    corrected_by: tuple[int, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)

    def headline(self) -> str:
        """The line a reader needs: record changes say what changed, then why."""
        d = self.data
        if self.kind in ("status", "severity") and d.get("to"):
            change = f"{self.kind} {d.get('from') or '?'} → {d['to']}"
            auto = self.text.startswith(f"{self.kind} ")
            return change if auto or not self.text else f"{change}: {self.text}"
        if self.kind == "declared":
            return f"declared {d.get('severity', '')}: {self.text}".replace("  ", " ")
        if self.text.startswith(f"{self.kind}: ") or self.kind in ("role", "alert"):
            return self.text
        return f"{self.kind}: {self.text}"


@dataclass(frozen=True)
class Hypothesis:
    number: int | None
    text: str
    state: str  # open | confirmed | ruled-out
    evidence: str | None
    proposed_by: str
    proposed_at: str
    concluded_by: str | None
    concluded_at: str | None
    event_id: int
    conclusion_event_id: int | None


@dataclass(frozen=True)
class Decision:
    at: str
    author: str
    role: str | None
    text: str
    event_id: int


@dataclass(frozen=True)
class AlertGroup:
    source: str
    title: str
    alerts: int
    deliveries: int
    first_seen: str | None
    last_seen: str | None
    statuses: dict[str, int]


@dataclass(frozen=True)
class ChecklistItem:
    list: str
    section: str
    text: str
    state: str  # open | done | na
    by: str | None
    at: str | None
    note: str | None


@dataclass(frozen=True)
class ActionItem:
    text: str
    owner: str | None
    origin: str  # task | todo
    ref: str     # T3, or the event id of the TODO
    event_id: int | None
    at: str
    state: str = "open"


@dataclass(frozen=True)
class Prompt:
    heading: str
    question: str
    observations: tuple[str, ...]


@dataclass(frozen=True)
class Integrity:
    incident_events: int
    last_event_id: int | None
    last_event_hash: str | None
    chain_ok: bool
    chain_events: int
    chain_head: str
    chain_problem: str | None
    # Fields of current state (title, roles, tasks, …) that disagree with the events.
    state_problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Impact:
    what: str
    scope: str
    since: str | None
    by: str
    at: str
    event_id: int


@dataclass(frozen=True)
class Postmortem:
    """Everything the review needs, in the order the document tells it."""

    key: str
    incident_id: int
    title: str
    severity: str
    peak_severity: str
    status: str
    service: str | None
    summary: str | None
    declared_by: str
    declared_at: str
    resolved_at: str | None
    zone: str
    impact: tuple[Impact, ...]
    milestones: tuple[measures.Milestone, ...]
    intervals: tuple[measures.Interval, ...]
    severity_history: tuple[SeverityChange, ...]
    tenures: tuple[Tenure, ...]
    timeline: tuple[Entry, ...]
    hypotheses: tuple[Hypothesis, ...]
    decisions: tuple[Decision, ...]
    alerts: tuple[AlertGroup, ...]
    checklist: tuple[ChecklistItem, ...] | None
    action_items: tuple[ActionItem, ...]
    cadence: measures.CadenceRecord | None
    ignored: tuple[str, ...]
    prompts: tuple[Prompt, ...]
    integrity: Integrity
    people: tuple[str, ...] = field(default=())

    @property
    def tz(self) -> tzinfo:
        return zone_named(self.zone)

    def to_json(self) -> dict[str, Any]:
        """The same content as data: stored UTC times plus each time in the chosen zone."""
        data = {f.name: asdict_value(getattr(self, f.name)) for f in fields(self)
                if f.name != "timeline"}
        data["format"] = FORMAT
        data["intervals"] = [{**asdict(i), "text": i.text} for i in self.intervals]
        data["milestones"] = {m.name: {**asdict(m), "local": self.local_iso(m.at)}
                              for m in self.milestones}
        # The timeline can hold tens of thousands of entries: a flat copy, not asdict's
        # deep one.
        names = [f.name for f in fields(Entry)]
        data["timeline"] = [
            {**{n: getattr(e, n) for n in names}, "local": self.local_iso(e.at),
             "headline": e.headline()}
            for e in self.timeline]
        return data

    def local_iso(self, stored: str | None) -> str | None:
        if not stored:
            return None
        return parse_utc(stored).astimezone(self.tz).isoformat(timespec="seconds")


def asdict_value(value: Any) -> Any:
    if is_dataclass(value):
        return asdict(value)
    if isinstance(value, tuple):
        return [asdict_value(v) for v in value]
    return value


def _severity_history(events: list[Event]) -> list[SeverityChange]:
    out = []
    for e in events:
        if e.kind == "declared":
            out.append(SeverityChange(e.at, e.data.get("severity", "?"), None, e.author,
                                      "declared", e.id))
        elif e.kind == "severity":
            note = e.text if not e.text.startswith("severity ") else ""
            out.append(SeverityChange(e.at, e.data.get("to", "?"), e.data.get("from"), e.author,
                                      note, e.id))
    return out


def astuple_tail(h: "Hypothesis") -> tuple:
    """Every field of a hypothesis but its number (to renumber a tracked entry)."""
    from dataclasses import fields

    return tuple(getattr(h, f.name) for f in fields(h)[1:])


def _hypotheses(events: list[Event]) -> list[Hypothesis]:
    by_number: dict[int, Hypothesis] = {}
    unnumbered: list[Hypothesis] = []
    for e in events:
        number = e.data.get("hypothesis")
        if e.kind == "hypothesis":
            found = Hypothesis(number if isinstance(number, int) else None, e.text, "open", None,
                               e.author, e.at, None, None, e.id, None)
            if isinstance(number, int):
                by_number[number] = found
            else:
                unnumbered.append(found)
        elif e.kind == "hypothesis-tracked" and isinstance(number, int):
            # A plain hypothesis entry became H<number>: it keeps its text and proposer.
            entry = next((h for h in unnumbered if h.event_id == e.data.get("event")), None)
            if entry is not None:
                unnumbered.remove(entry)
                by_number[number] = Hypothesis(number, *astuple_tail(entry))
        elif e.kind == "conclusion" and isinstance(number, int) and number in by_number:
            h = by_number[number]
            by_number[number] = Hypothesis(
                h.number, h.text, str(e.data.get("conclusion", "concluded")),
                e.data.get("evidence"), h.proposed_by, h.proposed_at, e.author, e.at, h.event_id,
                e.id)
    return sorted(by_number.values(), key=lambda h: h.number or 0) + unnumbered


def _alert_groups(store: Store, incident_id: int, events: list[Event]):
    rows = alerts_for(store, incident_id)
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for a in rows:
        g = groups.setdefault((a.source, a.title), {
            "alerts": 0, "deliveries": 0, "first": None, "last": None, "statuses": Counter()})
        g["alerts"] += 1
        g["deliveries"] += a.deliveries
        g["statuses"][a.status] += 1
        for key, value, pick in (("first", a.first_seen, min), ("last", a.last_seen or a.first_seen, max)):
            if value:
                g[key] = value if g[key] is None else pick(g[key], value)
    if not rows:
        # No alert table: alerts attached to the incident may still be on its timeline.
        for e in events:
            if e.kind in ("alert", "alert.attach"):
                source = str(e.data.get("source", "alert"))
                title = str(e.data.get("title", e.text))
                g = groups.setdefault((source, title), {
                    "alerts": 0, "deliveries": 0, "first": e.at, "last": e.at,
                    "statuses": Counter()})
                g["alerts"] += 1
                g["deliveries"] += 1
                g["statuses"][str(e.data.get("status", e.kind))] += 1
                g["last"] = max(g["last"], e.at)
    out = [AlertGroup(source, title, g["alerts"], g["deliveries"], g["first"], g["last"],
                      dict(sorted(g["statuses"].items())))
           for (source, title), g in groups.items()]
    out.sort(key=lambda g: (-g.deliveries, -g.alerts, g.source, g.title))
    return out, rows


def _checklist(store: Store, incident_id: int, events: list[Event]) -> list[ChecklistItem] | None:
    rows = checklist_for(store, incident_id)
    if rows:
        return [ChecklistItem(r.list, r.section, r.text, r.state, r.by, r.at, r.note) for r in rows]
    latest: dict[str, ChecklistItem] = {}
    for e in events:
        if e.kind == "checklist" and e.data.get("item"):
            text = e.text.rsplit(": ", 1)[0] if ": " in e.text else e.text
            latest[str(e.data["item"])] = ChecklistItem(
                str(e.data.get("list", "")), "", text, str(e.data.get("state", "done")), e.author,
                e.at, e.data.get("note"))
    return list(latest.values()) if latest else None


def _action_items(store: Store, incident_id: int, events: list[Event], corrected: set[int],
                  people: list[str]) -> list[ActionItem]:
    texts = task_texts(store, incident_id)
    tasks: dict[int, ActionItem] = {}
    for e in events:
        number = e.data.get("task")
        if not isinstance(number, int):
            continue
        if e.kind == "task":
            owner = e.data.get("owner")
            text = texts.get(number) or e.text.split(": ", 1)[-1]
            tasks[number] = ActionItem(text, owner or None, "task", f"T{number}", e.id, e.at)
        elif e.kind.startswith("task-") and e.kind != "task-check-in" and number in tasks:
            t = tasks.pop(number)
            tasks[number] = ActionItem(t.text, t.owner, t.origin, t.ref, t.event_id, t.at,
                                       e.kind.removeprefix("task-"))
    items = [t for t in tasks.values() if t.state == "open"]
    for e in events:
        if e.id in corrected or "todo" not in e.text.lower():
            continue
        for todo in find_todos(e.text, people):
            items.append(ActionItem(todo.text, todo.owner, "todo", f"#{e.id}", e.id, e.at))
    return items


def _timeline(events: list[Event], milestones: dict[str, measures.Milestone],
              alerts, corrected_by: dict[int, list[int]]) -> list[Entry]:
    phases: dict[int, list[str]] = {}
    extra: list[Entry] = []
    for name, label in measures.MILESTONES:
        m = milestones[name]
        if m.event_id is not None:
            phases.setdefault(m.event_id, []).append(label)
        elif m.alert_id is not None and m.at:
            alert = next((a for a in alerts if a.id == m.alert_id), None)
            title = alert.title if alert else "alert"
            if m.name == "acknowledged":
                who = (alert.acked_by if alert else None) or "alert"
                text = f"alert {m.alert_id} acknowledged: {title}"
            elif m.source.startswith("alert start"):
                who, text = (alert.source if alert else "alert"), f"alert {m.alert_id} condition began: {title}"
            else:
                who, text = (alert.source if alert else "alert"), f"alert {m.alert_id} first received: {title}"
            existing = next((x for x in extra if x.at == m.at and x.text == text), None)
            if existing is not None:
                extra.remove(existing)
                extra.append(Entry(None, m.at, None, "alert", who, None, text,
                                   existing.phases + (label,)))
            else:
                extra.append(Entry(None, m.at, None, "alert", who, None, text, (label,)))
    out = [
        Entry(e.id, e.at, e.recorded_at, e.kind, e.author, e.role, e.text,
              tuple(phases.get(e.id, ())),
              abs(parse_utc(e.recorded_at) - parse_utc(e.at)) > BACKDATED_AFTER,
              e.corrects, tuple(corrected_by.get(e.id, ())), e.data)
        for e in events
    ]
    out.extend(extra)
    out.sort(key=lambda x: (parse_utc(x.at), x.event_id if x.event_id is not None else -1))
    return out


def _prompts(pm_parts: dict[str, Any]) -> list[Prompt]:
    """The meeting's questions, each with what the record already says about it."""
    intervals_by = {i.name: i for i in pm_parts["intervals"]}
    hypotheses = pm_parts["hypotheses"]
    cadence: measures.CadenceRecord | None = pm_parts["cadence"]
    checklist = pm_parts["checklist"] or []
    actions = pm_parts["actions"]
    confirmed = [h for h in hypotheses if h.state == "confirmed"]
    ruled_out = [h for h in hypotheses if h.state == "ruled-out"]
    still_open = [h for h in hypotheses if h.state == "open"]

    factors = [f"Confirmed: {h.text}" for h in confirmed]
    if not confirmed:
        factors.append("No hypothesis was confirmed on the timeline.")
    factors.append(f"{len(pm_parts['decisions'])} decision(s) recorded: for each, what made it "
                   "the right call with what was known then?")

    well: list[str] = []
    poorly: list[str] = []
    detect = intervals_by.get("time to detect")
    if detect and detect.seconds:
        poorly.append(f"The problem began {detect.text} before it was detected: what signal "
                      "came first, and who could have seen it?")
    for name in ("time to first update", "time to mitigate"):
        interval = intervals_by.get(name)
        if interval and interval.seconds:
            well.append(f"{name.capitalize()}: {interval.text}.")
    for h in confirmed:
        if h.concluded_at:
            took = measures.duration_between(h.proposed_at, h.concluded_at)
            well.append(f"H{h.number} was confirmed "
                        f"{format_duration(timedelta(seconds=took or 0))} after it was proposed.")
    if cadence is not None and (cadence.sent or cadence.judged):
        (poorly if cadence.missed else well).append(f"Stakeholder updates: {cadence.sentence()}")
    done = sum(1 for c in checklist if c.state in ("done", "na"))
    if checklist:
        (well if done == len(checklist) else poorly).append(
            f"Checklist: {done} of {len(checklist)} items done or not applicable.")
    if ruled_out:
        poorly.append(f"{len(ruled_out)} hypothesis(es) ruled out: what pointed there, and "
                      "what would have ruled them out sooner?")
    if still_open:
        poorly.append(f"{len(still_open)} hypothesis(es) never concluded.")
    ownerless = sum(1 for a in actions if not a.owner)
    if ownerless:
        poorly.append(f"{ownerless} action item(s) have no owner yet.")
    return [
        Prompt("Contributing factors",
               "Which conditions, together, made this possible? (Systems and circumstances, "
               "not people; ask how each action made sense at the time.)", tuple(factors)),
        Prompt("What went well", "What helped us detect, respond and recover?", tuple(well)),
        Prompt("What went poorly", "Where did we lose time, or miss information we needed?",
               tuple(poorly)),
        Prompt("Where we got lucky",
               "What could have made this much worse, and did not, by chance?", ()),
    ]


def build_postmortem(store: Store, ref: str | int | Incident, *, zone: str = "UTC",
                     cadence_minutes: dict[str, int] | None = None,
                     people: list[str] | None = None,
                     alert_window: timedelta = DEFAULT_ALERT_WINDOW) -> Postmortem:
    """The postmortem of one incident, from its record; `zone` is the second time column."""
    zone_named(zone)  # a bad zone fails before any work
    incident = ref if isinstance(ref, Incident) else resolve_incident(store, ref)
    events = events_for(store, incident.id)
    corrected_by: dict[int, list[int]] = {}
    for e in events:
        if e.corrects is not None:
            corrected_by.setdefault(e.corrects, []).append(e.id)
    tenures_raw = role_tenures(store, incident.id)
    names = sorted({*(people or []), *(t.person for t in tenures_raw),
                    *(e.author for e in events)}, key=str.casefold)

    alert_groups, alert_rows = _alert_groups(store, incident.id, events)
    measured = measures.measure_incident(
        events, alert_rows, cadence_minutes=cadence_minutes or DEFAULT_CADENCE_MINUTES,
        alert_window=alert_window)
    milestones, intervals, cadence = measured.milestones, measured.intervals, measured.updates
    history = _severity_history(events)
    peak = min((h.severity for h in history if h.severity.startswith("SEV")),
               default=incident.severity)
    end_of_tenures = incident.resolved_at
    tenures = tuple(
        Tenure(t.role, t.person, t.since, t.until,
               measures.duration_between(t.since, t.until or end_of_tenures), t.until is None)
        for t in tenures_raw
    )
    hypotheses = _hypotheses(events)
    decisions = [Decision(e.at, e.author, e.role, e.text, e.id) for e in events
                 if e.kind == "decision" and e.id not in corrected_by]
    decisions.sort(key=lambda d: (parse_utc(d.at), d.event_id))
    checklist = _checklist(store, incident.id, events)
    actions = _action_items(store, incident.id, events, set(corrected_by), names)
    impact = tuple(Impact(str(e.data.get("what", e.text)), str(e.data.get("scope", "unknown")),
                          e.data.get("since"), e.author, e.at, e.id)
                   for e in events if e.kind == "impact")
    chain = verify_chain(store)
    last = events[-1] if events else None
    from firedesk.store.derived import derived_mismatches

    integrity = Integrity(len(events), last.id if last else None, last.hash if last else None,
                          chain.ok, chain.count, chain.head, chain.problem,
                          tuple(derived_mismatches(store)))
    prompts = _prompts({"intervals": intervals, "hypotheses": hypotheses, "cadence": cadence,
                        "checklist": checklist, "actions": actions, "decisions": decisions})
    return Postmortem(
        key=incident.key, incident_id=incident.id, title=incident.title,
        severity=incident.severity, peak_severity=peak, status=incident.status,
        service=incident.service, summary=incident.summary, declared_by=incident.declared_by,
        declared_at=incident.declared_at, resolved_at=incident.resolved_at, zone=zone,
        impact=impact, milestones=tuple(milestones[name] for name, _ in measures.MILESTONES),
        intervals=tuple(intervals), severity_history=tuple(history), tenures=tenures,
        timeline=tuple(_timeline(events, milestones, alert_rows, corrected_by)),
        hypotheses=tuple(hypotheses), decisions=tuple(decisions), alerts=tuple(alert_groups),
        checklist=tuple(checklist) if checklist is not None else None,
        action_items=tuple(actions), cadence=cadence, ignored=measured.ignored, prompts=tuple(prompts),
        integrity=integrity, people=tuple(names),
    )


def render_json(pm: Postmortem) -> str:
    """The postmortem as stable JSON (sorted keys, two-space indent, trailing newline)."""
    return json.dumps(pm.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render(pm: Postmortem, fmt: str) -> str:
    """The postmortem in `fmt`: md, json or html."""
    if fmt == "json":
        return render_json(pm)
    if fmt == "md":
        from firedesk.review.md import render_markdown

        return render_markdown(pm)
    if fmt == "html":
        from firedesk.review.html import render_html

        return render_html(pm)
    raise InvalidInput(f"unknown export format {fmt!r}; use md, json or html")
