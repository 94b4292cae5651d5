"""What every command needs: which record, which config, who is acting."""

from __future__ import annotations

import functools
import getpass
import os
from pathlib import Path
from typing import Any, Callable

from firedesk.clock import Clock, local_zone, system_clock
from firedesk.config import Config, load_config, load_config_or_defaults
from firedesk.errors import FiredeskError


def default_db_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "firedesk" / "firedesk.db"


def reads_only(command: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a command that only reads the record: it never creates, migrates or writes
    it, and works on a read-only copy. Put it under `@pass_env`."""

    @functools.wraps(command)
    def wrapper(env: "Env", *args: Any, **kwargs: Any) -> Any:
        env.readonly = True
        return command(env, *args, **kwargs)

    return wrapper


class Env:
    """Built lazily: a command that needs no config never reads it."""

    def __init__(self, db_path: str | None = None, config_path: str | None = None,
                 actor: str | None = None, clock: Clock = system_clock,
                 lenient: bool = False):
        self._db_path = db_path
        # The console opens even when the config file cannot be read (defaults + notice);
        # every other command stops with the reason.
        self.lenient = lenient
        self.config_path = config_path
        self._actor = actor
        self.clock = clock
        self._config: Config | None = None
        self._store = None
        # Set by read-only commands (verify, timeline, export, …): the record is opened
        # `mode=ro`, never created or migrated, so it may sit on a read-only mount.
        self.readonly = False

    @property
    def config(self) -> Config:
        if self._config is None:
            load = load_config_or_defaults if self.lenient else load_config
            self._config = load(self.config_path)
        return self._config

    @property
    def db_path(self) -> Path:
        if self._db_path:
            return Path(self._db_path).expanduser()
        if os.environ.get("FIREDESK_DB"):
            return Path(os.environ["FIREDESK_DB"]).expanduser()
        if self.config.db:
            return self.config.db.expanduser()
        return default_db_path()

    @property
    def store(self):  # -> firedesk.store.Store
        if self._store is None:
            from firedesk.store import Store

            path = self.db_path
            if self.readonly:
                self._store = Store(path, clock=self.clock, readonly=True)
            else:
                if path == default_db_path():
                    path.parent.mkdir(parents=True, exist_ok=True)
                self._store = Store(path, clock=self.clock)
        return self._store

    @property
    def actor(self) -> str:
        """`--as`, then $FIREDESK_USER, then the login name; mapped to a configured person."""
        name = self._actor or os.environ.get("FIREDESK_USER")
        if not name:
            try:
                name = getpass.getuser()
            except (KeyError, OSError) as exc:
                raise FiredeskError("cannot tell who you are; pass --as NAME") from exc
        name = name.strip()
        if not name:
            raise FiredeskError("--as needs a name")
        try:
            person = self.config.person(name)
        except FiredeskError:
            person = None
        return person.name if person else name

    def act_as(self, name: str) -> None:
        """A command's own `--as` (e.g. `firedesk ready --as Ana`) wins over the global one."""
        self._actor = name

    def zone(self):
        """The actor's timezone from config, else the machine's."""
        try:
            person = self.config.person(self.actor)
        except FiredeskError:
            person = None
        return local_zone(person.timezone if person else None)

    def incident_zone(self, incident):  # noqa: ANN001, ANN201 (Incident → tzinfo)
        """The incident's display zone: its own, else `[clock] zone`, else UTC."""
        from firedesk.clock import display_zone

        return display_zone(incident.zone, self.config.clock)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
