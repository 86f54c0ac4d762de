"""A virtual X display (Xvfb) for tests of what a Jump Client sees, and a known picture on it.

``start_xvfb`` runs one on a free display number (``-displayfd``: the server picks it and says
which once it accepts clients); tests skip with the reason where Xvfb is not installed.
:class:`Painter` draws rectangles of solid colours in a window over the whole screen, through
python-xlib (a connection of the test's own: the picture stays while it is open).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

Colour = tuple[int, int, int]


@contextmanager
def start_xvfb(width: int = 320, height: int = 180) -> Iterator[str]:
    """A running Xvfb of ``width × height`` (white: ``-wr``); its ``DISPLAY``."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (.ci/run installs it)")
    read_fd, write_fd = os.pipe()
    process = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{width}x{height}x24",
            "-wr",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as ready:
        number = ready.readline().strip()  # written once the server accepts clients
    try:
        assert number.isdigit(), "Xvfb did not start"
        yield f":{number}"
    finally:
        process.terminate()
        process.wait(10)


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


__all__ = ["Colour", "Painter", "painted", "start_xvfb"]
