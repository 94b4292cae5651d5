"""Commands of this capability (filled in by its issue)."""

from __future__ import annotations

COMMANDS: list = []
