"""Full-text search (issue 7) over incidents, timeline entries and alerts."""

from __future__ import annotations

from sqlite_utils import Database  # noqa: F401  (used by the migrations below)
from sqlite_utils.migrations import Migrations

migrations = Migrations("firedesk.search")
