"""Who to wake, from the command line: `oncall`, `wake`, `coverage` and `page`.

Everything is computed from the config alone (no paging SaaS needed); times are shown in
each person's own zone and the reader's. `page` records who was paged on the timeline.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

import click

from firedesk.cli.env import Env
from firedesk.cli.output import emit_json, safe, table
from firedesk.clock import parse_duration, to_iso
from firedesk.errors import InvalidInput, NotFound

pass_env = click.make_pass_decorator(Env)

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_at(text: str | None, now: datetime, zone: tzinfo) -> datetime:
    """`--at`: ISO 8601 (the reader's zone when no offset), `HH:MM` today, `now`, `+2h`, `-1d`.

    Unlike timeline entries, this may be in the future: "who is on call on Saturday?".
    """
    if text is None or text.strip().lower() == "now":
        return now.astimezone(timezone.utc)
    raw = text.strip()
    if raw[0] in "+-":
        try:
            delta = parse_duration(raw[1:])
            moment = now + delta if raw[0] == "+" else now - delta
        except OverflowError:
            moment = datetime.max.replace(tzinfo=timezone.utc)
        if not 1970 <= moment.year <= 2200:
            raise InvalidInput(f"{text!r} is too far away; use a time between 1970 and 2200")
        return moment.astimezone(timezone.utc)
    match = _CLOCK.match(raw)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise InvalidInput(f"{text!r} is not a time of day; use HH:MM, e.g. 03:00")
        local = now.astimezone(zone).replace(hour=hour, minute=minute, second=0, microsecond=0)
        return local.astimezone(timezone.utc)
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"cannot read time {text!r}; use ISO 8601 like 2026-11-24T03:00Z, "
                           "HH:MM (today), now, or +2h") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    if not 1970 <= moment.year <= 2200:
        raise InvalidInput(f"{text!r} is too far away; use a time between 1970 and 2200")
    return moment.astimezone(timezone.utc)


def _load(env: Env):  # -> OnCall
    """The validated set-up; config problems are a warning here (`doctor` lists them)."""
    count = len(env.config.problems)
    if count:
        click.echo(f"firedesk: warning: {count} config problem{'s' if count > 1 else ''} "
                   "(firedesk doctor lists them)", err=True)
    return env.config.oncall


def _zone_label(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or datetime.now(zone).tzname() or "local time"


def _when(moment: datetime, zone: tzinfo, with_date: bool = True) -> str:
    return moment.astimezone(zone).strftime("%a %Y-%m-%d %H:%M" if with_date else "%a %H:%M")


def _labelled(moment: datetime, zone: tzinfo) -> str:
    """`Sun 2026-11-22 14:02 CET`: weekday first (rotations turn on weekdays), labelled."""
    from firedesk.clock import label

    return f"{_when(moment, zone)} {label(moment, zone)}"


@click.command()
@click.option("--at", "at_text", metavar="TIME", help="When (ISO, HH:MM today, +2h); default now.")
@click.option("--json", "as_json", is_flag=True)
@pass_env
def oncall(env: Env, at_text: str | None, as_json: bool) -> None:
    """Every rotation layer now (or at TIME): who holds it, their local time, until when."""
    from firedesk.oncall import duties_at, next_handoff
    from firedesk.oncall.wake import when_text

    setup = _load(env)
    at = parse_at(at_text, env.clock(), env.zone())
    layers = []
    for rotation in setup.rotations.values():
        duties = duties_at(setup, rotation, at)
        if not duties:
            upcoming = next_handoff(rotation, at)
            layers.append({"rotation": rotation.name, "team": rotation.team, "layer": rotation.layer,
                           "person": None, "scheduled": None, "away": False, "timezone": None,
                           "local_time": None, "awake": None, "from": None,
                           "until": to_iso(upcoming) if upcoming else None})
            continue
        for duty in duties:
            person = duty.person
            zone = setup.zone_of(person) if person else timezone.utc
            layers.append({
                "rotation": rotation.name, "team": rotation.team, "layer": rotation.layer,
                "person": person, "scheduled": duty.shift.person, "away": duty.away is not None,
                "timezone": setup.zone_name(person) if person else None,
                "local_time": at.astimezone(zone).isoformat(timespec="minutes") if person else None,
                "awake": setup.is_awake(person, at) if person else None,
                "from": to_iso(duty.start), "until": to_iso(duty.end),
                "until_text": when_text(duty.end, at, rotation.timezone, rotation.zone),
            })
    if as_json:
        emit_json({"at": to_iso(at), "layers": [{k: v for k, v in layer.items() if k != "until_text"}
                                                 for layer in layers]})
        return
    if not layers:
        click.echo("no rotations configured ([[rotations]] in firedesk.toml)")
        return
    click.echo(f"on call at {_when(at, env.zone())} {safe(_zone_label(env.zone()))}")
    rows = []
    for layer in layers:
        if layer["person"] is None:
            who = "nobody" + (f" (away: {layer['scheduled']})" if layer["scheduled"] else "")
            rows.append((layer["rotation"], layer["layer"], who, "-", "-",
                         "starts " + _when(datetime.fromisoformat(layer["until"].replace("Z", "+00:00")),
                                           env.zone()) if layer["until"] else "-"))
            continue
        local = datetime.fromisoformat(layer["local_time"])
        who = layer["person"] + (f" (for {layer['scheduled']})" if layer["away"] else "")
        rows.append((layer["rotation"], layer["layer"], who,
                     f"{local.strftime('%a %H:%M')} {layer['timezone']}",
                     "awake" if layer["awake"] else "asleep", layer["until_text"]))
    table(rows, ("ROTATION", "LAYER", "ON CALL", "LOCAL TIME", "STATE", "UNTIL"))


@click.command()
@click.argument("service")
@click.option("--at", "at_text", metavar="TIME", help="When (ISO, HH:MM today, +2h); default now.")
@click.option("--json", "as_json", is_flag=True)
@pass_env
def wake(env: Env, service: str, at_text: str | None, as_json: bool) -> None:
    """Who to wake for SERVICE, tier by tier: awake people first, with local times and contacts."""
    from firedesk.oncall import who_to_wake

    from firedesk.oncall.readiness import readiness_notes, readiness_settings

    setup = _load(env)
    at = parse_at(at_text, env.clock(), env.zone())
    plan = who_to_wake(setup, service, at)
    readiness = readiness_settings(env.config)
    notes = readiness_notes(env.store, readiness, setup,
                            [c.person for t in plan.tiers for c in t.candidates],
                            env.clock()) if readiness.configured else {}
    if as_json:
        data = plan.to_json()
        if readiness.configured:  # only then: the shape stays as it was for everyone else
            for tier in data["tiers"]:
                for candidate in tier["candidates"]:
                    candidate["readiness"] = notes.get(candidate["person"])
        emit_json(data)
        return
    zone = env.zone()
    click.echo(f"{safe(service)} at {_when(at, zone)} {safe(_zone_label(zone))}: "
               f"{safe(plan.policy)}")
    if service not in setup.services:
        click.echo(f"({safe(service)} is not in [[services]]: check the name; known: "
                   f"{safe(', '.join(sorted(setup.services)) or 'none')})")
    for tier in plan.tiers:
        click.echo(f"tier {tier.tier}" + (f" (then wait {tier.wait})" if tier.wait else ""))
        for note in tier.notes:
            click.echo(f"  {safe(note)}")
        for c in tier.candidates:
            contacts = ", ".join(f"{k} {v}" for k, v in c.contacts.items()) or "no contacts"
            ready_note = f" ({notes[c.person]})" if c.person in notes else ""
            click.echo(f"  {safe(c.person)}: {c.local_time.strftime('%a %H:%M')} {safe(c.timezone)}, "
                       f"{safe(c.state())}{safe(ready_note)}")
            click.echo(f"      {safe(c.reason)}")
            click.echo(f"      {safe(contacts)}")
    first = plan.first_awake()
    click.echo(f"first awake: {safe(first.person)}" if first else
               "nobody on this list is awake now; start with tier 1")


@click.command()
@click.option("--days", default=14, show_default=True, type=click.IntRange(1, 3660),
              help="How far ahead to look.")
@click.option("--at", "at_text", metavar="TIME", help="Start (ISO, HH:MM today, +2h); default now.")
@click.option("--team", metavar="TEAM", help="Only this team's rotations.")
@click.option("--rotation", "rotations", multiple=True, metavar="NAME",
              help="Check these rotations together (repeatable).")
@click.option("--json", "as_json", is_flag=True)
@pass_env
def coverage(env: Env, days: int, at_text: str | None, team: str | None,
             rotations: tuple[str, ...], as_json: bool) -> None:
    """Windows with nobody awake on call, per team's rotations, and back-to-back shifts."""
    from firedesk.oncall import coverage as coverage_of
    from firedesk.oncall import coverage_sets

    setup = _load(env)
    at = parse_at(at_text, env.clock(), env.zone())
    for name in rotations:
        if name not in setup.rotations:
            raise NotFound(f"no rotation {name!r}; known: {', '.join(setup.rotations) or 'none'}")
    if team is not None and team not in setup.teams:
        raise NotFound(f"no team {team!r}; known: {', '.join(setup.teams) or 'none'}")
    reports = [coverage_of(setup, members, at, days, name)
               for name, members in coverage_sets(setup, team, list(rotations) or None)]
    if as_json:
        emit_json({"from": to_iso(at), "days": days, "sets": [r.to_json() for r in reports]})
        return
    if not reports:
        click.echo("no rotations configured ([[rotations]] in firedesk.toml)")
        return
    zone = env.zone()
    for report in reports:
        summary = (f"{report.uncovered.total_seconds() / 3600:.1f} h with nobody awake on call"
                   if report.gaps else "someone awake on call at all times")
        click.echo(f"{safe(report.name)} ({safe(', '.join(report.rotations))}): {summary} "
                   f"over {days} days")
        rows = [(_labelled(g.start, zone), _labelled(g.end, zone),
                 f"{int(g.length.total_seconds() // 60)}m",
                 ", ".join(g.on_call) or "nobody on call") for g in report.gaps]
        if rows:
            table(rows, ("  FROM", "TO", "LENGTH", "ON CALL (ASLEEP)"))
        for repeat in report.repeats:
            click.echo(f"  consecutive: {safe(repeat.person)} on {safe(repeat.layer)} from "
                       f"{_labelled(repeat.start, zone)} to {_labelled(repeat.end, zone)} "
                       f"({len(repeat.shifts)} shifts back to back)")


@click.command()
@click.argument("incident")
@click.argument("person")
@click.option("--via", metavar="CONTACT",
              help="phone, chat, email, or how you reached them (default: their first contact).")
@click.option("--pagerduty", is_flag=True,
              help="Also send a PagerDuty Events API v2 trigger ([oncall.pagerduty] routing_key).")
@pass_env
def page(env: Env, incident: str, person: str, via: str | None, pagerduty: bool) -> None:
    """Record that PERSON was paged for INCIDENT ("paged PERSON via CONTACT")."""
    from firedesk.oncall.paging import choose_contact, record_page, routing_key_for, send_trigger
    from firedesk.store import resolve_incident

    setup = env.config.oncall
    found_person = env.config.person(person) or setup.people.get(person)
    if found_person is None:
        raise NotFound(f"no person {person!r} in [[people]]")
    choose_contact(found_person, via)  # a bad --via fails before anything is sent
    found = resolve_incident(env.store, incident)
    answer = None
    if pagerduty:
        service = setup.services.get(found.service or "")
        key = routing_key_for(setup.pagerduty, service.routing_key if service else None)
        answer = send_trigger(setup.pagerduty, key, found, found_person.name)
    event = record_page(env.store, found, found_person, author=env.actor, via=via, answer=answer)
    click.echo(f"{found.key} #{event.id} {safe(event.text)}")


COMMANDS = [oncall, wake, coverage, page]
