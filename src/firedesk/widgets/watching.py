"""A watcher's console (`firedesk serve`, `[[watchers]]`) has no way to change anything.

Every screen and widget whose actions write the record or reach out (page, send an
update, silence, export a file) names them in `WRITE_ACTIONS` and mixes in
`ChangesRecord`. For a watcher those actions are absent: no footer key, no help line, no
command-palette entry, no key that runs them; and calling one anyway (a click that
calls the method, a palette entry left over) only says it is refused. `app.run_write`
refuses watchers' writes too, and their connections are query_only.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, ClassVar

WATCHING_NOTICE = "watching (read-only): nothing was changed"


def _refusing(action: Any) -> Any:
    if inspect.iscoroutinefunction(action):
        @functools.wraps(action)
        async def guarded_async(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN001
            if getattr(self.app, "watching", False):
                self.app.notify(WATCHING_NOTICE, severity="warning", markup=False)
                return None
            return await action(self, *args, **kwargs)
        return guarded_async

    @functools.wraps(action)
    def guarded(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN001
        if getattr(self.app, "watching", False):
            self.app.notify(WATCHING_NOTICE, severity="warning", markup=False)
            return None
        return action(self, *args, **kwargs)
    return guarded


class ChangesRecord:
    """Mixin: the actions in WRITE_ACTIONS do not exist in a watcher's console."""

    WRITE_ACTIONS: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in cls.WRITE_ACTIONS:
            method = cls.__dict__.get(f"action_{name}")
            if method is not None:
                setattr(cls, f"action_{name}", _refusing(method))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.WRITE_ACTIONS and getattr(self.app, "watching", False):
            return False
        return super().check_action(action, parameters)  # type: ignore[misc]
