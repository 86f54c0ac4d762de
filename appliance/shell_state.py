"""What the appliance keeps of a session's shell between consoles: its recent output and
whose size its terminal has.

A shell outlives the consoles attached to it (a representative leaves the sessions screen,
loses the connection, or quits and comes back). So that a console attaching finds the
screen as it is now, the appliance keeps the shell's last :data:`REPLAY_BYTES` of output
and sends them first, after a terminal reset: the console's emulator replays them and
rebuilds the screen (a full-screen program that drew it earlier than that redraws on the
resize that follows when the console's size differs). Queries in that output (cursor
position, device attributes, colours, clipboard ...) are taken out first: the program asked
them long ago, and an emulator answering them again would type the answers into the shell.

Several representatives may share the shell. Its pseudo-terminal has one size: the size of
the console that typed last (``driver``). A console that types, or that attaches when none
of the others drives, makes the terminal its size; every console is told the size
(``{"type": "size"}``) and shows the screen at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

REPLAY_BYTES = 256 * 1024
"""The output kept per shell for consoles that attach later."""

RESET = b"\x1bc"
"""A full terminal reset (RIS): what the console showed before the replay goes."""

Size = tuple[int, int]
"""(columns, rows)"""

_CSI = rb"(?:\x1b\[|\xc2\x9b)"
_OSC = rb"(?:\x1b\]|\xc2\x9d)"
_DCS = rb"(?:\x1bP|\xc2\x90)"
_ST = rb"(?:\x07|\x1b\\|\xc2\x9c)"
_QUERIES = re.compile(
    rb"|".join(
        (
            _CSI + rb"[?>=]?[0-9;]*[nc]",  # device status, cursor position, attributes
            _CSI + rb"\??[0-9;]*\$p",  # mode reports (DECRQM)
            _CSI + rb">[0-9;]*q",  # terminal version (XTVERSION)
            _CSI + rb"[0-9;]*t",  # window reports and operations
            _CSI + rb"\?u",  # keyboard protocol
            _CSI + rb"[0-9;]*x",  # terminal parameters (DECREQTPARM)
            _OSC + rb"[0-9;A-Za-z]*\?" + _ST,  # colour and clipboard reads (OSC 4, 10, 52 ...)
            _DCS + rb".*?" + _ST,  # settings and capability requests (DECRQSS, XTGETTCAP)
            rb"\x1bZ",  # identify (DECID)
            rb"\x05",  # answerback (ENQ)
        )
    ),
    re.DOTALL,
)


def without_queries(output: bytes) -> bytes:
    """``output`` without the sequences that make a terminal answer."""
    return _QUERIES.sub(b"", output)


class Replay:
    """The shell's recent output, at most ``limit`` bytes, cut at a line's start (where no
    escape sequence or character is split)."""

    def __init__(self, limit: int = REPLAY_BYTES) -> None:
        self.limit = limit
        self._data = bytearray()

    def add(self, chunk: bytes) -> None:
        data = self._data
        data += chunk
        over = len(data) - self.limit
        if over > 0:
            line = data.find(b"\n", over)
            del data[: line + 1 if line >= 0 else over]

    def clear(self) -> None:
        self._data.clear()

    def screen(self) -> bytes:
        """What a console attaching gets first: a reset, then the recent output without its
        queries (empty when the shell said nothing yet)."""
        return RESET + without_queries(bytes(self._data)) if self._data else b""


Step = tuple[Literal["open", "resize"], Size] | None
"""What the Jump Client is to do for a console: open the shell, or resize its terminal."""


@dataclass
class ShellState:
    """One session's shell as the appliance relays it (no IO: the relay does what it says).

    ``consoles`` are keyed by whatever the relay uses for an attached console."""

    replay: Replay = field(default_factory=Replay)
    pty: Size | None = None
    """The terminal's size while the shell runs on the Jump Client; None before it opens
    and once it exited."""
    exited: bool = False
    """The shell exited: the Jump Client must be told to let it go before one opens anew."""
    consoles: dict[object, Size] = field(default_factory=dict)
    driver: object | None = None
    """The console whose size the terminal has (the one that typed last)."""

    def attach(self, console: object, size: Size) -> Step:
        """A console attaches with its size: open the shell at it when none runs; take the
        terminal to it when no other console drives."""
        self.consoles[console] = size
        if self.pty is None:
            self.pty, self.driver = size, console
            self.replay.clear()
            return ("open", size)
        if self.driver not in self.consoles:
            return self._drive(console)
        return None

    def typed(self, console: object) -> Step:
        """The console typed: the terminal takes its size (before its keys arrive)."""
        return self._drive(console) if console in self.consoles else None

    def resized(self, console: object, size: Size) -> Step:
        """The console's view changed size: the terminal follows when it drives (or
        nobody does)."""
        if console not in self.consoles:
            return None
        self.consoles[console] = size
        if self.driver is console or self.driver not in self.consoles:
            return self._drive(console)
        return None

    def _drive(self, console: object) -> Step:
        self.driver = console
        size = self.consoles[console]
        if self.pty is None or size == self.pty:
            return None
        self.pty = size
        return ("resize", size)

    def detach(self, console: object) -> None:
        self.consoles.pop(console, None)
        if self.driver is console:
            self.driver = None

    def output(self, chunk: bytes) -> None:
        self.replay.add(chunk)

    def exit(self) -> None:
        self.pty, self.exited, self.driver = None, True, None


__all__ = ["REPLAY_BYTES", "RESET", "Replay", "ShellState", "Size", "Step", "without_queries"]
