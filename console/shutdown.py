"""The full screen ends cleanly however it is told to: ``ctrl+q``, or a signal.

Closing the terminal (SIGHUP, as when SSH drops), ``kill`` (SIGTERM) and SIGINT all exit the
app the way ``ctrl+q`` does: the terminal leaves the alternate screen and mouse reporting,
and the caller then stops what the console started. Without this, Python's default for
SIGHUP and SIGTERM ends the process on the spot, with the terminal left in the alternate
screen and mouse reporting on.

After SIGHUP the terminal is gone: what the app still writes goes to ``/dev/null``, and when
Textual's output thread has already stopped on a write to the hung-up terminal (its shutdown
would then wait on it for ever) the process ends at once: there is nothing left to restore,
and this machine's Jump Client ends with the console (``--stop-with-parent``). Whatever
happens, a process told to stop ends within :data:`GRACE_S`.
"""

from __future__ import annotations

import asyncio
import os
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


def _drawing() -> bool:
    """Is Textual's output thread still running (it stops at a failed write)?"""
    return any(t.name == "textual-output" and t.is_alive() for t in threading.enumerate())


def run_until_stopped(app: Exitable) -> int | None:
    """Run ``app`` until it exits, by itself or at a signal; its result."""
    stopping = False

    def stop(number: signal.Signals) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            _end_within(GRACE_S, 128 + number)
        app.exit(128 + number)

    async def main() -> int | None:
        loop = asyncio.get_running_loop()
        others = [n for n in STOP_SIGNALS if n != signal.SIGHUP]
        for number in others:
            loop.add_signal_handler(number, stop, number)

        def hangup(_number: int, _frame: object) -> None:
            # A plain handler: it runs even while the app waits on a stopped output thread.
            _away_from_terminal()
            if not _drawing():
                os._exit(128 + signal.SIGHUP)
            loop.call_soon_threadsafe(stop, signal.SIGHUP)

        before = signal.signal(signal.SIGHUP, hangup)
        try:
            return await app.run_async()
        finally:
            for number in others:
                loop.remove_signal_handler(number)
            signal.signal(signal.SIGHUP, before)

    return asyncio.run(main())
