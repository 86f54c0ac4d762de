"""The Screen view at full resolution, where the terminal draws pictures: the kitty graphics
protocol or sixel (``widgets.screen_view.ScreenView`` draws half-blocks everywhere else).

:func:`choose` decides once, before the app starts (textual-image asks the terminal, which
cannot be done once Textual reads the keys): the setting ``graphics`` (``JUMP_CONSOLE_GRAPHICS``)
is ``auto`` (what the terminal answers: a terminal that answers neither, tmux or an SSH hop
that does not pass them on, and anything that is not a terminal get half-blocks), ``halfblock``
(never ask), ``kitty`` or ``sixel`` (forced). The view then asks the Jump Client for a picture
of its cells in the terminal's *pixels* (:attr:`Graphics.cell`) and :class:`Painter` turns it
into lines:

* **kitty**: the picture's RGB, zlib-compressed and base64-encoded, is sent in chunks as one
  virtual placement (``a=T,U=1``) before the first line of the picture, and each cell of the
  picture is a Unicode placeholder (U+10EEEE with diacritics for its row and column, coloured
  with the image's id). The picture shows only where those cells are drawn: whatever Textual
  draws over them (another tab, a dialog) hides it.
* **sixel**: textual-image's encoder turns the picture into sixels, sent at the end of the
  picture's last line (after the blank cells below it are drawn), from its top-left cell.

The pixels come from the endpoint, but only as RGB bytes: what reaches the terminal is the
protocol's own escape sequence around base64 or sixel characters that the encoder makes, never
the endpoint's bytes as they came.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import logging
import os
import sys
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from rich.color import Color
from rich.segment import ControlType, Segment
from rich.style import Style
from textual.strip import Strip

from domain.screen import Picture

Kind = Literal["halfblock", "kitty", "sixel"]


@dataclass(frozen=True)
class Graphics:
    """How the view draws: ``kind``, and the picture's pixels a terminal cell holds."""

    kind: Kind
    cell: tuple[int, int]

    def cells(self, width: int, height: int) -> tuple[int, int]:
        """The cells (columns, lines) a picture of ``width × height`` pixels takes."""
        cw, ch = self.cell
        return -(-width // cw), -(-height // ch)


HALFBLOCK = Graphics("halfblock", (1, 2))
"""Two pixels a cell, one above the other (every colour terminal)."""

_chosen: list[Graphics] = [HALFBLOCK]
_image_ids = itertools.cycle(range(16, 256))
"""Kitty image ids, one for each view: a placeholder's colour names its image, and a colour of
the 256-colour palette past the 16 named ones is written as that number (``38;5;N``) whether
Textual writes 256 colours or true colour (over SSH, COLORTERM often does not come along)."""


def chosen() -> Graphics:
    """What :func:`choose` decided (half-blocks when it was not called: tests, plain mode)."""
    return _chosen[0]


def choose(setting: str) -> Graphics:
    """Decide how Screen views draw, for the rest of the run (``setting``: ``auto``,
    ``halfblock``, ``kitty`` or ``sixel``). Call it before the app starts: with ``auto`` on a
    terminal, textual-image asks the terminal what it supports (a tenth of a second at most
    for each question it does not answer). A terminal that cannot be asked gets half-blocks."""
    logging.getLogger("textual_image").setLevel(logging.ERROR)  # a terminal not answering
    try:
        graphics = _detect(setting)
    except Exception:  # (termios on a half terminal, a closed stream: nothing to draw with)
        graphics = HALFBLOCK
    _chosen[0] = graphics
    return graphics


def asks_terminal(setting: str, *, terminal: bool, environ: Mapping[str, str]) -> bool:
    """Whether ``auto`` asks the terminal what it draws: only on a terminal, and not inside
    tmux or screen, which pass no pictures on (asking would only cost the console's start
    the questions' time; ``kitty`` or ``sixel`` force a protocol where a multiplexer does)."""
    return setting == "auto" and terminal and not (environ.get("TMUX") or environ.get("STY"))


def _detect(setting: str) -> Graphics:
    graphics = HALFBLOCK
    streams = (sys.__stdout__, sys.__stdin__)
    terminal = all(stream is not None and stream.isatty() for stream in streams)
    if setting in ("kitty", "sixel") or asks_terminal(
        setting, terminal=terminal, environ=os.environ
    ):
        from textual_image import renderable  # asks the terminal when it is one
        from textual_image._terminal import get_cell_size

        if setting == "auto":
            found = renderable.Image
            kind: Kind | None = (
                "sixel"
                if found is renderable.SixelImage
                else "kitty"
                if found is renderable.TGPImage
                else None
            )
        else:
            kind = "sixel" if setting == "sixel" else "kitty"
        if kind is not None:
            size = get_cell_size()
            graphics = Graphics(kind, (max(1, size.width), max(1, size.height)))
    return graphics


def _sixel_encoder() -> Callable[[Picture], str]:
    from PIL import Image
    from textual_image._sixel import image_to_sixels

    def encode(picture: Picture) -> str:
        size = (picture.width, picture.height)
        return image_to_sixels(Image.frombytes("RGB", size, bytes(picture.rgb)))

    return encode


# -- kitty ------------------------------------------------------------------------------------

CHUNK = 4096
"""Base64 characters in one kitty message (the protocol's limit)."""
_CONTROL = ((ControlType.CURSOR_FORWARD, 0),)
"""Marks a segment as a control sequence: it takes no cells and Rich writes it as it is."""


def kitty_message(image_id: int, picture: Picture, cells: tuple[int, int]) -> str:
    """The picture as one virtual placement of image ``image_id`` over ``cells``: raw RGB
    (``f=24``), zlib (``o=z``), in chunks of :data:`CHUNK` base64 characters, quiet (``q=2``)."""
    data = base64.b64encode(zlib.compress(bytes(picture.rgb), 1)).decode("ascii")
    first = (
        f"a=T,U=1,i={image_id},p=1,f=24,o=z,s={picture.width},v={picture.height},"
        f"c={cells[0]},r={cells[1]},q=2"
    )
    parts: list[str] = []
    for start in range(0, max(1, len(data)), CHUNK):
        more = 1 if start + CHUNK < len(data) else 0
        keys = f"{first},m={more}" if start == 0 else f"m={more},q=2"
        parts.append(f"\x1b_G{keys};{data[start : start + CHUNK]}\x1b\\")
    return "".join(parts)


# -- the lines --------------------------------------------------------------------------------


def _mark_pointer(picture: Picture, pointer: tuple[int, int] | None) -> Picture:
    """The picture with the remote pointer drawn as a small cross (a copy; the view's own
    picture takes the next frame's tiles)."""
    if pointer is None:
        return picture
    marked = Picture(picture.width, picture.height)
    marked.rgb[:] = picture.rgb
    px, py = pointer
    for d in range(-4, 5):
        for x, y, colour in ((px + d, py, 255), (px, py + d, 255), (px + d, py + 1, 0)):
            if 0 <= x < picture.width and 0 <= y < picture.height:
                at = (y * picture.width + x) * 3
                marked.rgb[at : at + 3] = bytes((colour, colour, colour))
    return marked


Version = tuple[int, tuple[int, int] | None]
"""A picture's version: the view's frame count, and the pointer drawn on it."""


class Painter:
    """Lines of a Screen view drawn with :class:`Graphics` (kitty or sixel). The encoded
    picture is kept until the frame count or the pointer changes."""

    def __init__(self, graphics: Graphics) -> None:
        self.graphics = graphics
        self.image_id = next(_image_ids)
        """The kitty image's id (the placeholders' colour)."""
        self._diacritics = self._placeholder = ""
        self._encode = _sixel_encoder() if graphics.kind == "sixel" else None
        if graphics.kind == "kitty":  # (already imported by choose: asks nothing now)
            from textual_image.renderable.tgp import _NUMBER_TO_DIACRITIC, _PLACEHOLDER

            self._placeholder = chr(_PLACEHOLDER)
            self._diacritics = "".join(chr(c) for c in _NUMBER_TO_DIACRITIC)
        self._version: Version | None = None
        self._encoded = ""

    def _encoding(self, picture: Picture, pointer: tuple[int, int] | None) -> str:
        marked = _mark_pointer(picture, pointer)
        if self.graphics.kind == "kitty":
            cells = self.graphics.cells(picture.width, picture.height)
            return kitty_message(self.image_id, marked, cells)
        assert self._encode is not None
        return self._encode(marked)

    async def prepare(self, picture: Picture, version: Version) -> None:
        """Encode the picture of this version in a thread (sixel in pure Python takes a
        second or more for a large one; the view's keys go on meanwhile)."""
        copy = Picture(picture.width, picture.height)
        copy.rgb[:] = picture.rgb  # (the view's picture takes the next frame's tiles)
        self._encoded = await asyncio.to_thread(self._encoding, copy, version[1])
        self._version = version

    def sequence(self, picture: Picture, version: Version, at: tuple[int, int]) -> str:
        """The escape sequence that draws ``picture`` of ``version`` (the frame count and
        the pointer) with its top-left corner at cell ``at`` of the screen (sixel; kitty
        needs no place). Encoded here when :meth:`prepare` was not awaited for it."""
        if version != self._version:
            self._encoded, self._version = self._encoding(picture, version[1]), version
        if self.graphics.kind == "kitty":
            return self._encoded
        x, y = at
        return f"\x1b7\x1b[{y + 1};{x + 1}H{self._encoded}\x1b8"

    def line(
        self,
        picture: Picture,
        row: int,
        place: tuple[int, int, int],
        base: Style,
        key: Version,
        screen_at: tuple[int, int],
    ) -> Strip:
        """Line ``row`` of the picture (its cells from 0), ``place`` = (left, top, the view's
        width in cells); ``screen_at``: the view's top-left cell on the screen."""
        left, top, width = place
        columns, lines = self.graphics.cells(picture.width, picture.height)
        if self.graphics.kind == "kitty":  # (a placeholder names its row and column by these)
            columns, lines = min(columns, len(self._diacritics)), min(lines, len(self._diacritics))
        columns = min(columns, max(0, width - left))
        if not 0 <= row < lines:
            return Strip.blank(width, base)
        segments = [Segment(" " * left, base)] if left else []
        at = (screen_at[0] + left, screen_at[1] + top)
        if self.graphics.kind == "kitty":
            if row == 0:
                segments.append(Segment(self.sequence(picture, key, at), None, _CONTROL))
            colour = Color.from_ansi(self.image_id)
            marks, cell = self._diacritics, self._placeholder + self._diacritics[row]
            text = "".join(cell + marks[c] for c in range(columns))
            segments.append(Segment(text, Style(color=colour)))
            return Strip(segments, left + columns).extend_cell_length(width, base)
        segments.append(Segment(" " * columns, base))
        if row == lines - 1:  # after the blank cells above it: the sixels over them
            segments.append(Segment(self.sequence(picture, key, at), None, _CONTROL))
        return Strip(segments, left + columns).extend_cell_length(width, base)


__all__ = ["HALFBLOCK", "Graphics", "Kind", "Painter", "choose", "chosen"]
