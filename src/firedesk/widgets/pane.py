"""A bordered, titled, zoomable box that holds one pane of the console."""

from __future__ import annotations

from textual.containers import Vertical


class Pane(Vertical):
    """Any pane can be zoomed to fill the screen (z) and back."""

    ALLOW_MAXIMIZE = True

    def __init__(self, *children, title: str, **kwargs) -> None:  # noqa: ANN002
        super().__init__(*children, **kwargs)
        self.border_title = title
