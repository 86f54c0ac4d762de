"""The console's last line of defence: no control character from data reaches the terminal.

Widgets escape data where they build their content (``domain.text.visible``), so a name
shows as ``EVIL\\x1b]0;…``. Whatever reaches a line without passing such a place (a
built-in widget showing a value, a path not thought of) is caught here: the app applies
this filter to every line it draws, and it leaves control characters out. They take no
cell on the screen, so the line keeps its layout.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from domain.text import without_controls


class DropControls(LineFilter):
    """Leaves control characters out of every segment's text (styles and layout stay)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if all(segment.text.isprintable() for segment in segments):
            return segments
        out: list[Segment] = []
        for segment in segments:
            text, style, control = segment
            if control is None and not text.isprintable():
                text = without_controls(text)
                if not text:
                    continue
                segment = Segment(text, style)
            out.append(segment)
        return out
