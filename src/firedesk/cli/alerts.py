"""The alert feed's commands: ingest, receive, poll, alerts, ack, snooze, attach, detach, silence.

Heavy imports (aiohttp, httpx, watchfiles) stay inside the commands that need them.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone

import click

from firedesk.cli.env import Env, reads_only
from firedesk.cli.output import emit_json, local_time, safe, table
from firedesk.errors import FiredeskError, InvalidInput

pass_env = click.make_pass_decorator(Env)
SOURCE_HELP = ("auto (detect), alertmanager, grafana, pagerduty, sentry, datadog, opsgenie, "
               "cloudwatch, generic, or a [receiver.generic.NAME] mapping")


def _settings(env: Env):
    from firedesk.intake.settings import receiver_settings

    return receiver_settings(env.config)


def _payloads(data: bytes):
    """One JSON document, or JSON lines of them: [(line number or None, decoded, raw)]."""
    from firedesk.intake.alert import MalformedPayload
    from firedesk.intake.detect import decode_json

    try:
        return [(None, decode_json(data), data)]
    except MalformedPayload as whole:
        lines = [(n, line) for n, line in enumerate(data.splitlines(), 1) if line.strip()]
        if len(lines) < 2:
            raise whole
        out = []
        for number, line in lines:
            try:
                out.append((number, decode_json(line), line))
            except MalformedPayload as exc:
                raise MalformedPayload(f"line {number}: {exc}") from None
        return out


@click.command()
@click.argument("file", type=click.File("rb"), metavar="FILE|-")
@click.option("--source", "-s", default="auto", show_default=True, metavar="SOURCE", help=SOURCE_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print what was stored as JSON.")
@pass_env
def ingest(env: Env, file, source: str, as_json: bool) -> None:  # noqa: ANN001
    """Store one alert payload (or JSON lines of payloads) from FILE or stdin.

    All payloads are read first; if any cannot be read nothing is stored.
    """
    from firedesk.intake.alert import UnrecognisedPayload
    from firedesk.intake.detect import parse_body
    from firedesk.intake.storage import record_deliveries

    settings = _settings(env)
    if source not in ("auto", "generic", *settings.known_sources):
        raise InvalidInput(f"unknown source {source!r}; use {SOURCE_HELP}")
    data = file.read()
    store = env.store
    items = []
    for number, body, raw in _payloads(data):
        try:
            parsed = parse_body(body, source, generic=settings.generic, now=store.now())
        except UnrecognisedPayload as exc:
            raise UnrecognisedPayload(f"line {number}: {exc}" if number else str(exc)) from None
        items.append((parsed, raw))
    origin = getattr(file, "name", None)
    results = record_deliveries(store, items, via="ingest",
                                origin=None if origin in (None, "-", "<stdin>") else str(origin))
    if as_json:
        emit_json([r.to_json() for r in results])
        return
    for result in results:
        click.echo(safe(result.describe()))


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8787, show_default=True, type=int, help="Port (0: any free port).")
@click.option("--spool", type=click.Path(file_okay=False), metavar="DIR",
              help="Also take *.json payloads dropped in DIR (moved to done/ or failed/).")
@pass_env
def receive(env: Env, host: str, port: int, spool: str | None) -> None:
    """Run the webhook receiver: POST /hooks/<source> or /hooks/auto, GET /healthz.

    \b
    Every request needs a credential from firedesk.toml:
      [receiver] token = "..."            bearer token, or the basic-auth password
      [receiver.sources.pagerduty] secret X-PagerDuty-Signature (v1=, any may match)
      [receiver.sources.sentry] secret    Sentry-Hook-Signature
      [receiver.sources.grafana] secret   X-Grafana-Alerting-Signature (HMAC)
      [receiver.sources.NAME] allow_unauthenticated = true   to accept none at all
    [receiver] max_body (default 2MiB) answers 413 above it; a busy database answers
    503 so senders retry; 2xx means the alerts are committed. Credentials are checked
    from the headers before the body is read; header_timeout (10s), body_timeout (30s)
    and max_connections (256; a few more may still ask /healthz) bound slow and
    numerous clients.
    """
    import asyncio
    import logging
    from pathlib import Path

    from firedesk.intake.receiver import Receiver, serve

    settings = _settings(env)
    for problem in env.config.problems:
        click.echo(f"firedesk receive: config problem: {safe(str(problem))}", err=True)
    if not settings.token and not any(s.secrets or s.token or s.allow_unauthenticated
                                      for s in settings.sources.values()):
        click.echo("firedesk receive: no [receiver] token or source secrets configured: every "
                   "request will be refused (401). See `firedesk receive --help`.", err=True)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(message)s")
    receiver = Receiver(env.db_path, settings,
                        on_recorded=lambda r: logging.getLogger("firedesk.receive").info(safe(r.describe())))

    def announce(line: str) -> None:
        click.echo(line)
        sys.stdout.flush()

    try:
        asyncio.run(serve(receiver, host, port, spool=Path(spool) if spool else None,
                          announce=announce))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise FiredeskError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    finally:
        receiver.close()


@click.command()
@click.argument("kind", type=click.Choice(["alertmanager"]))
@click.argument("url")
@click.option("--interval", default=15.0, show_default=True, type=float, help="Seconds between polls.")
@click.option("--once", is_flag=True, help="Poll once, print what changed, and exit (1 on failure).")
@pass_env
def poll(env: Env, kind: str, url: str, interval: float, once: bool) -> None:
    """Poll an Alertmanager's API v2 for alerts (failures show in `firedesk doctor`)."""
    from firedesk.intake.poller import alerts_url, poll_forever, poll_once

    if interval < 1:
        raise InvalidInput("--interval must be at least 1 second")
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(f"{url!r} is not an http(s) URL")
    target = alerts_url(url)
    if once:
        result = poll_once(env.store, target, interval)
        click.echo(f"{target}: " + ("unchanged" if result.duplicate else
                                     f"{result.mentions} listed, {result.new} new, "
                                     f"{result.resolved} resolved"))
        return
    click.echo(f"polling {target} every {interval:g}s (Ctrl-C stops)")
    try:
        poll_forever(env.store, target, interval, report=lambda line: click.echo(safe(line)))
    except KeyboardInterrupt:
        pass


def _age(stored: str | None, now: datetime) -> str:
    from firedesk.clock import format_duration, parse_utc

    return format_duration(now - parse_utc(stored)) if stored else "-"


@click.command(name="alerts")
@click.option("--status", type=click.Choice(["firing", "resolved"]), help="Only this status.")
@click.option("--incident", metavar="INCIDENT", help="Only alerts attached to this incident.")
@click.option("--json", "as_json", is_flag=True)
@pass_env
@reads_only
def alerts_command(env: Env, status: str | None, incident: str | None, as_json: bool) -> None:
    """The alert feed: firing first, then by severity; one row per deduplicated alert."""
    from firedesk.intake.triage import list_alerts
    from firedesk.store import resolve_incident

    from firedesk.intake.sns import pending_notices

    store = env.store
    incident_id = resolve_incident(store, incident).id if incident else None
    found = list_alerts(store, status=status, incident_id=incident_id)
    for notice in pending_notices(store):  # SNS sends nothing until someone confirms
        click.echo(safe(notice), err=as_json)
    if as_json:
        emit_json([a.to_json() for a in found])
        return
    if not found:
        click.echo("no alerts" + (f" ({status})" if status else ""))
        return
    now = env.clock().astimezone(timezone.utc)
    stamp = store.now()
    rows = []
    for a in found:
        flags = "".join(flag for flag, on in (("z", a.snoozed(stamp)), ("n", a.noise),
                                              ("~", a.flapping)) if on)
        rows.append((a.id, a.severity, a.status + (f" {flags}" if flags else ""), a.count,
                     _age(a.starts_at or a.first_seen, now), a.service or "-", a.owner or "-",
                     a.acked_by or "-", a.incident or "-", a.title))
    table(rows, ("ID", "SEVERITY", "STATUS", "COUNT", "AGE", "SERVICE", "OWNER", "ACKED",
                 "INCIDENT", "TITLE"))


@click.command()
@click.argument("alert")
@pass_env
def ack(env: Env, alert: str) -> None:
    """Acknowledge ALERT (its id, or its dedup key): you have it in hand."""
    from firedesk.intake.triage import ack_alert, find_alert

    found = ack_alert(env.store, find_alert(env.store, alert), author=env.actor)
    click.echo(f"alert {found.id} acknowledged by {safe(found.acked_by)}: {safe(found.title, 80)}")


@click.command()
@click.argument("alert")
@click.option("--to", "to", metavar="NAME", help="Hand it to NAME instead of taking it yourself.")
@pass_env
def take(env: Env, alert: str, to: str | None) -> None:
    """Take ALERT (you have it now), or hand it --to someone; the owner shows everywhere."""
    from firedesk.intake.triage import find_alert, take_alert

    owner = _person(env, to) if to else env.actor
    found = take_alert(env.store, find_alert(env.store, alert), author=env.actor, owner=owner)
    click.echo(f"alert {found.id} is {safe(found.owner)}'s now: {safe(found.title, 80)}")


def _person(env: Env, name: str) -> str:
    """A configured person's name (by name or login, any case), else NAME as given."""
    wanted = name.strip()
    found = env.config.person(wanted) or next(
        (p for p in env.config.people if wanted.lower() in (p.name.lower(), (p.login or "").lower())), None)
    return found.name if found else wanted


@click.command()
@click.argument("alert")
@click.argument("duration")
@click.option("--reason", required=True, help="Why it can wait (recorded).")
@pass_env
def snooze(env: Env, alert: str, duration: str, reason: str) -> None:
    """Snooze ALERT for DURATION (15m, 1h30m, 2d) with a reason."""
    from firedesk.clock import parse_duration
    from firedesk.intake.triage import find_alert, snooze_alert

    delta = parse_duration(duration)
    found = snooze_alert(env.store, find_alert(env.store, alert), delta, reason=reason,
                         author=env.actor)
    click.echo(f"alert {found.id} snoozed until {local_time(found.snoozed_until, env.zone(), True)}: "
               f"{safe(found.title, 80)}")


def _chosen(env: Env, alerts: tuple[str, ...], group: str | None) -> list:
    """The alerts named, or every alert in the feed's group GROUP ([alerts] group_by)."""
    from firedesk.intake.feed import group_name
    from firedesk.intake.triage import find_alert, list_alerts

    if group is not None and alerts:
        raise InvalidInput("name alerts or --group, not both")
    if group is None:
        if not alerts:
            raise InvalidInput("name at least one ALERT (its id or dedup key), or --group NAME")
        found = {a.id: a for a in (find_alert(env.store, ref) for ref in alerts)}
        return list(found.values())
    group_by = env.config.alerts.group_by
    members = [a for a in list_alerts(env.store) if group_name(a, group_by) == group]
    if not members:
        raise InvalidInput(f"no alert is in group {group!r} (grouped by {', '.join(group_by)}; "
                           "`firedesk alerts` shows the alertname label)")
    return members


@click.command()
@click.argument("alerts", nargs=-1, metavar="ALERT...")
@click.argument("incident")
@click.option("--group", metavar="NAME",
              help="Every alert in this group (e.g. alertname=HighLatency, as the console "
                   "shows it), in one timeline entry.")
@pass_env
def attach(env: Env, alerts: tuple[str, ...], incident: str, group: str | None) -> None:
    """Attach ALERT(s) to INCIDENT (recorded on the incident's timeline: one entry for one
    alert, one entry naming the count for several or a --group)."""
    from firedesk.intake.triage import attach_alert
    from firedesk.store import resolve_incident

    store = env.store
    target = resolve_incident(store, incident)
    chosen = _chosen(env, alerts, group)
    fresh = [a for a in chosen if a.incident_id != target.id]
    if not fresh:
        click.echo(f"already attached to {target.key}; nothing was recorded")
        return
    if len(chosen) == 1 and group is None:
        found = attach_alert(store, chosen[0], target, author=env.actor)
        click.echo(f"alert {found.id} attached to {target.key}: {safe(found.title, 80)}")
        return
    attach_alert(store, chosen, target, author=env.actor, group=group)
    click.echo(f"{len(fresh)} alerts attached to {target.key}"
               + (f" (group {safe(group, 80)})" if group else ""))


@click.command()
@click.argument("alerts", nargs=-1, metavar="ALERT...")
@click.option("--group", metavar="NAME", help="Every alert in this group, in one entry.")
@pass_env
def detach(env: Env, alerts: tuple[str, ...], group: str | None) -> None:
    """Undo an attachment: ALERT(s) leave their incident (on its timeline)."""
    from firedesk.intake.triage import detach_alert

    chosen = [a for a in _chosen(env, alerts, group) if a.incident_id]
    if not chosen:
        raise InvalidInput("not attached to an incident; nothing was recorded")
    if len(chosen) == 1 and group is None:
        found = detach_alert(env.store, chosen[0], author=env.actor)
        click.echo(f"alert {found.id} detached from {chosen[0].incident}: {safe(found.title, 80)}")
        return
    detach_alert(env.store, chosen, author=env.actor, group=group)
    click.echo(f"{len(chosen)} alerts detached" + (f" (group {safe(group, 80)})" if group else ""))


@click.command()
@click.argument("alert")
@click.argument("duration")
@click.option("--reason", required=True, help="Why (sent as the silence's comment).")
@pass_env
def silence(env: Env, alert: str, duration: str, reason: str) -> None:
    """Create an Alertmanager silence for ALERT ([receiver.sources.alertmanager] url)."""
    from firedesk.clock import parse_duration
    from firedesk.intake.silences import silence_alert
    from firedesk.intake.triage import find_alert

    url = _settings(env).source("alertmanager").url
    if not url:
        raise InvalidInput("no Alertmanager url configured ([receiver.sources.alertmanager] url)")
    found = silence_alert(env.store, find_alert(env.store, alert), url, parse_duration(duration),
                          reason=reason, author=env.actor)
    click.echo(f"alert {found.id} silenced in Alertmanager ({found.silence_id})")


@click.group()
def sns() -> None:
    """AWS SNS subscriptions: SNS sends nothing until its SubscribeURL is opened."""


@sns.command(name="list")
@click.option("--json", "as_json", is_flag=True)
@pass_env
def sns_list(env: Env, as_json: bool) -> None:
    """Every SubscriptionConfirmation received, and whether it was confirmed."""
    from firedesk.intake.sns import subscriptions

    found = subscriptions(env.store)
    if as_json:
        emit_json([s.to_json() for s in found])
        return
    if not found:
        click.echo("no SNS subscription requests received")
        return
    table([(s.topic_arn, local_time(s.received_at, env.zone(), True),
            f"confirmed by {s.confirmed_by}" if s.confirmed_at else "waiting", s.subscribe_url)
           for s in found], ("TOPIC", "RECEIVED", "STATE", "SUBSCRIBE URL"))


@sns.command(name="confirm")
@click.argument("topic", required=False, metavar="[TOPIC_ARN]")
@pass_env
def sns_confirm(env: Env, topic: str | None) -> None:
    """Confirm a subscription: an HTTPS GET of its SubscribeURL, to sns.<region>.amazonaws.com only.

    Without TOPIC_ARN, the only subscription waiting. Recorded with who confirmed it.
    """
    from firedesk.intake.sns import confirm_subscription, find_subscription

    found = confirm_subscription(env.store, find_subscription(env.store, topic), author=env.actor)
    click.echo(f"confirmed the SNS subscription to {safe(found.topic_arn)}"
               + (f" ({safe(found.subscription_arn)})" if found.subscription_arn else ""))


COMMANDS = [ingest, receive, poll, alerts_command, ack, take, snooze, attach, detach, silence,
            sns]
