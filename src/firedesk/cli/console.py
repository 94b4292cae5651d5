"""The console commands (replaced by the Textual console when it lands)."""

from __future__ import annotations

import click

from firedesk.cli.env import Env

pass_env = click.make_pass_decorator(Env)


@click.command()
@click.argument("incident", required=False)
@pass_env
def console(env: Env, incident: str | None) -> None:
    """Open the console on INCIDENT (or the picker)."""
    from firedesk.cli.record import incidents

    click.get_current_context().invoke(incidents)


COMMANDS = [console]
