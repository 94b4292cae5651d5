"""firedesk.toml: found, read with tomllib, validated into dataclasses.

A problem in one section never stops the others from loading: each is a
`ConfigProblem` naming the file, the key and what is wrong, listed by `firedesk doctor`
and shown by the console, which keeps running on what did load. Capabilities read their
own sections (rotations, receiver, checklists, …) from `Config.raw` with the helpers here.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from firedesk.clock import ClockSettings, parse_clock_settings
from firedesk.errors import FiredeskError

DEFAULT_CADENCE_MINUTES = {"SEV1": 15, "SEV2": 30, "SEV3": 60}


class ConfigError(FiredeskError):
    """The config file cannot be read at all (missing, unreadable, not TOML)."""


@dataclass(frozen=True)
class ConfigProblem:
    file: str
    key: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.problem}"


@dataclass(frozen=True)
class Person:
    name: str
    login: str | None = None
    timezone: str | None = None
    waking_hours: str | None = None
    phone: str | None = None
    email: str | None = None
    chat: str | None = None

    def contacts(self) -> dict[str, str]:
        return {k: v for k, v in (("phone", self.phone), ("email", self.email),
                                  ("chat", self.chat)) if v}


@dataclass
class Config:
    """Everything firedesk.toml says, with defaults where it is silent."""

    path: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    db: Path | None = None
    people: list[Person] = field(default_factory=list)
    cadence_minutes: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_CADENCE_MINUTES))
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    clock: ClockSettings = field(default_factory=ClockSettings)
    problems: list[ConfigProblem] = field(default_factory=list)

    @property
    def file(self) -> str:
        return str(self.path) if self.path else "(no config file)"

    def problem(self, key: str, message: str) -> None:
        self.problems.append(ConfigProblem(self.file, key, message))

    def person(self, name_or_login: str) -> Person | None:
        for person in self.people:
            if name_or_login in (person.name, person.login):
                return person
        return None

    def section(self, name: str) -> Any:
        return self.raw.get(name)


def user_config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "firedesk"


def find_config(explicit: str | Path | None = None) -> Path | None:
    """`--config`, then `$FIREDESK_CONFIG`, then ./firedesk.toml, then the user config dir."""
    if explicit:
        return Path(explicit)
    if os.environ.get("FIREDESK_CONFIG"):
        return Path(os.environ["FIREDESK_CONFIG"])
    for candidate in (Path("firedesk.toml"), user_config_dir() / "firedesk.toml"):
        if candidate.is_file():
            return candidate
    return None


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text") from exc


def load_config(explicit: str | Path | None = None) -> Config:
    """Find and load the config; an absent file gives the defaults."""
    path = find_config(explicit)
    if path is None:
        return Config()
    return parse_config(read_toml(path), path)


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _string(config: Config, table: dict[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        config.problem(f"{where}.{key}", f"must be a string, not {type(value).__name__}")
        return None
    return value


def parse_config(raw: dict[str, Any], path: Path | None = None) -> Config:
    """Validate the sections firedesk's core reads; record every problem, keep what is good."""
    config = Config(path=path, raw=raw)
    db = raw.get("db")
    if isinstance(db, str):
        config.db = (path.parent / db) if path and not Path(db).is_absolute() else Path(db)
    elif db is not None:
        config.problem("db", "must be a path string")
    seen: set[str] = set()
    people = raw.get("people", [])
    if not isinstance(people, list):
        config.problem("people", "must be an array of tables ([[people]])")
        people = []
    for index, entry in enumerate(people):
        where = f"people[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            config.problem(where, "needs a name")
            continue
        name = entry["name"]
        if name in seen:
            config.problem(f"{where}.name", f"{name!r} appears twice")
            continue
        seen.add(name)
        tz = _string(config, entry, "timezone", where)
        if tz and not valid_timezone(tz):
            config.problem(f"{where}.timezone", f"unknown timezone {tz!r} (use an IANA name like Europe/Berlin)")
            tz = None
        config.people.append(Person(
            name=name, login=_string(config, entry, "login", where), timezone=tz,
            waking_hours=_string(config, entry, "waking_hours", where),
            phone=_string(config, entry, "phone", where), email=_string(config, entry, "email", where),
            chat=_string(config, entry, "chat", where),
        ))
    comms = raw.get("comms", {})
    cadence = comms.get("cadence", {}) if isinstance(comms, dict) else {}
    if isinstance(cadence, dict):
        for severity, minutes in cadence.items():
            key = severity.upper()
            if key not in ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5"):
                config.problem(f"comms.cadence.{severity}", "not a severity (SEV1..SEV5)")
            elif not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 0:
                config.problem(f"comms.cadence.{severity}", "must be whole minutes (0 for none)")
            elif minutes == 0:
                config.cadence_minutes.pop(key, None)
            else:
                config.cadence_minutes[key] = minutes
    else:
        config.problem("comms.cadence", "must be a table of SEVn = minutes")
    config.clock, clock_problems = parse_clock_settings(raw.get("clock"))
    for key, message in clock_problems:
        config.problem(key, message)
    config.theme = _string(config, raw, "theme", "(top level)")
    keymap = raw.get("keymap", {})
    if isinstance(keymap, dict) and all(isinstance(v, str) for v in keymap.values()):
        config.keymap = dict(keymap)
    else:
        config.problem("keymap", "must be a table of binding id = \"key\"")
    return config


STARTER_CONFIG = '''\
# firedesk.toml — the team's incident set-up. Every section is optional.
# Where firedesk looks: --config, $FIREDESK_CONFIG, ./firedesk.toml, ~/.config/firedesk/.

# db = "/srv/firedesk/firedesk.db"   # the one shared record (or --db / $FIREDESK_DB)
# theme = "dark"                     # dark | light | high-contrast | ansi

# [[people]]
# name = "Priya"                     # unique display name
# login = "priya"                    # login name on this host (maps $USER to the person)
# timezone = "Asia/Kolkata"
# waking_hours = "08:00-23:00"
# phone = "+91 ..."
# email = "priya@example.com"
# chat = "@priya"
# ssh_keys = ["ssh-ed25519 AAAA… priya@laptop"]   # `firedesk serve`: this key is Priya

# [[watchers]]                       # `firedesk serve`: these keys get the console read-only
# name = "Support desk"
# ssh_keys = ["ssh-ed25519 AAAA…"]

# [serve]                            # `firedesk serve`: the SSH front door
# port = 2222
# idle_timeout = "2h"

# [clock]
# zone = "UTC"                       # incidents' display zone unless declared with another
# alert_start_window = "24h"         # an attached alert's start counts as the start of
#                                    # impact only this close before the declaration

# [comms.cadence]                    # minutes between stakeholder updates, by severity
# SEV1 = 15
# SEV2 = 30
# SEV3 = 60

# [receiver]                         # `firedesk receive`: every request needs a credential
# token = "change-me"                # bearer token, or the basic-auth password
# max_body = "2MiB"

# [keymap]                           # binding id = key; see the console's help (F1)
# note = "n"

# More sections: [[teams]], [[services]], [[rotations]], [[overrides]], [[escalation]],
# [[duty_roles]], [[roles]], [checklists.NAME], [comms.audiences.NAME], [nag],
# [publish.github]. A complete, commented example: examples/firedesk.toml in the
# firedesk repository; `firedesk doctor` checks whatever you write.
'''
