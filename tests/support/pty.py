"""A program in a local pseudo-terminal, offered as a terminal's link (what the appliance's
shell websocket offers the console): the terminal widget's tests and benchmark run real
programs (bash, vi, top, yes) without an appliance in between."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import struct
import subprocess
import termios
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from jump_client.shell import programs_get_their_signals


def _controlling_terminal() -> None:
    """In the child, after setsid: the PTY becomes its controlling terminal, so Ctrl-C on it
    is SIGINT for the program (not only for a shell that opens its terminal itself)."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class LocalPty:
    """``argv`` in a PTY of (cols, rows): write keys, resize, read its output."""

    def __init__(
        self,
        argv: Sequence[str],
        cols: int,
        rows: int,
        env: dict[str, str],
        cwd: str | None = None,
    ) -> None:
        self.exit_code: int | None = None
        self.ended_because: str | None = None
        self.master, slave = os.openpty()
        self._size(cols, rows)
        programs_get_their_signals()  # as the Jump Client: Ctrl-C is SIGINT however we started
        self.process = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_controlling_terminal,
            close_fds=True,
        )
        os.close(slave)
        os.set_blocking(self.master, False)
        self._chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.master, self._readable)

    def _size(self, cols: int, rows: int) -> None:
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def _readable(self) -> None:
        try:
            data = os.read(self.master, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data or self._chunks.qsize() >= 1:
            # like the Jump Client: while a chunk waits for its reader, the program waits
            self._loop.remove_reader(self.master)
        self._chunks.put_nowait(data)

    async def write(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            os.write(self.master, data)

    async def resize(self, cols: int, rows: int) -> None:
        with contextlib.suppress(OSError):
            self._size(cols, rows)  # the kernel tells the foreground job (SIGWINCH)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._read()

    async def _read(self) -> AsyncIterator[bytes]:
        while True:
            chunk = await self._chunks.get()
            if chunk and self._chunks.empty() and self.master >= 0:
                with contextlib.suppress(OSError, ValueError):
                    self._loop.add_reader(self.master, self._readable)
            if not chunk:
                self.exit_code = await asyncio.to_thread(self.process.wait)
                return
            yield chunk

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._loop.remove_reader(self.master)
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        with contextlib.suppress(OSError):
            os.close(self.master)
        self.master = -1


def pty_env(**extra: str) -> dict[str, str]:
    """A plain, predictable environment for programs in a test terminal."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "PS1": "$ ",
        **extra,
    }


@asynccontextmanager
async def local_pty(
    argv: Sequence[str],
    cols: int = 80,
    rows: int = 24,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
) -> AsyncIterator[LocalPty]:
    pty = LocalPty(argv, cols, rows, env if env is not None else pty_env(), cwd)
    try:
        yield pty
    finally:
        pty.close()
