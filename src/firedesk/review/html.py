"""The postmortem as one self-contained, printable HTML file.

No scripts, no external resources (a Content-Security-Policy says so to the browser),
styles inline. Every piece of record text is HTML-escaped after its controls are made
visible, so a note can never become markup.
"""

from __future__ import annotations

import html
from datetime import timedelta

from firedesk.clock import format_duration
from firedesk.review.measures import parse_utc
from firedesk.review.export import Postmortem
from firedesk.review.md import (
    HYPOTHESIS_HEADINGS, STATE_WORDS, local_text, milestone_source, severity_text, utc_text,
)
from firedesk.text import visible

STYLE = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: #1b1b1b; background: #fff; max-width: 1100px; margin: 24px auto; padding: 0 24px; }
h1 { font-size: 24px; margin: 0 0 8px; }
h2 { font-size: 18px; border-bottom: 2px solid #444; padding-bottom: 2px; margin-top: 28px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eee; font-weight: 600; }
td.time, td.ref { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.what { word-break: break-word; }
.phase { display: inline-block; border: 1px solid #333; border-radius: 3px; padding: 0 4px;
  margin-right: 4px; font-size: 11px; font-weight: 700; letter-spacing: .04em; }
.kind { color: #555; }
.note { border-left: 4px solid #888; padding: 4px 10px; background: #f5f5f5; }
.warn { font-weight: 700; }
.empty { color: #555; font-style: italic; }
footer { margin-top: 32px; border-top: 1px solid #888; padding-top: 8px; font-size: 12px;
  color: #333; word-break: break-all; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
@page { margin: 14mm; }
@media print {
  body { margin: 0; padding: 0; max-width: none; font-size: 11px; }
  h2 { break-after: avoid; }
  tr, li { break-inside: avoid; }
  thead { display: table-header-group; }
}
"""


def h(text: object) -> str:
    """Record text, visible and escaped for HTML (newlines become <br>)."""
    if text is None:
        return ""
    return html.escape(visible(str(text), multiline=True)).replace("\n", "<br>")


def _duration(seconds: int | None) -> str:
    return "—" if seconds is None else format_duration(timedelta(seconds=seconds))


class _Page:
    def __init__(self, pm: Postmortem):
        self.pm = pm
        self.out: list[str] = []

    def add(self, *parts: str) -> None:
        self.out.extend(parts)

    def utc(self, stored: str | None, with_date: bool = True) -> str:
        return utc_text(stored, with_date)

    def local(self, stored: str | None, with_date: bool = True) -> str:
        return local_text(stored, self.pm.tz, with_date)

    def table(self, headers: list[str], rows: list[list[str]], classes: list[str] | None = None) -> None:
        """Cells are already-escaped HTML."""
        self.add("<table><thead><tr>" + "".join(f"<th>{c}</th>" for c in headers)
                 + "</tr></thead><tbody>")
        for row in rows:
            cells = []
            for index, cell in enumerate(row):
                cls = classes[index] if classes and classes[index] else ""
                cells.append(f'<td class="{cls}">{cell}</td>' if cls else f"<td>{cell}</td>")
            self.add("<tr>" + "".join(cells) + "</tr>")
        self.add("</tbody></table>")

    def empty(self, text: str) -> None:
        self.add(f'<p class="empty">{text}</p>')


def render_html(pm: Postmortem) -> str:
    """The whole document as one HTML page."""
    p = _Page(pm)
    zone = h(pm.zone)
    title = f"Post-mortem: {pm.key} — {h(pm.title)}"
    p.add("<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
          '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
          "style-src 'unsafe-inline'\">",
          '<meta name="viewport" content="width=device-width, initial-scale=1">',
          f"<title>{title}</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
          f"<h1>{title}</h1>")
    severity = severity_text(pm)
    duration = _duration(next((i.seconds for i in pm.intervals if i.name == "time to resolve"), None))
    p.table(["Incident", "Severity", "Status", "Service", "Declared (UTC)", "Resolved (UTC)",
             "Duration"],
            [[pm.key, severity, pm.status, h(pm.service) or "—",
              f"{p.utc(pm.declared_at)} by {h(pm.declared_by)}", p.utc(pm.resolved_at), duration]])
    p.add('<p class="note">Blameless review: this document describes what happened and why each '
          "step made sense at the time. It names systems, conditions and roles, never "
          "culprits.</p>")

    p.add("<h2>Summary</h2>")
    if pm.summary:
        p.add(f"<p>{h(pm.summary)}</p>")
    else:
        p.empty("No summary was recorded.")

    p.add("<h2>Impact</h2>")
    if pm.impact:
        i = pm.impact[-1]
        p.add(f"<p>{h(i.what)} (scope: {h(i.scope)}; since {p.utc(i.since)} UTC; stated by "
              f"{h(i.by)}, event #{i.event_id}).</p>")
    else:
        p.empty("No impact statement was recorded.")

    p.add("<h2>Detection and response</h2>")
    p.table(["Milestone", "UTC", zone, "From"],
            [[m.label.capitalize(), p.utc(m.at), p.local(m.at),
              h(milestone_source(m))] for m in pm.milestones],
            ["", "time", "time", ""])
    p.table(["Interval", "Duration"], [[i.name.capitalize(), i.text] for i in pm.intervals])
    p.add("<h3>Severity history</h3>")
    p.table(["UTC", "Severity", "By", "Note", "Ref"],
            [[p.utc(x.at), (f"{x.previous} → " if x.previous else "") + h(x.severity),
              h(x.author), h(x.note), f"#{x.event_id}"] for x in pm.severity_history],
            ["time", "", "", "", "ref"])
    if pm.ignored:
        p.add("<ul>" + "".join(f"<li>{h(note)}</li>" for note in pm.ignored) + "</ul>")
    if pm.cadence is not None and (pm.cadence.sent or pm.cadence.judged):
        p.add(f"<p>Stakeholder updates: {h(pm.cadence.sentence())}</p>")

    p.add("<h2>Responders and roles</h2>")
    if pm.tenures:
        p.table(["Role", "Person", "From (UTC)", "Until (UTC)", "Tenure"],
                [[h(t.role), h(t.person), p.utc(t.since),
                  p.utc(t.until) if t.until else ("still holds" if pm.status != "resolved"
                                                  else "to the end"), _duration(t.seconds)]
                 for t in pm.tenures])
    else:
        p.empty("No roles were assigned.")

    p.add("<h2>Timeline</h2>",
          f"<p>Times in UTC and {zone}. <b>*</b> marks an entry written after the fact "
          "(backdated); #n is the event in the record.</p>")
    day = None
    rows: list[list[str]] = []

    def flush() -> None:
        if rows:
            p.table(["UTC", zone, "Who", "What", "Ref"], rows, ["time", "time", "", "what", "ref"])
            rows.clear()

    for e in pm.timeline:
        this_day = parse_utc(e.at).strftime("%Y-%m-%d")
        if this_day != day:
            flush()
            day = this_day
            p.add(f"<h3>{day} (UTC)</h3>")
        what = "".join(f'<span class="phase">{x}</span>' for x in e.phases)
        what += h(e.headline())
        if e.corrects is not None:
            what += f" <i>(corrects #{e.corrects})</i>"
        if e.corrected_by:
            what += " <i>(corrected by " + ", ".join(f"#{c}" for c in e.corrected_by) + ")</i>"
        who = h(e.author) + (f" ({h(e.role)})" if e.role else "")
        rows.append([p.utc(e.at, False) + ("*" if e.backdated else ""), p.local(e.at, False),
                     who, what, f"#{e.event_id}" if e.event_id is not None else "alert"])
    flush()

    p.add("<h2>Hypotheses</h2>")
    if not pm.hypotheses:
        p.empty("No hypotheses were recorded.")
    for state, heading in HYPOTHESIS_HEADINGS:
        group = [x for x in pm.hypotheses if x.state == state]
        if not group:
            continue
        p.add(f"<h3>{heading}</h3>", "<ul>")
        for x in group:
            name = f"H{x.number}" if x.number is not None else "Hypothesis"
            line = (f"<li><b>{name}</b> {h(x.text)} — proposed by {h(x.proposed_by)} at "
                    f"{p.utc(x.proposed_at, False)} UTC (#{x.event_id})")
            if x.concluded_at:
                line += (f"; {h(x.state)} by {h(x.concluded_by)} at "
                         f"{p.utc(x.concluded_at, False)} UTC (#{x.conclusion_event_id})")
            if x.evidence:
                line += f"<br>Evidence: {h(x.evidence)}"
            p.add(line + "</li>")
        p.add("</ul>")

    p.add("<h2>Decisions</h2>")
    if pm.decisions:
        p.add("<ul>")
        for x in pm.decisions:
            who = h(x.author) + (f" ({h(x.role)})" if x.role else "")
            p.add(f"<li>{p.utc(x.at, False)} UTC, {who}: {h(x.text)} (#{x.event_id})</li>")
        p.add("</ul>")
    else:
        p.empty("No decisions were recorded.")

    p.add("<h2>Alerts involved</h2>")
    if pm.alerts:
        p.table(["Source", "Alert", "Alerts", "Deliveries", "First seen (UTC)", "Last seen (UTC)",
                 "Status"],
                [[h(g.source), h(g.title), str(g.alerts), str(g.deliveries), p.utc(g.first_seen),
                  p.utc(g.last_seen), ", ".join(f"{h(k)} {v}" for k, v in g.statuses.items())]
                 for g in pm.alerts])
    else:
        p.empty("No alerts were linked to this incident.")

    p.add("<h2>Checklist</h2>")
    if pm.checklist:
        done = sum(1 for c in pm.checklist if c.state in ("done", "na"))
        p.add(f"<p>{done} of {len(pm.checklist)} items done or not applicable.</p>")
        p.table(["State", "Item", "By", "At (UTC)", "Note"],
                [[STATE_WORDS.get(c.state, h(c.state)), h(c.text), h(c.by) or "—",
                  p.utc(c.at, False) if c.at else "—", h(c.note)] for c in pm.checklist])
    else:
        p.empty("No checklist was worked for this incident.")

    p.add("<h2>Action items</h2>")
    if pm.action_items:
        p.table(["Item", "Owner", "From", "Ref"],
                [[h(a.text), h(a.owner) if a.owner else '<span class="warn">no owner</span>',
                  "open task" if a.origin == "task" else "TODO on the timeline", h(a.ref)]
                 for a in pm.action_items])
    else:
        p.empty("No open tasks and no TODO: entries on the timeline.")

    p.add("<h2>For the review meeting</h2>")
    for prompt in pm.prompts:
        p.add(f"<h3>{h(prompt.heading)}</h3>", f"<p><i>{h(prompt.question)}</i></p>")
        if prompt.observations:
            p.add("<ul>" + "".join(f"<li>{h(o)}</li>" for o in prompt.observations) + "</ul>")

    i = pm.integrity
    chain = (f"hash chain intact over {i.chain_events} events, head <code>{i.chain_head}</code>"
             if i.chain_ok else f'<span class="warn">HASH CHAIN BROKEN</span>: {h(i.chain_problem)}')
    if i.state_problems:
        more = f" (and {len(i.state_problems) - 1} more)" if len(i.state_problems) > 1 else ""
        chain += ('; <span class="warn">CURRENT STATE DISAGREES WITH THE TIMELINE</span>: '
                  f"{h(i.state_problems[0])}{more}")
    p.add(f"<footer>Integrity: {i.incident_events} events in {pm.key} (last #{i.last_event_id}, "
          f"hash <code>{i.last_event_hash}</code>); record {chain}. Produced by "
          "<code>firedesk export</code> from the record alone; <code>firedesk verify</code> "
          "re-checks the chain.</footer>", "</body>", "</html>")
    return "\n".join(p.out) + "\n"
