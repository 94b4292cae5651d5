"""Between incidents: drills (`firedesk drill`) and who has served (`firedesk roster`)."""

from __future__ import annotations

from pathlib import Path

import click

from firedesk.cli.env import Env
from firedesk.cli.oncall import _load
from firedesk.cli.output import emit_json, safe, table

pass_env = click.make_pass_decorator(Env)


@click.command()
@click.argument("incident")
@click.option("--speed", default=1.0, show_default=True, type=float,
              help="1 = real time; 10 = ten times faster.")
@click.option("--into", "into", metavar="PATH", type=click.Path(dir_okay=False),
              help="The scratch record (a new file). Default: drills/INC-N-TIME.db beside "
                   "the real record.")
@click.option("--leader", metavar="NAME", help="Who runs the drill as the leader (default: you).")
@click.option("--shadow", "shadows", multiple=True, metavar="NAME",
              help="Someone who shadows: sees everything, writes only notes (repeatable).")
@click.option("--no-console", is_flag=True,
              help="Replay here, printing what arrives, instead of opening the console "
                   "(others join with firedesk --db PATH).")
@pass_env
def drill(env: Env, incident: str, speed: float, into: str | None, leader: str | None,
          shadows: tuple[str, ...], no_console: bool) -> None:
    """Replay a past INCIDENT into a separate scratch record, its alerts and timeline
    arriving as they happened, for a trainee to run as the leader.

    Nothing is written to the real record but one line saying the drill took place (the
    roster counts it)."""
    from firedesk.review.drill import default_drill_path, plan_drill, run_drill, start_drill
    from firedesk.store import Store, resolve_incident

    real = env.store
    found = resolve_incident(real, incident)
    plan = plan_drill(real, found)
    path = Path(into) if into else default_drill_path(env.db_path, found.key, env.clock())
    names = []
    for name in (leader or env.actor, *shadows):
        person = env.config.person(name)
        names.append(person.name if person else name)
    drill_incident = start_drill(real, plan, path, leader=names[0], shadows=tuple(names[1:]),
                                 speed=speed)
    click.echo(f"drill of {found.key} in {path} ({len(plan.steps)} steps over "
               f"{plan.length.total_seconds() / 60 / speed:.0f} min at speed {speed:g}); "
               f"join with: firedesk --db {path} console")
    if no_console:
        with Store(path, clock=env.clock) as scratch:
            run_drill(scratch, drill_incident, plan, speed=speed,
                      on_step=lambda line: click.echo(f"  {safe(line, 160)}"))
        click.echo("drill replay finished")
        return
    import threading

    from firedesk.app import make_app

    stop = threading.Event()

    def feed() -> None:
        with Store(path, clock=env.clock) as scratch:
            run_drill(scratch, drill_incident, plan, speed=speed, wait=stop.wait)

    feeder = threading.Thread(target=feed, name="drill-replay", daemon=True)
    feeder.start()
    app = make_app(path, env.config, names[0], env.clock, drill_incident.id, zone=env.zone())
    try:
        app.run()
    finally:
        stop.set()
        feeder.join(timeout=5)


@click.command()
@click.option("--served", is_flag=True,
              help="Count rotations and drills each person has served and shadowed.")
@click.option("--json", "as_json", is_flag=True)
@pass_env
def roster(env: Env, served: bool, as_json: bool) -> None:
    """Everyone in [[people]] and [[teams]]; with --served, what each has served and
    shadowed (Sendwithus: "shadowed 2 fire duty rotations, 1 solo")."""
    from firedesk.oncall.roster import served_counts

    setup = _load(env)
    counts = served_counts(env.store if served else None, setup, env.clock())
    if as_json:
        emit_json([c.to_json(served) for c in counts])
        return
    if served:
        table([(c.person, ", ".join(c.teams) or "-", c.rotations_served, c.rotations_shadowed,
                c.drills_led, c.drills_shadowed) for c in counts],
              ("PERSON", "TEAMS", "ROTATIONS", "SHADOWED", "DRILLS LED", "DRILLS SHADOWED"))
    else:
        table([(c.person, ", ".join(c.teams) or "-", ", ".join(c.rotations) or "-")
               for c in counts], ("PERSON", "TEAMS", "ROTATIONS"))


COMMANDS = [drill, roster]
