"""Between incidents: a ticket per alert (`firedesk ticket`)."""

from __future__ import annotations

import click

from firedesk.cli.env import Env
from firedesk.cli.output import emit_json, safe
from firedesk.errors import InvalidInput

pass_env = click.make_pass_decorator(Env)


@click.command()
@click.argument("alert", required=False)
@click.option("--auto", is_flag=True,
              help="Every firing alert of [tickets] auto_severities (default critical) with no "
                   "ticket, or a newer occurrence than its ticket has.")
@click.option("--json", "as_json", is_flag=True)
@pass_env
def ticket(env: Env, alert: str | None, auto: bool, as_json: bool) -> None:
    """Open a GitHub issue labelled prod-alert for ALERT, or comment on the one it already
    has with the latest occurrence ([tickets] in firedesk.toml)."""
    from firedesk.intake.tickets import alerts_to_ticket, ticket_alert, ticket_settings
    from firedesk.intake.triage import find_alert

    if bool(alert) == auto:
        raise InvalidInput("name one ALERT, or pass --auto (for cron)")
    settings = ticket_settings(env.config)
    if settings is None:
        problems = [str(p) for p in env.config.problems if p.key.startswith("tickets")]
        raise InvalidInput("tickets are not configured: " + ("; ".join(problems) if problems else
                           "add [tickets] repo = \"owner/name\" to firedesk.toml"))
    store = env.store
    targets = alerts_to_ticket(store, settings) if auto else [find_alert(store, alert)]
    results = []
    try:
        for target in targets:
            results.append(ticket_alert(store, target, settings, author=env.actor))
            if not as_json:
                r = results[-1]
                click.echo(f"alert {r.alert_id}: {r.action} {safe(settings.repo)}#{r.number} "
                           f"{safe(r.comment_url or r.url)}"
                           + (f" (close the duplicate {safe(r.duplicate)})" if r.duplicate else ""))
    finally:
        if as_json:
            emit_json([r.to_json() for r in results])
    if auto and not targets and not as_json:
        click.echo("no new alerts to ticket")


COMMANDS = [ticket]
