"""Running the incident (issue 6): checklists, hypotheses, tasks, impact, handover."""

from __future__ import annotations

from sqlite_utils import Database  # noqa: F401  (used by the migrations below)
from sqlite_utils.migrations import Migrations

migrations = Migrations("firedesk.running")
