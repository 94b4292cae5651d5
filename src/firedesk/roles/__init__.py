"""Incident roles, their duties, and handover. Never imports Textual."""

from firedesk.roles.catalog import BUILTIN_ROLES, Role, find_role, role_catalog

__all__ = ["BUILTIN_ROLES", "Role", "find_role", "role_catalog"]
