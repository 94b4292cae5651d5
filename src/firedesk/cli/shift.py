"""Between incidents: the shift handover report (`firedesk shift`)."""

from __future__ import annotations

import click

from firedesk.cli.env import Env
from firedesk.cli.oncall import _load, parse_at
from firedesk.cli.output import emit_json, safe
from firedesk.errors import InvalidInput
from firedesk.text import visible

pass_env = click.make_pass_decorator(Env)


@click.command()
@click.option("--rotation", metavar="R",
              help="Which rotation (default: the one you hold, or the only one).")
@click.option("--at", "at_text", metavar="TIME",
              help="The shift in force just before TIME; at a handoff, the shift ending there.")
@click.option("--note", metavar="TEXT", help="Leave a note for the next shift (on the record).")
@click.option("--read", "mark_read", is_flag=True,
              help="Mark the report read, as you (on the record).")
@click.option("--json", "as_json", is_flag=True)
@pass_env
def shift(env: Env, rotation: str | None, at_text: str | None, note: str | None,
          mark_read: bool, as_json: bool) -> None:
    """The shift handover report: open incidents, alerts (by whom), open tasks, notes.

    Without --at: the shift running now, up to now. Markdown, or JSON with --json.
    """
    from firedesk.oncall.shift import (
        leave_shift_note, mark_shift_read, pick_rotation, render_shift_markdown, shift_report,
        shift_window,
    )

    if note is not None and mark_read:
        raise InvalidInput("--note and --read are separate acts; pass one of them")
    setup = _load(env)
    at = parse_at(at_text, env.clock(), env.zone())
    chosen = pick_rotation(setup, at, rotation=rotation, person=env.actor)
    window = shift_window(setup, chosen, at)
    store = env.store
    if note is not None:
        if not window.running:
            raise InvalidInput("that shift is over; notes are left during the shift they hand over")
        event = leave_shift_note(store, window, note, author=env.actor)
        click.echo(f"#{event.id} note left for the next {safe(chosen.name)} shift")
        return
    if mark_read:
        event = mark_shift_read(store, window, author=env.actor)
        click.echo(f"#{event.id} {safe(event.text)}")
        return
    report = shift_report(store, window)
    if as_json:
        emit_json(report.to_json())
        return
    click.echo(visible(render_shift_markdown(report), multiline=True), nl=False)


COMMANDS = [shift]
