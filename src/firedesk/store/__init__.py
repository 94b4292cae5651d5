"""The record: one SQLite file with an append-only, hash-chained timeline.

Never imports Textual. Everything that writes goes through `Store.write()`.
"""

from firedesk.store.feed import ChangeFeed
from firedesk.store.incidents import (
    add_entry, assign_role, declare_incident, list_incidents, load_draft, parse_entry_kind,
    parse_severity, parse_status, recent_authors, release_role, resolve_incident,
    role_tenures, save_draft, set_severity, set_status, set_zone,
)
from firedesk.store.store import Store
from firedesk.store.timeline import ChainReport, append_event, events_for, get_event, verify_chain

__all__ = [
    "ChainReport", "ChangeFeed", "Store", "add_entry", "append_event", "assign_role",
    "declare_incident", "events_for", "get_event", "list_incidents", "load_draft",
    "parse_entry_kind", "parse_severity", "parse_status", "recent_authors", "release_role",
    "resolve_incident", "role_tenures", "save_draft", "set_severity", "set_status", "set_zone",
    "verify_chain",
]
