"""Running the incident from the command line: checklist, hypotheses, tasks, impact,
updates and handover. Headless: never imports Textual; httpx only when sending."""

from __future__ import annotations

from pathlib import Path

import click

from firedesk.cli.env import Env
from firedesk.clock import WHEN_HELP
from firedesk.cli.output import emit_json, local_time, safe, table
from firedesk.errors import FiredeskError

pass_env = click.make_pass_decorator(Env)
STATE_MARKS = {"open": "[ ]", "done": "[x]", "na": "[-]"}


def _person(env: Env, name: str) -> str:
    """A configured person's display name for a name or login; else the name as given."""
    found = env.config.person(name.strip())
    return found.name if found else name.strip()


def _incident(env: Env, ref: str):  # -> Incident
    from firedesk.store import resolve_incident

    return resolve_incident(env.store, ref)


@click.command()
@click.argument("incident")
@click.option("--json", "as_json", is_flag=True)
@pass_env
def checklist(env: Env, incident: str, as_json: bool) -> None:
    """The triage checklist: each item open, done or n/a, with who and when."""
    from firedesk.response.checklist import checklist_for, checklist_progress

    found = _incident(env, incident)
    items = checklist_for(env.store, found, env.config)
    if as_json:
        emit_json([i.to_json() for i in items])
        return
    zone = env.incident_zone(found)
    section = None
    for number, item in enumerate(items, 1):
        if item.section != section:
            section = item.section
            click.echo(("" if number == 1 else "\n") + safe(section))
        who = f"  {safe(item.by)} {local_time(item.at, zone)}" if item.by else ""
        note = f"  ({safe(item.note)})" if item.note else ""
        click.echo(f"  {number:>2} {STATE_MARKS[item.state]} {safe(item.id):<14} "
                   f"{safe(item.text)}{who}{note}")
    progress = checklist_progress(items)
    click.echo(f"\n{progress} settled ({progress.done} done, {progress.na} n/a, "
               f"{progress.open} open)")


@click.command()
@click.argument("incident")
@click.argument("item")
@click.option("--na", is_flag=True, help="Not applicable to this incident.")
@click.option("--reopen", is_flag=True, help="Mark it open again.")
@click.option("--note", metavar="TEXT", help="What was found.")
@pass_env
def check(env: Env, incident: str, item: str, na: bool, reopen: bool, note: str | None) -> None:
    """Mark checklist ITEM (id or number) done, or --na, or --reopen it."""
    from firedesk.response.checklist import STATE_WORDS, check_item

    if na and reopen:
        raise FiredeskError("--na and --reopen contradict each other; pick one")
    state = "na" if na else "open" if reopen else "done"
    found = _incident(env, incident)
    marked, changed = check_item(env.store, found, item, author=env.actor, state=state,
                                 note=note, config=env.config)
    word = STATE_WORDS[state] if state != "open" else "open"
    click.echo(f"{found.key}: {safe(marked.id)} " + (word if changed else f"already {word}"))


@click.command()
@click.argument("incident")
@click.argument("text")
@click.option("--likelihood", type=click.Choice(["low", "medium", "high"], case_sensitive=False),
              help="How likely it looks now.")
@pass_env
def hypothesis(env: Env, incident: str, text: str, likelihood: str | None) -> None:
    """Record a hypothesis to test; prints its id (H1, H2, …)."""
    from firedesk.response.hypotheses import propose_hypothesis

    found = _incident(env, incident)
    made = propose_hypothesis(env.store, found, text, author=env.actor, likelihood=likelihood)
    click.echo(made.ref)
    click.echo(f"{found.key}: {made.ref} open: {safe(made.text)}")


@click.command()
@click.argument("incident")
@click.option("--json", "as_json", is_flag=True)
@pass_env
def hypotheses(env: Env, incident: str, as_json: bool) -> None:
    """Hypotheses: open ones first (most likely first), then confirmed and ruled out."""
    from firedesk.response.hypotheses import hypotheses_for, loose_hypotheses

    found = _incident(env, incident)
    listed = hypotheses_for(env.store, found.id)
    noted = loose_hypotheses(env.store, found.id)  # plain `note --kind hypothesis` entries
    if as_json:
        emit_json([h.to_json() for h in listed] + [
            {"id": f"E{e.id}", "state": "noted", "text": e.text, "created_by": e.author,
             "created_at": e.recorded_at} for e in noted])
        return
    if not listed and not noted:
        click.echo(f"{found.key}: no hypotheses yet (firedesk hypothesis {found.key} TEXT)")
        return
    table([(h.ref, h.state, h.likelihood or "-", h.text, h.evidence or "") for h in listed]
          + [(f"E{e.id}", "noted", "-", e.text, "") for e in noted],
          ("ID", "STATE", "LIKELY", "HYPOTHESIS", "EVIDENCE"))


@click.command()
@click.argument("incident")
@click.argument("hypothesis_id", metavar="ID")
@click.argument("likelihood", type=click.Choice(["low", "medium", "high"], case_sensitive=False))
@pass_env
def likelihood(env: Env, incident: str, hypothesis_id: str, likelihood: str) -> None:
    """Set how likely open hypothesis ID looks: low, medium, high."""
    from firedesk.response.hypotheses import set_likelihood

    found = _incident(env, incident)
    made = set_likelihood(env.store, found, hypothesis_id, likelihood, author=env.actor)
    click.echo(f"{found.key}: {made.ref} likelihood {made.likelihood}")


@click.command()
@click.argument("incident")
@click.argument("hypothesis_id", metavar="ID")
@click.argument("conclusion", metavar="confirmed|ruled-out")
@click.option("--evidence", required=True, metavar="TEXT", help="What decided it.")
@pass_env
def conclude(env: Env, incident: str, hypothesis_id: str, conclusion: str, evidence: str) -> None:
    """Confirm or rule out hypothesis ID (H1; E42 for one noted as a timeline entry)."""
    from firedesk.response.hypotheses import conclude_hypothesis

    found = _incident(env, incident)
    made = conclude_hypothesis(env.store, found, hypothesis_id, conclusion, evidence=evidence,
                               author=env.actor)
    click.echo(f"{found.key}: {made.ref} {made.state}")


@click.command()
@click.argument("incident")
@click.argument("text")
@click.option("--owner", required=True, metavar="PERSON", help="Who does it.")
@click.option("--check-in", "check_in", default="15m", show_default=True, metavar="DURATION",
              help="When they report back (15m, 1h).")
@pass_env
def task(env: Env, incident: str, text: str, owner: str, check_in: str) -> None:
    """Delegate: PERSON does TEXT and checks back in; prints its id (T1, T2, …)."""
    from firedesk.response.tasks import assign_task

    found = _incident(env, incident)
    made = assign_task(env.store, found, text, owner=_person(env, owner), author=env.actor,
                       check_in=check_in)
    click.echo(made.ref)
    click.echo(f"{found.key}: {made.ref} {safe(made.owner)}: {safe(made.text)} "
               f"(check in by {local_time(made.check_in_at, env.incident_zone(found))})")


@click.command()
@click.argument("incident")
@click.option("--all", "show_all", is_flag=True, help="Include done and dropped tasks.")
@click.option("--json", "as_json", is_flag=True)
@pass_env
def tasks(env: Env, incident: str, show_all: bool, as_json: bool) -> None:
    """Tasks with owners and check-in timers; overdue ones say so."""
    from firedesk.clock import format_duration
    from firedesk.response.tasks import tasks_for

    found = _incident(env, incident)
    now = env.clock()
    listed = tasks_for(env.store, found.id, open_only=not show_all)
    if as_json:
        emit_json([t.to_json(now) for t in listed])
        return
    if not listed:
        click.echo(f"{found.key}: no open tasks")
        return

    def timer(t) -> str:  # noqa: ANN001
        if not t.is_open:
            return t.state
        left = t.remaining(now)
        return (f"OVERDUE {format_duration(-left)}" if t.is_overdue(now)
                else f"in {format_duration(left)}")

    table([(t.ref, t.owner, timer(t), t.text) for t in listed], ("ID", "OWNER", "CHECK-IN", "TASK"))


@click.command()
@click.argument("incident")
@click.argument("task_id", metavar="TASK")
@click.option("--drop", is_flag=True, help="No longer needed (instead of done).")
@click.option("--note", metavar="TEXT", help="What came of it.")
@pass_env
def done(env: Env, incident: str, task_id: str, drop: bool, note: str | None) -> None:
    """Close task TASK: done (or --drop)."""
    from firedesk.response.tasks import close_task

    found = _incident(env, incident)
    made = close_task(env.store, found, task_id, author=env.actor, dropped=drop, note=note)
    click.echo(f"{found.key}: {made.ref} {made.state}")


@click.command()
@click.argument("incident")
@click.argument("text", required=False)
@click.option("--customers", "scope", default="unknown", show_default=True,
              type=click.Choice(["one", "some", "many", "all", "unknown"], case_sensitive=False),
              help="How many customers are affected.")
@click.option("--since", metavar="TIME", help="When the impact began: " + WHEN_HELP)
@click.option("--json", "as_json", is_flag=True)
@pass_env
def impact(env: Env, incident: str, text: str | None, scope: str, since: str | None,
           as_json: bool) -> None:
    """Record what is affected (TEXT), for how many customers, since when; no TEXT shows it."""
    from firedesk.clock import parse_when, to_iso
    from firedesk.response.impact import impact_for, record_impact

    found = _incident(env, incident)
    if text is None:
        current = impact_for(env.store, found.id)
    else:
        start = to_iso(parse_when(since, env.clock(), env.incident_zone(found))) if since else None
        current = record_impact(env.store, found, text, author=env.actor, scope=scope.lower(),
                                since=start)
    if as_json:
        emit_json(current.to_json() if current else None)
    elif current is None:
        click.echo(f"{found.key}: impact not recorded yet")
    else:
        click.echo(f"{found.key}: {safe(current.describe())} since "
                   f"{local_time(current.since, env.incident_zone(found), True)}")


@click.command()
@click.argument("incident")
@click.argument("text", required=False)
@click.option("--to", "audiences", multiple=True, metavar="AUDIENCE",
              help="Send to this configured audience (repeatable; `all`: every one that "
                   "wants this severity).")
@click.option("--template", default="conditions", show_default=True,
              type=click.Choice(["conditions", "executive"], case_sensitive=False),
              help="Draft template: Conditions/Actions/Needs, or a short executive summary.")
@click.option("--draft", is_flag=True, help="Print a draft pre-filled from the timeline; record nothing.")
@click.option("--json", "as_json", is_flag=True)
@pass_env
def update(env: Env, incident: str, text: str | None, audiences: tuple[str, ...], template: str,
           draft: bool, as_json: bool) -> None:
    """Record a stakeholder update (resets the update clock), then send it to --to audiences.

    TEXT `-` reads the update from stdin. With --draft, prints a pre-filled draft instead.
    """
    from firedesk.clock import to_iso
    from firedesk.response.updates import (
        compose_update, deliver_update, pick_audiences, record_update, send_timeout, update_clock,
    )

    store = env.store
    found = _incident(env, incident)
    if draft:
        from firedesk.text import visible

        draft = compose_update(store, found, env.config, template=template, now=env.clock())
        click.echo(visible(draft, multiline=True))
        return
    if text is None:
        raise FiredeskError(f"say what the update is: firedesk update {found.key} TEXT "
                            f"(or --draft for a pre-filled draft, `-` to read stdin)")
    if text == "-":
        from firedesk.cli.record import read_stdin_text

        text = read_stdin_text("update")
    picked = pick_audiences(env.config, audiences, found.severity)  # unknown audience: error before recording
    event = record_update(store, found, text, author=env.actor,
                          audiences=[a.name for a in picked], template=template)
    results = deliver_update(store, found, event, picked, author=env.actor,
                             timeout=send_timeout(env.config))
    clock = update_clock(store, found, env.config)
    if as_json:
        emit_json({"event": event.id, "update_due_at": to_iso(clock.due_at) if clock.due_at
                   else None, "deliveries": [r.to_json() for r in results]})
    else:
        due = (f"; next due {local_time(to_iso(clock.due_at), env.incident_zone(found))}"
               if clock.due_at else "")
        click.echo(f"{found.key} #{event.id} update recorded{due}")
        for r in results:
            if r.ok:
                click.echo(f"  {safe(r.audience)}: {safe(r.detail)}")
    failed = [r for r in results if not r.ok]
    if failed:
        raise FiredeskError(
            "; ".join(f"not sent to {safe(r.audience)}: {safe(r.detail)}" for r in failed)
            + f" — the update is recorded (#{event.id}); send it again or copy it by hand"
        )


@click.command()
@click.argument("incident")
@click.option("--to", "to", metavar="PERSON", help="Offer the lead to PERSON.")
@click.option("--note", metavar="TEXT", help="A word for the next leader.")
@click.option("--brief", is_flag=True, help="Print the handover brief as Markdown.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the brief to FILE.")
@click.option("--withdraw", is_flag=True, help="Take back a waiting offer.")
@pass_env
def handover(env: Env, incident: str, to: str | None, note: str | None, brief: bool,
             output: str | None, withdraw: bool) -> None:
    """Offer the lead to --to PERSON (they must `accept`), or print the brief (--brief)."""
    from firedesk.response.handover import build_brief, offer_handover, withdraw_handover

    store = env.store
    found = _incident(env, incident)
    if withdraw:
        gone = withdraw_handover(store, found, author=env.actor)
        click.echo(f"{found.key}: handover to {safe(gone.to)} withdrawn")
        return
    if to:
        offer = offer_handover(store, found, _person(env, to), author=env.actor, note=note)
        click.echo(f"{found.key}: lead offered to {safe(offer.to)}; they run "
                   f"`firedesk accept {found.key}`")
    elif not (brief or output):
        raise FiredeskError(f"say who takes over: firedesk handover {found.key} --to PERSON "
                            "(or --brief to read the brief)")
    if brief or output:
        text = build_brief(store, _incident(env, incident), env.config,
                           now=env.clock()).to_markdown(env.incident_zone(found))
        if output:
            Path(output).write_text(text, encoding="utf-8")
            click.echo(f"brief written to {output}")
        else:
            click.echo(text, nl=False)


@click.command()
@click.argument("incident")
@pass_env
def accept(env: Env, incident: str) -> None:
    """Accept the lead of INCIDENT offered to you; prints the brief."""
    from firedesk.response.handover import accept_handover, build_brief

    found = _incident(env, incident)
    offer = accept_handover(env.store, found, person=env.actor)
    click.echo(f"{found.key}: {safe(offer.to)} now leads (from {safe(offer.offered_by)})\n")
    click.echo(build_brief(env.store, _incident(env, incident), env.config,
                           now=env.clock()).to_markdown(env.incident_zone(found)), nl=False)


COMMANDS = [checklist, check, hypothesis, hypotheses, likelihood, conclude, task, tasks, done,
            impact, update, handover, accept]
