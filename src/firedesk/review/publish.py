"""Filing the postmortem as a GitHub issue labelled `post-mortem`.

Config (firedesk.toml):

    [publish.github]
    repo = "acme/incidents"            # owner/name
    token_env = "GITHUB_TOKEN"         # where the token is (default); or token = "…"
    api_url = "https://api.github.com" # GitHub Enterprise: https://HOST/api/v3
    labels = ["sev1"]                  # added to "post-mortem"

The filing is recorded on the incident's timeline (kind `published`, with the issue's
URL), so the record says where its review lives and a second publish is refused unless
asked for.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from firedesk.config import Config, Loading
from firedesk.errors import FiredeskError, InvalidInput
from firedesk.model import Incident
from firedesk.store.store import Store

LABEL = "post-mortem"
DEFAULT_API = "https://api.github.com"
# GitHub refuses issue bodies over 65,536 characters; leave room for the note we add.
BODY_LIMIT = 65000
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class PublishError(FiredeskError):
    """GitHub said no, or could not be reached."""


@dataclass(frozen=True)
class GitHubTarget:
    repo: str
    token: str = field(repr=False)
    api_url: str = DEFAULT_API
    labels: tuple[str, ...] = (LABEL,)
    timeout: float = 15.0

    @property
    def issues_url(self) -> str:
        return f"{self.api_url.rstrip('/')}/repos/{self.repo}/issues"


@dataclass(frozen=True)
class PublishSettings:
    """`[publish.github]` as read at load; `usable` when it can name a repository."""

    configured: bool = False
    usable: bool = False
    repo: str = ""
    api_url: str = DEFAULT_API
    labels: tuple[str, ...] = (LABEL,)
    timeout: float = 15.0
    token: str | None = field(default=None, repr=False)  # given in the file, not $token_env
    token_env: str = "GITHUB_TOKEN"


def parse_publish(loading: Loading, environ: dict[str, str] | None = None) -> PublishSettings:
    """Read `[publish.github]` once, at load (a missing token is reported then)."""
    environ = os.environ if environ is None else environ
    section = (loading.section("publish") or {})
    if not isinstance(section, dict):
        loading.problem("publish", "must be a table ([publish.github])")
        return PublishSettings()
    raw = section.get("github")
    if raw is None:
        return PublishSettings()
    if not isinstance(raw, dict):
        loading.problem("publish.github", "must be a table")
        return PublishSettings(configured=True)
    ok = True
    repo = raw.get("repo")
    if not isinstance(repo, str) or not _REPO.match(repo):
        loading.problem("publish.github.repo", "must be \"owner/name\"")
        ok = False
    api_url = raw.get("api_url", DEFAULT_API)
    if not isinstance(api_url, str) or not re.match(r"^https?://", api_url):
        loading.problem("publish.github.api_url", "must be an http(s) URL")
        ok = False
    labels = raw.get("labels", [])
    if not isinstance(labels, list) or not all(isinstance(x, str) and x.strip() for x in labels):
        loading.problem("publish.github.labels", "must be a list of label names")
        labels = []
    timeout = raw.get("timeout", 15)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        loading.problem("publish.github.timeout", "must be seconds (a positive number)")
        timeout = 15
    token = raw.get("token")
    token_env = raw.get("token_env", "GITHUB_TOKEN")
    if token is not None and not isinstance(token, str):
        loading.problem("publish.github.token", "must be a string")
        token = None
    if not isinstance(token_env, str):
        loading.problem("publish.github.token_env", "must be an environment variable name")
        token_env = "GITHUB_TOKEN"
    if not (token or environ.get(token_env)):
        loading.problem("publish.github.token",
                       f"no token: set ${token_env} or token = \"…\" in [publish.github]")
    return PublishSettings(True, ok, repo if ok else "", api_url if ok else DEFAULT_API,
                           tuple(dict.fromkeys([LABEL, *labels])), float(timeout),
                           token or None, token_env)


def github_target(config: Config, environ: dict[str, str] | None = None) -> GitHubTarget | None:
    """Where to file the postmortem, from `config.publish`; None when unusable (its
    problems are in `config.problems`). `environ` looks the token up again there."""
    settings: PublishSettings = config.publish
    environ = os.environ if environ is None else environ
    token = settings.token or environ.get(settings.token_env)
    if not settings.usable or not token:
        return None
    return GitHubTarget(settings.repo, token, settings.api_url, settings.labels, settings.timeout)


def issue_body(markdown_for_limit) -> str:  # noqa: ANN001 (callable: limit -> markdown)
    """The full Markdown, or, over GitHub's size limit, the first timeline lines that fit."""
    body = markdown_for_limit(None)
    limit = 4000
    while len(body) > BODY_LIMIT and limit >= 25:
        body = markdown_for_limit(limit)
        limit //= 2
    if len(body) > BODY_LIMIT:
        body = body[:BODY_LIMIT] + "\n\n_(cut to fit GitHub's size limit)_\n"
    return body


def already_published(store: Store, incident: Incident) -> str | None:
    row = store.query_one(
        "SELECT data FROM events WHERE incident_id = ? AND kind = 'published' ORDER BY id DESC "
        "LIMIT 1", (incident.id,))
    if row is None:
        return None
    import json

    return json.loads(row[0]).get("url") or "(no URL recorded)"


def file_issue(target: GitHubTarget, title: str, body: str) -> dict[str, Any]:
    """POST /repos/{owner}/{repo}/issues; the created issue's JSON, or a PublishError."""
    import httpx

    headers = {
        "Authorization": f"Bearer {target.token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "firedesk",
    }
    payload = {"title": title, "body": body, "labels": list(target.labels)}
    try:
        with httpx.Client(timeout=httpx.Timeout(target.timeout, connect=min(5.0, target.timeout)),
                          follow_redirects=False) as client:
            response = client.post(target.issues_url, json=payload, headers=headers)
    except httpx.TimeoutException as exc:
        raise PublishError(f"GitHub did not answer within {target.timeout:g}s "
                           f"({target.api_url}); nothing was filed") from exc
    except httpx.HTTPError as exc:
        raise PublishError(f"cannot reach {target.api_url}: {exc}; nothing was filed") from exc
    if response.status_code == 201:
        try:
            return response.json()
        except ValueError as exc:
            raise PublishError("GitHub answered 201 but not with JSON; check the repository "
                               "for a new issue before publishing again") from exc
    reasons = {
        401: "the token was refused (expired or wrong)",
        403: "the token may not create issues there (needs Issues: write), or a rate limit",
        404: f"repository {target.repo} not found, or the token cannot see it",
        410: f"issues are turned off in {target.repo}",
        422: "GitHub rejected the issue (a label or field it does not accept)",
    }
    detail = ""
    try:
        message = response.json().get("message")
        if isinstance(message, str):
            detail = f": {message[:200]}"
    except ValueError:
        pass
    reason = reasons.get(response.status_code, f"GitHub answered HTTP {response.status_code}")
    raise PublishError(f"{reason}{detail}; nothing was filed")


def publish_postmortem(store: Store, incident: Incident, target: GitHubTarget, *, author: str,
                       zone: str = "UTC", again: bool = False,
                       cadence_minutes: dict[str, int] | None = None,
                       people: list[str] | None = None,
                       alert_window: timedelta | None = None) -> dict[str, Any]:
    """Render, file, and record the filing on the timeline. Returns the issue's JSON."""
    from firedesk.review.export import build_postmortem
    from firedesk.review.md import render_markdown
    from firedesk.store.timeline import append_event

    previous = already_published(store, incident)
    if previous and not again:
        raise InvalidInput(f"{incident.key} was already published: {previous} "
                           "(--again files another issue)")
    pm = build_postmortem(store, incident, zone=zone, cadence_minutes=cadence_minutes,
                          people=people, **({"alert_window": alert_window}
                                            if alert_window is not None else {}))
    body = issue_body(lambda limit: render_markdown(pm, timeline_limit=limit))
    title = f"Post-mortem: {incident.key} — {incident.title}"[:250]
    issue = file_issue(target, title, body)
    url = issue.get("html_url") if isinstance(issue.get("html_url"), str) else None
    number = issue.get("number") if isinstance(issue.get("number"), int) else None
    with store.write():
        append_event(store, incident_id=incident.id, kind="published", author=author,
                     text=f"post-mortem filed as {target.repo}#{number}: {url}",
                     data={"repo": target.repo, "number": number, "url": url})
    return issue
