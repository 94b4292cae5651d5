"""The update composer: a Conditions / Actions / Needs update or a short executive
summary, pre-filled from what changed since the last update, to edit and send.

ctrl+s records it on the timeline (that resets the update clock) and then sends it to the
ticked audiences in a background worker; a webhook that fails or never answers gives a
notice — the update stays recorded. ctrl+y copies it to the clipboard instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList, TextArea

from firedesk.model import Incident
from firedesk.response.updates import (
    Audience, audiences_from, compose_update, record_delivery, record_update, send_timeout,
    send_to_slack,
)
from firedesk.store import resolve_incident
from firedesk.text import one_line, visible
from firedesk.widgets.watching import ChangesRecord

TEMPLATE_NAMES = {"conditions": "Conditions / Actions / Needs", "executive": "Executive summary"}


@dataclass
class ComposerData:
    incident: Incident
    draft: str
    template: str
    audiences: list[Audience]


def load_composer(store, incident_id: int, config, template: str, now) -> ComposerData:  # noqa: ANN001
    """Textual-free: runs in a worker on the reader connection."""
    incident = resolve_incident(store, incident_id)
    draft = compose_update(store, incident, config, template=template, now=now)
    return ComposerData(incident, draft, template, audiences_from(config))


def send_recorded_update(app, incident: Incident, event, audiences: list[Audience]) -> None:  # noqa: ANN001
    """Worker thread: POST to each webhook, then record each outcome through the app."""
    timeout = send_timeout(app.config)
    for audience in audiences:
        if not audience.slack_webhook:
            continue
        result = send_to_slack(audience.slack_webhook, incident, event.text,
                               audience=audience.name, timeout=timeout)
        app.call_from_thread(app.run_write, record_delivery, incident, event.id, result,
                             author=app.actor)
        if result.ok:
            app.call_from_thread(app.notify, f"Update sent to {one_line(audience.name)}",
                                 markup=False, timeout=4)
        else:
            app.call_from_thread(
                app.notify, one_line(f"Not sent to {audience.name}: {result.detail}. The update "
                                     f"is recorded (#{event.id}); send it again or copy it by hand."),
                title="Update not sent", severity="error", markup=False, timeout=12)


class UpdateComposer(ChangesRecord, ModalScreen[None]):
    """Edit the draft; ctrl+s record & send; ctrl+t other template; Esc leaves unsent."""

    WRITE_ACTIONS = frozenset({"send"})

    HELP_TITLE = "Update composer"
    BINDINGS = [
        Binding("ctrl+s", "send", "Record & send", id="update.send", priority=True),
        Binding("ctrl+t", "switch_template", "Other template", id="update.template", priority=True),
        Binding("ctrl+y", "copy", "Copy", id="update.copy", priority=True),
        Binding("escape", "dismiss(None)", "Cancel", id="update.cancel"),
    ]
    DEFAULT_CSS = """
    UpdateComposer #composer { width: 90%; height: 90%; }
    UpdateComposer #composer-text { height: 1fr; }
    UpdateComposer #composer-audiences { height: auto; max-height: 6; }
    """

    def __init__(self, incident_id: int, template: str = "conditions") -> None:
        super().__init__()
        self.incident_id = incident_id
        self.template = template
        self.data: ComposerData | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="composer"):
            yield Label("Writing an update…", classes="dialog-title", id="composer-title",
                        markup=False)
            yield SelectionList[str](id="composer-audiences")
            yield TextArea("", id="composer-text", soft_wrap=True)
            yield Label("ctrl+s record & send · ctrl+t other template · ctrl+y copy · "
                        "space ticks an audience · Esc cancel", classes="dialog-hint",
                        markup=False)

    def on_mount(self) -> None:
        self.query_one("#composer-text", TextArea).cursor_blink = getattr(
            self.app, "cursor_blink", True)
        self.reload()

    @work(thread=True, group="loads", exit_on_error=False)
    def reload(self) -> None:
        app = self.app
        with app.read_lock:
            data = load_composer(app.reader, self.incident_id, app.config, self.template,
                                 app.clock())
        app.call_from_thread(self._show, data)

    def _show(self, data: ComposerData) -> None:
        self.data = data
        title = (f"{data.incident.key} update — {TEMPLATE_NAMES[data.template]} "
                 f"(pre-filled from the timeline; edit freely)")
        self.query_one("#composer-title", Label).update(one_line(title))
        area = self.query_one("#composer-text", TextArea)
        # Record text is untrusted: controls shown as ^[ etc. before it reaches the screen.
        area.load_text(visible(data.draft, multiline=True))
        picks = self.query_one("#composer-audiences", SelectionList)
        if picks.option_count == 0:
            for audience in data.audiences:
                where = "Slack" if audience.slack_webhook else "copy by hand"
                picks.add_option((one_line(f"{audience.name} ({where})"), audience.name,
                                  audience.wants(data.incident.severity)
                                  and audience.template == data.template))
        picks.display = bool(data.audiences)
        area.focus()

    def action_switch_template(self) -> None:
        self.template = "executive" if self.template == "conditions" else "conditions"
        self.reload()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.query_one("#composer-text", TextArea).text)
        self.app.notify("Update copied (if your terminal allows the clipboard)", markup=False,
                        timeout=4)

    def action_send(self) -> None:
        data = self.data
        text = self.query_one("#composer-text", TextArea).text.strip()
        if data is None:
            return
        if not text:
            self.app.notify("The update is empty; nothing was recorded", severity="error",
                            markup=False)
            return
        chosen = set(self.query_one("#composer-audiences", SelectionList).selected)
        audiences = [a for a in data.audiences if a.name in chosen]
        app = self.app

        def recorded(event) -> None:  # noqa: ANN001
            if any(a.slack_webhook for a in audiences):
                app.run_worker(lambda: send_recorded_update(app, data.incident, event, audiences),
                               thread=True, group="sends", exit_on_error=False)

        app.run_write(record_update, data.incident, text, author=app.actor,
                      audiences=[a.name for a in audiences], template=data.template,
                      done="Update recorded; the update clock restarts", then=recorded)
        self.dismiss(None)
