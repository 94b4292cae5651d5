"""firedesk.toml: found, read with tomllib, validated once into frozen, typed settings.

`load_config` reads the file and runs every parser once: the core's (db, people,
cadence, theme, keymap) and then each capability's, listed in `CAPABILITIES`, each of
which turns its own sections into one typed attribute (`config.receiver`,
`config.oncall`, …). A problem in one section never stops the others from loading:
each is a `ConfigProblem` naming the file, the key and what is wrong, gathered in
`config.problems` (what `firedesk doctor` lists and the console shows). Nothing reads
the raw TOML after loading.

A new capability adds its parser (`parse_x(loading) -> XSettings`, reading
`loading.section(...)`, reporting with `loading.problem(...)`) and one line below.
"""

from __future__ import annotations

import importlib
import os
import tomllib
from dataclasses import InitVar, dataclass, field
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
        if not self.key:  # the whole file (it names itself)
            return self.problem
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


# Each capability's settings: (attribute on Config, "module:parser"). A parser takes a
# `Loading` and returns the typed, frozen settings; it runs once, when the file is read.
CAPABILITIES: tuple[tuple[str, str], ...] = (
    ("roles", "firedesk.roles.catalog:parse_roles"),
    ("checklists", "firedesk.response.checklist:parse_checklists"),
    ("comms", "firedesk.response.updates:parse_comms"),
    ("nag", "firedesk.roles.nag:parse_nag"),
    ("receiver", "firedesk.intake.settings:parse_receiver"),
    ("publish", "firedesk.review.publish:parse_publish"),
    ("review", "firedesk.review.lint:parse_review"),
    ("oncall", "firedesk.oncall.load:parse_oncall"),
    ("digest", "firedesk.review.digest:parse_digest"),
    ("tickets", "firedesk.intake.tickets:parse_tickets"),
    ("analysis", "firedesk.review.analysis:parse_analysis"),
    ("readiness", "firedesk.oncall.readiness:parse_readiness"),
    ("serve", "firedesk.serve.settings:parse_serve"),
    ("alerts", "firedesk.intake.feed:parse_alerts"),
)


@dataclass(frozen=True)
class Config:
    """Everything firedesk.toml says, typed, with defaults where it is silent.

    Built by `parse_config`/`load_config` (or directly, in tests: any capability left
    out is parsed from `raw`, empty by default, so it holds its defaults)."""

    path: Path | None = None
    db: Path | None = None
    people: list[Person] = field(default_factory=list)
    cadence_minutes: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_CADENCE_MINUTES))
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    clock: ClockSettings = field(default_factory=ClockSettings)
    problems: list[ConfigProblem] = field(default_factory=list)
    roles: Any = None          # tuple[firedesk.roles.Role, ...]
    checklists: Any = None     # firedesk.response.checklist.ChecklistSettings
    comms: Any = None          # firedesk.response.updates.CommsSettings
    nag: Any = None            # firedesk.roles.nag.NagSettings
    receiver: Any = None       # firedesk.intake.settings.ReceiverSettings
    publish: Any = None        # firedesk.review.publish.PublishSettings
    review: Any = None         # firedesk.review.lint.ReviewSettings
    oncall: Any = None         # firedesk.oncall.model.OnCall
    digest: Any = None         # firedesk.review.digest.DigestSettings
    tickets: Any = None        # firedesk.intake.tickets.TicketSettings (None: not usable)
    analysis: Any = None       # firedesk.review.analysis.AnalysisRules
    readiness: Any = None      # firedesk.oncall.readiness.ReadinessSettings
    serve: Any = None          # firedesk.serve.settings.ServeSettings
    alerts: Any = None         # firedesk.intake.feed.AlertViewSettings
    problems_by: dict[str, list[ConfigProblem]] = field(default_factory=dict, repr=False,
                                                        compare=False)
    raw: InitVar[dict[str, Any] | None] = None  # init-only: `Config.raw` stays None

    def __post_init__(self, raw: dict[str, Any] | None) -> None:
        raw = raw or {}
        for attribute, ref in CAPABILITIES:
            if getattr(self, attribute) is not None:
                continue
            module, name = ref.split(":")
            loading = Loading(raw, self)
            settings = getattr(importlib.import_module(module), name)(loading)
            object.__setattr__(self, attribute, settings)
            self.problems_by[attribute] = loading.problems
            self.problems.extend(loading.problems)

    @property
    def file(self) -> str:
        return str(self.path) if self.path else "(no config file)"

    def person(self, name_or_login: str) -> Person | None:
        for person in self.people:
            if name_or_login in (person.name, person.login):
                return person
        return None


class Loading:
    """What a capability's parser is handed: the raw TOML, the core settings (people,
    file) already read, and where its problems go (each reported once)."""

    def __init__(self, raw: dict[str, Any], core: Config):
        self.raw = raw
        self.core = core
        self.problems: list[ConfigProblem] = []

    @property
    def file(self) -> str:
        return self.core.file

    @property
    def path(self) -> Path | None:
        return self.core.path

    @property
    def people(self) -> list[Person]:
        return self.core.people

    def section(self, name: str) -> Any:
        return self.raw.get(name)

    def problem(self, key: str, message: str) -> None:
        found = ConfigProblem(self.file, key, message)
        if found not in self.problems:
            self.problems.append(found)


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


def load_config_or_defaults(explicit: str | Path | None = None) -> Config:
    """`load_config`, except that a file that cannot be read at all gives the defaults,
    with the reason as its one problem (a console must open in an incident)."""
    try:
        return load_config(explicit)
    except ConfigError as exc:
        path = find_config(explicit)
        return Config(path=path, problems=[ConfigProblem(
            str(path), "", f"{exc}; using the built-in defaults")])


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _string(problem, table: dict[str, Any], key: str, where: str) -> str | None:  # noqa: ANN001
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        problem(f"{where}.{key}", f"must be a string, not {type(value).__name__}")
        return None
    return value


def parse_config(raw: dict[str, Any], path: Path | None = None) -> Config:
    """Validate every section (the core's here, then each capability's, once); record
    every problem, keep what is good."""
    file = str(path) if path else "(no config file)"
    problems: list[ConfigProblem] = []

    def problem(key: str, message: str) -> None:
        problems.append(ConfigProblem(file, key, message))

    db_path = None
    db = raw.get("db")
    if isinstance(db, str):
        db_path = (path.parent / db) if path and not Path(db).is_absolute() else Path(db)
    elif db is not None:
        problem("db", "must be a path string")
    found: list[Person] = []
    seen: set[str] = set()
    people = raw.get("people", [])
    if not isinstance(people, list):
        problem("people", "must be an array of tables ([[people]])")
        people = []
    for index, entry in enumerate(people):
        where = f"people[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            problem(where, "needs a name")
            continue
        name = entry["name"]
        if name in seen:
            problem(f"{where}.name", f"{name!r} appears twice")
            continue
        seen.add(name)
        tz = _string(problem, entry, "timezone", where)
        if tz and not valid_timezone(tz):
            problem(f"{where}.timezone", f"unknown timezone {tz!r} (use an IANA name like Europe/Berlin)")
            tz = None
        found.append(Person(
            name=name, login=_string(problem, entry, "login", where), timezone=tz,
            waking_hours=_string(problem, entry, "waking_hours", where),
            phone=_string(problem, entry, "phone", where), email=_string(problem, entry, "email", where),
            chat=_string(problem, entry, "chat", where),
        ))
    cadence_minutes = dict(DEFAULT_CADENCE_MINUTES)
    comms = raw.get("comms", {})
    cadence = comms.get("cadence", {}) if isinstance(comms, dict) else {}
    if isinstance(cadence, dict):
        for severity, minutes in cadence.items():
            key = severity.upper()
            if key not in ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5"):
                problem(f"comms.cadence.{severity}", "not a severity (SEV1..SEV5)")
            elif not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 0:
                problem(f"comms.cadence.{severity}", "must be whole minutes (0 for none)")
            elif minutes == 0:
                cadence_minutes.pop(key, None)
            else:
                cadence_minutes[key] = minutes
    else:
        problem("comms.cadence", "must be a table of SEVn = minutes")
    clock, clock_problems = parse_clock_settings(raw.get("clock"))
    for key, message in clock_problems:
        problem(key, message)
    theme = _string(problem, raw, "theme", "(top level)")
    keymap = raw.get("keymap", {})
    if isinstance(keymap, dict) and all(isinstance(v, str) for v in keymap.values()):
        keymap = dict(keymap)
    else:
        problem("keymap", "must be a table of binding id = \"key\"")
        keymap = {}
    return Config(path=path, db=db_path, people=found, cadence_minutes=cadence_minutes,
                  theme=theme, keymap=keymap, clock=clock, problems=problems, raw=raw)


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
