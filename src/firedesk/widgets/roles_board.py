"""The roles board: who holds each role since when, and the duties of the selected role."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from firedesk.clock import TimeView, format_duration, parse_utc
from firedesk.model import RoleTenure
from firedesk.roles import Role
from firedesk.text import one_line

ROLE_WIDTH = 12


def role_label(role: Role) -> str:
    """A short name that fits the board: an alias when the name is long (comms)."""
    if len(role.name) <= ROLE_WIDTH:
        return role.name
    short = [a for a in role.aliases if len(a) <= ROLE_WIDTH]
    return short[0] if short else role.name[: ROLE_WIDTH - 1] + "…"


class RolesBoard(Vertical):
    """Every role of the catalog: holders (or unassigned) and, below, duties."""

    HELP_TITLE = "Roles"

    def __init__(self, roles: list[Role], times: TimeView, clock, **kwargs) -> None:  # noqa: ANN001
        super().__init__(**kwargs)
        self.roles = roles
        self.times = times
        self.clock = clock
        self.tenures: list[RoleTenure] = []

    def compose(self) -> ComposeResult:
        yield OptionList(*[Option(self._prompt(role), id=role.name) for role in self.roles],
                         id="roles-list", markup=False)
        yield Static("", id="role-duties", markup=False)

    def current(self, role: str) -> list[RoleTenure]:
        return [t for t in self.tenures if t.role == role and t.until is None]

    def _prompt(self, role: Role) -> Text:
        holders = self.current(role.name)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{role.key or ' '} ", "bold")
        text.append(f"{role_label(role):<{ROLE_WIDTH}} ")
        if not holders:
            text.append("unassigned", "dim italic")
        for number, tenure in enumerate(holders):
            # The pane's title names the zone; the board is too narrow to repeat it.
            since = self.times.time(tenure.since, now=self.clock(), label_zone=False)
            text.append(("" if number == 0 else ", ") + one_line(tenure.person, 16), "bold")
            text.append(f" {since}", "dim")
        return text

    def show(self, tenures: list[RoleTenure], times: TimeView | None = None) -> None:
        self.tenures = tenures
        self.times = times or self.times
        options = self.query_one("#roles-list", OptionList)
        highlighted = options.highlighted
        for index, role in enumerate(self.roles):
            options.replace_option_prompt_at_index(index, self._prompt(role))
        options.highlighted = highlighted
        self.show_duties()

    def selected_role(self) -> Role | None:
        index = self.query_one("#roles-list", OptionList).highlighted
        return self.roles[index] if index is not None and index < len(self.roles) else None

    class RoleChosen(Message):
        """Enter on a role: the screen asks who takes it."""

        def __init__(self, role: Role) -> None:
            super().__init__()
            self.role = role

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        role = self.selected_role()
        if role is not None:
            self.post_message(self.RoleChosen(role))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.show_duties()

    def show_duties(self) -> None:
        role = self.selected_role() or (self.roles[0] if self.roles else None)
        if role is None:
            return
        text = Text()
        now = self.clock()
        holders = self.current(role.name)
        for tenure in holders:
            since = parse_utc(tenure.since)
            text.append(f"{one_line(tenure.person)} is {role.name} since "
                        f"{self.times.time(since, now=now)} "
                        f"({format_duration(now - since)})\n", "bold")
        earlier = [t for t in self.tenures if t.role == role.name and t.until is not None]
        if earlier:
            text.append("before: " + ", ".join(
                f"{one_line(t.person)} {self.times.time(t.since, now=now, label_zone=False)}–"
                f"{self.times.time(t.until, now=now)}" for t in earlier) + "\n", "dim")
        for duty in role.duties:
            text.append(f"• {one_line(duty)}\n")
        text.append(f"Press {role.key} (or Enter here) to assign." if role.key
                    else "Press Enter here to assign.", "dim")
        self.query_one("#role-duties", Static).update(text)
