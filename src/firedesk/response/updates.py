"""Stakeholder updates: the update clock, the composer, audiences and the Slack sender.

An update is recorded on the timeline FIRST (that is what resets the clock and what the
postmortem reads), and only then sent. A Slack webhook that fails or never answers
costs a one-line message and a `update-delivery` event saying so — never the update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Iterable

from firedesk.cadence import last_update_at, update_due_at
from firedesk.clock import display_zone, format_duration, parse_utc, show_time
from firedesk.config import Config, Loading
from firedesk.errors import InvalidInput
from firedesk.model import Event, Incident
from firedesk.response.common import require_text, touch_incident
from firedesk.response.impact import impact_for
from firedesk.response.tasks import tasks_for
from firedesk.store.incidents import resolve_incident
from firedesk.store.store import Store
from firedesk.text import one_line
from firedesk.store.timeline import append_event, events_for

TEMPLATES = ("conditions", "executive")
TEMPLATE_ALIASES = {"conditions": "conditions", "can": "conditions", "cna": "conditions",
                    "executive": "executive", "exec": "executive", "summary": "executive"}
DEFAULT_SEND_TIMEOUT = 5.0
# Events that are not news for stakeholders (the update itself, its deliveries, drafts).
_NOT_NEWS = {"update", "update-delivery", "declared"}


# --- audiences -------------------------------------------------------------------------

@dataclass(frozen=True)
class Audience:
    """Who an update is for, how it reads, and where it goes (no webhook: copy/print)."""

    name: str
    template: str = "conditions"
    slack_webhook: str | None = field(default=None, repr=False)  # a secret: never printed
    severities: tuple[str, ...] = ()
    description: str = ""

    def wants(self, severity: str) -> bool:
        return not self.severities or severity in self.severities

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "template": self.template, "slack": bool(self.slack_webhook),
                "severities": list(self.severities), "description": self.description}


def parse_template_name(value: str) -> str:
    found = TEMPLATE_ALIASES.get(value.strip().lower())
    if not found:
        raise InvalidInput(f"unknown update template {value!r}; use conditions or executive")
    return found


@dataclass(frozen=True)
class CommsSettings:
    """`[comms]` beyond the cadence: the audiences and how long a send may take."""

    audiences: tuple[Audience, ...] = ()
    send_timeout: float = DEFAULT_SEND_TIMEOUT


def parse_comms(loading: Loading) -> CommsSettings:
    """Read `[comms]` audiences and send_timeout_seconds once, at load (the cadence is
    the core's: `config.cadence_minutes`)."""
    return CommsSettings(tuple(_parse_audiences(loading)), _parse_send_timeout(loading))


def audiences_from(config: Config | None) -> list[Audience]:
    """The configured audiences."""
    return list(config.comms.audiences) if config is not None else []


def send_timeout(config: Config | None) -> float:
    """Seconds a Slack send may take."""
    return config.comms.send_timeout if config is not None else DEFAULT_SEND_TIMEOUT


def _parse_audiences(loading: Loading) -> list[Audience]:
    """`[comms.audiences.<name>]` (or `[[comms.audiences]]` with name)."""
    comms = loading.section("comms") or {}
    raw = comms.get("audiences") if isinstance(comms, dict) else None
    if raw is None:
        return []
    entries: list[tuple[str, Any]] = []
    if isinstance(raw, dict):
        entries = list(raw.items())
    elif isinstance(raw, list):
        entries = [(e.get("name") if isinstance(e, dict) else None, e) for e in raw]
    else:
        loading.problem("comms.audiences", "must be a table of [comms.audiences.<name>]")
        return []
    found: list[Audience] = []
    for index, (name, entry) in enumerate(entries):
        where = f"comms.audiences.{name}" if name else f"comms.audiences[{index}]"
        if not isinstance(name, str) or not name.strip() or not isinstance(entry, dict):
            loading.problem(where, "needs a name and a table of settings")
            continue
        template = entry.get("template", "conditions")
        try:
            template = parse_template_name(str(template))
        except InvalidInput as exc:
            loading.problem(f"{where}.template", str(exc))
            template = "conditions"
        hook = entry.get("slack_webhook")
        if hook is not None and (not isinstance(hook, str) or not hook.startswith(("https://", "http://"))):
            loading.problem(f"{where}.slack_webhook", "must be an http(s) URL")
            hook = None
        sevs = entry.get("severities", [])
        if not isinstance(sevs, list) or not all(isinstance(s, str) for s in sevs):
            loading.problem(f"{where}.severities", "must be a list like [\"SEV1\", \"SEV2\"]")
            sevs = []
        found.append(Audience(name, template, hook, tuple(s.upper() for s in sevs),
                              str(entry.get("description", ""))))
    return found


def _parse_send_timeout(loading: Loading) -> float:
    comms = loading.section("comms") or {}
    value = comms.get("send_timeout_seconds", DEFAULT_SEND_TIMEOUT) if isinstance(comms, dict) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 60:
        return float(value)
    loading.problem("comms.send_timeout_seconds", "must be seconds between 0 and 60")
    return DEFAULT_SEND_TIMEOUT


def pick_audiences(config: Config | None, names: Iterable[str],
                   severity: str | None = None) -> list[Audience]:
    """The named audiences; `all` = every configured one that wants this severity.
    Unknown names are an error (before anything is recorded)."""
    known = audiences_from(config)
    picked: list[Audience] = []
    for name in names:
        if name.lower() == "all":
            picked.extend(a for a in known if a not in picked
                          and (severity is None or a.wants(severity)))
            continue
        match = next((a for a in known if a.name.lower() == name.lower()), None)
        if match is None:
            listed = one_line(", ".join(a.name for a in known), 200) or "none configured ([comms.audiences.<name>])"
            raise InvalidInput(f"unknown audience {name!r}; audiences: {listed}")
        if match not in picked:
            picked.append(match)
    return picked


# --- the update clock ------------------------------------------------------------------

@dataclass(frozen=True)
class UpdateClock:
    """When the next update is due, and how that looks right now."""

    due_at: datetime | None
    last_update_at: str | None
    cadence_minutes: int | None

    def remaining(self, now: datetime) -> timedelta | None:
        return None if self.due_at is None else self.due_at - now

    def state(self, now: datetime) -> str:
        """`none` (no update owed), `ok`, `warn` (due soon) or `overdue`."""
        left = self.remaining(now)
        if left is None:
            return "none"
        if left <= timedelta(0):
            return "overdue"
        warn = timedelta(minutes=min(5.0, (self.cadence_minutes or 15) / 3))
        return "warn" if left <= warn else "ok"

    def describe(self, now: datetime) -> str:
        """`next update in 12m`, `update due in 3m`, `update overdue by 4m`, `no update clock`."""
        state, left = self.state(now), self.remaining(now)
        if state == "none" or left is None:
            return "no update clock"
        if state == "overdue":
            return f"update overdue by {format_duration(-left)}"
        if state == "warn":
            return f"update due in {format_duration(left)}"
        return f"next update in {format_duration(left)}"


def update_clock(store: Store, incident: Incident, config: Config | None = None) -> UpdateClock:
    cadence = config.cadence_minutes if config else None
    last = last_update_at(store, incident.id)
    due = update_due_at(incident.severity, incident.declared_at, last, cadence,
                        resolved=not incident.is_open)
    minutes = (cadence or {"SEV1": 15, "SEV2": 30, "SEV3": 60}).get(incident.severity)
    return UpdateClock(due, last, minutes)


# --- the composer ----------------------------------------------------------------------

def _last_update_id(store: Store, incident_id: int) -> int:
    row = store.query_one(
        "SELECT max(id) FROM events WHERE incident_id = ? AND kind = 'update'", (incident_id,))
    return (row[0] or 0) if row else 0


_NEWS_FILTER = "incident_id = ? AND id > ? AND kind NOT IN ({})".format(
    ", ".join(f"'{k}'" for k in sorted(_NOT_NEWS)))


def changes_since_last_update(store: Store, incident: Incident,
                              limit: int | None = None) -> list[Event]:
    """Timeline events recorded after the last update (or since the declaration), oldest
    first; with `limit`, only the newest `limit` of them (a long night has thousands)."""
    from firedesk.store.timeline import _COLUMNS

    sql = f"SELECT {_COLUMNS} FROM events WHERE {_NEWS_FILTER} ORDER BY id DESC"
    params: list[Any] = [incident.id, _last_update_id(store, incident.id)]
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [Event.from_row(r) for r in reversed(store.query(sql, params))]


def change_counts(store: Store, incident: Incident) -> dict[str, int]:
    """How many events of each kind since the last update."""
    rows = store.query(f"SELECT kind, count(*) FROM events WHERE {_NEWS_FILTER} GROUP BY kind",
                       (incident.id, _last_update_id(store, incident.id)))
    return {r[0]: r[1] for r in rows}


def _utc(stored: str | None, zone: tzinfo = timezone.utc) -> str:
    return show_time(stored, zone) if stored else "-"


def _change_line(event: Event) -> str:
    text = " ".join(event.text.split())
    if event.kind in ("status", "severity", "role", "impact"):
        return text[0].upper() + text[1:] if text else event.kind
    if event.kind == "checklist":
        return f"Checked: {text}"
    if event.kind == "hypothesis":
        return f"Investigating: {text}"
    return text


def compose_update(
    store: Store, incident: Incident, config: Config | None = None, *, template: str = "conditions",
    now: datetime | None = None, zone: tzinfo | None = None, limit: int = 12,
) -> str:
    """A draft update pre-filled from what changed since the last one, to edit and send;
    times in `zone` (default: the incident's display zone), labelled."""
    template = parse_template_name(template)
    incident = resolve_incident(store, incident.id)  # fresh: the caller's copy may be stale
    if zone is None:
        zone = display_zone(incident.zone, config.clock if config else None)
    now = now or store.clock()
    counts = change_counts(store, incident)
    impact = impact_for(store, incident.id)
    clock = update_clock(store, incident, config)
    cadence = clock.cadence_minutes
    next_due = (now + timedelta(minutes=cadence)) if cadence and incident.is_open else None
    head = f"{incident.key} · {incident.severity} · {incident.status} — {incident.title}"
    impact_line = (f"Impact: {impact.describe()}, since {_utc(impact.since, zone)}."
                   if impact else "Impact: not yet known.")
    next_line = (f"Next update by {show_time(next_due, zone, now=now)}."
                 if next_due else "No further updates planned.")
    if template == "executive":
        moved = [f"{n} {one if n == 1 else many}" for kind, one, many in (
            ("conclusion", "hypothesis concluded", "hypotheses concluded"),
            ("task-done", "task done", "tasks done"), ("action", "action", "actions"),
            ("decision", "decision", "decisions"), ("checklist", "check", "checks"),
        ) if (n := counts.get(kind))]
        status_changes = [e["text"] for e in store.query(
            "SELECT text FROM events WHERE incident_id = ? AND id > ? AND kind IN "
            "('status', 'severity') ORDER BY id", (incident.id, _last_update_id(store, incident.id)))]
        since = "; ".join(status_changes + moved) or "investigation continues"
        return "\n".join([head, impact_line, f"Since the last update: {since}.", next_line])
    lines = [f"Conditions: {head}", impact_line, "", "Actions:"]
    open_tasks = tasks_for(store, incident.id, open_only=True)
    still_open = {t.number for t in open_tasks}  # listed once, below, as in progress
    recent = changes_since_last_update(store, incident, limit=limit + len(still_open))
    shown = [e for e in recent
             if not (e.kind == "task" and e.data.get("task") in still_open)][-limit:]
    total = sum(counts.values()) - sum(1 for e in recent if e.kind == "task"
                                       and e.data.get("task") in still_open)
    if total > len(shown):
        lines.append(f"- (and {total - len(shown)} earlier entries on the timeline)")
    lines.extend(f"- {_change_line(e)}" for e in shown)
    lines.extend(f"- In progress: {t.owner}: {' '.join(t.text.split())}" for t in open_tasks)
    if not shown and not open_tasks:
        lines.append("- (nothing new recorded since the last update)")
    lines += ["", "Needs:", "- nothing from you right now", "", next_line]
    return "\n".join(lines)


# --- recording and sending -------------------------------------------------------------

def record_update(
    store: Store, incident: Incident, text: str, *, author: str,
    audiences: Iterable[str] = (), template: str | None = None,
) -> Event:
    """Put the update on the timeline (this resets the update clock)."""
    text = require_text(text, "update")
    with store.write() as conn:
        event = append_event(
            store, incident_id=incident.id, kind="update", author=author, text=text,
            data={"audiences": list(audiences), "template": template},
        )
        touch_incident(conn, incident.id, event.recorded_at)
    return event


@dataclass(frozen=True)
class Delivery:
    """What happened when an update went to one audience."""

    audience: str
    ok: bool
    detail: str
    status: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"audience": self.audience, "ok": self.ok, "detail": self.detail,
                "status": self.status}


def slack_text(incident: Incident, text: str) -> str:
    """The update as Slack mrkdwn: &, < and > escaped so record text cannot form links."""
    def esc(s: str) -> str:
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"*{incident.key} · {incident.severity} · {incident.status}* {esc(incident.title)}\n{esc(text)}"


def send_to_slack(url: str, incident: Incident, text: str, *, audience: str = "slack",
                  timeout: float = DEFAULT_SEND_TIMEOUT) -> Delivery:
    """POST to a Slack incoming webhook; never raises, answers what happened in one line."""
    import httpx

    body = {"text": slack_text(incident, text), "unfurl_links": False, "unfurl_media": False}
    try:
        response = httpx.post(url, json=body, timeout=httpx.Timeout(timeout),
                              follow_redirects=False)
    except httpx.TimeoutException:
        return Delivery(audience, False, f"Slack did not answer within {timeout:g}s")
    except httpx.HTTPError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Delivery(audience, False, f"could not reach Slack: {one_line(reason, 120)}")
    if 200 <= response.status_code < 300:
        return Delivery(audience, True, "sent to Slack", response.status_code)
    # Whatever the far end answered is untrusted: one safe line, short.
    answer = one_line(" ".join(response.text.split()), 80) or response.reason_phrase
    return Delivery(audience, False, f"Slack answered {response.status_code} ({answer})",
                    response.status_code)


def deliver_update(
    store: Store, incident: Incident, update: Event, audiences: Iterable[Audience], *,
    author: str, timeout: float = DEFAULT_SEND_TIMEOUT,
) -> list[Delivery]:
    """Send a recorded update to each audience with a webhook; record every outcome.

    Runs outside any transaction (the network must never hold the write lock)."""
    results: list[Delivery] = []
    for audience in audiences:
        if not audience.slack_webhook:
            results.append(Delivery(audience.name, True, "recorded (no webhook: copy it by hand)"))
            continue
        result = send_to_slack(audience.slack_webhook, incident, update.text,
                               audience=audience.name, timeout=timeout)
        results.append(result)
        record_delivery(store, incident, update.id, result, author=author)
    return results


def record_delivery(store: Store, incident: Incident, update_id: int, result: Delivery, *,
                    author: str) -> Event:
    """Put one delivery outcome on the timeline (sent, or why not)."""
    with store.write():
        return append_event(
            store, incident_id=incident.id, kind="update-delivery", author=author,
            text=f"update #{update_id} to {result.audience}: {result.detail}",
            data={"update": update_id, **result.to_json()},
        )
