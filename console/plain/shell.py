"""Plain mode's ``shell``: the session's command shell inline in this terminal."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.plain.console import PlainConsole


async def shell(con: PlainConsole, rest: list[str]) -> None:
    """Hand the terminal to the session's shell; Ctrl-] (or the shell's exit) gives it back."""
    chosen = list(con.sessions.values())
    current = con.desk.current_session()  # the one just started or joined, by default
    index = (
        int(rest[0]) - 1
        if rest and rest[0].isdigit()
        else (chosen.index(current) if current is not None else -1)
    )
    if not 0 <= index < len(chosen):
        con.say("You are in no session with that number; say sessions.")
        return
    info = chosen[index]
    con.desk.current = info.sid
    if not info.shell:
        con.say(
            f"The session on {info.item_name} has no command shell (its policy or its "
            "Jump Client offers none)."
        )
        return
    if not sys.stdin.isatty():
        con.say("The shell needs a terminal; plain mode is reading from a pipe.")
        return
    import codecs
    import os
    import shutil
    import signal
    import termios
    import tty

    from api_client import ApplianceError, open_shell
    from console.plain.passthrough import SafeOutput

    fd = sys.stdin.fileno()
    # The endpoint draws on this terminal, and does nothing else to it.
    safe = SafeOutput(utf8=codecs.lookup(sys.stdout.encoding or "ascii").name == "utf-8")

    def size() -> tuple[int, int]:
        """This terminal's size, asked of the terminal (COLUMNS/LINES in the environment,
        which shutil prefers, describe some other window)."""
        try:
            return tuple(os.get_terminal_size(sys.stdout.fileno()))  # type: ignore[return-value]
        except (OSError, ValueError):
            return tuple(shutil.get_terminal_size())  # type: ignore[return-value]

    cols, rows = size()
    con.say(f"Shell on {info.item_name}. Control and right bracket returns to plain mode.")
    saved = termios.tcgetattr(fd)
    loop = asyncio.get_running_loop()
    detached = asyncio.Event()
    code: int | None = None
    try:
        async with open_shell(con.backend.client, info.sid, cols=cols, rows=rows) as opened:
            writes: set[asyncio.Task[None]] = set()

            def typed() -> None:
                data = os.read(fd, 1024)
                if not data or b"\x1d" in data:
                    detached.set()
                    data = data.split(b"\x1d")[0]
                if data:
                    task = asyncio.ensure_future(opened.write(data))
                    writes.add(task)
                    task.add_done_callback(writes.discard)

            async def output() -> None:
                async for chunk in opened:
                    os.write(sys.stdout.fileno(), safe.feed(chunk))

            def resized() -> None:  # the endpoint's terminal follows this one
                task = asyncio.ensure_future(opened.resize(*size()))
                writes.add(task)
                task.add_done_callback(writes.discard)

            tty.setraw(fd)
            loop.add_reader(fd, typed)
            loop.add_signal_handler(signal.SIGWINCH, resized)
            resized()  # the size now, whatever it was when the shell was first opened
            pump = asyncio.ensure_future(output())
            stop = asyncio.ensure_future(detached.wait())
            await asyncio.wait({pump, stop}, return_when=asyncio.FIRST_COMPLETED)
            for task in (pump, stop):
                task.cancel()
            failed = pump.exception() if pump.done() and not pump.cancelled() else None
            if isinstance(failed, ApplianceError):
                raise failed  # refused (a right revoked, the session left): its sentence is said
            code = opened.exit_code
    finally:
        loop.remove_signal_handler(signal.SIGWINCH)
        loop.remove_reader(fd)
        with contextlib.suppress(OSError):
            os.write(sys.stdout.fileno(), safe.restore())  # whatever the program left set
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        # An answer the terminal was still writing (the cursor's position, asked for by the
        # program) is the endpoint's, not a command for plain mode: it is thrown away.
        await asyncio.sleep(0.05)
        termios.tcflush(fd, termios.TCIFLUSH)
    ended = f"the shell exited with code {code}" if code is not None else "you left the shell"
    con.say(f"\nBack in plain mode: {ended}.")
