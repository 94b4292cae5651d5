"""The firedesk console: a Textual app that several responders share live over SSH.

`make_app` builds it from loaded parts (record path, config, who is acting, a clock), so
tests build exactly the app people run, with a frozen clock and a temporary record.
The UI loop never waits on SQLite: reads run in thread workers on their own connection,
writes go through `run_write` (thread workers, one at a time), and a change feed polled
every 150 ms tells the open screen to reload when any process wrote (the costly panes
paced to a few reads a second: screens/pacing.py).
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from dataclasses import dataclass, replace
from datetime import tzinfo
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from firedesk.clock import Clock, TimeView, local_zone, system_clock, time_view
from firedesk.config import Config, ConfigError, load_config
from firedesk.errors import FiredeskError
from firedesk.store import ChangeFeed, Store, list_incidents, resolve_incident, save_draft
from firedesk.text import one_line, visible
from firedesk.themes import load_themes, pick_theme

POLL_SECONDS = 0.15
# The config watcher also looks at the file's stamp this often, so an edit that inotify
# did not report (a network filesystem, an edit before the watch began) still lands.
CONFIG_RECHECK_MS = 1000
# A console's write keeps asking for the lock this long (the text stays on screen
# meanwhile) before it says "not recorded": storms of writers are unfair to one.
WRITE_PATIENCE = 30.0


@dataclass
class PendingWrite:
    done: str | None
    then: Callable[[Any], None] | None
    failed: Callable[[BaseException | None], None] | None = None


class OpeningScreen(Screen):
    """What shows for the instant between launch and the first read of the record."""

    def compose(self):
        yield Static("Opening the record…", id="opening", markup=False)


class FiredeskApp(App):
    """The incident console."""

    CSS_PATH = "firedesk.tcss"
    TITLE = "firedesk"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f1", "help", "Help", id="help"),
        Binding("question_mark", "help", "Help", show=False, id="help-alt"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("f7", "history", "History of past incidents", show=False, id="history"),
        Binding("f8", "toggle_zone", "Times: incident's zone / yours", show=False,
                id="toggle-zone"),
    ]

    def __init__(self, store_path: Path | str, config: Config, actor: str, clock: Clock,
                 zone: tzinfo, incident: int | None = None, theme: str | None = None,
                 cursor_blink: bool = True, pace_panes: bool = True, watching: bool = False,
                 ssh_key: str | None = None):
        super().__init__()
        self.store_path = Path(store_path)
        self.config = config
        self.actor = actor
        # A watcher (`firedesk serve`, [[watchers]]) reads everything and writes nothing:
        # write bindings are absent (widgets/watching.py), run_write refuses, and both
        # connections are query_only, so SQLite itself refuses what slips past.
        self.watching = watching
        self.served = ssh_key is not None   # a `firedesk serve` session
        self.actor_as_given = actor  # mapped again to a configured person on each reload
        self.theme_override = theme
        # Set on the UI thread each time the config file was read again (tests await it).
        self.config_reloads = 0
        self.config_reloaded: asyncio.Event | None = None
        self._stop_watching = threading.Event()
        self._config_stamp = _stamp(config.path)
        self.clock = clock
        self.zone = zone  # the viewer's own zone
        # Times are shown in the incident's display zone, or (F8) in the viewer's own.
        self.own_zone_shown = False
        self.times: TimeView = self.time_view_for(None)
        self.cursor_blink = cursor_blink
        self.start_incident = incident
        # Panes that are costly to read and change many times a second in a storm (the
        # alert feed) are read a few times a second at most (screens/pacing.py).
        self.pace_panes = pace_panes
        self.monotonic: Callable[[], float] = time.monotonic
        # Writes go through `store` (one at a time); reads through `reader`, a second
        # connection used only by the open screen's load worker.
        self.store = Store(self.store_path, clock=clock, write_patience=WRITE_PATIENCE,
                           ssh_key=ssh_key)
        self.reader = Store(self.store_path, clock=clock)
        if watching:
            for store in (self.store, self.reader):
                store.conn.execute("PRAGMA query_only = ON")
        self.feed = ChangeFeed(self.store_path)
        self._write_lock = threading.Lock()
        self._turn = threading.Condition()
        self._tickets = 0   # handed out on the UI thread, in the order writes are asked for
        self._serving = 0
        self.read_lock = threading.Lock()  # the reader connection serves one worker at a time
        self._pending: dict[Worker, PendingWrite] = {}
        self.main_screen: Screen | None = None
        self._handover_checked = False
        self.startup_notices: list[str] = [str(p) for p in config.problems]
        themes = self.themes = load_themes()
        self.startup_notices += themes.problems
        for loaded in themes.themes.values():
            self.register_theme(loaded)
        self.theme, notice = pick_theme(theme or config.theme, themes)
        if notice:
            self.startup_notices.append(notice)
        self.set_keymap(config.keymap)

    # -- lifecycle ----------------------------------------------------------------------

    def on_mount(self) -> None:
        self.push_screen(OpeningScreen())
        for notice in self.startup_notices:
            self.notify(one_line(notice), severity="warning", markup=False, timeout=10)
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.hang_up)
        except (NotImplementedError, RuntimeError, ValueError, AttributeError):
            pass  # not on Unix, or not the main thread (some test runners)
        self.set_interval(POLL_SECONDS, self.poll_feed)
        self.config_reloaded = asyncio.Event()
        if self.config.path is not None:
            threading.Thread(target=self._watch_config, args=(self.config.path,),
                             name="config-watcher", daemon=True).start()
        if self.start_incident is not None:
            self.open_incident(self.start_incident)
        else:
            self.run_worker(self._first_screen, thread=True, group="loads", exit_on_error=False)

    def _first_screen(self) -> None:
        """Straight into the incident asked for, or the only open one; else the picker."""
        target = self.start_incident
        if target is None:
            with self.read_lock:
                open_ones = list_incidents(self.reader, include_resolved=False, limit=2)
            if len(open_ones) == 1:
                target = open_ones[0].id
        self.call_from_thread(self.open_incident if target else self.open_picker,
                              *([target] if target else []))

    # -- time zones ---------------------------------------------------------------------

    def time_view_for(self, incident_zone: str | None) -> TimeView:
        """How this viewer sees an incident's times (its zone, or theirs after F8)."""
        return time_view(incident_zone, self.config.clock, self.zone, self.own_zone_shown)

    def action_toggle_zone(self) -> None:
        """Switch every time on screen between the incident's zone and the viewer's."""
        self.own_zone_shown = not self.own_zone_shown
        screen = self.main_screen
        for shown in dict.fromkeys((screen, self.screen)):
            if shown is not None and hasattr(shown, "times_changed"):
                shown.times_changed()
        now = self.clock()
        shown = self.times.caption(now) if screen is not None else ""
        whose = "your zone" if self.own_zone_shown else "the incident's zone"
        self.notify(f"Times now in {whose}{': ' + shown if shown else ''}", markup=False,
                    timeout=4)

    def open_incident(self, incident_id: int) -> None:
        from firedesk.screens.incident import IncidentScreen

        self._show_main(IncidentScreen(incident_id))

    def open_picker(self) -> None:
        from firedesk.screens.picker import PickerScreen

        self._show_main(PickerScreen())

    def _show_main(self, screen: Screen) -> None:
        previous = self.main_screen
        if previous is not None and hasattr(previous, "keep_draft"):
            previous.keep_draft()
        self.main_screen = screen
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(screen)
        if not self._handover_checked:
            self._handover_checked = True
            self.run_worker(self._waiting_handovers, thread=True, group="loads",
                            exit_on_error=False)

    # -- the shift handover report, shown to the incoming person ------------------------

    def _waiting_handovers(self) -> None:
        """Reports of shifts handed to this person that they have not marked read."""
        from firedesk.oncall import load_oncall
        from firedesk.oncall.shift import render_shift_markdown, shift_report, waiting_handover

        oncall, _ = load_oncall(self.config)
        with self.read_lock:
            waiting = [(w, render_shift_markdown(shift_report(self.reader, w)))
                       for w in waiting_handover(self.reader, oncall, self.actor, self.clock())]
        for window, markdown in waiting:
            self.call_from_thread(self._show_handover, window, markdown)

    def _show_handover(self, window: Any, markdown: str) -> None:
        from firedesk.oncall.shift import mark_shift_read
        from firedesk.screens.shift_report import ShiftReportScreen

        def answered(read: bool | None) -> None:
            if read:
                self.run_write(mark_shift_read, window, author=self.actor,
                               done=f"Handover of {window.rotation.name} marked read")

        self.push_screen(ShiftReportScreen(window, markdown), answered)

    # -- live: the config file --------------------------------------------------------------

    def _watch_config(self, path: Path) -> None:
        """A thread: read the config again whenever its file changes (watchfiles, and a
        look at the file's stamp each second); the UI thread swaps the settings in."""
        from watchfiles import watch

        target = path.resolve()
        try:
            for _ in watch(target.parent, stop_event=self._stop_watching,
                           watch_filter=lambda change, name: Path(name).name == target.name,
                           rust_timeout=CONFIG_RECHECK_MS, yield_on_timeout=True,
                           raise_interrupt=False, debounce=400, step=50, recursive=False):
                stamp = _stamp(path)
                if stamp == self._config_stamp:
                    continue
                self._config_stamp = stamp
                try:
                    loaded, problem = load_config(path), None
                except ConfigError as exc:
                    loaded, problem = None, str(exc)
                try:
                    self.call_from_thread(self.swap_config, loaded, problem)
                except RuntimeError:
                    return  # the app is closing
        except Exception:  # noqa: BLE001 (no watching, e.g. the folder went away: not fatal)
            return

    def swap_config(self, loaded: Config | None, problem: str | None = None) -> None:
        """UI thread: new settings everywhere, or a notice and the last good ones kept."""
        if loaded is None:
            self.notify(f"{problem}; keeping the last good settings", title="Config not reloaded",
                        severity="warning", markup=False, timeout=10)
        else:
            self.config = loaded
            person = loaded.person(self.actor_as_given)
            self.actor = person.name if person else self.actor_as_given
            self.set_keymap(loaded.keymap)
            if self.theme_override is None:
                self.theme, _ = pick_theme(loaded.theme, self.themes)
            count = len(loaded.problems)
            self.notify(f"Settings reloaded from {loaded.file}"
                        + (f"; {count} problem(s), the first: {loaded.problems[0]}" if count else ""),
                        title="Config", severity="warning" if count else "information",
                        markup=False, timeout=6)
            screen = self.main_screen
            if screen is not None and hasattr(screen, "settings_changed"):
                screen.settings_changed(loaded)
            self.refresh_panes(everything=True)
        self.config_reloads += 1
        if self.config_reloaded is not None:
            self.config_reloaded.set()

    # -- live: the change feed ----------------------------------------------------------

    def poll_feed(self) -> None:
        """Every 150 ms: did any connection commit? PRAGMA data_version costs microseconds."""
        try:
            changed = self.feed.changed()
        except FiredeskError:
            return
        if changed:
            self.refresh_panes()

    def refresh_panes(self, *, everything: bool = False) -> None:
        """Ask the open screen to re-read the record (coalesced by the screen);
        `everything` reads paced panes too, now."""
        screen = self.main_screen
        if screen is not None and hasattr(screen, "reload"):
            screen.reload(everything=everything)

    def notify(self, message: str, *, title: str = "", severity="information",  # noqa: ANN001
               timeout: float | None = None, markup: bool = True) -> None:
        """Plain-text notices (markup=False) often carry record or error text: shown
        through firedesk.text, so no control character reaches the terminal."""
        if not markup:
            message, title = visible(message, multiline=True), one_line(title)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # -- writes -------------------------------------------------------------------------

    def run_write(self, fn: Callable[..., Any], *args: Any, done: str | None = None,
                  then: Callable[[Any], None] | None = None,
                  failed: Callable[[BaseException | None], None] | None = None,
                  **kwargs: Any) -> Worker:
        """Run `fn(store, *args, **kwargs)` in a thread worker; notice on failure; refresh.

        `done`: a notice on success; `then(result)` / `failed(error)`: UI-thread callbacks.
        A watcher's console refuses every write here, whatever asked for it."""

        if self.watching:
            fn = _refuse_watcher
        ticket = self._tickets
        self._tickets += 1

        def write() -> Any:
            # Writes land in the order they were asked for (two quick entries stay in order).
            with self._turn:
                self._turn.wait_for(lambda: self._serving >= ticket, timeout=30)
            try:
                with self._write_lock:
                    return fn(self.store, *args, **kwargs)
            finally:
                with self._turn:
                    self._serving = max(self._serving, ticket + 1)
                    self._turn.notify_all()

        worker = self.run_worker(write, thread=True, group="writes", exit_on_error=False,
                                 description=getattr(fn, "__name__", "write"))
        self._pending[worker] = PendingWrite(done, then, failed)
        return worker

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "writes" and worker in self._pending:
            if event.state == WorkerState.SUCCESS:
                pending = self._pending.pop(worker)
                if pending.done:
                    self.notify(pending.done, markup=False, timeout=3)
                if pending.then:
                    pending.then(worker.result)
                self.refresh_panes(everything=True)   # what I did shows at once
            elif event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
                pending = self._pending.pop(worker)
                if pending.failed:
                    pending.failed(worker.error)
                self.notify(describe_error(worker.error), title="Not recorded",
                            severity="error", markup=False, timeout=8)
        elif worker.group == "loads" and event.state == WorkerState.ERROR:
            self.notify(describe_error(worker.error), title="Cannot read the record",
                        severity="error", markup=False, timeout=8)

    # -- drafts and hang-up ---------------------------------------------------------------

    def save_unsent_draft(self) -> None:
        """Keep what is typed but not sent, for this person, for next time."""
        if self.watching:
            return
        screen = self.main_screen
        draft = screen.unsent_draft() if screen is not None and hasattr(screen, "unsent_draft") else None
        if draft is None:
            return
        incident_id, text = draft
        try:
            with self._write_lock:
                save_draft(self.store, incident_id, self.actor, text)
        except FiredeskError:
            pass  # the terminal may be gone; nothing else can be done with the text

    def hang_up(self) -> None:
        """SIGHUP (the SSH connection dropped): keep the draft, then end cleanly."""
        self.save_unsent_draft()
        self.exit(return_code=129)

    async def action_quit(self) -> None:
        self.save_unsent_draft()
        self.exit()

    def on_unmount(self) -> None:
        self._stop_watching.set()
        # A worker thread may still be inside a query: closing a connection under it
        # crashes SQLite, so each connection closes only once its lock is free.
        for lock, close in ((self.read_lock, self.reader.close), (self._write_lock, self.store.close)):
            acquired = lock.acquire(timeout=10)
            try:
                close()
            finally:
                if acquired:
                    lock.release()
        self.feed.close()

    # -- help and the command palette ------------------------------------------------------

    def action_help(self) -> None:
        from firedesk.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.binding_rows()))

    def action_history(self) -> None:
        from firedesk.screens.history import HistoryScreen

        if not isinstance(self.screen, HistoryScreen):
            self.push_screen(HistoryScreen())

    def binding_rows(self) -> list[tuple[str, str, str, str]]:
        """(where, key, description, id) for every binding of the app and the open screen."""
        rows = []
        for where, node, binding in self.all_bindings():
            rows.append((where, self.key_for(binding), binding.description or binding.action,
                         binding.id or ""))
        return rows

    def key_for(self, binding: Binding) -> str:
        """The key as people see it (`?`, `ctrl+q`), after the config's keymap."""
        key = self._keymap.get(binding.id, binding.key) if binding.id else binding.key
        return self.get_key_display(replace(binding, key=key.split(",")[0], key_display=None))

    def all_bindings(self) -> Iterable[tuple[str, Any, Binding]]:
        """Every binding with an id that may run now (a watcher's write bindings do not)."""
        for where, node, binding in self._declared_bindings():
            if not self.watching or self._check_action_state(binding.action, node) is not False:
                yield where, node, binding

    def _declared_bindings(self) -> Iterable[tuple[str, Any, Binding]]:
        yield from (("Everywhere", self, b) for b in _bindings(self))
        screen = self.main_screen
        if screen is None:
            return
        yield from ((screen.HELP_TITLE if hasattr(screen, "HELP_TITLE") else "Screen", screen, b)
                    for b in _bindings(screen))
        for widget in screen.query("*"):
            where = getattr(widget, "HELP_TITLE", None) or getattr(widget, "BORDER_TITLE", None)
            if where and widget.BINDINGS and type(widget).__module__.startswith("firedesk"):
                yield from ((str(where), widget, b) for b in _bindings(widget))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            # A served console runs on the server: a screenshot would land in its files.
            if not (self.served and command.title == "Screenshot"):
                yield command
        seen = set()
        for where, node, binding in self.all_bindings():
            if binding.action in ("command_palette",) or (node, binding.action) in seen:
                continue
            seen.add((node, binding.action))
            yield SystemCommand(f"{binding.description or binding.action}",
                                f"{where} · key {self.key_for(binding)}",
                                partial(node.run_action, binding.action))


def _refuse_watcher(store: Store, *args: Any, **kwargs: Any) -> None:
    raise FiredeskError("watching (read-only): this console cannot change the record")


def _bindings(node: Any) -> list[Binding]:
    """The node's own declared bindings that carry an id (shown in help and the palette)."""
    return [b for b in getattr(node, "BINDINGS", []) if isinstance(b, Binding) and b.id]


def _stamp(path: Path | None) -> tuple[int, int, int] | None:
    """What tells one version of a file from the next: inode, size, mtime."""
    try:
        info = path.stat() if path is not None else None
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns) if info else None


def describe_error(error: BaseException | None) -> str:
    """One line for a notice: our own errors say it themselves; others get their type."""
    if isinstance(error, FiredeskError):
        return str(error)
    if error is None:
        return "the write was cancelled"
    return f"{type(error).__name__}: {error}"


def make_app(store_path: Path | str, config: Config, actor: str, clock: Clock = system_clock,
             incident: int | str | None = None, *, theme: str | None = None,
             zone: tzinfo | None = None, cursor_blink: bool = True,
             pace_panes: bool = True, watching: bool = False,
             ssh_key: str | None = None) -> FiredeskApp:
    """Build the console from loaded parts (the same factory for people and tests).

    `incident` (id or key) opens that incident directly; it must exist. `pace_panes=False`
    reads every pane on every change (tests that do not control time). `watching`: the
    console read-only; `ssh_key`: the fingerprint its events record (`firedesk serve`)."""
    from firedesk.review.drill import is_drill

    incident_id = None
    with Store(store_path, clock=clock) as store:  # before the UI loop runs: no waiting UI
        drill = is_drill(store)
        if incident is not None:
            incident_id = resolve_incident(store, incident).id
        else:
            open_ones = list_incidents(store, include_resolved=False, limit=2)
            if len(open_ones) == 1:
                incident_id = open_ones[0].id  # straight into the only open incident
    if zone is None:
        person = config.person(actor)
        zone = local_zone(person.timezone if person else None)
    app = FiredeskApp(store_path, config, actor, clock, zone, incident=incident_id,
                      theme=theme, cursor_blink=cursor_blink, pace_panes=pace_panes,
                      watching=watching, ssh_key=ssh_key)
    if drill:
        app.title = f"firedesk · DRILL of {drill.get('source')}"
        app.startup_notices.insert(0, f"This is a drill: a replay of {drill.get('source')} in a "
                                      "scratch record. Nothing here is real.")
    return app
