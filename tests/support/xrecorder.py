"""A private X server (Xvfb) and a tiny X client that records what it receives.

:func:`xvfb` (from :mod:`tests.support.xvfb`) starts ``Xvfb`` on a free display and stops
it after; where Xvfb is missing the test skips with a reason.
:func:`recorder` runs this module as a process on that display: it maps one window over the
whole screen, takes the keyboard focus, says ``ready`` and then prints one JSON line per key,
button or motion event it receives — the key as the window reads it (keysym and text, after
the modifiers), a button with the position on the screen. :class:`Recorder` reads those
lines and waits for them with a bound.

Run alone: ``DISPLAY=:N python -m tests.support.xrecorder``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.xvfb import xvfb, xvfb_missing

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Recorder:
    """The recording client's process and what it has printed so far."""

    process: subprocess.Popen[str]
    events: list[dict[str, Any]] = field(default_factory=list)
    heard: threading.Condition = field(default_factory=threading.Condition)

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.heard:
                self.events.append(json.loads(line))
                self.heard.notify_all()
        with self.heard:
            self.events.append({"event": "exit"})
            self.heard.notify_all()

    def wait_for(
        self, check: Callable[[list[dict[str, Any]]], bool], what: str, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """The events so far, once ``check`` holds of them (fails the test after ``timeout``)."""
        with self.heard:
            if not self.heard.wait_for(lambda: check(self.events), timeout):
                pytest.fail(f"the X client did not record {what} in {timeout:.0f} s: {self.events}")
            return list(self.events)


@contextmanager
def recorder(display: str) -> Iterator[Recorder]:
    """The recording client on ``display``, ready (its window mapped and focused)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.xrecorder"],
        cwd=ROOT,
        env={**os.environ, "DISPLAY": display, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    recording = Recorder(process)
    reader = threading.Thread(target=recording.read, daemon=True)
    reader.start()
    try:
        recording.wait_for(lambda seen: any(e["event"] in ("ready", "exit") for e in seen), "ready")
        assert recording.events[0]["event"] == "ready", "the X client could not start"
        yield recording
    finally:
        process.terminate()
        process.wait(timeout=10)
        reader.join(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


# -- the client itself ----------------------------------------------------------------------


def _text(display: Any, keysym: int) -> str:
    if keysym >= 0x01000100:  # a Unicode keysym
        return chr(keysym - 0x01000000)
    return str(display.lookup_string(keysym) or "")


def main() -> None:
    from Xlib import XK, X
    from Xlib.display import Display

    display = Display()
    screen = display.screen()
    window = screen.root.create_window(
        0,
        0,
        screen.width_in_pixels,
        screen.height_in_pixels,
        0,
        screen.root_depth,
        override_redirect=True,
        background_pixel=screen.white_pixel,
        event_mask=X.KeyPressMask
        | X.KeyReleaseMask
        | X.ButtonPressMask
        | X.ButtonReleaseMask
        | X.PointerMotionMask
        | X.StructureNotifyMask,
    )
    window.map()
    while display.next_event().type != X.MapNotify:
        pass
    window.set_input_focus(X.RevertToParent, X.CurrentTime)
    display.sync()
    print(json.dumps({"event": "ready", "window": window.id}), flush=True)
    while True:
        got = display.next_event()
        if got.type == X.MappingNotify:
            display.refresh_keyboard_mapping(got)
            continue
        if got.type in (X.KeyPress, X.KeyRelease):
            shifted = 1 if got.state & X.ShiftMask else 0
            keysym = display.keycode_to_keysym(got.detail, shifted) or (
                display.keycode_to_keysym(got.detail, 0)
            )
            record = {
                "event": "key_press" if got.type == X.KeyPress else "key_release",
                "keysym": keysym,
                "text": _text(display, keysym),
                "ctrl": bool(got.state & X.ControlMask),
                "shift": bool(got.state & X.ShiftMask),
                "modifier": keysym in {XK.XK_Shift_L, XK.XK_Control_L, XK.XK_Alt_L, XK.XK_Super_L},
            }
        elif got.type in (X.ButtonPress, X.ButtonRelease):
            record = {
                "event": "button_press" if got.type == X.ButtonPress else "button_release",
                "button": got.detail,
                "x": got.root_x,
                "y": got.root_y,
            }
        elif got.type == X.MotionNotify:
            record = {"event": "motion", "x": got.root_x, "y": got.root_y}
        else:
            continue
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()


__all__ = ["Recorder", "recorder", "xvfb", "xvfb_missing"]
