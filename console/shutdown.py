"""The full screen ends cleanly however it is told to: ``ctrl+q``, or a signal.

Closing the terminal (SIGHUP, as when SSH drops), ``kill`` (SIGTERM) and SIGINT all exit the
app the way ``ctrl+q`` does: the terminal leaves the alternate screen and mouse reporting,
and the caller then stops what the console started. Without this, Python's default for
SIGHUP and SIGTERM ends the process on the spot, with the terminal left in the alternate
screen and mouse reporting on.

A terminal can also hang up with no SIGHUP sent here: the kernel sends it to the terminal's
session leader only, and one that does not pass it on (``make run``: make waits for the
console) left the console reading end-of-file for ever, at full CPU. So a thread watches the
terminal and, when it hangs up, sends this process the SIGHUP it missed.

A stop signal is caught by a plain handler, not the event loop's, so the bound below holds
even when the loop is stuck (on a write to a terminal that is gone, say).

After SIGHUP the terminal is gone: what the app still writes goes to ``/dev/null``, and when
Textual's output thread has already stopped on a write to the hung-up terminal (its shutdown
would then wait on it for ever) the process ends at once: there is nothing left to restore,
and this machine's Jump Client ends with the console (``--stop-with-parent``). Whatever
happens, a process told to stop ends within :data:`GRACE_S`.
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import threading
from typing import Protocol

#: the signals that end the console; its exit status is 128 + the signal's number
STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGHUP, signal.SIGTERM, signal.SIGINT)
#: how long a stop may take (the app's shutdown, then stopping the local client and the
#: embedded appliance) before the process ends anyway
GRACE_S = 30.0


class Exitable(Protocol):
    """What :func:`run_until_stopped` needs of an app (Textual's ``App``)."""

    def exit(self, result: int | None = None) -> None: ...

    async def run_async(self) -> int | None: ...


def _away_from_terminal() -> None:
    """Point standard input, output and error at ``/dev/null``: the terminal hung up."""
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in (0, 1, 2):
            os.dup2(null, fd)
    finally:
        os.close(null)


def _end_within(seconds: float, status: int) -> None:
    """End the process with ``status`` if it is still running ``seconds`` from now."""
    timer = threading.Timer(seconds, os._exit, args=(status,))
    timer.daemon = True
    timer.start()


def _watch_terminal(fd: int, done: threading.Event) -> None:
    """Send this process SIGHUP once the terminal on ``fd`` hangs up, unless ``done`` is set
    by then (the app has ended; what follows it is not cut short). A daemon thread; it reads
    nothing: the poll asks for no event, so only a hang-up or an error ends it."""

    def watch() -> None:
        poller = select.poll()
        poller.register(fd, 0)
        while True:
            events = poller.poll()  # a signal meanwhile: Python polls again itself
            if any(mask & (select.POLLHUP | select.POLLERR) for _, mask in events):
                if not done.is_set():
                    os.kill(os.getpid(), signal.SIGHUP)
                return
            if any(mask & select.POLLNVAL for _, mask in events):
                return  # the descriptor was closed: nothing left to watch

    threading.Thread(target=watch, name="terminal-hangup", daemon=True).start()


def _drawing() -> bool:
    """Is Textual's output thread still running (it stops at a failed write)?"""
    return any(t.name == "textual-output" and t.is_alive() for t in threading.enumerate())


def run_until_stopped(app: Exitable) -> int | None:
    """Run ``app`` until it exits, by itself or at a signal; its result."""
    stopping = False

    async def main() -> int | None:
        loop = asyncio.get_running_loop()

        def caught(number: int, _frame: object) -> None:
            # A plain handler: it runs even while the app waits on a stopped output thread.
            nonlocal stopping
            signalled = signal.Signals(number)
            if signalled == signal.SIGHUP:
                _away_from_terminal()
                if not _drawing():
                    os._exit(128 + signal.SIGHUP)
            if not stopping:  # bounded from now, whether or not the loop ever runs again
                stopping = True
                _end_within(GRACE_S, 128 + signalled)
            loop.call_soon_threadsafe(app.exit, 128 + signalled)

        before = {number: signal.signal(number, caught) for number in STOP_SIGNALS}
        done = threading.Event()
        if os.isatty(0):
            _watch_terminal(0, done)
        try:
            return await app.run_async()
        finally:
            done.set()
            for number, handler in before.items():
                signal.signal(number, handler)

    return asyncio.run(main())
