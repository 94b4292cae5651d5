"""Between incidents: readiness checklists (`firedesk ready`)."""

from __future__ import annotations

import click

from firedesk.cli.env import Env
from firedesk.cli.oncall import _load
from firedesk.cli.output import emit_json, local_time, safe, table
from firedesk.errors import InvalidInput, NotFound

pass_env = click.make_pass_decorator(Env)


@click.command()
@click.argument("checks", nargs=-1, metavar="[CHECK]...")
@click.option("--all", "everything", is_flag=True, help="Confirm every check on your list.")
@click.option("--as", "actor", metavar="NAME", help="Who confirms (same as the global --as).")
@click.option("--team", metavar="TEAM", help="Show every member of TEAM instead.")
@click.option("--json", "as_json", is_flag=True)
@pass_env
def ready(env: Env, checks: tuple[str, ...], everything: bool, actor: str | None,
          team: str | None, as_json: bool) -> None:
    """Your readiness checklist ([readiness] checks): confirm CHECKs you have (dated, on
    the record), or see what is missing or stale."""
    from firedesk.oncall.readiness import confirm_ready, readiness_of, readiness_settings

    setup = _load(env)
    settings = readiness_settings(env.config)
    if not settings.configured:
        raise InvalidInput("no readiness checks configured ([readiness] checks = [...])")
    if actor:
        env.act_as(actor)
    person = env.actor
    now = env.clock()
    if team is not None:
        if checks or everything:
            raise InvalidInput("--team shows a team; confirm your own checks without it")
        if team not in setup.teams:
            raise NotFound(f"no team {team!r}; known: {', '.join(setup.teams) or 'none'}")
        people = list(setup.teams[team].members)
    else:
        people = [person]
    if checks or everything:
        confirm_ready(env.store, settings, setup, person, checks, everything=everything)
    states = readiness_of(env.store, settings, setup, people, now)
    if as_json:
        emit_json([r.to_json() for r in states.values()])
        return
    zone = env.zone()
    for readiness in states.values():
        summary = "ready" if readiness.ready else readiness.note()
        click.echo(f"{safe(readiness.person)}: {safe(summary)}")
        table([(f"  {c.check}", c.state, local_time(c.confirmed_at, zone, True))
               for c in readiness.checks],
              ("  CHECK", "STATE", "CONFIRMED"))
        if readiness.person == person and not readiness.ready and team is None:
            click.echo("confirm with: firedesk ready --as NAME CHECK… (or --all)")


COMMANDS = [ready]
