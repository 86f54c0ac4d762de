"""One terminal on a program's PTY, independent of any view: the link, the emulator, what is
waiting to be sent.

A :class:`TerminalSession` outlives the widget that shows it: the console keeps one per jump
session while that session is open, so leaving the sessions screen (or switching tabs) only
detaches the view; the shell, its screen and its scrollback stay. :meth:`TerminalSession.run`
opens the link (the appliance's shell websocket, or a local PTY in tests and benchmarks) and
pumps its output into the emulator in small slices, yielding between them, so a flood of
output never holds the event loop for long; views are told that lines changed and repaint at
their own pace.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Literal, Protocol

from domain.text import visible
from widgets.vt import Emulator

SLICE = 512
"""Bytes fed to the emulator at a time (a flood of short lines is ~250 of them)."""
SIZE_WAIT = 2.0
"""Seconds a terminal waits for a view's size before opening its link at its own size."""
BUDGET = 0.004
"""Seconds of feeding before the event loop gets a turn."""


class ShellLink(Protocol):
    """A program's terminal at the far end: what ``api_client.ShellConnection`` offers."""

    exit_code: int | None
    ended_because: str | None

    async def write(self, data: bytes) -> None: ...

    async def resize(self, cols: int, rows: int) -> None: ...

    def __aiter__(self) -> AsyncIterator[bytes]: ...


LinkOpener = Callable[[int, int], AbstractAsyncContextManager[ShellLink]]
"""Opens a link for a terminal of (columns, lines)."""

State = Literal["opening", "open", "ended"]


class TerminalSession:
    """A terminal: its emulator, its link while open, and its state for views to show."""

    def __init__(
        self, title: str, opener: LinkOpener, *, columns: int = 80, lines: int = 24
    ) -> None:
        self.title = title
        """What the view's border says (the item's name and host; already made visible)."""
        self.emulator = Emulator(columns, lines)
        self.state: State = "opening"
        self.ending = ""
        """Why the terminal ended, one sentence (once :attr:`state` is ``ended``)."""
        self._opener = opener
        self._outbox: deque[bytes | tuple[int, int]] = deque()
        self._wake = asyncio.Event()
        self._sized = asyncio.Event()
        self._listeners: list[Callable[[], None]] = []
        self.restart: Callable[[], None] | None = None
        """Set by the owner: opens the terminal again once it has ended."""
        self.exit_code: int | None = None
        """The program's exit status, once it has exited (None: it has not, or the link
        closed under it)."""

    # -- views -----------------------------------------------------------------------------

    def listen(self, changed: Callable[[], None]) -> None:
        """Call ``changed`` (no arguments, not awaited) whenever output or the state changes."""
        self._listeners.append(changed)

    def unlisten(self, changed: Callable[[], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(changed)

    def _changed(self) -> None:
        for changed in list(self._listeners):
            changed()

    # -- input -----------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        """Queue keys (or a paste) for the program, in order; dropped once the terminal ended."""
        if data and self.state != "ended":
            self._outbox.append(data)
            self._wake.set()

    def resize(self, columns: int, lines: int) -> None:
        """The view's size changed: the emulator follows at once, the program's PTY next."""
        screen = self.emulator.screen
        self._sized.set()
        if (columns, lines) == (screen.columns, screen.lines):
            return
        self.emulator.resize(columns, lines)
        if self.state != "ended":
            self._outbox.append((columns, lines))
            self._wake.set()
        self._changed()

    # -- the link --------------------------------------------------------------------------

    async def run(self) -> None:
        """Open the link (once a view has said how big the terminal is, or after
        :data:`SIZE_WAIT` seconds) and pump it until the program ends or the link closes."""
        self.state, self.ending, self.exit_code = "opening", "", None
        self._changed()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SIZE_WAIT):
                await self._sized.wait()
        screen = self.emulator.screen
        failed = True  # an error is the owner's to explain (end() with its sentence)
        try:
            async with self._opener(screen.columns, screen.lines) as link:
                self.state = "open"
                self._changed()
                writer = asyncio.ensure_future(self._write(link))
                try:
                    async for chunk in link:
                        await self._take(chunk)
                finally:
                    writer.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await writer
                self.exit_code = link.exit_code
                why = visible(str(link.ended_because or "the session is over"))
                self.ending = (
                    f"The shell exited with code {link.exit_code}."
                    if link.exit_code is not None
                    else f"The shell ended: {why}."
                )
            failed = False
        finally:
            if not failed:
                self.end(self.ending or "The shell is closed.")

    def end(self, why: str) -> None:
        """The terminal is over (``why``: one sentence)."""
        if self.state != "ended":
            self.state, self.ending = "ended", why
            self._outbox.clear()
            self._changed()

    async def _take(self, chunk: bytes) -> None:
        """Feed a chunk in slices, yielding to the event loop every :data:`BUDGET` seconds of
        work, so keys and frames get through however much the program writes."""
        emulator = self.emulator
        began = time.perf_counter()
        for start in range(0, len(chunk), SLICE):
            emulator.feed(chunk[start : start + SLICE])
            replies = emulator.take_replies()
            if replies:
                self.send(replies)
            if time.perf_counter() - began > BUDGET:
                self._changed()
                await asyncio.sleep(0)
                began = time.perf_counter()
        self._changed()

    async def _write(self, link: ShellLink) -> None:
        """Send what was queued, in order (keys typed meanwhile go in one frame)."""
        outbox = self._outbox
        while True:
            if not outbox:
                await self._wake.wait()
            self._wake.clear()
            while outbox:
                item = outbox.popleft()
                if isinstance(item, tuple):
                    await link.resize(*item)
                    continue
                while outbox and isinstance(outbox[0], bytes):
                    item += outbox.popleft()  # type: ignore[operator]
                await link.write(item)


__all__ = ["BUDGET", "SIZE_WAIT", "SLICE", "LinkOpener", "ShellLink", "State", "TerminalSession"]
