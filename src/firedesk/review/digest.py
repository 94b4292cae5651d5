"""The digest per tech lead: alerts nobody took into an incident, batched for the people
who own the code (Caseflow's "tell the relevant tech leads at the end of the day").

Alerts seen in the window that nobody owns (no owner, as the source or firedesk says),
not attached to an incident and not marked noise are
grouped by service → team → tech lead (from [[services]] and [[teams]]), with how many
times each was seen in the window, first and last seen, and its links. `--since-close`
starts each team's window at its close of business on the last workday before today
(`[digest]` business hours). `--post` sends each team's part to its Slack webhook.

Config (firedesk.toml):

    [digest]
    business_hours = "09:00-17:00"        # every team's, unless the team says otherwise
    timezone = "America/New_York"
    workdays = ["mon", "tue", "wed", "thu", "fri"]

    [digest.teams.Foxtrot]
    slack_webhook = "https://hooks.slack.com/services/…"   # or slack_webhook_env = "VAR"
    business_hours = "08:00-16:00"
    timezone = "America/Chicago"
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from firedesk.clock import to_iso
from firedesk.config import Config, Loading, valid_timezone
from firedesk.oncall.load import WEEKDAYS
from firedesk.oncall.model import OnCall
from firedesk.store.store import Store
from firedesk.store.timeline import append_event
from firedesk.text import one_line

_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
NO_LEAD = "(no tech lead)"


@dataclass(frozen=True)
class BusinessHours:
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    timezone: str = "UTC"
    workdays: frozenset[int] = frozenset(range(5))

    def last_close_before(self, now: datetime) -> datetime:
        """Close of business on the last workday before today (in the team's zone)."""
        zone = ZoneInfo(self.timezone)
        day: date = now.astimezone(zone).date() - timedelta(days=1)
        for _ in range(8):
            if day.weekday() in self.workdays:
                break
            day -= timedelta(days=1)
        return datetime.combine(day, self.closes, tzinfo=zone)


@dataclass(frozen=True)
class DigestTeam:
    name: str
    hours: BusinessHours
    slack_webhook: str | None = field(default=None, repr=False)  # a secret: never printed


@dataclass(frozen=True)
class DigestSettings:
    hours: BusinessHours = BusinessHours()
    teams: dict[str, DigestTeam] = field(default_factory=dict)

    def team(self, name: str | None) -> DigestTeam:
        if name and name in self.teams:
            return self.teams[name]
        return DigestTeam(name or NO_LEAD, self.hours)


def _hours(config: Loading, where: str, raw: dict[str, Any], base: BusinessHours) -> BusinessHours:
    opens, closes, zone, days = base.opens, base.closes, base.timezone, base.workdays
    text = raw.get("business_hours")
    if text is not None:
        match = _HOURS.match(text) if isinstance(text, str) else None
        values = [int(g) for g in match.groups()] if match else []
        if not match or values[0] > 23 or values[2] > 23 or values[1] > 59 or values[3] > 59:
            config.problem(f"{where}.business_hours", 'must be "HH:MM-HH:MM", e.g. "09:00-17:00"')
        else:
            opens, closes = time(values[0], values[1]), time(values[2], values[3])
    tz = raw.get("timezone")
    if tz is not None:
        if not isinstance(tz, str) or not valid_timezone(tz):
            config.problem(f"{where}.timezone", f"unknown timezone {tz!r} (an IANA name)")
        else:
            zone = tz
    workdays = raw.get("workdays")
    if workdays is not None:
        if (not isinstance(workdays, list) or not workdays
                or not all(isinstance(d, str) and d.lower() in WEEKDAYS for d in workdays)):
            config.problem(f"{where}.workdays", 'must be a list of days, e.g. ["mon", "tue"]')
        else:
            days = frozenset(WEEKDAYS[d.lower()] for d in workdays)
    return BusinessHours(opens, closes, zone, days)


def digest_settings(config: Config) -> DigestSettings:
    """`[digest]` as read when the config was loaded (`config.digest`)."""
    return config.digest


def parse_digest(config: Loading, environ: dict[str, str] | None = None) -> DigestSettings:
    """The [digest] section, checked; read once, at load; what is good loads."""
    environ = os.environ if environ is None else environ
    raw = config.section("digest") or {}
    if not isinstance(raw, dict):
        config.problem("digest", "must be a table ([digest])")
        return DigestSettings()
    hours = _hours(config, "digest", raw, BusinessHours())
    teams: dict[str, DigestTeam] = {}
    raw_teams = raw.get("teams", {})
    if not isinstance(raw_teams, dict):
        config.problem("digest.teams", "must be tables ([digest.teams.NAME])")
        raw_teams = {}
    for name, entry in raw_teams.items():
        where = f"digest.teams.{name}"
        if not isinstance(entry, dict):
            config.problem(where, "must be a table")
            continue
        hook = entry.get("slack_webhook")
        hook_env = entry.get("slack_webhook_env")
        if hook is None and isinstance(hook_env, str):
            hook = environ.get(hook_env) or None
            if hook is None:
                config.problem(f"{where}.slack_webhook_env", f"${hook_env} is not set")
        if hook is not None and (not isinstance(hook, str) or not re.match(r"^https?://", hook)):
            config.problem(f"{where}.slack_webhook", "must be an http(s) URL")
            hook = None
        teams[name] = DigestTeam(name, _hours(config, where, entry, hours), hook)
    return DigestSettings(hours, teams)


# -- building the digest ----------------------------------------------------------------


@dataclass
class ServicePart:
    service: str
    alerts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class TeamPart:
    team: str
    lead: str
    since: datetime
    services: list[ServicePart] = field(default_factory=list)

    @property
    def alert_count(self) -> int:
        return sum(len(s.alerts) for s in self.services)

    def to_json(self) -> dict[str, Any]:
        return {"team": self.team, "lead": self.lead, "since": to_iso(self.since),
                "services": [{"service": s.service, "alerts": s.alerts} for s in self.services]}


def _owner(oncall: OnCall, service: str | None) -> tuple[str, str]:
    """(team, tech lead) of a service; the service's own lead wins over its team's."""
    known = oncall.services.get(service or "")
    team = oncall.teams.get(known.team) if known and known.team else None
    lead = (known.tech_lead if known else None) or (team.tech_lead if team else None)
    return (team.name if team else NO_LEAD if lead is None else "(no team)", lead or NO_LEAD)


def build_digest(store: Store, oncall: OnCall, settings: DigestSettings, now: datetime, *,
                 since: timedelta | None = None, since_close: bool = False,
                 lead: str | None = None) -> list[TeamPart]:
    """The digest, one part per (team, tech lead), leads in name order."""
    window = since or timedelta(days=1)
    parts: dict[tuple[str, str], TeamPart] = {}
    earliest = now - window
    starts: dict[str, datetime] = {}
    for team in [*oncall.teams, NO_LEAD, "(no team)"]:
        start = settings.team(team).hours.last_close_before(now) if since_close else now - window
        starts[team] = start
        earliest = min(earliest, start)
    rows = store.query(
        "SELECT a.id, a.source, a.dedup_key, a.title, a.service, a.severity, a.status, "
        "a.first_seen, a.last_seen, a.links, a.acked_by, "
        "(SELECT url FROM alert_ticket_links l JOIN tickets t ON t.id = l.ticket_id "
        " WHERE l.alert_id = a.id) AS ticket "
        "FROM alerts a WHERE a.incident_id IS NULL AND a.owner IS NULL AND a.noise = 0 "
        "AND a.last_seen >= ? "
        "ORDER BY a.service, a.last_seen DESC, a.id", (to_iso(earliest),))
    seen_since: dict[str, dict[int, int]] = {}
    for row in rows:
        team, tech_lead = _owner(oncall, row["service"])
        start = to_iso(starts.get(team, now - window))
        if row["last_seen"] < start or (lead is not None and tech_lead != lead):
            continue
        if start not in seen_since:   # one grouped read per window start (a team's close)
            seen_since[start] = {r[0]: r[1] for r in store.query(
                "SELECT o.alert_id, sum(o.times) FROM alert_occurrences o JOIN "
                "alert_deliveries d ON d.id = o.delivery_id WHERE d.received_at >= ? "
                "GROUP BY o.alert_id", (start,))}
        seen = seen_since[start].get(row["id"], 0)
        part = parts.setdefault((tech_lead, team), TeamPart(team, tech_lead, starts.get(team, now - window)))
        service = row["service"] or "(no service)"
        if not part.services or part.services[-1].service != service:
            part.services.append(ServicePart(service))
        links = json.loads(row["links"] or "{}")
        if row["ticket"]:
            links = {"ticket": row["ticket"], **links}
        part.services[-1].alerts.append({
            "id": row["id"], "source": row["source"], "title": row["title"],
            "severity": row["severity"], "status": row["status"], "count": max(seen, 1),
            "first_seen": row["first_seen"], "last_seen": row["last_seen"],
            "acked_by": row["acked_by"], "links": links})
    return [parts[k] for k in sorted(parts, key=lambda k: (k[0] == NO_LEAD, k[0], k[1]))]


def _minute(stored: str, zone: ZoneInfo) -> str:
    from firedesk.clock import parse_utc

    return parse_utc(stored).astimezone(zone).strftime("%a %m-%d %H:%M")


def render_part_markdown(part: TeamPart, settings: DigestSettings) -> str:
    """One lead's part as Markdown (times in the team's business-hours zone)."""
    hours = settings.team(part.team).hours
    zone = ZoneInfo(hours.timezone)
    s = one_line
    lines = [f"## {s(part.lead)} — {s(part.team)}: {part.alert_count} alert"
             f"{'s' if part.alert_count != 1 else ''} nobody took into an incident",
             f"Since {part.since.astimezone(zone):%a %Y-%m-%d %H:%M} {hours.timezone}", ""]
    for service in part.services:
        lines.append(f"### {s(service.service)}")
        for a in service.alerts:
            links = " · ".join(f"[{s(k)}]({s(v)})" for k, v in a["links"].items())
            acked = f", acked by {s(a['acked_by'])}" if a["acked_by"] else ""
            lines.append(f"- A-{a['id']} {a['severity']} {a['status']} ×{a['count']}: "
                         f"{s(a['title'])} (first {_minute(a['first_seen'], zone)}, last "
                         f"{_minute(a['last_seen'], zone)}{acked})" + (f" {links}" if links else ""))
        lines.append("")
    return "\n".join(lines)


def render_digest_markdown(parts: list[TeamPart], settings: DigestSettings) -> str:
    if not parts:
        return "# Alert digest\n\nNo alerts outside incidents in this window.\n"
    return "# Alert digest\n\n" + "\n".join(render_part_markdown(p, settings) for p in parts)


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(part: TeamPart, settings: DigestSettings) -> dict[str, Any]:
    """A Slack incoming-webhook body: mrkdwn text with record text escaped (no fake links)."""
    zone = ZoneInfo(settings.team(part.team).hours.timezone)
    lines = [f"*Alert digest for {_slack_escape(part.lead)} ({_slack_escape(part.team)})*: "
             f"{part.alert_count} alert{'s' if part.alert_count != 1 else ''} nobody took into an "
             f"incident since {part.since.astimezone(zone):%a %H:%M} {zone.key}"]
    for service in part.services:
        lines.append(f"*{_slack_escape(service.service)}*")
        for a in service.alerts:
            links = " ".join(f"<{v}|{_slack_escape(k)}>" for k, v in a["links"].items()
                             if re.match(r"^https?://[^\s<>|]+$", v))
            lines.append(f"• A-{a['id']} {a['severity']} ×{a['count']}: "
                         f"{_slack_escape(one_line(a['title'], 200))} (last "
                         f"{_minute(a['last_seen'], zone)}) {links}".rstrip())
    return {"text": "\n".join(lines), "unfurl_links": False, "unfurl_media": False}


@dataclass(frozen=True)
class Posted:
    team: str
    lead: str
    ok: bool
    detail: str


def post_digest(store: Store, parts: list[TeamPart], settings: DigestSettings, *, author: str,
                timeout: float = 10.0) -> tuple[list[Posted], list[TeamPart]]:
    """Send each part with a team webhook; record each outcome. Returns (posted, unsent)."""
    import httpx

    done, unsent = [], []
    for part in parts:
        hook = settings.team(part.team).slack_webhook
        if not hook:
            unsent.append(part)
            continue
        try:
            response = httpx.post(hook, json=slack_message(part, settings),
                                  timeout=httpx.Timeout(timeout), follow_redirects=False)
            ok = 200 <= response.status_code < 300
            detail = ("sent to Slack" if ok else f"Slack answered {response.status_code} "
                      f"({one_line(' '.join(response.text.split()), 80) or response.reason_phrase})")
        except httpx.TimeoutException:
            ok, detail = False, f"Slack did not answer within {timeout:g}s"
        except httpx.HTTPError as exc:
            ok, detail = False, f"could not reach Slack: {one_line(str(exc) or type(exc).__name__, 120)}"
        done.append(Posted(part.team, part.lead, ok, detail))
        with store.write():
            append_event(store, incident_id=None, kind="digest.posted", author=author,
                         text=f"alert digest for {part.lead} ({part.team}): {detail}",
                         data={"team": part.team, "lead": part.lead, "ok": ok,
                               "alerts": [a["id"] for s in part.services for a in s.alerts],
                               "since": to_iso(part.since)})
    return done, unsent
