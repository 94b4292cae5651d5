"""Which capability panes a screen's next read includes.

In a storm every commit brings a read. A pane marked `PACED` (the alert feed, who to
wake) is read at most once per PACE_SECONDS: reading and drawing a thousand alerts a few
dozen times a second is most of a console's CPU. A pane left out is read once it is due
(a timer), so the last change always shows, and a change is on screen within
PACE_SECONDS plus one read of it: inside the half second in which every console sees
every other's writes. `everything` (after the console's own write) reads every pane now.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from textual.timer import Timer

PACE_SECONDS = 0.4


class PanePacer:
    """Pacing for one screen's panes: (name, widget class, …) rows as in CAPABILITY_PANES."""

    def __init__(self, panes: Sequence[tuple[str, type, str, str]]) -> None:
        self.panes = panes
        self.read_at: dict[str, float] = {}
        self.everything = True          # the first read includes every pane
        self.timer: Timer | None = None
        self._read_again: Callable[[], None] = lambda: None

    def due(self, screen: Any, read_again: Callable[[], None]) -> dict[str, Callable]:
        """The loaders to run now; a timer on `screen` calls `read_again` for the rest."""
        app = screen.app
        now, wait = app.monotonic(), None
        everything, self.everything = self.everything, False
        loads = {}
        for name, cls, _, _ in self.panes:
            pace = PACE_SECONDS if app.pace_panes and getattr(cls, "PACED", False) else 0.0
            left = self.read_at.get(name, float("-inf")) + pace - now
            if everything or left <= 0:
                loads[name] = cls.load
                self.read_at[name] = now
            else:
                wait = left if wait is None else min(wait, left)
        if wait is not None and self.timer is None:
            self._read_again = read_again
            self.timer = screen.set_timer(wait, self.read_due)
        return loads

    def read_due(self) -> None:
        """The timer: read again (the panes skipped before are due now)."""
        self.timer = None
        self._read_again()
