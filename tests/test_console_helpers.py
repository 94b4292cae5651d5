"""Shared helpers for the console tests: build the app the way people get it, and wait
for its workers (never sleep)."""

from __future__ import annotations

from datetime import timezone

from firedesk.app import FiredeskApp, make_app
from firedesk.config import Config, Person

TEAM = Config(people=[Person("Priya", timezone="Asia/Kolkata"), Person("Marco", timezone="Europe/Rome"),
                      Person("Dana", timezone="America/New_York")])


def build_app(db_path, clock, incident=None, *, config: Config | None = None,  # noqa: ANN001
              actor: str = "tester", theme: str | None = None) -> FiredeskApp:
    return make_app(db_path, config or Config(people=list(TEAM.people)), actor, clock, incident,
                    theme=theme, zone=timezone.utc, cursor_blink=False, pace_panes=False)


def busy(app: FiredeskApp) -> bool:
    screen = app.main_screen
    return bool(screen is not None and (getattr(screen, "_loading", False)
                                        or getattr(screen, "_dirty", False)))


async def settle(pilot) -> None:  # noqa: ANN001
    """Wait until every worker has finished and the screen has shown what they read."""
    app = pilot.app
    for _ in range(200):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not busy(app) and not any(w.is_running for w in app.workers) and app.main_screen:
            return
    raise AssertionError("the console did not settle")


def timeline_text(app: FiredeskApp) -> str:
    """The loaded timeline as one string, wrapped lines joined, spaces collapsed."""
    return " ".join(" ".join(app.screen.query_one("#timeline").visible_text()).split())
