"""Pick who takes a role: the roster (config people, recent authors) or a typed name."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from firedesk.roles import Role
from firedesk.text import one_line

NEW = "\x00new:"


class PersonPicker(ModalScreen[str | None]):
    """Type to filter; Enter takes the highlighted person, or the typed name if none match.
    Choosing someone who holds the role already releases them (the screen decides)."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="person-cancel"),
        Binding("down", "move(1)", "Next person", show=False, id="person-next"),
        Binding("up", "move(-1)", "Previous person", show=False, id="person-previous"),
    ]

    def __init__(self, role: Role, roster: list[str], holders: list[str], config) -> None:  # noqa: ANN001
        super().__init__()
        self.role = role
        self.roster = roster
        self.holders = holders
        self.config = config

    def compose(self) -> ComposeResult:
        now = ", ".join(one_line(h) for h in self.holders) or "nobody"
        with Vertical(classes="dialog"):
            yield Label(f"Who is {self.role.name}? (now: {now})", classes="dialog-title",
                        markup=False)
            yield Input(placeholder="type a name, or pick below", id="person-name")
            yield OptionList(id="people", markup=False)
            yield Label("↑↓ pick · Enter: assign · Esc: cancel", classes="dialog-hint",
                        markup=False)

    def on_mount(self) -> None:
        self.query_one("#person-name", Input).cursor_blink = self.app.cursor_blink
        self._fill("")
        self.query_one("#person-name", Input).focus()

    def _label(self, name: str) -> str:
        person = self.config.person(name) if self.config else None
        extra = f"  ({person.timezone})" if person and person.timezone else ""
        held = "  holds it now: Enter releases" if name in self.holders else ""
        return one_line(name, 40) + one_line(extra) + held

    def _fill(self, typed: str) -> None:
        options = self.query_one("#people", OptionList)
        options.clear_options()
        wanted = typed.strip()
        matches = [n for n in self.roster if wanted.lower() in n.lower()]
        options.add_options([Option(self._label(name), id=name) for name in matches])
        if wanted and wanted.lower() not in (n.lower() for n in self.roster):
            # Someone not on the roster yet: offered last, chosen when nothing else matches.
            options.add_option(Option(f"new person: {one_line(wanted, 40)}", id=NEW + wanted))
        options.highlighted = 0 if options.option_count else None

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def action_move(self, step: int) -> None:
        options = self.query_one("#people", OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one("#people", OptionList)
        if options.highlighted is not None:
            self._choose(options.get_option_at_index(options.highlighted).id)

    def _choose(self, option_id: str | None) -> None:
        if option_id:
            self.dismiss(option_id.removeprefix(NEW).strip() or None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)
