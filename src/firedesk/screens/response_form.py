"""A small keyboard form for running the incident: a few text fields and, optionally,
one choice (checklist state, likelihood, confirmed / ruled out).

Enter moves to the next field and submits from the last; ↑↓ change the choice while
typing; Esc changes nothing. Returns a dict of field values plus `choice`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

# (name, label, initial value, placeholder, required)
Field = tuple[str, str, str, str, bool]


class ResponseForm(ModalScreen[dict | None]):
    """Fill in, Enter to record; Esc to cancel."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="form-cancel"),
        Binding("down", "move(1)", "Next choice", show=False),
        Binding("up", "move(-1)", "Previous choice", show=False),
    ]

    def __init__(self, title: str, fields: list[Field], *,
                 choices: list[tuple[str, str]] | None = None, chosen: str | None = None,
                 hint: str = "Enter: record · ↑↓ choose · Esc: cancel") -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.choices = choices or []
        self.chosen = chosen
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="response-form"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            for name, label, value, placeholder, _ in self.fields:
                yield Label(label, markup=False)
                yield Input(value=value, placeholder=placeholder, id=f"form-{name}",
                            select_on_focus=False)
            if self.choices:
                yield OptionList(*[Option(text, id=key) for key, text in self.choices],
                                 id="form-choices", markup=False)
            yield Label("", id="form-problem", markup=False)
            yield Label(self.hint, classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = getattr(self.app, "cursor_blink", True)
        if self.choices:
            options = self.query_one("#form-choices", OptionList)
            keys = [k for k, _ in self.choices]
            options.highlighted = keys.index(self.chosen) if self.chosen in keys else 0
        if self.fields:
            self.query_one(f"#form-{self.fields[0][0]}", Input).focus()
        elif self.choices:
            self.query_one("#form-choices", OptionList).focus()

    def action_move(self, step: int) -> None:
        if not self.choices:
            return
        options = self.query_one("#form-choices", OptionList)
        current = options.highlighted if options.highlighted is not None else 0
        options.highlighted = max(0, min(len(self.choices) - 1, current + step))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        names = [f[0] for f in self.fields]
        index = names.index(event.input.id.removeprefix("form-"))
        if index + 1 < len(names):
            self.query_one(f"#form-{names[index + 1]}", Input).focus()
            return
        self.submit()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        values: dict[str, str] = {}
        for name, label, _, _, required in self.fields:
            value = self.query_one(f"#form-{name}", Input).value.strip()
            if required and not value:
                needed = Content(label.rstrip(":") + " is needed")  # never markup
                self.query_one("#form-problem", Label).update(needed)
                self.query_one(f"#form-{name}", Input).focus()
                return
            values[name] = value
        if self.choices:
            index = self.query_one("#form-choices", OptionList).highlighted or 0
            values["choice"] = self.choices[index][0]
        self.dismiss(values)
