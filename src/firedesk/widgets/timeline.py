"""The timeline: a virtual list that renders only the lines on screen.

Events arrive in windows (newest first, then new ones as they are written, older pages
when the reader scrolls to the top), are wrapped once per width into cached strips, and
`render_line` hands Textual just the visible rows, so 100,000 events cost what 40 do.
"""

from __future__ import annotations

from functools import lru_cache


from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from firedesk.clock import TimeView, day_line, parse_utc
from firedesk.model import Event
from firedesk.text import one_line, visible

# Every kind the record writes, in at most 8 columns (the rest are cut to fit).
KIND_LABELS = {
    "note": "note", "hypothesis": "hypoth", "action": "action", "decision": "DECISION",
    "update": "UPDATE", "declared": "declared", "status": "status", "severity": "severity",
    "role": "role", "alert.attach": "alert", "alert.detach": "detach", "alert.ack": "ack",
    "alert.snooze": "snooze", "alert.noise": "noise", "alert.silence": "silence", "checklist": "check",
    "hypothesis-tracked": "hypoth", "conclusion": "conclude", "likelihood": "likely",
    "task": "task", "task-done": "task ✓", "task-dropped": "task ✗", "task-check-in": "check-in",
    "impact": "impact", "update-delivery": "sent", "handover-offered": "handover",
    "handover-accepted": "handover", "handover-withdrawn": "handover", "paged": "paged",
    "published": "publish", "zone": "zone", "alert.take": "take",
    "alert.sns_confirm": "sns", "analysis": "analysis", "analysis.required": "analysis",
    "analysis.waived": "analysis", "drill.started": "drill", "drill.replay": "replay",
    "ticket.duplicate": "ticket", "digest.posted": "digest", "readiness.confirmed": "ready",
    "shift.note": "shift", "shift.read": "shift",
}
SYSTEM_KINDS = {"declared", "status", "severity", "role", "alert.attach", "alert.detach",
                "alert.ack", "alert.snooze", "alert.noise", "alert.silence", "hypothesis-tracked",
                "task-check-in", "update-delivery", "published", "zone", "alert.take",
                "analysis.required", "drill.started", "drill.replay", "ticket.duplicate"}
AUTHOR_WIDTH = 10
# While following the newest entries the timeline holds at most this many (+ slack).
KEEP_EVENTS = 2000
TRIM_SLACK = 500
KIND_WIDTH = 9


def event_time(event: Event, times: TimeView) -> str:
    """`HH:MM` in the view's zone; the day and the zone are on the day line above."""
    return times.time(event.at, label_zone=False)


def event_day(event: Event, times: TimeView) -> str:
    """The day line an entry sits under: `── Sun 22 Nov 2026 (UTC) ──`."""
    return _day_line(event.at, times.zone)


@lru_cache(maxsize=1 << 14)
def _day_line(at: str, zone) -> str:  # noqa: ANN001 (tzinfo)
    # Re-wrapping thousands of entries asks this for each: one parse per instant and zone.
    return f"── {day_line(at, zone)} ──"


def backdated_note(event: Event, times: TimeView) -> str:
    """` (entered 14:10 UTC)` when the entry was backdated by more than a minute."""
    at, recorded = parse_utc(event.at), parse_utc(event.recorded_at)
    if (recorded - at).total_seconds() > 60:
        return f" (entered {times.time(recorded, now=at)})"
    return ""


class Timeline(ScrollView, can_focus=True):
    """The incident's timeline, newest at the bottom."""

    HELP_TITLE = "Timeline"
    COMPONENT_CLASSES = {
        "timeline--time", "timeline--author", "timeline--own", "timeline--kind",
        "timeline--system", "timeline--decision", "timeline--update", "timeline--empty",
    }
    # No scroll animation: over SSH at 3 a.m. a jump should be a jump.
    BINDINGS = [
        Binding("up", "move(-1)", "Scroll up", show=False, id="timeline-up"),
        Binding("down", "move(1)", "Scroll down", show=False, id="timeline-down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="timeline-pageup"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="timeline-pagedown"),
        Binding("home", "oldest", "Scroll to the oldest (reads older pages)", show=False,
                id="timeline-home"),
        Binding("end", "newest", "Newest", show=False, id="timeline-end"),
    ]

    def action_move(self, lines: int) -> None:
        self._scroll_by_reader(self.scroll_y + lines)

    def action_page(self, pages: int) -> None:
        self._scroll_by_reader(
            self.scroll_y + pages * max(1, self.scrollable_content_region.height - 1))

    def action_oldest(self) -> None:
        self._scroll_by_reader(0)

    def action_newest(self) -> None:
        self.follow = True
        self._follow_newest()

    def _scroll_by_reader(self, y: float) -> None:
        """The reader moved: follow new entries only while they are at the bottom."""
        self.scroll_to(y=y, animate=False, immediate=True)
        self.follow = self.scroll_y >= self.max_scroll_y

    def _on_mouse_scroll_up(self, event) -> None:  # noqa: ANN001
        super()._on_mouse_scroll_up(event)
        self.follow = False

    def _on_mouse_scroll_down(self, event) -> None:  # noqa: ANN001
        super()._on_mouse_scroll_down(event)
        self.call_after_refresh(self._check_follow)

    def _check_follow(self) -> None:
        self.follow = self.scroll_y >= self.max_scroll_y

    def _follow_newest(self) -> None:
        """Keep the newest line in view, once the new size is laid out."""
        self.call_after_refresh(self.scroll_end, animate=False, immediate=True, x_axis=False)

    class NeedsOlder(Message):
        """The reader reached the top of what is loaded; read the page before `before_id`."""

        def __init__(self, before_id: int) -> None:
            super().__init__()
            self.before_id = before_id

    def __init__(self, actor: str, times: TimeView, clock, **kwargs) -> None:  # noqa: ANN001
        super().__init__(**kwargs)
        self.actor = actor
        self.times = times
        self.clock = clock
        self.events: list[Event] = []
        self.has_older = False
        self.loading_older = False
        self._lines: list[Strip] = []
        self._width = 0
        self._restyle = False
        self.follow = True  # at the bottom, following new entries, until the reader scrolls up

    # -- data in ---------------------------------------------------------------------------

    @property
    def last_id(self) -> int:
        return self.events[-1].id if self.events else 0

    def append(self, events: list[Event]) -> None:
        """Add new events at the bottom; follow them if the reader was at the bottom."""
        fresh = [e for e in events if e.id > self.last_id]
        if not fresh:
            return
        before = self.events[-1] if self.events else None
        self.events.extend(fresh)
        if self.follow and len(self.events) > KEEP_EVENTS + TRIM_SLACK:
            # The reader is at the bottom: let go of the oldest (read again from the record
            # if they scroll up), so an open console's memory and re-wrap cost stay bounded.
            del self.events[: len(self.events) - KEEP_EVENTS]
            self.has_older = True
            if self._width:
                self._lines = self._render_events(self.events)
        elif self._width:
            self._lines.extend(self._render_events(fresh, before))
        self._resize()
        if self.follow:
            self._follow_newest()

    def prepend(self, events: list[Event], has_older: bool) -> None:
        """Add an older page at the top, keeping the reader's place."""
        first = self.events[0].id if self.events else None
        older = [e for e in events if first is None or e.id < first]
        self.has_older = has_older
        self.loading_older = False
        if not older:
            return
        self.events[:0] = older
        added = self._render_events(older) if self._width else []
        removed = 0
        if added and self._lines and (event_day(older[-1], self.times)
                                      == event_day(self.events[len(older)], self.times)):
            del self._lines[0]  # the old first entry's day line: its day goes on from above
            removed = 1
        self._lines[:0] = added
        self._resize()
        self.scroll_to(y=self.scroll_y + len(added) - removed, animate=False, immediate=True)

    def visible_text(self) -> list[str]:
        """The plain text of every loaded line (what a test or benchmark looks for)."""
        return [strip.text for strip in self._lines]

    # -- rendering -----------------------------------------------------------------------

    def _text_width(self) -> int:
        return max(20, self.scrollable_content_region.width)

    def set_times(self, times: TimeView) -> None:
        """Show times in another zone (the reader toggled, or the incident's zone changed)."""
        if times == self.times:
            return
        self.times = times
        if self._width:
            self._rebuild()

    def _render_events(self, events: list[Event], before: Event | None = None) -> list[Strip]:
        """Strips for `events`; a day line above the first and wherever the day changes
        (`before`: the entry just above them, if any), so times keep one column."""
        console = self.app.console
        width = self._width
        styles = {name: self.get_component_rich_style(name)
                  for name in self.COMPONENT_CLASSES}
        narrow = width < 60
        strips: list[Strip] = []
        day = event_day(before, self.times) if before is not None else None
        for event in events:
            this_day = event_day(event, self.times)
            if this_day != day:
                day = this_day
                line = Text(this_day, style=styles["timeline--system"], no_wrap=True, end="")
                strips.append(Strip(list(line.render(console))).extend_cell_length(width))
            own = event.author == self.actor
            time = event_time(event, self.times)
            kind = KIND_LABELS.get(event.kind, one_line(event.kind, KIND_WIDTH))
            author_width = AUTHOR_WIDTH if not narrow else 7
            author = one_line(event.author, author_width)
            head = Text(no_wrap=True, end="")
            head.append("▸" if own else " ", styles["timeline--own"] if own else Style())
            head.append(f"{time:>5} ", styles["timeline--time"])
            head.append(f"{author:<{author_width}} ",
                        styles["timeline--own"] if own else styles["timeline--author"])
            kind_style = styles["timeline--kind"]
            if event.kind in SYSTEM_KINDS:
                kind_style = styles["timeline--system"]
            elif event.kind == "decision":
                kind_style = styles["timeline--decision"]
            elif event.kind == "update":
                kind_style = styles["timeline--update"]
            head.append(f"{kind:<{KIND_WIDTH}}", kind_style)
            indent = head.cell_len
            body_text = visible(event.text, multiline=True) + backdated_note(event, self.times)
            if event.corrects:
                body_text = f"(corrects #{event.corrects}) " + body_text
            body = Text(body_text, style=styles["timeline--system"] if event.kind in SYSTEM_KINDS else Style(), end="")
            room = max(10, width - indent)
            wrapped = body.wrap(console, room) if body_text else [Text("")]
            for number, line in enumerate(wrapped):
                prefix = head if number == 0 else Text(" " * indent, end="")
                row = Text.assemble(prefix, line, end="")
                strips.append(Strip(list(row.render(console))).extend_cell_length(width))
        return strips

    def _rebuild(self) -> None:
        """Wrap every loaded event again (new width); a reader at the bottom stays there."""
        self._restyle = False
        self._width = self._text_width()
        self._lines = self._render_events(self.events)
        self._resize()
        if self.follow:
            self._follow_newest()

    def _resize(self) -> None:
        self.virtual_size = Size(self._width, len(self._lines))
        self.refresh()

    def on_resize(self) -> None:
        if self._text_width() != self._width:
            self._rebuild()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # Styles (theme) changed: redraw from the events on the next paint, once.
        self._restyle = True
        self.refresh()

    def render_line(self, y: int) -> Strip:
        if self._width and self._text_width() != self._width:
            self._rebuild()  # the width changed without a resize (a scrollbar came or went)
        if self._restyle:
            self._restyle = False
            if self._width:
                self._lines = self._render_events(self.events)
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if not self.events and y == 0:
            empty = Text("Nothing on the timeline yet. Press n to add a note.",
                         style=self.get_component_rich_style("timeline--empty"), end="")
            return Strip(list(empty.render(self.app.console))).extend_cell_length(width).apply_style(base)
        if index >= len(self._lines):
            return Strip.blank(width, base)
        return self._lines[index].crop(scroll_x, scroll_x + width).apply_style(base)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new < 3 and self.has_older and not self.loading_older and self.events:
            self.loading_older = True
            self.post_message(self.NeedsOlder(self.events[0].id))

