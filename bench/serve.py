"""`firedesk serve` with the real OpenSSH client: first paint, N sessions' cost, note latency.

A fresh record and keys in a temporary directory; `firedesk serve --port 0` as a
subprocess; each client is `ssh -tt` on a pty of its own (120x40), read continuously.

- ssh to first paint: launching `ssh` until the incident's title is on its terminal;
  baseline: `firedesk console` launched on a local pty the same way (the SSH share).
- N sessions at once (20; --quick 5): once all are painted, the server's and the
  consoles' CPU (% of one core, over an idle window) and resident memory.
- note to screen: a note committed by another process (a Store write here) until it is
  on every session's terminal (median over notes of the slowest and of the fastest).

    .venv/bin/python bench/serve.py            # 5 first paints, 20 sessions, 10 notes
    .venv/bin/python bench/serve.py --quick    # 2 first paints, 5 sessions, 3 notes
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from _report import report

TITLE = b"Bench incident"
SSH = ["-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
       "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
       "-o", "LogLevel=ERROR"]
CLK = os.sysconf("SC_CLK_TCK")


class Terminal:
    """A process on a 120x40 pty whose output we keep reading (the tail is kept)."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.fd, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=child, stdout=child, stderr=child, env=env,
                                     start_new_session=True)
        os.close(child)
        self.seen = b""

    def feed(self) -> None:
        try:
            self.seen = (self.seen + os.read(self.fd, 65536))[-200_000:]
        except OSError:
            pass

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGHUP)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self.fd)


def pump(terminals: list[Terminal], done, seconds: float = 120.0) -> float:  # noqa: ANN001
    """Read every terminal until `done()`; returns the moment it became true."""
    deadline = time.perf_counter() + seconds
    while not done():
        if time.perf_counter() > deadline:
            raise RuntimeError("timed out waiting for the consoles")
        ready, _, _ = select.select([t.fd for t in terminals], [], [], 0.05)
        for terminal in terminals:
            if terminal.fd in ready:
                terminal.feed()
    return time.perf_counter()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(p) for p in (task / "children").read_text().split()]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small: 2 paints, 5 sessions, 3 notes")
    args = parser.parse_args()
    paints, sessions, notes, window = (2, 5, 3, 3.0) if args.quick else (5, 20, 10, 10.0)
    from firedesk.store import Store, add_entry, declare_incident

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db = tmp / "bench.db"
        with Store(db) as store:
            incident = declare_incident(store, TITLE.decode(), severity="SEV2", author="bench")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / "key")],
                       check=True)
        key = (tmp / "key.pub").read_text().strip()
        config = tmp / "firedesk.toml"
        config.write_text(f'[serve]\nmax_sessions = 100\n[[people]]\nname = "Ana"\n'
                          f'ssh_keys = ["{key}"]\n')
        env = {**os.environ, "TERM": "xterm-256color", "TZ": "UTC"}
        server = subprocess.Popen([sys.executable, "-m", "firedesk", "--db", str(db), "--config",
                                   str(config), "serve", "--port", "0"], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, env=env, text=True)
        port = None
        try:
            started = time.perf_counter()
            for line in server.stdout:
                if "listening on" in line:
                    port = int(line.rsplit(":", 1)[1])
                    break
            print(f"firedesk serve ready in {(time.perf_counter() - started) * 1000:.0f} ms "
                  "(process start to listening, imports included)")
            ssh = ["ssh", "-tt", "-p", str(port), "-i", str(tmp / "key"), *SSH, "bench@127.0.0.1"]
            local = [sys.executable, "-m", "firedesk", "--db", str(db), "--as", "Ana", "console"]

            def first_paint(argv: list[str]) -> float:
                terminal = Terminal(argv, env)
                try:
                    shown = pump([terminal], lambda: TITLE in terminal.seen)
                    return shown - terminal.started
                finally:
                    terminal.close()

            over_ssh = [first_paint(ssh) for _ in range(paints)]
            on_pty = [first_paint(local) for _ in range(paints)]
            report("serve: ssh to first paint", [v * 1000 for v in over_ssh], unit="ms",
                   baseline=[v * 1000 for v in on_pty], baseline_name="console on a local pty")

            terminals = [Terminal(ssh, env) for _ in range(sessions)]
            try:
                opened = time.perf_counter()
                all_painted = pump(terminals, lambda: all(TITLE in t.seen for t in terminals),
                                   seconds=300)
                print(f"{sessions} sessions opened at once: all painted after "
                      f"{(all_painted - opened):.1f} s")
                consoles = children(server.pid)
                before = {pid: cpu_seconds(pid) for pid in [server.pid, *consoles]}
                pump(terminals, lambda: time.perf_counter() - all_painted >= window + 1)
                after = {pid: cpu_seconds(pid) for pid in before}
                per_console = [(after[p] - before[p]) / (window + 1) * 100 for p in consoles]
                server_cpu = (after[server.pid] - before[server.pid]) / (window + 1) * 100
                report(f"serve: {sessions} idle consoles, CPU each", per_console,
                       unit="% core")
                report(f"serve: server CPU with {sessions} sessions", [server_cpu], unit="% core")
                report(f"serve: {sessions} consoles, memory each", [rss_mib(p) for p in consoles],
                       unit="MiB RSS")
                report(f"serve: server memory with {sessions} sessions", [rss_mib(server.pid)],
                       unit="MiB RSS")

                slowest, fastest = [], []
                with Store(db) as store:
                    for n in range(notes):
                        text = f"probe {n} for everyone".encode()
                        add_entry(store, incident, text.decode(), author="bench")
                        committed = time.perf_counter()
                        shown_at: dict[int, float] = {}

                        def everywhere() -> bool:
                            now = time.perf_counter()
                            for t in terminals:
                                if t.fd not in shown_at and text in t.seen:
                                    shown_at[t.fd] = now
                            return len(shown_at) == len(terminals)
                        pump(terminals, everywhere)
                        slowest.append((max(shown_at.values()) - committed) * 1000)
                        fastest.append((min(shown_at.values()) - committed) * 1000)
                report(f"serve: note to all {sessions} screens", slowest, unit="ms")
                report(f"serve: note to the first of {sessions} screens", fastest, unit="ms")
            finally:
                for terminal in terminals:
                    terminal.close()
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    print(f"(measured with {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
