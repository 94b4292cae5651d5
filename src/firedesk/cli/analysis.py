"""After the incident: the analysis an incident requires (`firedesk analysis`)."""

from __future__ import annotations

import click

from firedesk.cli.env import Env
from firedesk.cli.output import safe

pass_env = click.make_pass_decorator(Env)


@click.command()
@click.argument("incident")
@click.argument("link", required=False)
@click.option("--waive", metavar="REASON", help="No analysis is needed, and why (on the record).")
@pass_env
def analysis(env: Env, incident: str, link: str | None, waive: str | None) -> None:
    """Record where INCIDENT's analysis is (LINK), or --waive it with a reason.

    Incidents are marked "analysis required" at resolve by the [analysis] rules; `lint`
    and `stats` list those still missing one (publishing the postmortem also counts)."""
    from firedesk.review.analysis import record_analysis
    from firedesk.store import resolve_incident

    found = resolve_incident(env.store, incident)
    event = record_analysis(env.store, found, author=env.actor, link=link, waive=waive)
    click.echo(f"{found.key} #{event.id} {safe(event.text)}")


COMMANDS = [analysis]
