"""Control of an endpoint's screen: the input frames a console sends, and where a console cell
lands on the endpoint's screen.

A representative's keys and mouse reach the endpoint as four frames (JSON objects, each with a
``type``), the same on the console's screen websocket and, wrapped in :class:`ScreenInput` with
the session's ``sid``, on the agent channel:

- ``input.key``: one key as typed, either a named key (``key``: a keysym name of
  :data:`NAMED_KEYS`, ``Return``, ``F5``...) or ``text`` (printable characters, at most
  :data:`TEXT_MAX`: a typed character, or a slice of a paste), with the ``mods`` held
  (``ctrl``, ``alt``, ``shift``, ``super``). ``shift`` is already in a character's case: ``A``
  is typed as the text ``A``.
- ``input.move``: the pointer to ``x``, ``y`` (the endpoint screen's pixels; a drag is moves
  between a button's down and up).
- ``input.button``: button 1–3 (left, middle, right) ``down`` or up at ``x``, ``y``.
- ``input.wheel``: ``count`` notches (1–:data:`WHEEL_MAX`) ``up``, ``down``, ``left`` or
  ``right`` at ``x``, ``y``.

Every frame is validated where it arrives (:func:`read_input_frame`): a frame that does not
match is refused with ``ValueError`` (the caller drops it and goes on), never obeyed in part.
Coordinates are bounded by :data:`COORD_MAX`; the injector also clamps them to its screen.

:func:`cell_to_screen` maps the console's view (half-block cells: two pixel rows a cell)
back to the endpoint's pixels, for a view that shows all of the screen or a zoomed region.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

from domain._types import LAZY
from domain.protocol.agent import Sid

#: the largest coordinate a frame may carry (wider than any screen: 8K is 7680)
COORD_MAX = 16_383
#: characters in one ``input.key`` frame's text, at most
TEXT_MAX = 64
#: wheel notches in one frame, at most
WHEEL_MAX = 20

Coordinate = Annotated[int, Field(strict=True, ge=0, le=COORD_MAX)]
Modifier = Literal["ctrl", "alt", "shift", "super"]
MODIFIERS: tuple[Modifier, ...] = ("ctrl", "alt", "shift", "super")

#: the keys sent by name (X keysym names; the injector of another system maps the same names)
NAMED_KEYS: tuple[str, ...] = (
    "Return",
    "Tab",
    "BackSpace",
    "Escape",
    "Delete",
    "Insert",
    "Home",
    "End",
    "Page_Up",
    "Page_Down",
    "Left",
    "Up",
    "Right",
    "Down",
    *(f"F{n}" for n in range(1, 13)),
)
_NAMED = frozenset(NAMED_KEYS)

#: what the console says when the endpoint cannot take input (no display, no XTest...)
NO_INJECTION = "This endpoint cannot take keys and clicks from the console (no X11 display)."
#: ... when its X server has no XTEST extension
NO_XTEST = "This endpoint's display does not accept injected keys and clicks (no XTEST extension)."

#: ... when its display went away while keys and clicks were being sent
DISPLAY_LOST = "The endpoint's display went away: keys and clicks can no longer be sent."


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class KeyInput(_Frame):
    """One key as typed: a named key or printable text, with the modifiers held."""

    type: Literal["input.key"] = "input.key"
    key: str | None = None
    text: str | None = Field(default=None, min_length=1, max_length=TEXT_MAX)
    mods: tuple[Modifier, ...] = Field(default=(), max_length=len(MODIFIERS))

    @field_validator("key")
    @classmethod
    def _named(cls, key: str | None) -> str | None:
        if key is not None and key not in _NAMED:
            raise ValueError("not a key that is sent by name")
        return key

    @field_validator("text")
    @classmethod
    def _printable(cls, text: str | None) -> str | None:
        if text is not None and not text.isprintable():
            raise ValueError("text holds a character that is not printable")
        return text

    @field_validator("mods")
    @classmethod
    def _each_once(cls, mods: tuple[Modifier, ...]) -> tuple[Modifier, ...]:
        if len(set(mods)) != len(mods):
            raise ValueError("a modifier is given twice")
        return mods

    @model_validator(mode="after")
    def _key_or_text(self) -> KeyInput:
        if (self.key is None) == (self.text is None):
            raise ValueError("a key frame holds either a key or text")
        return self


class PointerMove(_Frame):
    type: Literal["input.move"] = "input.move"
    x: Coordinate
    y: Coordinate


class ButtonInput(_Frame):
    type: Literal["input.button"] = "input.button"
    button: Annotated[int, Field(strict=True, ge=1, le=3)]
    down: bool = Field(strict=True)
    x: Coordinate
    y: Coordinate
    mods: tuple[Modifier, ...] = Field(default=(), max_length=len(MODIFIERS))


class WheelInput(_Frame):
    type: Literal["input.wheel"] = "input.wheel"
    direction: Literal["up", "down", "left", "right"]
    count: Annotated[int, Field(strict=True, ge=1, le=WHEEL_MAX)] = 1
    x: Coordinate
    y: Coordinate


InputFrame = Annotated[
    KeyInput | PointerMove | ButtonInput | WheelInput, Field(discriminator="type")
]
#: the ``type`` of every input frame (a relay tells them from its other frames by it)
INPUT_TYPES = frozenset({"input.key", "input.move", "input.button", "input.wheel"})

_INPUT: TypeAdapter[InputFrame] = TypeAdapter(InputFrame, config=LAZY)


def read_input_frame(raw: str | bytes | dict[str, Any]) -> InputFrame:
    """An input frame from a console (JSON text, or already parsed), validated (raises
    ``ValueError`` — a pydantic ``ValidationError`` among them — for anything else)."""
    if isinstance(raw, dict):
        return _INPUT.validate_python(raw)
    return _INPUT.validate_json(raw)


class ScreenInput(BaseModel):
    """Appliance → Jump Client on the agent channel: one input frame for a session's screen
    (sent only where the session's policy allows control)."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    type: Literal["screen.input"] = "screen.input"
    sid: Sid
    input: InputFrame


# -- from the console's cells to the endpoint's pixels -------------------------------------------


@dataclass(frozen=True, slots=True)
class ScreenRegion:
    """A rectangle of the endpoint's screen, in its pixels: all of it, or a zoomed part."""

    x: int
    y: int
    width: int
    height: int

    def __post_init__(self) -> None:
        if self.width < 1 or self.height < 1 or self.x < 0 or self.y < 0:
            raise ValueError("a screen region has a positive size and starts on the screen")


@dataclass(frozen=True, slots=True)
class CellView:
    """Where the picture of ``region`` is drawn in the console's view: ``cols`` × ``rows``
    cells from (``left``, ``top``) of the view's content, two pixel rows a cell (half
    blocks), on a screen of ``screen_width`` × ``screen_height`` pixels."""

    left: int
    top: int
    cols: int
    rows: int
    region: ScreenRegion
    screen_width: int
    screen_height: int


def cell_to_screen(col: int, row: int, view: CellView) -> tuple[int, int]:
    """The endpoint's pixel under the console cell (``col``, ``row``) of the view's content:
    the middle of the part of ``view.region`` the cell shows (a half-block cell shows two
    pixel rows of the picture; a click cannot tell them apart, so it lands between them). A
    cell outside the picture (its margin, the view's edge while dragging) is clamped to the
    region's nearest edge, and the result to the screen."""
    region = view.region
    cols, rows = max(1, view.cols), max(1, view.rows)
    x = _along(col - view.left, cols, region.x, region.width)
    y = _along(row - view.top, rows, region.y, region.height)
    x = min(x, view.screen_width - 1)
    y = min(y, view.screen_height - 1)
    return max(0, x), max(0, y)


def _along(cell: int, cells: int, start: int, length: int) -> int:
    """The pixel under ``cell`` of ``cells`` spread over ``length`` pixels from ``start``:
    the middle of the cell's share (for a row, between its two half-block pixel rows); before
    the first cell the first pixel, after the last the last one."""
    if cell < 0:
        return start
    if cell >= cells:
        return start + length - 1
    return start + ((2 * cell + 1) * length) // (2 * cells)


__all__ = [
    "COORD_MAX",
    "DISPLAY_LOST",
    "INPUT_TYPES",
    "MODIFIERS",
    "NAMED_KEYS",
    "NO_INJECTION",
    "NO_XTEST",
    "TEXT_MAX",
    "WHEEL_MAX",
    "ButtonInput",
    "CellView",
    "InputFrame",
    "KeyInput",
    "Modifier",
    "PointerMove",
    "ScreenInput",
    "ScreenRegion",
    "WheelInput",
    "cell_to_screen",
    "read_input_frame",
]
