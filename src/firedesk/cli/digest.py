"""Between incidents: the alert digest per tech lead (`firedesk digest`)."""

from __future__ import annotations

import click

from firedesk.cli.env import Env
from firedesk.cli.oncall import _load
from firedesk.cli.output import emit_json, safe
from firedesk.clock import parse_duration
from firedesk.errors import InvalidInput, NotFound
from firedesk.text import visible

pass_env = click.make_pass_decorator(Env)


@click.command()
@click.option("--since", "since_text", metavar="DURATION",
              help="How far back (1d, 12h, 1w); default 1d.")
@click.option("--since-close", is_flag=True,
              help="From each team's close of business on the last workday ([digest] hours).")
@click.option("--lead", metavar="NAME", help="Only this tech lead's part.")
@click.option("--post", is_flag=True,
              help="Send each team's part to its Slack webhook; print the rest as Markdown.")
@click.option("--json", "as_json", is_flag=True)
@pass_env
def digest(env: Env, since_text: str | None, since_close: bool, lead: str | None, post: bool,
           as_json: bool) -> None:
    """Alerts nobody took into an incident, by service → team → tech lead, with counts,
    first/last seen and links."""
    from firedesk.review.digest import (
        build_digest, digest_settings, post_digest, render_digest_markdown,
    )

    if since_text and since_close:
        raise InvalidInput("--since and --since-close each set the window; pass one of them")
    if post and as_json:
        raise InvalidInput("--post sends to Slack; --json prints; pass one of them")
    since = parse_duration(since_text) if since_text else None
    setup = _load(env)
    settings = digest_settings(env.config)
    if lead is not None:
        leads = {t.tech_lead for t in setup.teams.values()} | {
            s.tech_lead for s in setup.services.values()}
        person = env.config.person(lead)
        lead = person.name if person else lead
        if lead not in leads:
            raise NotFound(f"{lead!r} is no team's or service's tech_lead; known: "
                           f"{', '.join(sorted(x for x in leads if x)) or 'none'}")
    parts = build_digest(env.store, setup, settings, env.clock(), since=since,
                         since_close=since_close, lead=lead)
    if as_json:
        emit_json({"parts": [p.to_json() for p in parts]})
        return
    if post:
        posted, unsent = post_digest(env.store, parts, settings, author=env.actor)
        for outcome in posted:
            click.echo(f"{safe(outcome.lead)} ({safe(outcome.team)}): {safe(outcome.detail)}",
                       err=not outcome.ok)
        if unsent:
            click.echo(visible(render_digest_markdown(unsent, settings), multiline=True), nl=False)
        if any(not o.ok for o in posted):
            raise InvalidInput("some parts were not posted (see above); the rest were")
        if not parts:
            click.echo("no alerts outside incidents in this window; nothing to post")
        return
    click.echo(visible(render_digest_markdown(parts, settings), multiline=True), nl=False)


COMMANDS = [digest]
