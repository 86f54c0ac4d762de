"""A virtual X display (Xvfb) for tests of what a Jump Client sees, and a known picture on it.

:func:`xvfb` runs one on a free display number (``-displayfd``: the server picks it and says
which once it accepts clients) and stops it after; :func:`start_xvfb` is one of a given size,
white. Tests skip with the reason where Xvfb is not installed.
:class:`Painter` draws rectangles of solid colours in a window over the whole screen, through
python-xlib (a connection of the test's own: the picture stays while it is open).
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

Colour = tuple[int, int, int]


XVFB = "/usr/bin/Xvfb"


def xvfb_missing() -> str | None:
    """Why no Xvfb can run here, or None when it can."""
    if shutil.which("Xvfb") is None and not Path(XVFB).exists():
        return "Xvfb is not installed (make test installs it with apt-get as root)"
    return None


@contextmanager
def xvfb(*extra: str, size: str = "640x480x24", timeout: float = 10.0) -> Iterator[str]:
    """An Xvfb server's display name (``:N``) for the block; skips when Xvfb is missing."""
    why = xvfb_missing()
    if why:
        pytest.skip(why)
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        [shutil.which("Xvfb") or XVFB, "-displayfd", str(write_end), "-screen", "0", size]
        + ["-nolisten", "tcp", "-noreset", *extra],
        pass_fds=(write_end,),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        said = b""
        while not said.endswith(b"\n"):
            ready, _, _ = select.select([read_end], [], [], timeout)
            chunk = os.read(read_end, 16) if ready else b""
            if not chunk:
                pytest.fail(f"Xvfb did not say its display within {timeout:.0f} s")
            said += chunk
        yield f":{int(said)}"
    finally:
        os.close(read_end)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def start_xvfb(width: int = 320, height: int = 180) -> Iterator[str]:
    """A running Xvfb of ``width × height``, white (``-wr``); its ``DISPLAY``."""
    with xvfb("-wr", size=f"{width}x{height}x24") as display:
        yield display


class Painter:
    """A window over the whole screen of ``display``, painted with solid rectangles."""

    def __init__(self, display: str) -> None:
        from Xlib import X
        from Xlib import display as xdisplay

        self._x = X
        self.display: Any = xdisplay.Display(display)
        screen = self.display.screen()
        self.width, self.height = screen.width_in_pixels, screen.height_in_pixels
        self.window = screen.root.create_window(
            0,
            0,
            self.width,
            self.height,
            0,
            screen.root_depth,
            X.InputOutput,
            X.CopyFromParent,
            background_pixel=screen.white_pixel,
            override_redirect=True,
        )
        self.window.map()
        self.gc = self.window.create_gc()
        self.display.sync()

    def fill(self, x: int, y: int, width: int, height: int, colour: Colour) -> None:
        red, green, blue = colour
        self.gc.change(foreground=(red << 16) | (green << 8) | blue)  # a 24-bit TrueColor screen
        self.window.fill_rectangle(self.gc, x, y, width, height)
        self.display.sync()

    def close(self) -> None:
        self.display.close()


@contextmanager
def painted(display: str) -> Iterator[Painter]:
    painter = Painter(display)
    try:
        yield painter
    finally:
        painter.close()


__all__ = ["Colour", "Painter", "painted", "start_xvfb", "xvfb", "xvfb_missing"]
