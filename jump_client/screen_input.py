"""Control of the endpoint's screen: a representative's keys and clicks, injected on X11 with
the XTEST extension (python-xlib).

:meth:`Injector.open` connects to the display (``DISPLAY`` unless another is named); where
there is none, or its server has no XTEST, it answers the one sentence the console shows
(:data:`~domain.protocol.screen_input.NO_INJECTION`, ``NO_XTEST``) instead of an injector.
:meth:`Injector.inject` plays one validated input frame
(:mod:`domain.protocol.screen_input`): the pointer moved and buttons pressed at the frame's
position (clamped to the screen), keys typed as they were on the console — named keys by
their keysym, text character by character. A character the keyboard map has no key for
(``é`` on a US map, any Unicode) is typed on a spare keycode bound to it (each such character
its own, as long as spare keycodes last), given back at :meth:`Injector.close`, which also
releases any button still held (a drag cut short must not leave a button down).

An injector is one X connection: use it from one thread. :class:`ScreenControl` is how the
agent's event loop uses one: opened at a session's first input, on a thread of its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress

from Xlib import XK, X
from Xlib.display import Display
from Xlib.error import ConnectionClosedError, DisplayError, XError
from Xlib.ext import xtest
from Xlib.protocol import event as xevent

from domain.protocol.screen_input import (
    DISPLAY_LOST,
    NAMED_KEYS,
    NO_INJECTION,
    NO_XTEST,
    ButtonInput,
    InputFrame,
    KeyInput,
    Modifier,
    PointerMove,
    WheelInput,
)

log = logging.getLogger("jump_client.screen_input")

#: the keysym of each key the console sends by name
NAMED_KEYSYMS: dict[str, int] = {name: XK.string_to_keysym(name) for name in NAMED_KEYS}
#: the key pressed for each modifier
MODIFIER_KEYSYMS: dict[Modifier, int] = {
    "ctrl": XK.XK_Control_L,
    "alt": XK.XK_Alt_L,
    "shift": XK.XK_Shift_L,
    "super": XK.XK_Super_L,
}
#: the X buttons a wheel notch is
WHEEL_BUTTONS = {"up": 4, "down": 5, "left": 6, "right": 7}


def keysym_of(character: str) -> int:
    """The keysym of one character: its Latin-1 code, or its Unicode keysym."""
    code = ord(character)
    if 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF:
        return code
    return 0x01000000 | code


class Injector:
    """Plays input frames into an X display through XTEST."""

    def __init__(self, display: Display) -> None:
        self._display = display
        screen = display.screen()
        self._width = int(screen.width_in_pixels)
        self._height = int(screen.height_in_pixels)
        self._buttons: set[int] = set()
        self._spares = self._spare_keycodes()
        self._bound: dict[int, int] = {}
        """keysym → the spare keycode bound to it, least recently typed first"""
        self._closed = False
        self.lost: str | None = None
        """Why the injector stopped (the display went away); None while it works."""

    @classmethod
    def open(cls, display: str | None = None) -> Injector | str:
        """An injector on ``display`` (``DISPLAY`` when None), or the sentence saying why the
        endpoint cannot take input."""
        try:
            connection = Display(display)
        except Exception as exc:  # any failure to reach a display means "no display"
            log.info("no input injection: %s", type(exc).__name__)
            return NO_INJECTION
        try:
            if not connection.has_extension(xtest.extname):
                connection.close()
                return NO_XTEST
            return cls(connection)
        except (OSError, XError) as exc:
            log.info("no input injection: %s", type(exc).__name__)
            connection.close()
            return NO_INJECTION

    @property
    def size(self) -> tuple[int, int]:
        """The screen's width and height in pixels."""
        return self._width, self._height

    # -- playing frames ---------------------------------------------------------------------

    def inject(self, frame: InputFrame) -> bool:
        """Play ``frame``; False once the display is gone (:attr:`lost` says so) or the
        injector is closed."""
        if self.lost is not None or self._closed:
            return False
        try:
            if isinstance(frame, KeyInput):
                self._key(frame)
            elif isinstance(frame, PointerMove):
                self._move(frame.x, frame.y)
            elif isinstance(frame, ButtonInput):
                self._move(frame.x, frame.y)
                with self._held(frame.mods):
                    self._button(frame.button, frame.down)
            elif isinstance(frame, WheelInput):
                self._move(frame.x, frame.y)
                button = WHEEL_BUTTONS[frame.direction]
                for _ in range(frame.count):
                    self._button(button, True)
                    self._button(button, False)
            self._display.sync()  # taken by the server (and its errors known) now
            self._drain()
        except (OSError, XError, DisplayError, ConnectionClosedError) as exc:
            log.warning("input injection stopped: %s", type(exc).__name__)
            self.lost = DISPLAY_LOST
            return False
        return True

    def close(self) -> None:
        """Release what is held, give the spare keycode back and disconnect (idempotent)."""
        if self._closed:
            return
        self._closed = True
        with suppress(OSError, XError, DisplayError, ConnectionClosedError):
            if self.lost is None:
                for button in sorted(self._buttons):
                    self._button(button, False)
                for keycode in self._bound.values():
                    self._display.change_keyboard_mapping(keycode, [(X.NoSymbol, X.NoSymbol)])
                self._display.sync()  # played before the connection goes
        with suppress(OSError, XError, DisplayError, ConnectionClosedError):
            self._display.close()

    # -- the parts --------------------------------------------------------------------------

    def _fake(self, event_type: int, detail: int = 0, x: int = 0, y: int = 0) -> None:
        xtest.fake_input(self._display, event_type, detail, X.CurrentTime, X.NONE, x, y)

    def _move(self, x: int, y: int) -> None:
        x = min(max(0, x), self._width - 1)
        y = min(max(0, y), self._height - 1)
        self._fake(X.MotionNotify, 0, x, y)

    def _button(self, button: int, down: bool) -> None:
        if down:
            self._buttons.add(button)
        elif button in self._buttons:
            self._buttons.discard(button)
        self._fake(X.ButtonPress if down else X.ButtonRelease, button)

    def _tap(self, keycode: int) -> None:
        self._fake(X.KeyPress, keycode)
        self._fake(X.KeyRelease, keycode)

    @contextmanager
    def _held(self, mods: Iterable[Modifier]) -> Iterator[None]:
        """Keep the keys of ``mods`` down for the block (released in reverse order)."""
        pressed: list[int] = []
        try:
            for mod in mods:
                keycode = self._keycode(MODIFIER_KEYSYMS[mod])[0]
                if keycode and keycode not in pressed:
                    self._fake(X.KeyPress, keycode)
                    pressed.append(keycode)
            yield
        finally:
            for keycode in reversed(pressed):
                self._fake(X.KeyRelease, keycode)

    def _key(self, frame: KeyInput) -> None:
        shifted = "shift" in frame.mods
        with self._held(frame.mods):
            if frame.key is not None:
                self._type(NAMED_KEYSYMS[frame.key], shifted=shifted)
                return
            for character in frame.text or "":
                self._type(keysym_of(character), shifted=shifted)

    def _type(self, keysym: int, *, shifted: bool) -> None:
        """Press and release the key of ``keysym`` (with shift where the map has it shifted)."""
        keycode, index = self._keycode(keysym)
        if not keycode or index > 1:  # unbound, or behind AltGr: type it on a spare key
            keycode, index = self._bind(keysym), 0
            if not keycode:
                return
        if index == 1 and not shifted:
            with self._held(("shift",)):
                self._tap(keycode)
        else:
            self._tap(keycode)

    def _keycode(self, keysym: int) -> tuple[int, int]:
        """A keycode bound to ``keysym`` (0 if none) and the index (shift level) it is at."""
        spare = self._bound.get(keysym)
        if spare is not None:
            self._bound[keysym] = self._bound.pop(keysym)  # the most recently typed now
            return spare, 0
        for keycode, index in self._display.keysym_to_keycodes(keysym):
            if keycode not in self._spares:  # (the cache may not know our bindings yet)
                return keycode, index
        return 0, 0

    def _spare_keycodes(self) -> frozenset[int]:
        """The keycodes the keyboard map binds to nothing."""
        first = int(self._display.display.info.min_keycode)
        last = int(self._display.display.info.max_keycode)
        mapping = self._display.get_keyboard_mapping(first, last - first + 1)
        return frozenset(
            first + offset
            for offset, syms in enumerate(mapping)
            if all(sym == X.NoSymbol for sym in syms)
        )

    def _bind(self, keysym: int) -> int:
        """A spare keycode bound to ``keysym`` at both shift levels (0 when there is none).

        A client reads a key's binding when it handles the key, which may be after a later
        rebinding: so each character keeps its own spare key, and only the one typed least
        recently is taken for a new character once all are in use (19 on Xvfb's map)."""
        if not self._spares:
            return 0
        if len(self._bound) < len(self._spares):
            keycode = min(self._spares - set(self._bound.values()))
        else:
            keycode = self._bound.pop(next(iter(self._bound)))
        self._display.change_keyboard_mapping(keycode, [(keysym, keysym)])
        self._display.sync()  # the new binding is in place before its key is pressed
        self._bound[keysym] = keycode
        return keycode

    def _drain(self) -> None:
        """Read what the server sent (MappingNotify after a rebinding) so it does not pile up,
        keeping the keymap cache current."""
        while self._display.pending_events():
            received = self._display.next_event()
            if isinstance(received, xevent.MappingNotify):
                self._display.refresh_keyboard_mapping(received)


class ScreenControl:
    """A session's control of the screen, for the agent's event loop: the injector is opened
    at the first input and used on a thread of its own (an X connection is one thread's), and
    closed with the session."""

    def __init__(self, display: str | None = None) -> None:
        self._display = display
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screen-input")
        self._injector: Injector | None = None
        self._refused = False

    async def play(self, frame: InputFrame) -> str | None:
        """Inject ``frame``; the sentence for the console the first time input cannot be
        played here (no display, no XTEST, the display gone), None otherwise."""
        if self._refused:
            return None
        loop = asyncio.get_running_loop()
        said = await loop.run_in_executor(self._thread, self._play, frame)
        if said is not None:
            self._refused = True
        return said

    def _play(self, frame: InputFrame) -> str | None:
        if self._injector is None:
            opened = Injector.open(self._display)
            if isinstance(opened, str):
                return opened
            self._injector = opened
        if self._injector.inject(frame):
            return None
        return self._injector.lost

    async def close(self) -> None:
        """Release what is held and disconnect (the session ended, or its screen closed)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._thread, self._close)
        self._thread.shutdown(wait=False)

    def _close(self) -> None:
        if self._injector is not None:
            self._injector.close()
            self._injector = None
        self._refused = True


__all__ = ["Injector", "ScreenControl", "keysym_of"]
