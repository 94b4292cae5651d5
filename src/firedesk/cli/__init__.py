"""The `firedesk` command. Headless commands never import Textual; only the console does.

Each capability keeps its commands in its own module here (record, alerts, oncall,
running, review, console); this module builds the group, the shared options and the
one place where errors become a single line on stderr.
"""

from __future__ import annotations

import sys

import click

from firedesk import __version__
from firedesk.cli.env import Env
from firedesk.errors import FiredeskError
from firedesk.text import visible


SECTIONS: list[tuple[str, list[str]]] = []


class FiredeskGroup(click.Group):
    """Turns FiredeskError into `firedesk: error: …` and exit 1, with no traceback;
    lists commands in the sections of an incident rather than alphabetically."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in self.commands)
        for title, names in SECTIONS:
            rows = [(name, self.commands[name].get_short_help_str(limit)) for name in names
                    if name in self.commands and not self.commands[name].hidden]
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except FiredeskError as exc:
            raise CommandFailed(str(exc)) from exc


class CommandFailed(click.ClickException):
    exit_code = 1

    def show(self, file=None) -> None:  # noqa: ANN001
        # Messages may quote record or config text: never let it reach the terminal raw.
        click.echo(f"firedesk: error: {visible(self.format_message())}", err=True)


@click.group(cls=FiredeskGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", "db_path", metavar="PATH", type=click.Path(dir_okay=False),
              help="The record (SQLite file). Default: $FIREDESK_DB, the config's db, "
                   "then ~/.local/share/firedesk/firedesk.db.")
@click.option("--config", "config_path", metavar="PATH", type=click.Path(dir_okay=False),
              help="firedesk.toml. Default: $FIREDESK_CONFIG, ./firedesk.toml, ~/.config/firedesk/.")
@click.option("--as", "actor", metavar="NAME",
              help="Who is acting. Default: $FIREDESK_USER, then your login name.")
@click.version_option(__version__, prog_name="firedesk")
@click.pass_context
def cli(ctx: click.Context, db_path: str | None, config_path: str | None, actor: str | None) -> None:
    """firedesk: the incident console that still works when everything else is on fire.

    With no command, opens the console: the incident picker, or straight into the only
    open incident. INCIDENT arguments accept the key (INC-12) or the id (12).
    """
    ctx.obj = Env(db_path=db_path, config_path=config_path, actor=actor,
                  lenient=ctx.invoked_subcommand in (None, "console"))
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand is None:
        from firedesk.cli.console import console

        ctx.invoke(console)


def _register() -> None:
    from firedesk.cli import (
        alerts, analysis, console, digest, drill, oncall, readiness, record, review, running,
        serve, shift, tickets,
    )

    for title, modules in (("The console", [console]), ("The SSH front door", [serve]),
                           ("The record", [record]),
                           ("Alerts", [alerts]), ("Who to wake", [oncall]),
                           ("Running the incident", [running]), ("After the incident", [review, analysis]),
                           ("Between incidents", [shift, digest, tickets, readiness, drill])):
        commands = [c for module in modules for c in getattr(module, "COMMANDS", [])]
        for command in commands:
            cli.add_command(command)
        SECTIONS.append((title, [c.name for c in commands]))


_register()


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="firedesk")
    except KeyboardInterrupt:
        sys.exit(130)
