"""The console commands: `firedesk [console [INCIDENT]]` and `firedesk demo`.

Textual is imported inside the commands, so headless commands stay fast.
"""

from __future__ import annotations

import click

from firedesk.cli.env import Env

pass_env = click.make_pass_decorator(Env)

theme_option = click.option(
    "--theme", metavar="NAME",
    help="dark (default), light, high-contrast or ansi; overrides the config's theme.")
mouse_option = click.option(
    "--no-mouse", is_flag=True, default=False,
    help="Do not capture the mouse (slow links; lets the terminal select text).")


@click.command()
@click.argument("incident", required=False)
@theme_option
@mouse_option
@pass_env
def console(env: Env, incident: str | None, theme: str | None, no_mouse: bool) -> None:
    """Open the console on INCIDENT, or the picker (straight in when one is open).

    Keys: F1 lists every binding; Ctrl+P finds any action by name.
    """
    from firedesk.app import make_app

    app = make_app(env.db_path, env.config, env.actor, env.clock, incident,
                   theme=theme, zone=env.zone())
    app.run(mouse=not no_mouse)
    if app.return_code:  # 129 after a hang-up (SIGHUP), like a shell would report
        raise SystemExit(app.return_code)


@click.command()
@click.option("--db", "demo_db", metavar="PATH", type=click.Path(dir_okay=False),
              help="Build the demo here (a new file). Default: a fresh demo record under "
                   "~/.local/share/firedesk/demo/, rebuilt on every run.")
@theme_option
@mouse_option
@click.option("--no-stream", is_flag=True, default=False,
              help="Do not simulate new alerts while the console runs.")
@pass_env
def demo(env: Env, demo_db: str | None, theme: str | None, no_mouse: bool, no_stream: bool) -> None:
    """Build a realistic demo record and open the console on it, live.

    An ongoing SEV2 with roles and a believable timeline, a few resolved incidents,
    people in several timezones, and a simulated alert stream writing to the record
    while the console runs. Never touches your real record: it uses its own file.
    """
    import threading

    from firedesk.app import make_app
    from firedesk.demo import build_demo, demo_path, simulate_stream

    path = demo_path(demo_db)
    built = build_demo(path, actor=env.actor, fresh=demo_db is None)
    app = make_app(path, built.config, env.actor, env.clock, built.incident_id, theme=theme)
    stop = threading.Event()
    stream = None
    if not no_stream:
        stream = threading.Thread(target=simulate_stream, args=(path, built.incident_id, stop),
                                  name="demo-stream", daemon=True)
        stream.start()
    try:
        app.run(mouse=not no_mouse)
    finally:
        stop.set()
        if stream is not None:
            stream.join(timeout=5)
    click.echo(f"The demo record is {path} (config {built.config_path}).\n"
               f"Try: firedesk --db {path} --config {built.config_path} show {built.incident_key}")


COMMANDS = [console, demo]
