"""Shell sessions on the endpoint: the client user's login shell in a pseudo-terminal.

The appliance relays a representative's keystrokes here (``shell.input``, ``shell.resize``)
and this streams the terminal's output back (``shell.output``) until the shell exits
(``shell.exit``) or the session ends.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import logging
import os
import pwd
import signal
import struct
import subprocess
import termios
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from domain.protocol.agent import ShellExit, ShellOutput

log = logging.getLogger("jump-client")
Send = Callable[[ShellOutput | ShellExit], Coroutine[Any, Any, None]]


#: what a terminal's keys and a hang-up send a shell's programs (Ctrl-C, Ctrl-\, the end)
SESSION_SIGNALS = (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP)


def _nothing(_signum: int, _frame: object) -> None:
    """Stands for "ignored" in this process; unlike SIG_IGN, no program started inherits it."""


def programs_get_their_signals() -> None:
    """Let the programs this process starts in a terminal have their signals.

    A signal ignored here (this process started by ``nohup``, or in the background of a
    script, which ignores SIGINT and SIGQUIT) stays ignored in every program started from
    it, as exec keeps an ignored signal: Ctrl-C would not stop a program in a session, nor
    would its end stop the programs left running. A caught signal is reset to its default by
    exec instead, so each such signal is caught here by a handler that does nothing: this
    process goes on ignoring it, its programs do not. Only the main thread may do this;
    elsewhere it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in SESSION_SIGNALS:
        if signal.getsignal(signum) == signal.SIG_IGN:
            signal.signal(signum, _nothing)


def login_shell() -> str:
    try:
        shell = pwd.getpwuid(os.getuid()).pw_shell
    except KeyError:
        shell = ""
    return shell if shell and os.path.exists(shell) else "/bin/sh"


class Shell:
    """One PTY running the login shell; output goes to ``send`` as it comes."""

    def __init__(self, sid: str, send: Send, *, cols: int = 80, rows: int = 24) -> None:
        self.sid = sid
        self._send = send
        master, slave = os.openpty()
        self.master = master
        self._resize(cols, rows)
        home = os.path.expanduser("~")
        env = {**os.environ, "TERM": "xterm-256color", "HOME": home}
        programs_get_their_signals()
        self.process = subprocess.Popen(
            [login_shell(), "-l"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=home,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        os.set_blocking(master, False)
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(master, self._readable)
        self._waiter = self._loop.create_task(self._wait())

    def _resize(self, cols: int, rows: int) -> None:
        cols, rows = max(10, min(cols, 500)), max(2, min(rows, 200))
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def _readable(self) -> None:
        try:
            data = os.read(self.master, 65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        self._loop.remove_reader(self.master)
        if not data:
            return
        # One chunk on its way at a time: a program that writes faster than the representative
        # reads (`yes`) waits on its full PTY, instead of piling up chunks in this process.
        sending = self._loop.create_task(
            self._send(ShellOutput(sid=self.sid, data=base64.b64encode(data).decode()))
        )
        sending.add_done_callback(self._sent)

    def _sent(self, _sending: asyncio.Task[None]) -> None:
        if self.master >= 0:
            with contextlib.suppress(OSError, ValueError):
                self._loop.add_reader(self.master, self._readable)

    async def _wait(self) -> None:
        code = await asyncio.to_thread(self.process.wait)
        await asyncio.sleep(0.05)  # let the last output drain
        self._close_master()
        await self._send(ShellExit(sid=self.sid, code=code))

    def write(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            os.write(self.master, data)

    def resize(self, cols: int, rows: int) -> None:
        with contextlib.suppress(OSError):
            self._resize(cols, rows)
            os.killpg(self.process.pid, signal.SIGWINCH)

    def _close_master(self) -> None:
        master, self.master = self.master, -1
        with contextlib.suppress(OSError, ValueError):
            self._loop.remove_reader(master)
            os.close(master)

    def close(self) -> None:
        """End the shell (the session ended): hang up, then kill if it lingers."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGHUP)
            try:
                self.process.wait(2)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(OSError):
                    os.killpg(self.process.pid, signal.SIGKILL)
