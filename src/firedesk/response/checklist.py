"""Triage checklists: the ABC list every incident starts with, plus per-service lists.

Templates are TOML (the shipped default in `firedesk/checklists/default.toml`, the
team's in `[checklists.<name>]`). An incident shows its templates until someone first
checks an item; that first change copies the whole list into the incident (in the same
transaction), so later config edits never rewrite what responders already recorded.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

from firedesk.config import Config, Loading
from firedesk.errors import InvalidInput, NotFound
from firedesk.model import Incident
from firedesk.response.common import touch_incident
from firedesk.store.store import Store
from firedesk.store.timeline import append_event

ITEM_STATES = ("open", "done", "na")
STATE_WORDS = {"open": "reopened", "done": "done", "na": "not applicable"}
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class ChecklistItem:
    """One thing to check: its id, what to check, and what was found."""

    id: str
    text: str
    section: str
    list: str
    position: int
    state: str = "open"
    by: str | None = None
    at: str | None = None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ChecklistTemplate:
    """A named list of items (the default triage list, or a service's own)."""

    name: str
    title: str
    items: tuple[ChecklistItem, ...]


@dataclass(frozen=True)
class ChecklistProgress:
    """How far the checklist is: counts by state."""

    done: int
    na: int
    open: int

    @property
    def total(self) -> int:
        return self.done + self.na + self.open

    @property
    def settled(self) -> int:
        return self.done + self.na

    def to_json(self) -> dict[str, int]:
        return {"done": self.done, "na": self.na, "open": self.open, "total": self.total}

    def __str__(self) -> str:
        return f"{self.settled}/{self.total}"


def slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:40] or "item"


def parse_template(name: str, data: Any, loading: Loading | None = None,
                   where: str | None = None) -> ChecklistTemplate | None:
    """A template from TOML data; problems go to `loading`, good items are kept.

    Accepted shapes: `items = [...]` (one section named after the title) or
    `sections = [{name, items}]`; an item is a string or `{id, text}`.
    """
    where = where or f"checklists.{name}"

    def problem(key: str, message: str) -> None:
        if loading is not None:
            loading.problem(key, message)

    if not isinstance(data, dict):
        problem(where, "must be a table with items or sections")
        return None
    title = data.get("title") if isinstance(data.get("title"), str) else name.capitalize()
    sections = data.get("sections")
    if sections is None:
        sections = [{"name": title, "items": data.get("items", [])}]
    if not isinstance(sections, list):
        problem(f"{where}.sections", "must be an array of {name, items} tables")
        return None
    prefix = "" if name == "default" else f"{slug(name)}."
    items: list[ChecklistItem] = []
    seen: set[str] = set()
    for s_index, section in enumerate(sections):
        s_where = f"{where}.sections[{s_index}]"
        if not isinstance(section, dict) or not isinstance(section.get("items", []), list):
            problem(s_where, "must be a table with name and an items array")
            continue
        section_name = str(section.get("name") or title)
        for i_index, entry in enumerate(section.get("items", [])):
            i_where = f"{s_where}.items[{i_index}]"
            if isinstance(entry, str):
                entry = {"text": entry}
            text = entry.get("text") if isinstance(entry, dict) else None
            if not isinstance(text, str) or not text.strip():
                problem(i_where, "needs text")
                continue
            raw_id = entry.get("id")
            if raw_id is not None and not isinstance(raw_id, str):
                problem(f"{i_where}.id", "must be a string")
                raw_id = None
            item_id = prefix + slug(raw_id or text)
            if item_id in seen:
                if raw_id:
                    problem(f"{i_where}.id", f"{raw_id!r} appears twice")
                    continue
                item_id = f"{item_id}-{len(items) + 1}"
            seen.add(item_id)
            items.append(ChecklistItem(item_id, text.strip(), section_name, name, len(items) + 1))
    if not items:
        problem(where, "has no usable items")
        return None
    return ChecklistTemplate(name, title, tuple(items))


@cache
def default_template() -> ChecklistTemplate:
    """The shipped ABC triage list."""
    text = resources.files("firedesk").joinpath("checklists/default.toml").read_text("utf-8")
    template = parse_template("default", tomllib.loads(text))
    assert template is not None, "the shipped default checklist must parse"
    return template


@dataclass(frozen=True)
class ChecklistSettings:
    """`[checklists.*]` and the lists each `[[services]]` entry asks for, read once."""

    default: ChecklistTemplate
    templates: dict[str, ChecklistTemplate]
    by_service: dict[str, tuple[ChecklistTemplate, ...]]

    def for_service(self, service: str) -> tuple[ChecklistTemplate, ...]:
        """A service's own lists: those it names, else the list named after it."""
        if service in self.by_service:
            return self.by_service[service]
        found = self.templates.get(service)
        return (found,) if found is not None and service != "default" else ()


def _service_checklist_names(services: Any) -> dict[str, list[str]]:
    """Checklist names each service asks for in `[[services]]` / `[services.<name>]`."""
    entries: list[tuple[Any, Any]] = []
    if isinstance(services, list):
        entries = [(s.get("name"), s) for s in services if isinstance(s, dict)]
    elif isinstance(services, dict):
        entries = [(name, s) for name, s in services.items() if isinstance(s, dict)]
    names: dict[str, list[str]] = {}
    for service, entry in entries:
        if not isinstance(service, str):
            continue
        wanted = entry.get("checklist")
        listed = names.setdefault(service, [])
        if isinstance(wanted, str):
            listed.append(wanted)
        elif isinstance(wanted, list):
            listed.extend(w for w in wanted if isinstance(w, str))
    return names


def parse_checklists(loading: Loading) -> ChecklistSettings:
    """Read `[checklists.*]` and the services' `checklist` keys once, at load."""
    configured = loading.section("checklists") or {}
    if not isinstance(configured, dict):
        loading.problem("checklists", "must be a table of [checklists.<name>]")
        configured = {}
    templates: dict[str, ChecklistTemplate] = {}
    for name, data in configured.items():
        template = parse_template(name, data, loading)
        if template is not None:
            templates[name] = template
    by_service: dict[str, tuple[ChecklistTemplate, ...]] = {}
    for service, names in _service_checklist_names(loading.section("services")).items():
        lists: list[ChecklistTemplate] = []
        for name in dict.fromkeys(names or [service]):
            if name == "default":
                continue
            if name in templates:
                lists.append(templates[name])
            elif name not in configured and name != service:
                loading.problem(f"services.{service}.checklist", f"no [checklists.{name}]")
        by_service[service] = tuple(lists)
    return ChecklistSettings(templates.get("default") or default_template(), templates, by_service)


def templates_for(incident: Incident | None, config: Config | None) -> list[ChecklistTemplate]:
    """The default list (or the team's replacement), then the incident's service lists."""
    if config is None:
        return [default_template()]
    templates = [config.checklists.default]
    if incident is not None and incident.service:
        templates.extend(config.checklists.for_service(incident.service))
    return templates


def _stored_items(store: Store, incident_id: int) -> list[ChecklistItem]:
    return [
        ChecklistItem(r["item"], r["text"], r["section"], r["list"], r["position"], r["state"],
                      r["by"], r["at"], r["note"])
        for r in store.query(
            "SELECT item, text, section, list, position, state, by, at, note "
            "FROM checklist_items WHERE incident_id = ? ORDER BY position", (incident_id,),
        )
    ]


def _template_items(incident: Incident, config: Config | None) -> list[ChecklistItem]:
    items: list[ChecklistItem] = []
    for template in templates_for(incident, config):
        for item in template.items:
            items.append(replace(item, position=len(items) + 1))
    return items


def checklist_for(store: Store, incident: Incident, config: Config | None = None) -> list[ChecklistItem]:
    """The incident's checklist: as recorded once touched, else fresh from the templates."""
    return _stored_items(store, incident.id) or _template_items(incident, config)


def checklist_progress(items: list[ChecklistItem]) -> ChecklistProgress:
    return ChecklistProgress(
        done=sum(1 for i in items if i.state == "done"),
        na=sum(1 for i in items if i.state == "na"),
        open=sum(1 for i in items if i.state == "open"),
    )


def find_item(items: list[ChecklistItem], ref: str, incident_key: str) -> ChecklistItem:
    """An item by id (case-insensitive) or by its 1-based position in the list."""
    wanted = str(ref).strip().lower()
    for item in items:
        if item.id == wanted:
            return item
    if wanted.isdigit() and 1 <= int(wanted) <= len(items):
        return items[int(wanted) - 1]
    matches = [i for i in items if i.id.startswith(wanted)] if wanted else []
    if len(matches) == 1:
        return matches[0]
    sample = ", ".join(i.id for i in items[:6]) + (", …" if len(items) > 6 else "")
    raise NotFound(
        f"no checklist item {ref!r} in {incident_key}; use an id ({sample}) or a number 1-{len(items)}"
    )


def check_item(
    store: Store, incident: Incident, ref: str, *, author: str, state: str = "done",
    note: str | None = None, config: Config | None = None,
) -> tuple[ChecklistItem, bool]:
    """Mark an item done, not applicable, or open again. Returns (item, changed);
    unchanged (same state, no new note) records nothing."""
    if state not in ITEM_STATES:
        raise InvalidInput(f"unknown checklist state {state!r}; use done, na or open")
    note = note.strip() if note and note.strip() else None
    templates = None
    if not _stored_items(store, incident.id):
        templates = _template_items(incident, config)  # outside the lock
    with store.write() as conn:
        attached: list[str] = []
        stored = _stored_items(store, incident.id)
        if not stored:
            # First touch: copy the list into the incident with this very change.
            stored = templates or _template_items(incident, config)
            attached = list(dict.fromkeys(i.list for i in stored))
            conn.executemany(
                "INSERT INTO checklist_items (incident_id, item, list, section, text, position) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(incident.id, i.id, i.list, i.section, i.text, i.position) for i in stored],
            )
        item = find_item(stored, ref, incident.key)
        if item.state == state and (note is None or note == item.note):
            return item, False
        words = STATE_WORDS[state]
        event = append_event(
            store, incident_id=incident.id, kind="checklist", author=author,
            text=f"{item.text}: {words}" + (f" ({note})" if note else ""),
            data={"item": item.id, "state": state, "from": item.state, "note": note,
                  "list": item.list, **({"attached": attached} if attached else {})},
        )
        conn.execute(
            "UPDATE checklist_items SET state = ?, by = ?, at = ?, note = ?, event_id = ? "
            "WHERE incident_id = ? AND item = ?",
            (state, author, event.recorded_at, note, event.id, incident.id, item.id),
        )
        touch_incident(conn, incident.id, event.recorded_at)
        return replace(item, state=state, by=author, at=event.recorded_at, note=note), True
