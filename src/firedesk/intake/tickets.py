"""A ticket per alert (Caseflow's procedure): "make a ticket for the error, label it
`prod-alert`; if a ticket already exists, comment on it with a link to the latest
occurrence".

An alert's fingerprint (its source and dedup key, or the fields a `[tickets]` rule names)
says which errors are "the same". The first alert of a fingerprint opens a GitHub issue;
later ones, and later occurrences, comment on it. The issue (or comment) is created
first and recorded after, in one transaction with its timeline event: when GitHub says
no, nothing is recorded; when the record cannot be written after GitHub said yes, the
error names the issue it made, so nobody files it twice.

Config (firedesk.toml):

    [tickets]
    repo = "acme/caseflow"               # owner/name
    labels = ["prod-alert"]              # the default
    api_url = "https://api.github.com"   # GitHub Enterprise: https://HOST/api/v3
    token_env = "GITHUB_TOKEN"           # or token = "…"
    fingerprint = ["source", "labels.alertname"]   # default ["source", "dedup_key"]
    auto_severities = ["critical"]       # what `firedesk ticket --auto` files
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from firedesk.config import Config, Loading
from firedesk.errors import FiredeskError, InvalidInput
from firedesk.intake.severity import SEVERITY_ORDER
from firedesk.intake.triage import AlertRow, find_alert
from firedesk.store.store import Store
from firedesk.store.timeline import append_event
from firedesk.text import one_line

DEFAULT_API = "https://api.github.com"
DEFAULT_LABELS = ("prod-alert",)
FINGERPRINT_FIELDS = ("source", "dedup_key", "title", "service")
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class TicketError(FiredeskError):
    """GitHub said no, could not be reached, or the filing could not be recorded."""


@dataclass(frozen=True)
class TicketSettings:
    repo: str
    token: str = field(repr=False)
    api_url: str = DEFAULT_API
    labels: tuple[str, ...] = DEFAULT_LABELS
    fingerprint: tuple[str, ...] = ("source", "dedup_key")
    auto_severities: tuple[str, ...] = ("critical",)
    timeout: float = 15.0

    @property
    def issues_url(self) -> str:
        return f"{self.api_url.rstrip('/')}/repos/{self.repo}/issues"


def ticket_settings(config: Config) -> TicketSettings | None:
    """`[tickets]` as read when the config was loaded (`config.tickets`)."""
    return config.tickets


def parse_tickets(config: Loading, environ: dict[str, str] | None = None) -> TicketSettings | None:
    """The [tickets] section, checked; read once, at load; None when unusable or absent."""
    environ = os.environ if environ is None else environ
    raw = config.section("tickets")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        config.problem("tickets", "must be a table ([tickets])")
        return None
    ok = True
    repo = raw.get("repo")
    if not isinstance(repo, str) or not _REPO.match(repo):
        config.problem("tickets.repo", 'must be "owner/name"')
        ok = False
    api_url = raw.get("api_url", DEFAULT_API)
    if not isinstance(api_url, str) or not re.match(r"^https?://", api_url):
        config.problem("tickets.api_url", "must be an http(s) URL")
        ok = False
    labels = raw.get("labels", list(DEFAULT_LABELS))
    if not isinstance(labels, list) or not all(isinstance(x, str) and x.strip() for x in labels):
        config.problem("tickets.labels", "must be a list of label names")
        labels = list(DEFAULT_LABELS)
    fingerprint = raw.get("fingerprint", ["source", "dedup_key"])
    if (not isinstance(fingerprint, list) or not fingerprint or not all(
            isinstance(f, str) and (f in FINGERPRINT_FIELDS or f.startswith("labels."))
            for f in fingerprint)):
        config.problem("tickets.fingerprint",
                       f"must list fields among {', '.join(FINGERPRINT_FIELDS)} or labels.NAME")
        fingerprint = ["source", "dedup_key"]
    severities = raw.get("auto_severities", ["critical"])
    if not isinstance(severities, list) or not all(s in SEVERITY_ORDER for s in severities):
        config.problem("tickets.auto_severities", f"must list severities among {', '.join(SEVERITY_ORDER)}")
        severities = ["critical"]
    timeout = raw.get("timeout", 15)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        config.problem("tickets.timeout", "must be seconds (a positive number)")
        timeout = 15
    token_env = raw.get("token_env", "GITHUB_TOKEN")
    if not isinstance(token_env, str):
        config.problem("tickets.token_env", "must be an environment variable name")
        token_env = "GITHUB_TOKEN"
    token = raw.get("token") if isinstance(raw.get("token"), str) else None
    token = token or environ.get(token_env)
    if not token:
        config.problem("tickets.token", f'no token: set ${token_env} or token = "…" in [tickets]')
        ok = False
    if not ok:
        return None
    return TicketSettings(repo, token, api_url, tuple(dict.fromkeys(labels)), tuple(fingerprint),
                          tuple(severities), float(timeout))


def fingerprint_of(alert: AlertRow, fields: tuple[str, ...]) -> str:
    """Which errors are "the same": the named fields' values, joined."""
    values = []
    for name in fields:
        if name.startswith("labels."):
            values.append(alert.labels.get(name[len("labels."):], ""))
        else:
            values.append(str(getattr(alert, name) or ""))
    return "\x1f".join(values)


@dataclass(frozen=True)
class TicketResult:
    alert_id: int
    action: str          # opened | commented
    number: int
    url: str             # the issue's URL
    comment_url: str | None = None
    duplicate: str | None = None   # an issue filed at the same moment as someone else's

    def to_json(self) -> dict[str, Any]:
        return {"alert": self.alert_id, "action": self.action, "number": self.number,
                "url": self.url, "comment_url": self.comment_url, "duplicate": self.duplicate}


def _post(settings: TicketSettings, url: str, payload: dict[str, Any], what: str) -> dict[str, Any]:
    import httpx

    headers = {"Authorization": f"Bearer {settings.token}",
               "Accept": "application/vnd.github+json",
               "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "firedesk"}
    try:
        with httpx.Client(timeout=httpx.Timeout(settings.timeout, connect=min(5.0, settings.timeout)),
                          follow_redirects=False) as client:
            response = client.post(url, json=payload, headers=headers)
    except httpx.TimeoutException as exc:
        raise TicketError(f"GitHub did not answer within {settings.timeout:g}s "
                          f"({settings.api_url}); no {what} was made") from exc
    except httpx.HTTPError as exc:
        raise TicketError(f"cannot reach {settings.api_url}: {one_line(str(exc), 120)}; "
                          f"no {what} was made") from exc
    if response.status_code == 201:
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("html_url"), str):
            return data
        raise TicketError(f"GitHub answered 201 but not with the {what}'s JSON; check "
                          f"{settings.repo} before trying again")
    reasons = {401: "the token was refused (expired or wrong)",
               403: "the token may not write issues there (needs Issues: write), or a rate limit",
               404: f"{settings.repo} (or that issue) not found, or the token cannot see it",
               410: f"issues are turned off in {settings.repo}, or the issue was deleted",
               422: "GitHub rejected it (a label or field it does not accept)"}
    detail = ""
    try:
        message = response.json().get("message")
        if isinstance(message, str):
            detail = f": {one_line(message, 200)}"
    except (ValueError, AttributeError):
        pass
    reason = reasons.get(response.status_code, f"GitHub answered HTTP {response.status_code}")
    raise TicketError(f"{reason}{detail}; no {what} was made")


def occurrence_text(alert: AlertRow) -> str:
    """The latest occurrence, in Markdown, with its link when the source gave one."""
    link = alert.links.get("source") or alert.links.get("issue") or alert.links.get("dashboard")
    lines = [f"Latest occurrence: {alert.last_seen} (seen {alert.count}× since {alert.first_seen})",
             f"- alert: A-{alert.id} · {alert.source} · {alert.severity} · {alert.status}",
             f"- service: {alert.service or '-'}"]
    if link:
        lines.append(f"- link: {link}")
    if alert.incident:
        lines.append(f"- incident: {alert.incident}")
    return "\n".join(lines) + "\n"


def _existing(store: Store, settings: TicketSettings, fingerprint: str) -> Any:
    return store.query_one("SELECT id, number, url FROM tickets WHERE repo = ? AND fingerprint = ?",
                           (settings.repo, fingerprint))


def ticket_alert(store: Store, alert: AlertRow, settings: TicketSettings, *,
                 author: str) -> TicketResult:
    """Open the alert's GitHub issue, or comment on the one its fingerprint already has.
    Two people filing the same new error at once get one ticket; the later issue is
    named as a duplicate (`duplicate`) for them to close."""
    alert = find_alert(store, alert.id)   # the latest occurrence, not what a pane last read
    fingerprint = fingerprint_of(alert, settings.fingerprint)
    existing = _existing(store, settings, fingerprint)
    if existing is None:
        title = f"{alert.title}"[:240] or f"alert {alert.id}"
        body = (f"Filed from firedesk for alert A-{alert.id} ({alert.source}, key "
                f"`{alert.dedup_key}`).\n\n{occurrence_text(alert)}")
        issue = _post(settings, settings.issues_url,
                      {"title": title, "body": body, "labels": list(settings.labels)}, "issue")
        number = issue.get("number") if isinstance(issue.get("number"), int) else 0
        return _record(store, alert, settings, fingerprint, author, "opened", number,
                       issue["html_url"], None)
    comment = _post(settings, f"{settings.issues_url}/{existing['number']}/comments",
                    {"body": occurrence_text(alert)}, "comment")
    return _record(store, alert, settings, fingerprint, author, "commented", existing["number"],
                   existing["url"], comment["html_url"])


def _record(store: Store, alert: AlertRow, settings: TicketSettings, fingerprint: str,
            author: str, action: str, number: int, url: str, comment_url: str | None) -> TicketResult:
    duplicate = None
    try:
        with store.write() as conn:
            now = store.now()
            text = (f"opened {settings.repo}#{number} for alert {alert.id}: {url}" if action == "opened"
                    else f"commented on {settings.repo}#{number} with the latest occurrence of "
                         f"alert {alert.id}: {comment_url}")
            event = append_event(store, incident_id=alert.incident_id, kind=f"ticket.{action}",
                                 author=author, text=text,
                                 data={"alert_id": alert.id, "repo": settings.repo,
                                       "number": number, "url": url, "comment_url": comment_url,
                                       "last_seen": alert.last_seen})
            row = conn.execute("SELECT id, number, url FROM tickets WHERE repo = ? AND "
                               "fingerprint = ?", (settings.repo, fingerprint)).fetchone()
            if row is not None and action == "opened":
                # Someone else filed this error's issue while ours was in flight: theirs is
                # the ticket; ours is named as a duplicate to close.
                duplicate, number, url = url, row[1], row[2]
                event = append_event(store, incident_id=alert.incident_id,
                                     kind="ticket.duplicate", author=author,
                                     text=f"{duplicate} duplicates {settings.repo}#{number} "
                                          f"(filed at the same moment); close it",
                                     data={"alert_id": alert.id, "repo": settings.repo,
                                           "number": number, "url": url,
                                           "duplicate": duplicate})
            if row is None:
                ticket_id = conn.execute(
                    "INSERT INTO tickets (fingerprint, repo, number, url, opened_by, opened_at, "
                    "event_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (fingerprint, settings.repo, number, url, author, now, event.id)).lastrowid
            else:
                ticket_id = row[0]
            conn.execute(
                "INSERT INTO alert_ticket_links (alert_id, ticket_id, last_comment_url, "
                "reported_seen) VALUES (?, ?, ?, ?) ON CONFLICT (alert_id) DO UPDATE SET "
                "ticket_id = excluded.ticket_id, last_comment_url = excluded.last_comment_url, "
                "reported_seen = excluded.reported_seen",
                (alert.id, ticket_id, comment_url, alert.last_seen))
    except FiredeskError as exc:
        made = comment_url or url
        raise TicketError(f"GitHub has it ({made}) but the record could not store it: {exc}; "
                          "do not file it again, link it by hand") from exc
    return TicketResult(alert.id, "duplicate" if duplicate else action, number, url, comment_url,
                        duplicate)


def alerts_to_ticket(store: Store, settings: TicketSettings) -> list[AlertRow]:
    """For `--auto`: firing alerts of the auto severities with no ticket yet, or with an
    occurrence newer than the last one recorded on their ticket."""
    if not settings.auto_severities:
        return []
    marks = ",".join("?" * len(settings.auto_severities))
    rows = store.query(
        f"SELECT a.id FROM alerts a LEFT JOIN alert_ticket_links l ON l.alert_id = a.id "
        f"WHERE a.status = 'firing' AND a.noise = 0 AND a.severity IN ({marks}) "
        f"AND (l.alert_id IS NULL OR a.last_seen > coalesce(l.reported_seen, '')) "
        f"ORDER BY a.first_seen, a.id", settings.auto_severities)
    return [find_alert(store, r["id"]) for r in rows]


def ticket_each(store: Store, alerts: list[AlertRow] | AlertRow, settings: TicketSettings, *,
                author: str) -> list[TicketResult]:
    """Ticket several alerts (the console's key; a selection). Stops at the first failure:
    those before it are filed and recorded, nothing of the failed one is."""
    if isinstance(alerts, AlertRow):
        alerts = [alerts]
    if not alerts:
        raise InvalidInput("no alerts selected; nothing was filed")
    return [ticket_alert(store, alert, settings, author=author) for alert in alerts]
