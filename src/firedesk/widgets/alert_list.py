"""The alert rows: a virtual list that draws only the rows on screen.

A storm keeps a thousand alerts in the pane and every commit brings a fresh read; an
OptionList would build a thousand renderables each time. Here a read only swaps the
list of rows, and `render_line` draws the few that are visible (cached per row until
the next read, resize or theme change). The highlight follows its alert, not its
position, when a read reorders the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip


class AlertList(ScrollView, can_focus=True):
    """Rows with a highlight: ↑↓ PgUp PgDn Home End move it, Enter or a click opens it."""

    COMPONENT_CLASSES = {"alert-list--highlight", "alert-list--empty"}
    DEFAULT_CSS = """
    AlertList { background: $surface; overflow-x: hidden; }
    AlertList > .alert-list--highlight {
        color: $block-cursor-blurred-foreground; background: $block-cursor-blurred-background;
        text-style: $block-cursor-blurred-text-style;
    }
    AlertList:focus > .alert-list--highlight {
        color: $block-cursor-foreground; background: $block-cursor-background;
        text-style: $block-cursor-text-style;
    }
    AlertList > .alert-list--empty { color: $text-muted; }
    """
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False, id="alert-list.up"),
        Binding("down", "move(1)", "Down", show=False, id="alert-list.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="alert-list.pageup"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="alert-list.pagedown"),
        Binding("home", "first", "First", show=False, id="alert-list.first"),
        Binding("end", "last", "Last", show=False, id="alert-list.last"),
        Binding("enter", "open", "Details", show=False, id="alert-list.open"),
    ]

    class Opened(Message):
        """Enter or a click on a row."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keys: list[Hashable] = []
        self.highlighted: int | None = None
        self._draw: Callable[[int], Text] = lambda index: Text("")
        self._empty = ""
        self._cache: dict[int, Strip] = {}

    # -- data in ------------------------------------------------------------------------

    def show_rows(self, keys: list[Hashable], draw: Callable[[int], Text], *,
                  empty: str = "") -> None:
        """Show these rows: `keys` name each row (the highlight follows its key), and
        `draw(i)` renders row i when it comes into view."""
        previous, followed = self.highlighted_key, self._highlight_in_view()
        self.keys = keys
        self._draw = draw
        self._empty = empty
        self._cache = {}
        if not keys:
            self.highlighted = None
        elif previous in keys:
            self.highlighted = keys.index(previous)
        else:
            self.highlighted = min(self.highlighted or 0, len(keys) - 1) if previous is not None else 0
        self.virtual_size = Size(self.scrollable_content_region.width, len(keys))
        if followed:  # a reader who scrolled away with the wheel is not pulled back
            self._keep_highlight_in_view()
        self.refresh()

    def _highlight_in_view(self) -> bool:
        top, height = self.scroll_offset.y, max(1, self.scrollable_content_region.height)
        return self.highlighted is None or top <= self.highlighted < top + height

    @property
    def highlighted_key(self) -> Hashable | None:
        if self.highlighted is None or self.highlighted >= len(self.keys):
            return None
        return self.keys[self.highlighted]

    def row_text(self, index: int) -> str:
        """The plain text of row `index` (what a test looks for)."""
        return self._draw(index).plain

    # -- moving -------------------------------------------------------------------------

    def move_to(self, index: int) -> None:
        if not self.keys:
            return
        self.highlighted = max(0, min(index, len(self.keys) - 1))
        self._keep_highlight_in_view()
        self.refresh()

    def action_move(self, step: int) -> None:
        self.move_to((self.highlighted or 0) + step)

    def action_page(self, pages: int) -> None:
        self.move_to((self.highlighted or 0) + pages * max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self.keys) - 1)

    def action_open(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.Opened(self.highlighted))

    def _on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self.keys):
            self.move_to(index)
            self.action_open()

    def _keep_highlight_in_view(self) -> None:
        if self.highlighted is None:
            return
        height = max(1, self.scrollable_content_region.height)
        top = self.scroll_offset.y
        if self.highlighted < top:
            self.scroll_to(y=self.highlighted, animate=False, immediate=True)
        elif self.highlighted >= top + height:
            self.scroll_to(y=self.highlighted - height + 1, animate=False, immediate=True)

    # -- drawing ------------------------------------------------------------------------

    def on_resize(self) -> None:
        self._cache = {}
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.keys))
        self._keep_highlight_in_view()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache = {}

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        base = self.rich_style
        if not self.keys:
            if y == 0 and self._empty:
                text = Text(self._empty, style=self.get_component_rich_style("alert-list--empty"),
                            no_wrap=True, overflow="ellipsis", end="")
                return self._strip(text, width).apply_style(base)
            return Strip.blank(width, base)
        if index >= len(self.keys):
            return Strip.blank(width, base)
        strip = self._cache.get(index)
        if strip is None or strip.cell_length != width:
            strip = self._cache[index] = self._strip(self._draw(index), width)
        if index == self.highlighted:  # beneath the row's own styles, above the background
            strip = strip.apply_style(self.get_component_rich_style("alert-list--highlight"))
        return strip.apply_style(base)

    def _strip(self, text: Text, width: int) -> Strip:
        text.no_wrap, text.overflow, text.end = True, "ellipsis", ""
        lines = text.wrap(self.app.console, max(1, width), overflow="ellipsis", no_wrap=True)
        line = lines[0] if lines else Text("")
        return Strip(list(line.render(self.app.console)), line.cell_len).extend_cell_length(width).crop(0, width)
