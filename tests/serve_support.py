"""Real parts for the `firedesk serve` tests: keys from ssh-keygen, the server as a
subprocess on a free loopback port, and the OpenSSH client inside tmux (its own socket)."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Callable

SSH_OPTIONS = ["-F", "/dev/null", "-o", "StrictHostKeyChecking=no",
               "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
               "-o", "IdentityAgent=none", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR"]


def make_key(directory: Path, name: str) -> Path:
    """A fresh ed25519 key pair: returns the private key's path (`.pub` beside it)."""
    path = directory / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@test",
                    "-f", str(path)], check=True, capture_output=True, timeout=30)
    return path


def public(key: Path) -> str:
    return Path(str(key) + ".pub").read_text().strip()


def eventually(check: Callable[[], object], what: str, seconds: float = 60.0,
               every: float = 0.1) -> object:
    """Poll a real process's state until `check()` is truthy; fail naming `what`."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(every)   # another process's state: there is nothing to await


class Server:
    """`firedesk serve --port 0` in a subprocess; its log (stderr) is kept in a file."""

    def __init__(self, tmp: Path, db: Path, config: Path) -> None:
        self.log_path = tmp / "serve.log"
        self.out_path = tmp / "serve.out"
        env = {**os.environ, "TZ": "UTC"}
        env.pop("FIREDESK_USER", None)
        with open(self.log_path, "wb") as log, open(self.out_path, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "firedesk", "--db", str(db), "--config", str(config),
                 "serve", "--port", "0"], stdout=out, stderr=log, env=env, cwd=tmp)
        line = eventually(lambda: self._listening(), "firedesk serve listening", 60)
        self.port = int(line)

    def _listening(self) -> str | None:
        if self.proc.poll() is not None:
            raise AssertionError(f"firedesk serve exited: {self.log()}")
        match = re.search(r"listening on 127\.0\.0\.1:(\d+)", self.out())
        return match.group(1) if match else None

    def out(self) -> str:
        return self.out_path.read_text(errors="replace")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def session_pids(self, name: str) -> list[int]:
        return [int(p) for p in re.findall(rf"opened: {re.escape(name)} \(.*?pid (\d+)\)", self.log())]

    def ssh(self, key: Path, *options: str, command: tuple[str, ...] = ()) -> list[str]:
        """The OpenSSH client for `key` (`options` first: ssh keeps the first value given)."""
        return ["ssh", "-p", str(self.port), "-i", str(key), *options, *SSH_OPTIONS,
                "incident@127.0.0.1", *command]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


class Tmux:
    """A tmux server of our own (-L): each window runs one `ssh -tt` as its only process."""

    def __init__(self, cols: int = 100, rows: int = 30) -> None:
        self.socket = f"fd21-{uuid.uuid4().hex[:10]}"
        self.cols, self.rows = cols, rows
        self.windows: list[str] = []

    def run(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                                capture_output=True, text=True, timeout=30)
        if check and result.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)}: {result.stderr}")
        return result.stdout

    def open(self, command: list[str]) -> str:
        """A new window running `command` (kept on screen after it ends); its target."""
        line = "exec " + shlex.join(command)
        name = f"w{len(self.windows)}"
        if not self.windows:
            self.run("new-session", "-d", "-s", "main", "-n", name, "-x", str(self.cols),
                     "-y", str(self.rows), line, ";", "set-window-option", "-g",
                     "remain-on-exit", "on")
        else:
            self.run("new-window", "-d", "-t", "main", "-n", name, line)
        self.windows.append(name)
        return f"main:{name}"

    def screen(self, target: str) -> str:
        return self.run("capture-pane", "-p", "-t", target)

    def wait_for(self, target: str, text: str, seconds: float = 90.0) -> str:
        def shown() -> str | None:
            screen = self.screen(target)
            return screen if text in screen else None
        return eventually(shown, f"{text!r} on {target}", seconds)

    def keys(self, target: str, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", target, *(["-l"] if literal else []), *keys)

    def settle(self, target: str, quiet: float = 0.4) -> str:
        """Wait until the screen stops changing (a key's redraw has landed)."""
        last = [self.screen(target), time.monotonic()]

        def still() -> str | None:
            now = self.screen(target)
            if now != last[0]:
                last[:] = [now, time.monotonic()]
                return None
            return now if time.monotonic() - last[1] >= quiet else None
        return eventually(still, f"{target} settles", 60, every=0.1)

    def entry(self, target: str, key: str, text: str) -> None:
        """Open the entry line with `key`, paste `text` (bracketed, as one event), show it."""
        self.keys(target, key)
        self.settle(target)
        self.run("set-buffer", "-b", "entry", text)
        self.run("paste-buffer", "-p", "-d", "-b", "entry", "-t", target)
        self.wait_for(target, text)

    def pane_pid(self, target: str) -> int:
        return int(self.run("display-message", "-p", "-t", target, "#{pane_pid}").strip())

    def is_dead(self, target: str) -> bool:
        return self.run("display-message", "-p", "-t", target, "#{pane_dead}").strip() == "1"

    def resize(self, target: str, cols: int, rows: int) -> None:
        self.run("resize-window", "-t", target, "-x", str(cols), "-y", str(rows))

    def close(self) -> None:
        self.run("kill-server", check=False)
