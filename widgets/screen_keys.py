"""The console's keys and mouse as input frames for the endpoint's screen.

:func:`key_frame` turns a Textual key (``a``, ``A``, ``ctrl+c``, ``shift+f5``, ``enter``)
into an ``input.key`` frame (:mod:`domain.protocol.screen_input`): a printable character as
the text typed (its case already says shift), a named key by its keysym name, with the
modifiers held. The terminal's leave chord (:data:`widgets.terminal.LEAVE_KEY`) is never
converted: it leaves the screen as it leaves the terminal. :func:`paste_frames` sends a paste
as the text and Enter/Tab keys it holds. :func:`mouse_frame` turns a press, release, drag
(a move with a button held) or wheel notch over the picture into a frame at the endpoint's
pixel the cell shows (:func:`~domain.protocol.screen_input.cell_to_screen`).
"""

from __future__ import annotations

import re
from typing import Literal

from textual import events
from textual.geometry import Offset
from textual.keys import key_to_character

from domain.protocol.screen_input import (
    TEXT_MAX,
    ButtonInput,
    CellView,
    InputFrame,
    KeyInput,
    Modifier,
    PointerMove,
    WheelInput,
    cell_to_screen,
)
from widgets.terminal import LEAVE_KEY

#: Textual's modifier names as the frame's
_MODIFIERS: dict[str, Modifier] = {
    "ctrl": "ctrl",
    "alt": "alt",
    "meta": "alt",
    "shift": "shift",
    "super": "super",
}

#: Textual's key names of the keys sent by name
_NAMED = {
    "enter": "Return",
    "tab": "Tab",
    "backspace": "BackSpace",
    "escape": "Escape",
    "delete": "Delete",
    "insert": "Insert",
    "home": "Home",
    "end": "End",
    "pageup": "Page_Up",
    "pagedown": "Page_Down",
    "left": "Left",
    "up": "Up",
    "right": "Right",
    "down": "Down",
    **{f"f{n}": f"F{n}" for n in range(1, 13)},
}

#: Textual's names of characters its ``key_to_character`` does not give back
_CHARACTERS = {
    "plus": "+",
    "minus": "-",
    "slash": "/",
    "at": "@",
    "backslash": "\\",
    "underscore": "_",
}

#: the most characters of one paste that are sent (a paste is typed, key by key)
PASTE_MAX = 4096


def key_frame(key: str, character: str | None) -> KeyInput | None:
    """The frame for the Textual key ``key`` (with the ``character`` Textual gave it); None
    for the leave chord and for a key the endpoint cannot be sent."""
    if key == LEAVE_KEY:
        return None
    *names, base = key.split("+")
    mods: list[Modifier] = []
    for name in names:
        mod = _MODIFIERS.get(name)
        if mod is None:
            return None  # hyper+: no such key on the endpoint
        if mod not in mods:
            mods.append(mod)
    if base[:1] == "f" and base[1:].isdigit() and 12 < int(base[1:]) <= 24:
        base = f"f{int(base[1:]) - 12}"  # Textual reports shift+F1 as F13 (as xterm sends it)
        if "shift" not in mods:
            mods.append("shift")
    named = _NAMED.get(base)
    if named is not None:
        return KeyInput(key=named, mods=tuple(mods))
    if base == "space":
        return KeyInput(text=" ", mods=tuple(mods))
    printable = character is not None and len(character) == 1 and character.isprintable()
    if printable and not {"ctrl", "alt", "super"} & set(mods):
        # as typed: the character holds the shift ("A", "!")
        return KeyInput(text=character, mods=tuple(m for m in mods if m != "shift"))
    typed = base if len(base) == 1 else _CHARACTERS.get(base) or key_to_character(base)
    if typed is None or not typed.isprintable():
        return None
    return KeyInput(text=typed, mods=tuple(mods))


_BREAKS = re.compile(r"(\r\n|\r|\n|\t)")


def paste_frames(text: str) -> list[KeyInput]:
    """A paste as frames: its text in slices, its line breaks as Enter and tabs as Tab; other
    control characters are left out, and anything past :data:`PASTE_MAX` characters."""
    frames: list[KeyInput] = []
    for part in _BREAKS.split(text[:PASTE_MAX]):
        if part == "\t":
            frames.append(KeyInput(key="Tab"))
        elif part in ("\r\n", "\r", "\n"):
            frames.append(KeyInput(key="Return"))
        else:
            kept = "".join(c for c in part if c.isprintable())
            frames.extend(
                KeyInput(text=kept[i : i + TEXT_MAX]) for i in range(0, len(kept), TEXT_MAX)
            )
    return frames


def _mods(event: events.MouseEvent) -> tuple[Modifier, ...]:
    held: list[Modifier] = []
    if event.ctrl:
        held.append("ctrl")
    if event.meta:
        held.append("alt")
    if event.shift:
        held.append("shift")
    return tuple(held)


_WHEEL: dict[type[events.MouseEvent], Literal["up", "down", "left", "right"]] = {
    events.MouseScrollUp: "up",
    events.MouseScrollDown: "down",
    events.MouseScrollLeft: "left",
    events.MouseScrollRight: "right",
}


def mouse_frame(event: events.MouseEvent, at: Offset, view: CellView) -> InputFrame | None:
    """The frame for a mouse event at ``at`` (the cell in the view's content:
    ``event.get_content_offset_capture(view_widget)``, so a drag past the edge still counts),
    with ``view`` saying where the picture is drawn and what it shows; None for a move with no
    button held (the endpoint's pointer moves with a drag only), a button other than 1–3, and
    any other event."""
    x, y = cell_to_screen(at.x, at.y, view)
    if isinstance(event, events.MouseDown | events.MouseUp):
        if not 1 <= event.button <= 3:
            return None
        down = isinstance(event, events.MouseDown)
        return ButtonInput(button=event.button, down=down, x=x, y=y, mods=_mods(event))
    if isinstance(event, events.MouseMove):
        return PointerMove(x=x, y=y) if event.button else None
    direction = _WHEEL.get(type(event))
    return None if direction is None else WheelInput(direction=direction, x=x, y=y)


__all__ = ["PASTE_MAX", "key_frame", "mouse_frame", "paste_frames"]
