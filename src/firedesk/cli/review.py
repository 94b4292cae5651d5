"""The blameless review's commands: export, lint, publish, search, stats, replay."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from firedesk.cli.env import Env, reads_only
from firedesk.clock import WHEN_HELP
from firedesk.cli.output import emit_json, local_time, safe, table
from firedesk.errors import FiredeskError, InvalidInput

pass_env = click.make_pass_decorator(Env)


def _zone_name(env: Env, zone: str | None, incident: str | None = None) -> str:
    """The zone shown beside UTC: as asked, else the incident's display zone."""
    from firedesk.clock import zone_name, zone_named

    if zone:
        zone_named(zone)  # a clear error for an unknown zone
        return "UTC" if zone.upper() == "UTC" else zone
    if incident is not None:
        from firedesk.store import resolve_incident

        return zone_name(env.incident_zone(resolve_incident(env.store, incident)))
    name = zone_name(env.zone())
    try:
        zone_named(name)
    except InvalidInput:
        return "UTC"  # the machine's zone has no IANA name (only an abbreviation)
    return name


def _people(env: Env) -> list[str]:
    names: list[str] = []
    for person in env.config.people:
        names.append(person.name)
        if person.login:
            names.append(person.login)
    return names


def _gap(env: Env):
    from firedesk.review.lint import gap_setting

    return gap_setting(env.config)


def _write_output(text: str, output: str | None) -> None:
    if output is None or output == "-":
        sys.stdout.write(text)
        return
    target = Path(output)
    partial = target.with_name(target.name + ".partial")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise FiredeskError(f"cannot write {target}: {exc.strerror}") from exc
    click.echo(f"written to {target}", err=True)


@click.command()
@click.argument("incident")
@click.option("--format", "fmt", type=click.Choice(["md", "json", "html"]), default="md",
              show_default=True, help="Markdown, JSON (the same content as data), or HTML.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of stdout.")
@click.option("--zone", metavar="TZ", help="The zone shown beside UTC (default: the "
              "incident's display zone).")
@pass_env
@reads_only
def export(env: Env, incident: str, fmt: str, output: str | None, zone: str | None) -> None:
    """The postmortem of INCIDENT, built from the record (same record, same bytes)."""
    from firedesk.review.export import build_postmortem, render

    pm = build_postmortem(env.store, incident, zone=_zone_name(env, zone, incident),
                          cadence_minutes=env.config.cadence_minutes, people=_people(env),
                          alert_window=env.config.clock.alert_window)
    _write_output(render(pm, fmt), output)


@click.command()
@click.argument("incident", required=False)
@click.option("--json", "as_json", is_flag=True)
@pass_env
def lint(env: Env, incident: str | None, as_json: bool) -> None:
    """Blame wording, people named as causes, ownerless TODOs, unexplained gaps, and a
    required analysis not yet recorded. Without INCIDENT: every incident still missing
    its required analysis.

    Exits 1 when there is something to fix (fix an entry with `note --corrects N`)."""
    from firedesk.review.analysis import missing_analyses
    from firedesk.review.export import build_postmortem
    from firedesk.review.lint import Finding, lint_postmortem

    if incident is None:
        missing = missing_analyses(env.store)
        if as_json:
            emit_json([m.to_json() for m in missing])
        elif not missing:
            click.echo("no incident is missing a required analysis")
        for m in [] if as_json else missing:
            click.echo(f"{m.key} analysis-missing: {safe(m.title)} ({safe('; '.join(m.reasons))})")
        if missing:
            if not as_json:
                click.echo(f"{len(missing)} incident(s) missing an analysis "
                           "(firedesk analysis INC-N LINK, or --waive REASON)")
            sys.exit(1)
        return
    pm = build_postmortem(env.store, incident, cadence_minutes=env.config.cadence_minutes,
                          people=_people(env), alert_window=env.config.clock.alert_window)
    from firedesk.store import recent_authors

    findings = lint_postmortem(pm, gap=_gap(env),
                               people=[*_people(env), *recent_authors(env.store, limit=500)])
    for m in missing_analyses(env.store, pm.incident_id):
        findings.append(Finding("analysis-missing", m.event_id, None,
                                "an analysis is required (" + "; ".join(m.reasons) +
                                f"): record it with `firedesk analysis {m.key} LINK`"))
    if as_json:
        emit_json([f.to_json() for f in findings])
    elif not findings:
        click.echo(f"{pm.key}: nothing to fix")
    else:
        zone = pm.tz
        for f in findings:
            where = f"#{f.event_id}" if f.event_id else "-"
            click.echo(f"{pm.key} {where:<6} {local_time(f.at, zone)} {f.rule}: {safe(f.message)}")
            if f.excerpt:
                click.echo(f"    {safe(f.excerpt)}")
        click.echo(f"{len(findings)} finding(s)")
    if findings:
        sys.exit(1)


@click.command()
@click.argument("incident")
@click.option("--again", is_flag=True, help="File another issue even if one was filed.")
@click.option("--zone", metavar="TZ", help="The zone shown beside UTC (default: the "
              "incident's display zone).")
@pass_env
def publish(env: Env, incident: str, again: bool, zone: str | None) -> None:
    """File the postmortem as a GitHub issue labelled post-mortem ([publish.github])."""
    from firedesk.review.publish import github_target, publish_postmortem
    from firedesk.store import resolve_incident

    config = env.config
    target = github_target(config)
    if target is None:
        mine = config.problems_by.get("publish") or []
        if mine:
            raise InvalidInput(f"cannot publish: {mine[0]}")
        if config.publish.configured:
            raise InvalidInput(f"cannot publish: no token: set ${config.publish.token_env} or "
                               "token = \"…\" in [publish.github]")
        raise InvalidInput("cannot publish: no [publish.github] section in the config "
                           "(repo = \"owner/name\", token_env = \"GITHUB_TOKEN\")")
    found = resolve_incident(env.store, incident)
    issue = publish_postmortem(env.store, found, target, author=env.actor,
                               zone=_zone_name(env, zone, incident), again=again,
                               cadence_minutes=config.cadence_minutes, people=_people(env),
                               alert_window=config.clock.alert_window)
    click.echo(f"{found.key}: filed {target.repo}#{issue.get('number')} "
               f"{safe(issue.get('html_url') or '')}")


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True)
@pass_env
@reads_only
def search(env: Env, query: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Search incidents, timeline entries and alerts (best match first)."""
    from firedesk.review.search import search as run_search

    hits = run_search(env.store, " ".join(query), limit=limit)
    if as_json:
        emit_json([{"rank": n, **h.to_json()} for n, h in enumerate(hits, 1)])
        return
    if not hits:
        click.echo("no matches")
        return
    zone = env.zone()
    table([(h.incident or "-", h.kind, local_time(h.at, zone, True), safe(h.text, 90))
           for h in hits], ("INCIDENT", "KIND", "AT", "TEXT"))


def _since(env: Env, since: str | None) -> str | None:
    if not since:
        return None
    from datetime import datetime, time

    from firedesk.clock import parse_duration, to_iso

    text = since.strip()
    if text and text[-1].lower() in "dwhm" and text[:-1].isdigit():
        return to_iso(env.clock() - parse_duration(text))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"cannot read --since {since!r}; use a date (2026-11-01), "
                           "an ISO time, or a span like 30d") from exc
    if len(text) == 10:
        moment = datetime.combine(moment.date(), time(0), tzinfo=env.zone())
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=env.zone())
    return to_iso(moment)


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    from datetime import timedelta

    from firedesk.clock import format_duration

    return format_duration(timedelta(seconds=round(seconds)))


@click.command()
@click.option("--since", metavar="DATE", help="Only incidents declared since DATE (or 30d).")
@click.option("--json", "as_json", is_flag=True)
@pass_env
@reads_only
def stats(env: Env, since: str | None, as_json: bool) -> None:
    """How the response has gone: by severity, time to acknowledge and resolve, cadence, noise."""
    from firedesk.review.stats import incident_stats

    from firedesk.review.analysis import missing_analyses

    figures = incident_stats(env.store, since=_since(env, since),
                             cadence_minutes=env.config.cadence_minutes,
                             alert_window=env.config.clock.alert_window)
    missing = missing_analyses(env.store)
    if as_json:
        emit_json({**figures.to_json(), "analysis_missing": [m.to_json() for m in missing]})
        return
    click.echo(f"incidents: {figures.incidents} ({figures.open} open)"
               + (f" since {local_time(figures.since, env.zone(), True)}" if figures.since else ""))
    click.echo("by severity: " + ", ".join(f"{s} {n}" for s, n in figures.by_severity.items()))
    for label, spread in (("time to acknowledge", figures.time_to_acknowledge),
                          ("time to resolve", figures.time_to_resolve)):
        click.echo(f"{label}: mean {_minutes(spread.mean)}, median {_minutes(spread.median)} "
                   f"({spread.count} incidents)"
                   + (f"; not measured for {figures.acknowledge_not_measured} (nobody but the "
                      "declarer responded)" if label == "time to acknowledge"
                      and figures.acknowledge_not_measured else ""))
    click.echo(f"updates: {figures.updates_sent} sent; deadlines: {figures.deadlines_kept} "
               f"kept, {figures.deadlines_missed} missed "
               f"({figures.incidents_with_missed_deadlines} incidents with a missed deadline)")
    if figures.alerts is not None:
        ratio = ("-" if figures.alert_noise_ratio is None
                 else f"{figures.alert_noise_ratio:.0%}")
        click.echo(f"alerts: {figures.alerts}, {figures.alerts_without_incident if figures.alerts_without_incident is not None else '-'} "
                   f"never part of an incident (noise {ratio})"
                   + (f", {figures.alerts_marked_noise} marked as noise"
                      if figures.alerts_marked_noise else ""))
    for note in figures.notes:
        click.echo(f"note: {note}")
    if missing:
        click.echo(f"analysis missing: {', '.join(m.key for m in missing)} "
                   "(firedesk lint lists why)")


@click.command()
@click.argument("incident")
@click.option("--at", "at", metavar="TIME", required=True,
              help="The instant to look at: " + WHEN_HELP)
@click.option("--json", "as_json", is_flag=True)
@pass_env
@reads_only
def replay(env: Env, incident: str, at: str, as_json: bool) -> None:
    """INCIDENT as it stood at an instant: status, severity, roles, hypotheses, alerts."""
    from firedesk.clock import parse_when, to_iso
    from firedesk.review.replay import Replay
    from firedesk.store import resolve_incident

    found = resolve_incident(env.store, incident)
    # HH:MM is the latest such moment up to now; the future has nothing to replay.
    moment = to_iso(parse_when(at, env.clock(), env.incident_zone(found)))
    state = Replay(env.store, found, cadence_minutes=env.config.cadence_minutes,
                   alert_window=env.config.clock.alert_window).at(moment)
    if as_json:
        emit_json(state.to_json())
        return
    zone = env.incident_zone(found)
    click.echo(f"{found.key} at {local_time(moment, zone, True)}")
    if not state.declared:
        click.echo("not declared yet")
        return
    click.echo(f"status {state.status}, severity {state.severity}, {state.events} events")
    click.echo("roles: " + (", ".join(f"{r} {safe(', '.join(p))}" for r, p in state.roles.items())
                            or "none"))
    click.echo("open hypotheses: " + (", ".join(safe(h, 60) for h in state.open_hypotheses)
                                      or "none"))
    if state.alerts:
        click.echo("alerts: " + ", ".join(f"{safe(a['title'], 50)} ({a['status']})"
                                          for a in state.alerts))
    if state.last_update:
        click.echo(f"last update {local_time(state.last_update['at'], zone)}: "
                   f"{safe(state.last_update['text'], 80)}")
    else:
        click.echo("no stakeholder update yet")
    from firedesk.cli.record import show_measures

    show_measures(state.measures, zone)


COMMANDS = [export, lint, publish, search, stats, replay]
