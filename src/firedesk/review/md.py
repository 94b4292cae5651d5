"""The postmortem as Markdown: readable as plain text, renders on GitHub.

Record text is untrusted: controls are made visible and Markdown punctuation is
backslash-escaped, so a note cannot inject links, images, HTML or table cells.
"""

from __future__ import annotations

import re
from datetime import timedelta

from firedesk.clock import format_duration
from firedesk.review.measures import parse_utc
from firedesk.review.export import Postmortem
from firedesk.text import visible

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!])")
STATE_WORDS = {"done": "done", "na": "n/a", "open": "open", "dropped": "dropped"}
HYPOTHESIS_HEADINGS = (("confirmed", "Confirmed"), ("ruled-out", "Ruled out"),
                       ("open", "Never concluded"))


def md(text: str | None) -> str:
    """Record text made safe inside a Markdown paragraph or table cell (one line)."""
    if not text:
        return ""
    shown = visible(text, multiline=True)
    shown = _MARKDOWN_SPECIAL.sub(r"\\\1", shown)
    return "<br>".join(line.strip() for line in shown.splitlines()) if "\n" in shown else shown


def severity_text(pm: Postmortem) -> str:
    """`SEV1 (declared SEV2)`: where it ended, and where it started or peaked if different."""
    notes = []
    declared = pm.severity_history[0].severity if pm.severity_history else pm.severity
    if declared != pm.severity:
        notes.append(f"declared {declared}")
    if pm.peak_severity not in (pm.severity, declared):
        notes.append(f"peak {pm.peak_severity}")
    return pm.severity + (f" ({', '.join(notes)})" if notes else "")


def milestone_source(m, escape=lambda text: text) -> str:  # noqa: ANN001 (measures.Milestone)
    """Where a milestone was read from: `#12 (update)`, `alert 3 (first alert)`; the source
    can name people, so it goes through `escape` (the caller's format's escaping)."""
    if m.event_id:
        return f"#{m.event_id} ({escape(m.source)})"
    if m.alert_id:
        return f"alert {m.alert_id} ({escape(m.source)})"
    return escape(m.source) if m.source else "not recorded"


def _duration(seconds: int | None) -> str:
    return "—" if seconds is None else format_duration(timedelta(seconds=seconds))



def utc_text(stored: str | None, with_date: bool = True) -> str:
    """A stored instant as UTC wall time (`—` when not recorded); shared by md and html."""
    if not stored:
        return "—"
    return parse_utc(stored).strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")


def local_text(stored: str | None, tz, with_date: bool = True) -> str:  # noqa: ANN001
    """The same instant in the review's chosen zone; a time alone names the day if it moved."""
    if not stored:
        return "—"
    moment = parse_utc(stored).astimezone(tz)
    if not with_date and moment.date() != parse_utc(stored).date():
        return moment.strftime("%H:%M (%a %d)")
    return moment.strftime("%Y-%m-%d %H:%M %Z" if with_date else "%H:%M")

class _Doc:
    def __init__(self, pm: Postmortem):
        self.pm = pm
        self.lines: list[str] = []

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def heading(self, level: int, text: str) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")
        self.lines.extend(["#" * level + " " + text, ""])

    def table(self, headers: list[str], rows: list[list[str]]) -> None:
        self.add("| " + " | ".join(headers) + " |",
                 "|" + "|".join("---" for _ in headers) + "|")
        for row in rows:
            self.add("| " + " | ".join(cell or " " for cell in row) + " |")
        self.add("")

    def utc(self, stored: str | None, with_date: bool = True) -> str:
        return utc_text(stored, with_date)

    def local(self, stored: str | None, with_date: bool = True) -> str:
        return local_text(stored, self.pm.tz, with_date)


def render_markdown(pm: Postmortem, *, timeline_limit: int | None = None) -> str:
    """The whole document. `timeline_limit` keeps the first N timeline lines (plus every
    phase marker) for places with a size cap, such as a GitHub issue body."""
    d = _Doc(pm)
    zone = pm.zone
    d.add(f"# Post-mortem: {pm.key} — {md(pm.title)}", "")
    severity = severity_text(pm)
    duration = _duration(next((i.seconds for i in pm.intervals if i.name == "time to resolve"), None))
    d.table(["Incident", "Severity", "Status", "Service", "Declared (UTC)", "Resolved (UTC)",
             "Duration"],
            [[pm.key, severity, pm.status, md(pm.service) or "—",
              f"{d.utc(pm.declared_at)} by {md(pm.declared_by)}", d.utc(pm.resolved_at),
              duration]])
    d.add("> Blameless review: this document describes what happened and why each step made",
          "> sense at the time. It names systems, conditions and roles, never culprits.")

    d.heading(2, "Summary")
    d.add(md(pm.summary) if pm.summary else "_No summary was recorded. Write two or three "
          "sentences: what broke, for whom, for how long, and what fixed it._")

    d.heading(2, "Impact")
    if pm.impact:
        current = pm.impact[-1]
        d.add(f"{md(current.what)} (scope: {current.scope}; since {d.utc(current.since)} UTC; "
              f"stated by {md(current.by)}, event #{current.event_id}).")
        if len(pm.impact) > 1:
            d.add("", "Earlier statements:", "")
            for i in pm.impact[:-1]:
                d.add(f"- {d.utc(i.at)} UTC: {md(i.what)} (scope: {i.scope}) — #{i.event_id}")
    else:
        d.add("_No impact statement was recorded. Quantify: users or accounts affected, "
              "requests failed, data lost or delayed._")

    d.heading(2, "Detection and response")
    d.table(["Milestone", "UTC", zone, "From"],
            [[m.label.capitalize(), d.utc(m.at), d.local(m.at),
              milestone_source(m, md)]
             for m in pm.milestones])
    d.table(["Interval", "Duration"], [[i.name.capitalize(), i.text] for i in pm.intervals])
    d.heading(3, "Severity history")
    d.table(["UTC", "Severity", "By", "Note", "Ref"],
            [[d.utc(h.at), (f"{h.previous} → " if h.previous else "") + h.severity,
              md(h.author), md(h.note), f"#{h.event_id}"] for h in pm.severity_history])
    for note in pm.ignored:
        d.add(f"- {md(note)}")
    if pm.ignored:
        d.add("")
    if pm.cadence is not None and (pm.cadence.sent or pm.cadence.judged):
        c = pm.cadence
        d.add(f"Stakeholder updates: {c.sentence()}")
        for late in c.misses:
            d.add(f"- late: {d.utc(late.start)} → {d.utc(late.end, False)} UTC, "
                  f"{_duration(late.seconds)} against a {late.cadence_minutes}m cadence")
        d.add("")

    d.heading(2, "Responders and roles")
    if pm.tenures:
        d.table(["Role", "Person", "From (UTC)", "Until (UTC)", "Tenure"],
                [[t.role, md(t.person), d.utc(t.since),
                  d.utc(t.until) if t.until else ("still holds" if pm.status != "resolved"
                                                  else "to the end"),
                  _duration(t.seconds)] for t in pm.tenures])
    else:
        d.add("_No roles were assigned._", "")
    authors = [p for p in pm.people if any(e.author == p for e in pm.timeline)]
    if authors:
        d.add("Wrote on the timeline: " + ", ".join(md(a) for a in authors) + ".")

    d.heading(2, "Timeline")
    d.add(f"Times in UTC and {zone}. Phase markers in capitals. `*` marks an entry written "
          "after the fact (backdated); `#n` is the event in the record.", "")
    entries = list(pm.timeline)
    hidden = 0
    if timeline_limit is not None and len(entries) > timeline_limit:
        kept = entries[:timeline_limit]
        kept += [e for e in entries[timeline_limit:] if e.phases]
        hidden = len(entries) - len(kept)
        entries = kept
    day = None
    rows: list[list[str]] = []

    def flush() -> None:
        if rows:
            d.table(["UTC", zone, "Who", "What", "Ref"], rows)
            rows.clear()

    for e in entries:
        this_day = parse_utc(e.at).strftime("%Y-%m-%d")
        if this_day != day:
            flush()
            day = this_day
            d.heading(3, f"{day} (UTC)")
        marker = " ".join(f"**{p}**" for p in e.phases)
        what = (marker + " " if marker else "") + md(e.headline())
        if e.corrects is not None:
            what += f" _(corrects #{e.corrects})_"
        if e.corrected_by:
            what += " _(corrected by " + ", ".join(f"#{c}" for c in e.corrected_by) + ")_"
        who = md(e.author) + (f" ({md(e.role)})" if e.role else "")
        rows.append([d.utc(e.at, False) + ("\\*" if e.backdated else ""), d.local(e.at, False),
                     who, what, f"#{e.event_id}" if e.event_id is not None else "alert"])
    flush()
    if hidden:
        d.add(f"_{hidden} further timeline entries are not shown here; `firedesk export "
              f"{pm.key}` has them all._", "")

    d.heading(2, "Hypotheses")
    if not pm.hypotheses:
        d.add("_No hypotheses were recorded._")
    for state, title in HYPOTHESIS_HEADINGS:
        group = [h for h in pm.hypotheses if h.state == state]
        if not group:
            continue
        d.heading(3, title)
        for h in group:
            name = f"H{h.number}" if h.number is not None else "Hypothesis"
            line = f"- **{name}** {md(h.text)} — proposed by {md(h.proposed_by)} at {d.utc(h.proposed_at, False)} UTC (#{h.event_id})"
            if h.concluded_at:
                line += (f"; {h.state} by {md(h.concluded_by)} at {d.utc(h.concluded_at, False)}"
                         f" UTC (#{h.conclusion_event_id})")
            d.add(line)
            if h.evidence:
                d.add(f"  - Evidence: {md(h.evidence)}")

    d.heading(2, "Decisions")
    if pm.decisions:
        for x in pm.decisions:
            who = md(x.author) + (f" ({md(x.role)})" if x.role else "")
            d.add(f"- {d.utc(x.at, False)} UTC, {who}: {md(x.text)} (#{x.event_id})")
    else:
        d.add("_No decisions were recorded._")

    d.heading(2, "Alerts involved")
    if pm.alerts:
        d.table(["Source", "Alert", "Alerts", "Deliveries", "First seen (UTC)",
                 "Last seen (UTC)", "Status"],
                [[md(g.source), md(g.title), str(g.alerts), str(g.deliveries), d.utc(g.first_seen),
                  d.utc(g.last_seen), ", ".join(f"{md(k)} {v}" for k, v in g.statuses.items())]
                 for g in pm.alerts])
    else:
        d.add("_No alerts were linked to this incident._")

    d.heading(2, "Checklist")
    if pm.checklist:
        done = sum(1 for c in pm.checklist if c.state in ("done", "na"))
        d.add(f"{done} of {len(pm.checklist)} items done or not applicable.", "")
        d.table(["State", "Item", "By", "At (UTC)", "Note"],
                [[STATE_WORDS.get(c.state, c.state), md(c.text), md(c.by) or "—",
                  d.utc(c.at, False) if c.at else "—", md(c.note)] for c in pm.checklist])
    else:
        d.add("_No checklist was worked for this incident._")

    d.heading(2, "Action items")
    if pm.action_items:
        d.table(["Item", "Owner", "From", "Ref"],
                [[md(a.text), md(a.owner) if a.owner else "**no owner**",
                  "open task" if a.origin == "task" else "TODO on the timeline", a.ref]
                 for a in pm.action_items])
        ownerless = sum(1 for a in pm.action_items if not a.owner)
        if ownerless:
            d.add(f"{ownerless} item(s) need an owner before the review closes.")
    else:
        d.add("_No open tasks and no `TODO:` entries on the timeline._")

    d.heading(2, "For the review meeting")
    for prompt in pm.prompts:
        d.heading(3, prompt.heading)
        d.add(f"_{prompt.question}_", "")
        for line in prompt.observations:
            d.add(f"- {md(line)}")

    d.add("", "---", "")
    i = pm.integrity
    chain = (f"hash chain intact over {i.chain_events} events, head `{i.chain_head}`"
             if i.chain_ok else f"**HASH CHAIN BROKEN**: {md(i.chain_problem)}")
    if i.state_problems:
        more = f" (and {len(i.state_problems) - 1} more)" if len(i.state_problems) > 1 else ""
        chain += (f"; **CURRENT STATE DISAGREES WITH THE TIMELINE**: "
                  f"{md(i.state_problems[0])}{more}")
    d.add(f"Integrity: {i.incident_events} events in {pm.key} (last #{i.last_event_id}, "
          f"hash `{i.last_event_hash}`); record {chain}. Produced by `firedesk export` from "
          "the record alone; `firedesk verify` re-checks the chain.")
    return "\n".join(d.lines).rstrip("\n") + "\n"
