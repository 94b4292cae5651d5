"""One session's console: a real process on a real pseudo-terminal, pumped by asyncio.

The server owns the pty's master side: bytes from the SSH channel are written to it,
whatever the console draws is read from it and handed to `on_output`. The window size
is set on the pty at start and on every resize (the kernel then signals the console,
which made the pty its controlling terminal; SIGWINCH is also sent, to be sure). A
hang-up is SIGHUP, as a dropped terminal line gives a shell: the console keeps its draft
and ends; one that does not end in time is killed.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import struct
import termios
from typing import Callable, Sequence

HANG_UP_GRACE = 10.0   # seconds a console has, after SIGHUP, to save its draft and end
READ_CHUNK = 65536


def set_window(fd: int, cols: int, rows: int) -> None:
    """TIOCSWINSZ: what the console reads as its size."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ,
                struct.pack("HHHH", max(1, min(rows, 2000)), max(1, min(cols, 2000)), 0, 0))


class ConsoleTerminal:
    """A child process on a pty; output goes to `on_output`, its end to `on_exit(code)`."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], cols: int, rows: int,
                 on_output: Callable[[bytes], None], on_exit: Callable[[int], None]) -> None:
        self.argv = list(argv)
        self.env = env
        self.cols, self.rows = cols, rows
        self.on_output = on_output
        self.on_exit = on_exit
        self.master: int | None = None
        self.process: asyncio.subprocess.Process | None = None
        self._pending = bytearray()   # input the pty could not take yet
        self._paused = False
        self._hung_up = False
        self._loop = asyncio.get_running_loop()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    async def start(self) -> None:
        master, slave = os.openpty()
        try:
            set_window(slave, self.cols, self.rows)
            self.process = await asyncio.create_subprocess_exec(
                *self.argv, stdin=slave, stdout=slave, stderr=slave, env=self.env,
                start_new_session=True, close_fds=True)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self.master = master
        self._loop.add_reader(master, self._readable)
        self._loop.create_task(self._wait())

    # -- output ---------------------------------------------------------------------------

    def _readable(self) -> None:
        try:
            data = os.read(self.master, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""   # EIO: every copy of the slave side is closed
        if not data:
            self._loop.remove_reader(self.master)
            return
        if not self._hung_up:
            self.on_output(data)

    def pause_output(self) -> None:
        """The SSH channel's buffer is full: stop reading (the console waits, not us)."""
        if not self._paused and not self._hung_up and self.master is not None:
            self._paused = True
            self._loop.remove_reader(self.master)

    def resume_output(self) -> None:
        if self._paused and self.master is not None:
            self._paused = False
            self._loop.add_reader(self.master, self._readable)

    # -- input ----------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Keystrokes for the console; what the pty cannot take now waits for it."""
        if self.master is None or self._hung_up:
            return
        if self._pending:
            self._pending += data
            return
        self._pending += data
        self._flush()

    def _flush(self) -> None:
        while self._pending:
            try:
                sent = os.write(self.master, self._pending)
            except BlockingIOError:
                sent = 0
            except OSError:
                self._pending.clear()
                break
            if sent == 0:
                self._loop.add_writer(self.master, self._writable)
                return
            del self._pending[:sent]

    def _writable(self) -> None:
        self._loop.remove_writer(self.master)
        self._flush()

    def resize(self, cols: int, rows: int) -> None:
        if self.master is None or (cols, rows) == (self.cols, self.rows) or cols <= 0 or rows <= 0:
            return
        self.cols, self.rows = cols, rows
        set_window(self.master, cols, rows)
        self._signal(signal.SIGWINCH)

    # -- the end --------------------------------------------------------------------------

    def _signal(self, sig: int) -> None:
        if self.process is not None and self.process.returncode is None:
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                pass

    def hang_up(self) -> None:
        """The connection is gone: SIGHUP, keep draining its output, kill it if it lingers."""
        if self._hung_up:
            return
        self._hung_up = True
        self._pending.clear()
        if self.master is not None:
            self._loop.remove_writer(self.master)
            if self._paused:
                self._paused = False
                self._loop.add_reader(self.master, self._readable)
        self._signal(signal.SIGHUP)
        self._loop.call_later(HANG_UP_GRACE, self._signal, signal.SIGKILL)

    def stop(self, reason_signal: int = signal.SIGHUP) -> None:
        """End the console (idle timeout, server shutdown) but keep showing its output."""
        self._signal(reason_signal)
        self._loop.call_later(HANG_UP_GRACE, self._signal, signal.SIGKILL)

    async def _wait(self) -> None:
        code = await self.process.wait()
        # Whatever it drew last (restoring the terminal) is still in the pty: pass it on.
        while self.master is not None:
            try:
                data = os.read(self.master, READ_CHUNK)
            except OSError:   # nothing more now (EAGAIN), or the slave side is closed (EIO)
                break
            if not data:
                break
            if not self._hung_up:
                self.on_output(data)
        if self.master is not None:
            self._loop.remove_reader(self.master)
            self._loop.remove_writer(self.master)
            os.close(self.master)
            self.master = None
        self.on_exit(code)
