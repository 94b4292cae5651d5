"""Every migration set, in the order they apply (core first)."""

from __future__ import annotations

from sqlite_utils.migrations import Migrations

from firedesk.store import alert_tables, between_tables, running_tables, schema, search_tables

MIGRATION_SETS: list[Migrations] = [
    schema.core,
    alert_tables.migrations,
    running_tables.migrations,
    search_tables.migrations,
    between_tables.migrations,
]
