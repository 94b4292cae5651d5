"""The console's text inputs: Enter takes the value in the order the keys were typed.

Textual runs Input's Enter binding only once the key has bubbled up to the app, a few
message hops later; keys that arrived in the same read (fast typing, an SSH link that
delivers keys together) are inserted meanwhile, so `first⏎second⏎` submitted
`firstsecond` twice. `TextInput` handles Enter in its own key handler, in key order, and
can clear itself at that moment, so the next keys start the next entry.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class TextInput(Input):
    """An Input whose Enter submits exactly what was typed before it."""

    def __init__(self, *args, clear_on_submit: bool = False, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.clear_on_submit = clear_on_submit

    async def _on_key(self, event: events.Key) -> None:
        if event.key != "enter":
            return  # Input's own handler runs next (Textual dispatches along the MRO)
        event.stop()
        event.prevent_default()
        value = self.value
        result = self.validate(value) if "submitted" in self.validate_on else None
        if self.clear_on_submit:
            self.value = ""
        self.post_message(self.Submitted(self, value, result))
