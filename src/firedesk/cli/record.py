"""The record's commands: declare, note, assign, status, severity, and looking back."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import click

from firedesk.cli.env import Env, reads_only
from firedesk.cli.output import emit_json, local_time, safe, table
from firedesk.clock import WHEN_HELP, parse_when, to_iso
from firedesk.errors import FiredeskError
from firedesk.model import ENTRY_KINDS, SEVERITIES, STATUSES

pass_env = click.make_pass_decorator(Env)


def read_stdin_text(what: str) -> str:
    """Standard input exactly as sent (no newline translation), less one final newline."""
    data = click.get_binary_stream("stdin").read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FiredeskError(f"the {what} on standard input is not UTF-8 text "
                            f"(byte {exc.start}); nothing was recorded") from exc
    return text[:-1] if text.endswith("\n") else text


@click.command()
@pass_env
def init(env: Env) -> None:
    """Create the record, and a commented starter config if there is none."""
    from firedesk.config import STARTER_CONFIG, find_config

    store = env.store
    click.echo(f"record: {store.path}")
    if find_config(env.config_path) is None:
        target = Path("firedesk.toml")
        if not target.exists():
            target.write_text(STARTER_CONFIG)
            click.echo(f"config: {target} (starter, commented)")
    else:
        click.echo(f"config: {find_config(env.config_path)}")


@click.command()
@click.argument("title")
@click.option("--severity", "-s", required=True, metavar="SEV1..SEV5", help="How bad it is.")
@click.option("--service", metavar="NAME", help="The service on fire.")
@click.option("--summary", metavar="TEXT", help="One paragraph: what is happening.")
@click.option("--zone", metavar="TZ", help="The zone its times are shown in (default: the "
              "config's [clock] zone, else UTC), e.g. Asia/Kolkata.")
@click.option("--json", "as_json", is_flag=True, help="Print the incident as JSON.")
@pass_env
def declare(env: Env, title: str, severity: str, service: str | None, summary: str | None,
            zone: str | None, as_json: bool) -> None:
    """Declare an incident; prints its key (INC-12) first."""
    from firedesk.store import declare_incident, parse_severity

    incident = declare_incident(env.store, title, severity=parse_severity(severity),
                                author=env.actor, service=service, summary=summary,
                                zone=zone or env.config.clock.zone)
    if as_json:
        emit_json(incident.to_json())
    else:
        click.echo(incident.key)
        click.echo(f"declared {incident.severity} {safe(incident.title)} by {safe(incident.declared_by)}")


@click.command()
@click.option("--all", "show_all", is_flag=True, help="Include resolved incidents.")
@click.option("--json", "as_json", is_flag=True)
@pass_env
@reads_only
def incidents(env: Env, show_all: bool, as_json: bool) -> None:
    """List incidents: open ones first, most severe first."""
    from firedesk.store import list_incidents

    found = list_incidents(env.store, include_resolved=show_all)
    if as_json:
        emit_json([i.to_json() for i in found])
        return
    if not found:
        click.echo("no open incidents" + ("" if show_all else " (--all shows resolved ones)"))
        return
    table(
        [(i.key, i.severity, i.status, local_time(i.declared_at, env.incident_zone(i), True),
          i.service or "-", i.title) for i in found],
        ("KEY", "SEV", "STATUS", "DECLARED", "SERVICE", "TITLE"),
    )


@click.command()
@click.argument("incident")
@click.option("--json", "as_json", is_flag=True)
@pass_env
@reads_only
def show(env: Env, incident: str, as_json: bool) -> None:
    """Current state: status, severity, roles, update clock."""
    from firedesk.cli.state import incident_state

    state = incident_state(env, incident)
    if as_json:
        emit_json(state)
        return
    from firedesk.clock import display_zone, zone_name

    zone = display_zone(state["zone"], env.config.clock)
    click.echo(f"{state['key']}  {state['severity']}  {state['status']}  {safe(state['title'])}")
    click.echo(f"service:  {safe(state['service'] or '-')}")
    click.echo(f"zone:     {zone_name(zone)} (times below; `firedesk zone` changes it)")
    click.echo(f"declared: {local_time(state['declared_at'], zone, True)} by {safe(state['declared_by'])}")
    if state["summary"]:
        click.echo(f"summary:  {safe(state['summary'])}")
    roles = state["roles"] or {}
    click.echo("roles:    " + (", ".join(
        f"{role} {safe(p if isinstance(p, str) else ', '.join(p))}" for role, p in roles.items()
    ) or "none assigned"))
    for key, label in (("update_due_at", "next update due"),):
        if state.get(key):
            click.echo(f"{label}: {local_time(state[key], zone, True)}")
    click.echo(f"events:   {state['event_count']}")
    show_measures(state["measures"], zone)


def show_measures(measured: dict, zone) -> None:  # noqa: ANN001
    """The response's milestones and numbers, as `stats` and the postmortem count them."""
    milestones, intervals = measured["milestones"], measured["intervals"]
    for name, label, interval in (("detected", "detected", "time to detect"),
                                  ("acknowledged", "acknowledged", "time to acknowledge"),
                                  ("mitigated", "mitigated", "time to mitigate"),
                                  ("resolved", "resolved", "time to resolve")):
        m = milestones[name]
        if m["at"]:
            took = intervals[interval]["text"]
            click.echo(f"{label + ':':<14}{local_time(m['at'], zone, True)} ({safe(m['source'])}"
                       f"; {interval} {took})")
        elif m["source"]:
            click.echo(f"{label + ':':<14}{safe(m['source'])}")
    updates = measured["updates"]
    gap = updates["longest_gap_seconds"]
    click.echo(f"updates:      {updates['sent']} sent; deadlines: {updates['deadlines_kept']} "
               f"kept, {updates['deadlines_missed']} missed"
               + (f"; longest gap {_duration(gap)}" if gap is not None else ""))
    for note in measured["ignored"]:
        click.echo(f"note:         {safe(note)}")


def _duration(seconds: int) -> str:
    from datetime import timedelta

    from firedesk.clock import format_duration

    return format_duration(timedelta(seconds=seconds))


@click.command()
@click.argument("incident")
@click.argument("text")
@click.option("--kind", "-k", type=click.Choice(ENTRY_KINDS, case_sensitive=False), default="note",
              show_default=True, help="What kind of entry.")
@click.option("--at", "at", metavar="TIME", help="When it happened (backdate): " + WHEN_HELP)
@click.option("--corrects", type=int, metavar="EVENT", help="The event this entry corrects.")
@pass_env
def note(env: Env, incident: str, text: str, kind: str, at: str | None, corrects: int | None) -> None:
    """Add a note, hypothesis, action, decision or update (TEXT - reads stdin)."""
    from firedesk.store import add_entry, resolve_incident

    if text == "-":
        text = read_stdin_text("note")
    store = env.store
    found = resolve_incident(store, incident)
    moment = to_iso(parse_when(at, env.clock(), env.incident_zone(found))) if at else None
    event = add_entry(store, found, text, author=env.actor, kind=kind.lower(), at=moment,
                      corrects=corrects)
    click.echo(f"{found.key} #{event.id} {event.kind} recorded")


@click.command()
@click.argument("incident")
@click.argument("zone", metavar="TZ")
@pass_env
def zone(env: Env, incident: str, zone: str) -> None:
    """Show INCIDENT's times in TZ from now on, for everyone (recorded on its timeline)."""
    from firedesk.store import resolve_incident, set_zone

    found = resolve_incident(env.store, incident)
    event = set_zone(env.store, found, zone, author=env.actor, default=env.config.clock.zone)
    click.echo(f"{found.key}: " + (safe(event.text) if event else
                                   f"times already shown in {safe(zone)}"))


@click.command()
@click.argument("incident")
@click.argument("role")
@click.argument("person")
@pass_env
def assign(env: Env, incident: str, role: str, person: str) -> None:
    """Give PERSON a ROLE (leader, communications, investigator, …)."""
    from firedesk.roles import find_role
    from firedesk.store import assign_role, resolve_incident

    found_role = find_role(role, env.config)
    target = env.config.person(person)
    name = target.name if target else person
    found = resolve_incident(env.store, incident)
    event = assign_role(env.store, found, found_role.name, name, author=env.actor,
                        shared=found_role.shared)
    if event is None:
        click.echo(f"{found.key}: {safe(name)} is already {found_role.name}")
    else:
        click.echo(f"{found.key}: {safe(event.text)}")


@click.command()
@click.argument("incident")
@click.argument("status", metavar="|".join(STATUSES))
@click.option("--note", default="", help="Why (recorded with the change).")
@pass_env
def status(env: Env, incident: str, status: str, note: str) -> None:
    """Set the status (investigating … resolved)."""
    from firedesk.review.analysis import analysis_rules, missing_analyses, set_status_checked
    from firedesk.store import parse_status, resolve_incident

    status = parse_status(status)
    found = resolve_incident(env.store, incident)
    event = set_status_checked(env.store, found, status, author=env.actor, note=note,
                               rules=analysis_rules(env.config))
    click.echo(f"{found.key}: " + (f"status {status}" if event else f"already {status}"))
    if event and status == "resolved":
        for missing in missing_analyses(env.store, found.id):
            click.echo(f"{found.key}: analysis required ({safe('; '.join(missing.reasons))}); "
                       f"record it with `firedesk analysis {found.key} LINK`")


@click.command()
@click.argument("incident")
@click.argument("severity", metavar="SEV1..SEV5")
@click.option("--note", default="", help="Why (recorded with the change).")
@pass_env
def severity(env: Env, incident: str, severity: str, note: str) -> None:
    """Set the severity: SEV1 (worst) to SEV5."""
    from firedesk.store import parse_severity, resolve_incident, set_severity

    severity = parse_severity(severity)
    found = resolve_incident(env.store, incident)
    event = set_severity(env.store, found, severity, author=env.actor, note=note)
    click.echo(f"{found.key}: " + (f"severity {severity}" if event else f"already {severity}"))


@click.command()
@click.argument("incident")
@click.option("--json", "as_json", is_flag=True)
@click.option("--utc", is_flag=True, help="Show times in UTC instead of the incident's zone.")
@pass_env
@reads_only
def timeline(env: Env, incident: str, as_json: bool, utc: bool) -> None:
    """The incident's timeline, in the order things were recorded."""
    from datetime import timezone

    from firedesk.store import events_for, resolve_incident

    found = resolve_incident(env.store, incident)
    events = events_for(env.store, found.id)
    if as_json:
        emit_json([e.to_json() for e in events])
        return
    from firedesk.clock import day_line, show_time

    zone = timezone.utc if utc else env.incident_zone(found)
    day = None
    for e in events:
        # A line names the day (and the zone) whenever it changes, so the columns hold.
        line = day_line(e.at, zone)
        if line != day:
            click.echo(f"── {line} ──")
            day = line
        backdated = "*" if e.at != e.recorded_at and e.at[:16] != e.recorded_at[:16] else " "
        who = e.author + (f" ({e.role})" if e.role else "")
        click.echo(f"#{e.id:<5} {show_time(e.at, zone, label_zone=False)}{backdated} "
                   f"{e.kind:<10} {safe(who)}: {safe(e.text)}")


@click.command()
@pass_env
@reads_only
def verify(env: Env) -> None:
    """Prove the record is intact (integrity, hash chain, state)."""
    from firedesk.store import verify_chain
    from firedesk.store.derived import derived_mismatches

    store = env.store
    integrity = [r[0] for r in store.query("PRAGMA integrity_check")]
    if integrity != ["ok"]:
        raise FiredeskError(f"integrity_check failed: {'; '.join(integrity[:3])}")
    report = verify_chain(store)
    problems = [] if report.ok else [f"the timeline was altered: {report.problem}"]
    problems += [f"current state disagrees with the timeline: {m}"
                 for m in derived_mismatches(store)]
    if problems:
        for problem in problems:
            click.echo(f"FAILED: {safe(problem)}", err=True)
        raise FiredeskError(f"the record does not verify ({len(problems)} problem(s) above)")
    click.echo(f"ok: {report.count} events, hash chain intact, head {report.head[:16]}…")


@click.command()
@click.argument("dest", type=click.Path())
@pass_env
def backup(env: Env, dest: str) -> None:
    """Copy the live record to DEST, consistently."""
    from firedesk.store.backup import backup_to

    target = backup_to(env.store, dest)
    click.echo(f"backup written to {target}")


@click.command()
@pass_env
def doctor(env: Env) -> None:
    """Check paths, schema, WAL, permissions and config."""
    from firedesk.config import ConfigError, find_config
    from firedesk.store.connection import filesystem_type

    problems: list[str] = []
    config_file = find_config(env.config_path)
    click.echo(f"config:   {config_file or '(none: built-in defaults)'}")
    try:
        config = env.config
        from firedesk.cli.checks import config_problems

        problems.extend(str(p) for p in config_problems(config))
    except ConfigError as exc:
        problems.append(str(exc))
    path = env.db_path
    click.echo(f"record:   {path}")
    click.echo(f"identity: {safe(env.actor)}")
    try:
        from firedesk.cli.checks import serve_summary

        click.echo(f"serve:    {safe(serve_summary(env.config, path.resolve()))}")
    except ConfigError:
        pass
    try:
        store = env.store
        mode = store.query_one("PRAGMA journal_mode")[0]
        click.echo(f"sqlite:   {sqlite3.sqlite_version}, journal {mode}, "
                   f"filesystem {filesystem_type(path.parent) or 'unknown'}")
        for name, applied in store.schema_versions().items():
            click.echo(f"schema:   {name} {applied[-1] if applied else '(none)'} ({len(applied)} applied)")
        for suffix in ("", "-wal", "-shm"):
            f = Path(str(path) + suffix)
            if f.exists() and not os.access(f, os.W_OK):
                problems.append(f"{f} is not writable by you: responders need a shared group "
                                "(chgrp, chmod g+w, setgid directory)")
        wal = Path(str(path) + "-wal")
        if wal.exists():
            click.echo(f"wal:      {wal.stat().st_size / 1048576:.1f} MiB")
        counts = store.query_one(
            "SELECT (SELECT count(*) FROM incidents), (SELECT count(*) FROM events)")
        click.echo(f"contents: {counts[0]} incidents, {counts[1]} events")
        from firedesk.cli.checks import store_problems

        problems.extend(store_problems(env))
    except FiredeskError as exc:
        problems.append(str(exc))
    if problems:
        click.echo(f"\n{len(problems)} problem(s):")
        for p in problems:
            click.echo(f"  - {safe(p)}")
        raise SystemExit(1)
    click.echo("\nno problems found")


COMMANDS = [init, declare, incidents, show, note, zone, assign, status, severity, timeline, verify,
            backup, doctor]
