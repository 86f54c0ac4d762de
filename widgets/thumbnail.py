"""Draw a screen thumbnail in a terminal: two pixels a cell, with the upper half block."""

from __future__ import annotations

from rich.color import Color
from rich.style import Style
from rich.text import Text

from domain.thumbnail import Thumbnail, decode

UPPER_HALF = "▀"


def thumbnail_text(text: str | None) -> Text:
    """A caption a screen reader can say, then the picture (or why there is none)."""
    thumb = decode(text) if text else None
    if thumb is None:
        return Text(
            "Screen thumbnail: none available."
            if not text
            else "Screen thumbnail: the client sent one this console cannot read."
        )
    out = Text(f"Screen thumbnail ({thumb.width}×{thumb.height} pixels)\n")
    out.append_text(picture(thumb))
    return out


def picture(thumb: Thumbnail) -> Text:
    """Each cell shows the pixel above in its foreground and the one below in its background."""
    out = Text(no_wrap=True, overflow="crop")
    for y in range(0, thumb.height, 2):
        for x in range(thumb.width):
            top = Color.from_rgb(*thumb.pixel(x, y))
            bottom = Color.from_rgb(*thumb.pixel(x, y + 1)) if y + 1 < thumb.height else None
            out.append(UPPER_HALF, Style(color=top, bgcolor=bottom))
        if y + 2 < thumb.height:
            out.append("\n")
    return out
