"""`firedesk serve`: the SSH front door. asyncssh is imported inside the command."""

from __future__ import annotations

import stat
import sys

import click

from firedesk.cli.env import Env
from firedesk.cli.output import safe
from firedesk.errors import FiredeskError

pass_env = click.make_pass_decorator(Env)


@click.command()
@click.option("--host", metavar="ADDRESS",
              help="Address to listen on. Default: [serve] host, then 127.0.0.1.")
@click.option("--port", type=click.IntRange(0, 65535), metavar="PORT",
              help="Port (0: any free one). Default: [serve] port, then 2222.")
@pass_env
@click.pass_context
def serve(ctx: click.Context, env: Env, host: str | None, port: int | None) -> None:
    """Run the SSH front door: `ssh -p 2222 bastion` opens the console.

    \b
    Each key in firedesk.toml names who comes in:
      [[people]]   name = "Ana", ssh_keys = ["ssh-ed25519 AAAA… ana@laptop"]
      [[watchers]] name = "Support", ssh_keys = [...]     the console read-only
      [serve] authorized_keys = PATH   lines: person="Ana" ssh-ed25519 AAAA…
    A session runs the console as the key's person (no --as) and every event it
    records carries the key's fingerprint. Only keys are accepted, never passwords;
    no shell, no commands, no forwarding. The host key is made on first start
    ([serve] host_key, default beside the record, mode 0600) and never replaced.
    Limits: [serve] max_sessions, idle_timeout, max_auth_attempts, login_timeout.
    SIGTERM hangs up every session (each keeps its draft) and stops.
    """
    import asyncio

    from firedesk.serve.hostkey import load_or_generate
    from firedesk.serve.server import FrontDoor, serve as run_server, stderr_log
    from firedesk.serve.settings import KeyBook

    if ctx.parent is not None and ctx.parent.params.get("actor"):
        raise FiredeskError("serve takes who is who from each SSH key; --as means nothing here")
    config = env.config
    keys = KeyBook(config)
    for problem in keys.problems:
        stderr_log(f"config problem: {safe(problem)}")
    settings = keys.settings
    record = env.db_path.resolve()
    env.store   # create or migrate the record now, before any session opens it
    env.close()
    _warn_about_access(record)
    host_key = load_or_generate(settings.host_key_path(record))
    door = FrontDoor(settings, keys, record, config.path.resolve() if config.path else None,
                     host_key)
    host = host or settings.host
    port = settings.port if port is None else port

    def ready(bound_host: str, bound_port: int) -> None:
        people = sum(not i.watching for i in settings.keys.values())
        watchers = len(settings.keys) - people
        click.echo(f"firedesk serve: listening on {bound_host}:{bound_port}")
        click.echo(f"host key: {host_key.fingerprint} ({host_key.path}"
                   f"{', generated now' if host_key.generated else ''})")
        click.echo(f"record:   {record}")
        click.echo(f"keys:     {people} for people, {watchers} for watchers"
                   + ("" if settings.keys else " (nobody can log in yet: add ssh_keys)"))
        sys.stdout.flush()

    try:
        asyncio.run(run_server(door, host, port, ready))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise FiredeskError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def _warn_about_access(record) -> None:  # noqa: ANN001
    """With serve, only the service user needs the record: say so if others can open it."""
    from firedesk.serve.server import stderr_log

    try:
        mode = record.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        stderr_log(f"warning: {record} is writable by others (mode {oct(mode & 0o777)}); "
                   f"behind serve only this user needs it: chmod 600 {record}")


COMMANDS = [serve]
