"""Tasks and hypotheses: who is doing what and when they report back; what we think is
wrong and what testing showed. Open ones first; an overdue task says OVERDUE in words.

Follows the pane contract (`load` in a worker thread, `show` on the UI thread), so it can
sit in the incident screen's side column or in its own dialog (`WorkScreen`).
Keys: k new task · y new hypothesis · x done / confirm · - drop / rule out ·
e check-in later (task) or likelihood (hypothesis).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from firedesk.clock import format_duration
from firedesk.response.hypotheses import (
    Hypothesis, conclude_hypothesis, propose_hypothesis, set_likelihood,
)
from firedesk.response.tasks import Task, assign_task, close_task, extend_task
from firedesk.response.views import WorkView, work_view
from firedesk.text import one_line
from firedesk.widgets.watching import ChangesRecord


class ResponsePane(ChangesRecord, Vertical):
    """Tasks with timers, then hypotheses, for one incident."""

    WRITE_ACTIONS = frozenset({"adjust", "drop", "finish", "new_hypothesis", "new_task"})

    HELP_TITLE = "Tasks & hypotheses"
    DEFAULT_CSS = """
    ResponsePane { height: 1fr; min-height: 3; }
    ResponsePane #work-summary { height: 1; color: $text-muted; padding: 0 1; }
    ResponsePane #work-items { height: 1fr; border: none; padding: 0; background: $surface; text-wrap: nowrap; text-overflow: ellipsis; }
    """
    BINDINGS = [
        Binding("k", "new_task", "New task", id="work.task"),
        Binding("y", "new_hypothesis", "New hypothesis", id="work.hypothesis"),
        Binding("x", "finish", "Done / confirm", id="work.done"),
        Binding("minus", "drop", "Drop / rule out", id="work.drop"),
        Binding("e", "adjust", "Check-in / likelihood", id="work.adjust"),
    ]

    class Changed(Message):
        """This pane wrote something (its container may want to re-read)."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.data: WorkView | None = None

    @staticmethod
    def load(store, incident, config):  # noqa: ANN001, ANN205 (runs in a worker thread)
        return work_view(store, incident, config)

    def compose(self) -> ComposeResult:
        yield Static("", id="work-summary", markup=False)
        yield OptionList(id="work-items", markup=False)

    def on_mount(self) -> None:
        # Timers count down from the clock alone: no reads between refreshes.
        self.set_interval(5, self.render_items)

    def show(self, data: WorkView | None) -> None:
        if data is None:
            return
        self.data = data
        self.render_items()

    def render_items(self) -> None:
        data = self.data
        if data is None:
            return
        now = self.app.clock()
        options = self.query_one("#work-items", OptionList)
        previous = self._highlighted_id()
        open_tasks = [t for t in data.tasks if t.is_open]
        overdue = sum(1 for t in open_tasks if t.is_overdue(now))
        open_h = sum(1 for h in data.hypotheses if h.is_open) + len(data.noted)
        self.query_one("#work-summary", Static).update(
            f"{len(open_tasks)} open task{'s' if len(open_tasks) != 1 else ''}"
            + (f", {overdue} OVERDUE" if overdue else "")
            + f" · {open_h} open hypothes{'is' if open_h == 1 else 'es'}")
        prompts: list[Option] = [Option(Text("Tasks (k: new)", style="bold"), disabled=True)]
        prompts += [Option(self._task_prompt(t, now), id=f"task:{t.number}") for t in data.tasks]
        prompts.append(Option(Text("Hypotheses (y: new)", style="bold"), disabled=True))
        opened = [h for h in data.hypotheses if h.is_open]
        prompts += [Option(self._hypothesis_prompt(h), id=f"hyp:{h.number}") for h in opened]
        # Written on the timeline as plain entries: concluding one starts tracking it.
        prompts += [Option(self._noted_prompt(e), id=f"noted:{e.id}") for e in data.noted]
        prompts += [Option(self._hypothesis_prompt(h), id=f"hyp:{h.number}")
                    for h in data.hypotheses if not h.is_open]
        options.clear_options()
        options.add_options(prompts)
        ids = [o.id for o in prompts]
        if previous in ids:
            options.highlighted = ids.index(previous)
        elif len(ids) > 1:
            options.highlighted = 1 if ids[1] else None

    def _task_prompt(self, task: Task, now) -> Text:  # noqa: ANN001
        text = Text(no_wrap=True, overflow="ellipsis")
        if not task.is_open:
            text.append(f"{task.ref} {task.state:<7} ", "dim")
            text.append(one_line(task.text), "dim")
            return text
        left = task.remaining(now)
        if task.is_overdue(now):
            text.append(f"{task.ref} OVERDUE {format_duration(-left)} ", "bold reverse")
        else:
            text.append(f"{task.ref} in {format_duration(left):<6} ", "bold")
        text.append(f"{one_line(task.owner, 16)}: ", "bold")
        text.append(one_line(task.text))
        return text

    def _noted_prompt(self, entry) -> Text:  # noqa: ANN001 (firedesk.model.Event)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"E{entry.id} noted ", "bold")
        text.append(one_line(entry.text))
        text.append(f"  {one_line(entry.author, 16)}", "dim")
        return text

    def _hypothesis_prompt(self, h: Hypothesis) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if h.is_open:
            text.append(f"{h.ref} open{'·' + h.likelihood if h.likelihood else ''} ", "bold")
            text.append(one_line(h.text))
        else:
            text.append(f"{h.ref} {h.state} ", "dim")
            text.append(one_line(h.text), "dim")
            if h.evidence:
                text.append(f" — {one_line(h.evidence)}", "dim italic")
        return text

    # -- acting -------------------------------------------------------------------------

    def _highlighted_id(self) -> str | None:
        options = self.query_one("#work-items", OptionList)
        if options.highlighted is None or options.highlighted >= options.option_count:
            return None
        return options.get_option_at_index(options.highlighted).id

    def _selected(self) -> Task | Hypothesis | None:
        option_id, data = self._highlighted_id(), self.data
        if not option_id or data is None:
            return None
        kind, _, number = option_id.partition(":")
        if kind == "noted":  # an untracked entry acts as an open hypothesis named E<id>
            entry = next((e for e in data.noted if e.id == int(number)), None)
            return None if entry is None else Hypothesis(
                0, entry.text, "open", None, None, entry.author, entry.recorded_at, None, None,
                ref_override=f"E{entry.id}")
        pool = data.tasks if kind == "task" else data.hypotheses
        return next((x for x in pool if x.number == int(number)), None)

    def _write(self, fn, *args, done: str, **kwargs) -> None:  # noqa: ANN001, ANN002, ANN003
        incident = self.data.incident if self.data else None
        if incident is None:
            return
        self.app.run_write(fn, incident, *args, author=self.app.actor, done=done,
                           then=lambda _r: self.post_message(self.Changed()), **kwargs)

    def _form(self, title: str, fields, callback, **kwargs) -> None:  # noqa: ANN001, ANN003
        from firedesk.screens.response_form import ResponseForm

        self.app.push_screen(ResponseForm(one_line(title, 70), fields, **kwargs),
                             lambda values: values and callback(values))

    def action_new_task(self) -> None:
        self._form("New task: who does what, and when do they report back?", [
            ("text", "Task:", "", "e.g. check the CDN error rate", True),
            ("owner", "Owner:", "", "a name", True),
            ("check_in", "Check back in:", "15m", "15m, 1h", True),
        ], lambda v: self._write(assign_task, v["text"], owner=v["owner"],
                                 check_in=v["check_in"], done="task recorded"))

    def action_new_hypothesis(self) -> None:
        self._form("New hypothesis", [("text", "We think:", "", "e.g. the 14:00 deploy", True)],
                   lambda v: self._write(propose_hypothesis, v["text"],
                                         likelihood=None if v["choice"] == "-" else v["choice"],
                                         done="hypothesis recorded"),
                   choices=[("-", "likelihood: not said"), ("low", "low"),
                            ("medium", "medium"), ("high", "high")])

    def _conclude(self, h: Hypothesis, conclusion: str) -> None:
        self._form(f"{h.ref}: {h.text}", [("evidence", "Evidence:", "", "what decided it", True)],
                   lambda v: self._write(conclude_hypothesis, h.ref, v["choice"],
                                         evidence=v["evidence"], done=f"{h.ref} {v['choice']}"),
                   choices=[("confirmed", "confirmed"), ("ruled-out", "ruled out")],
                   chosen=conclusion)

    def action_finish(self) -> None:
        item = self._selected()
        if isinstance(item, Task) and item.is_open:
            self._write(close_task, item.number, done=f"{item.ref} done")
        elif isinstance(item, Hypothesis) and item.is_open:
            self._conclude(item, "confirmed")

    def action_drop(self) -> None:
        item = self._selected()
        if isinstance(item, Task) and item.is_open:
            self._write(close_task, item.number, dropped=True, done=f"{item.ref} dropped")
        elif isinstance(item, Hypothesis) and item.is_open:
            self._conclude(item, "ruled-out")

    def action_adjust(self) -> None:
        item = self._selected()
        if isinstance(item, Task) and item.is_open:
            self._form(f"{item.ref}: {item.text}", [
                ("check_in", "Next check-in in:", "15m", "15m, 1h", True)],
                lambda v: self._write(extend_task, item.number, v["check_in"],
                                      done=f"{item.ref} check-in moved"))
        elif isinstance(item, Hypothesis) and item.is_open:
            self._form(f"{item.ref}: {item.text}", [],
                       lambda v: self._write(set_likelihood, item.ref, v["choice"],
                                             done=f"{item.ref} likelihood {v['choice']}"),
                       choices=[("low", "low"), ("medium", "medium"), ("high", "high")],
                       chosen=item.likelihood or "medium")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_finish()
