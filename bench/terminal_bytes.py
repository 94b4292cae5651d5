"""What an SSH link must carry: bytes/s the console writes to a real terminal at 120x40.

    .venv/bin/python bench/terminal_bytes.py [--quick] [--seconds 60] [--rate 100]

`firedesk console INC-1` runs in a pseudo-terminal (os.openpty, TIOCSWINSZ 120x40,
TERM=xterm-256color) exactly as over SSH; a thread counts every byte it writes, per
second. Measured: the first full paint, the idle console (nothing happening; clocks tick),
and a storm of `--rate` alerts/s (one Alertmanager webhook each, rotating over 500
fingerprints so the alert pane keeps changing) posted to a real `firedesk receive` on
127.0.0.1 from 8 senders, plus one note a second from the CLI's write path. Figures are
per-second samples (median, spread) with the idle console as the baseline.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from _report import report  # noqa: E402
from fault_workers import STORM_TOKEN, alert_payload, start_receiver  # noqa: E402

COLUMNS, LINES = 120, 40


class Terminal:
    """A console process on a pty, with a thread counting its output per second."""

    def __init__(self, db: Path, workdir: Path):
        self.parent, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        env = {**os.environ, "FIREDESK_DB": str(db), "FIREDESK_USER": "bench", "TZ": "UTC",
               "TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(LINES)}
        env.pop("FIREDESK_CONFIG", None)
        self.process = subprocess.Popen([sys.executable, "-m", "firedesk", "console", "INC-1"],
                                        stdin=child, stdout=child, stderr=child, env=env,
                                        cwd=workdir, start_new_session=True)
        os.close(child)
        self.lock = threading.Lock()
        self.total = 0
        self.tail = bytearray()
        self.markers: dict[bytes, threading.Event] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._count, daemon=True)
        self.thread.start()

    def _count(self) -> None:
        while not self.stop.is_set():
            ready, _, _ = select.select([self.parent], [], [], 0.1)
            if not ready:
                continue
            try:
                chunk = os.read(self.parent, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self.lock:
                self.total += len(chunk)
                window = self.tail + chunk
                for marker, seen in self.markers.items():
                    if marker in window:
                        seen.set()
                self.tail = window[-4096:]

    def count(self) -> int:
        with self.lock:
            return self.total

    def watch(self, marker: bytes) -> threading.Event:
        with self.lock:
            return self.markers.setdefault(marker, threading.Event())

    def wait_for(self, marker: bytes, seconds: float = 60) -> None:
        if not self.watch(marker).wait(seconds):
            raise SystemExit(f"the console never showed {marker!r}")

    def settle(self, quiet: float = 0.5, seconds: float = 5) -> None:
        """Wait until nothing has been written for `quiet` seconds."""
        deadline = time.monotonic() + seconds
        last, since = self.count(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            now = self.count()
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return

    def per_second(self, seconds: int) -> list[float]:
        samples, last = [], self.count()
        began = time.monotonic()
        for n in range(1, seconds + 1):
            time.sleep(max(0.0, began + n - time.monotonic()))
            now = self.count()
            samples.append(float(now - last))
            last = now
        return samples

    def close(self) -> None:
        try:
            os.write(self.parent, b"\x11")     # ctrl+q
            self.process.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        self.stop.set()
        self.thread.join(2)
        os.close(self.parent)


def storm(base: str, rate: float, seconds: float, stop: threading.Event, statuses: list[int]) -> None:
    import httpx

    senders = 8
    began = time.perf_counter()

    def send(k: int) -> None:
        with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {STORM_TOKEN}"}) as http:
            for i in range(k, int(rate * seconds), senders):
                if stop.is_set():
                    return
                delay = began + i / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                body = alert_payload(f"fp-{i % 500}", f"storm alert {i} on node-{i % 500}",
                                     labels={"severity": ("critical", "warning", "info")[i % 3]})
                statuses.append(http.post(f"{base}/hooks/alertmanager", content=body).status_code)

    threads = [threading.Thread(target=send, args=(k,), daemon=True) for k in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of each phase")
    parser.add_argument("--rate", type=float, default=100, help="alerts/s in the storm")
    parser.add_argument("--quick", action="store_true", help="5 s phases")
    args = parser.parse_args()
    if args.quick:
        args.seconds = 5
    from firedesk.store import Store, add_entry, assign_role, declare_incident

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "terminal.db"
        with Store(db) as store:
            incident = declare_incident(store, "Checkout failing for EU customers",
                                        severity="SEV1", author="bench", service="checkout")
            assign_role(store, incident, "leader", "Priya", author="bench")
            for n in range(30):
                add_entry(store, incident, f"earlier finding {n}: latency on db-{n % 4}", author="bench")
        receiver, base = start_receiver(db, work)
        terminal = Terminal(db, work)
        terminal.watch(b"Checkout failing")
        try:
            terminal.wait_for(b"Checkout failing")
            terminal.settle()
            first_paint = terminal.count()
            idle = terminal.per_second(args.seconds)
            stop, statuses = threading.Event(), []
            sender = threading.Thread(target=storm, args=(base, args.rate, args.seconds, stop, statuses),
                                      daemon=True)

            def notes() -> None:
                with Store(db) as store:
                    for n in range(args.seconds):
                        if stop.is_set():
                            return
                        add_entry(store, incident, f"storm note {n}", author="Kenji")
                        time.sleep(1)

            noter = threading.Thread(target=notes, daemon=True)
            sender.start()
            noter.start()
            began = time.monotonic()
            during = terminal.per_second(args.seconds)
            stop.set()
            storm_seconds = time.monotonic() - began
            sender.join(30)
            noter.join(5)
        finally:
            terminal.close()
            receiver.terminate()
            receiver.communicate(timeout=20)
    accepted = sum(1 for s in statuses if s == 200)
    print(f"terminal at {COLUMNS}x{LINES}, TERM=xterm-256color; storm: {accepted} alerts accepted "
          f"of {len(statuses)} posted at {args.rate:g}/s over {args.seconds} s, 1 note/s")
    report("terminal storm: alerts/s accepted", [accepted / storm_seconds], unit="alerts/s")
    report("terminal: first full paint", [first_paint / 1024], unit="KiB")
    report("terminal: idle console", [s / 1024 for s in idle], unit="KiB/s")
    report(f"terminal: {args.rate:g} alerts/s storm", [s / 1024 for s in during], unit="KiB/s",
           baseline=[s / 1024 for s in idle], baseline_name="idle console")
    stalled = sum(1 for s in during if s == 0)
    print(f"  storm seconds with no output at all: {stalled} of {len(during)}; per second (KiB): "
          + " ".join(f"{s / 1024:.0f}" for s in during))
    total = sum(during)
    print(f"  storm total {total / 1048576:.2f} MiB in {args.seconds} s = "
          f"{total * 8 / args.seconds / 1000:.0f} kbit/s on the link")


if __name__ == "__main__":
    main()
