"""The roles an incident can have: built-in ones and those a team adds in config."""

from __future__ import annotations

from dataclasses import dataclass

from firedesk.config import Config, Loading
from firedesk.errors import InvalidInput


@dataclass(frozen=True)
class Role:
    """A role: its name, the console key that assigns it, and its duties in a few lines."""

    name: str
    key: str
    duties: tuple[str, ...]
    shared: bool = False  # several people may hold it at once (investigators)
    aliases: tuple[str, ...] = ()


BUILTIN_ROLES: tuple[Role, ...] = (
    Role("leader", "l", (
        "Owns the incident until it is handed over: decides, delegates, keeps the big picture.",
        "Sets severity and status; makes sure every role is filled.",
        "Keeps the update clock green and calls for help early.",
    ), aliases=("commander", "ic", "incident-commander", "incident-leader")),
    Role("communications", "c", (
        "Writes stakeholder updates on the cadence the severity sets.",
        "Answers the questions from outside so responders can work.",
        "Keeps the status page and support teams in step with the timeline.",
    ), aliases=("comms", "communication", "communications-handler")),
    Role("investigator", "i", (
        "Forms hypotheses, tests them, and records what was tried and found.",
        "Works the triage checklist; reports back to the leader on each check-in.",
    ), shared=True, aliases=("lead-investigator", "investigation")),
    Role("scribe", "s", (
        "Keeps the timeline complete: decisions, actions, and when they happened.",
        "Backdates entries that were said aloud but not typed.",
    )),
    Role("provisions", "p", (
        "Looks after the responders: food, breaks, relief for long incidents.",
        "Lines up the next shift and the handover.",
    ), aliases=("provisioner",)),
    Role("shadow", "", (
        "Learns by watching: sees everything, writes only notes.",
        "Every other entry from someone who is only a shadow is refused.",
    ), shared=True, aliases=("trainee-shadow",)),
)


def parse_roles(loading: Loading) -> tuple[Role, ...]:
    """Built-in roles, then `[[roles]]` from the config (read once, at load)."""
    roles = list(BUILTIN_ROLES)
    entries = loading.section("roles") or []
    if not isinstance(entries, list):
        loading.problem("roles", "must be an array of tables ([[roles]])")
        return tuple(roles)
    for index, entry in enumerate(entries):
        where = f"roles[{index}]"
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            loading.problem(where, "needs a name")
            continue
        key = entry.get("key", "")
        duties = entry.get("duties", [])
        if isinstance(duties, str):
            duties = [duties]
        if not isinstance(key, str) or len(key) > 1:
            loading.problem(f"{where}.key", "must be a single character")
            key = ""
        if any(r.name == name.lower() for r in roles):
            loading.problem(f"{where}.name", f"{name!r} is already a role")
            continue
        roles.append(Role(name.lower(), key, tuple(str(d) for d in duties),
                          shared=bool(entry.get("shared", False))))
    return tuple(roles)


def role_catalog(config: Config | None = None) -> list[Role]:
    """Built-in roles, then the config's `[[roles]]`."""
    return list(config.roles if config is not None else BUILTIN_ROLES)


def find_role(name: str, config: Config | None = None) -> Role:
    """The role called `name` (or one of its aliases); a clear error listing valid ones."""
    wanted = name.strip().lower().replace(" ", "-").replace("_", "-")
    catalog = role_catalog(config)
    for role in catalog:
        if wanted == role.name or wanted in role.aliases:
            return role
    raise InvalidInput(f"unknown role {name!r}; use one of {', '.join(r.name for r in catalog)}")
