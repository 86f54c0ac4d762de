"""The screen of a session's terminal: pyte's screen with what xterm's programs expect.

Scrollback (:data:`HISTORY` lines that scroll off the top of the main screen), the alternate
screen full-screen programs draw on (``CSI ? 1049 h``), scrolling and repeat (``CSI S``/``T``/
``b``), a fast path for drawing ASCII, and a resize that keeps the cursor's line on screen.
The parser that drives it is :mod:`widgets.vt`.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict, deque
from collections.abc import Mapping
from typing import Any

import pyte
from pyte import modes as mo
from pyte.charsets import LAT1_MAP
from pyte.screens import Char, Margins, StaticDefaultDict
from wcwidth import wcwidth

from domain.text import cell_glyph, visible

HISTORY = 10_000
"""Lines of scrollback each terminal keeps."""

_ALTERNATE = (47, 1047, 1049)
_IGNORED_PRIVATE = (3,)  # DECCOLM would resize to 132 columns behind the PTY's back

Line = Mapping[int, Char]
EMPTY: Line = {}
Kept = tuple[tuple[int, Char], ...]
"""A line in the history: its cells as a tuple, which the garbage collector stops tracking
(10,000 dicts it would scan on every full collection made frames stall for tens of ms)."""


def kept(line: Line | None) -> Kept:
    return () if line is None else tuple(line.items())


class TerminalScreen(pyte.Screen):
    """pyte's screen with scrollback, the alternate screen, faster drawing and scrolling,
    and a resize that keeps the cursor's line on screen."""

    def __init__(self, columns: int, lines: int, history: int = HISTORY) -> None:
        self.history: deque[Kept] = deque(maxlen=history)
        self.pushed = 0
        """How many lines ever went into the history (numbers lines across its trimming)."""
        self.replies: list[str] = []
        self._main: dict[int, StaticDefaultDict[int, Char]] | None = None
        self._glyph_attrs: Char | None = None
        self._glyphs: dict[str, Char] = {}
        self.last_drawn = ""
        super().__init__(columns, lines)

    # -- modes -----------------------------------------------------------------------------

    @property
    def alternate(self) -> bool:
        """Whether a full-screen program has switched to the alternate screen."""
        return self._main is not None

    def set_mode(self, *modes: int, **kwargs: Any) -> None:
        if kwargs.get("private"):
            for mode in modes:
                if mode in _ALTERNATE:
                    self._to_alternate(save_cursor=mode == 1049)
            modes = tuple(m for m in modes if m not in _ALTERNATE and m not in _IGNORED_PRIVATE)
        super().set_mode(*modes, **kwargs)

    def reset_mode(self, *modes: int, **kwargs: Any) -> None:
        if kwargs.get("private"):
            for mode in modes:
                if mode in _ALTERNATE:
                    self._to_main(restore_cursor=mode == 1049)
            modes = tuple(m for m in modes if m not in _ALTERNATE and m not in _IGNORED_PRIVATE)
        super().reset_mode(*modes, **kwargs)

    def _new_buffer(self) -> defaultdict[int, StaticDefaultDict[int, Char]]:
        return defaultdict(lambda: StaticDefaultDict[int, Char](self.default_char))

    def _to_alternate(self, *, save_cursor: bool) -> None:
        if self._main is not None:
            return
        if save_cursor:
            self.save_cursor()
        self._main = self.buffer
        self.buffer = self._new_buffer()
        self.dirty.update(range(self.lines))

    def _to_main(self, *, restore_cursor: bool) -> None:
        if self._main is None:
            return
        self.buffer = self._main
        self._main = None
        if restore_cursor:
            self.restore_cursor()
        self.dirty.update(range(self.lines))

    def reset(self) -> None:
        if getattr(self, "_main", None) is not None:
            self.buffer = self._main  # type: ignore[assignment]
            self._main = None
        super().reset()

    def write_process_input(self, data: str) -> None:
        self.replies.append(data)

    def set_title(self, param: str) -> None:
        self.title = visible(param[:200])

    def set_icon_name(self, param: str) -> None:
        self.icon_name = visible(param[:200])

    # -- drawing ---------------------------------------------------------------------------

    def draw(self, data: str) -> None:
        """Draw printable text at the cursor. ASCII (nearly everything a shell prints) takes a
        fast path; other text goes through pyte (wide and combining characters), its format
        characters (a bidi override, a zero-width joiner) drawn as a visible glyph."""
        if not data:
            return
        table = self.g1_charset if self.charset else self.g0_charset
        if table is not LAT1_MAP:
            data = data.translate(table)
        if not data.isascii() or mo.IRM in self.mode:
            if not data.isprintable():
                data = "".join(_drawable(c) for c in data)
            super().draw(data)  # pyte translates again: its maps leave what they made alone
            self.last_drawn = data[-1]
            return
        cursor = self.cursor
        attrs = cursor.attrs
        if attrs is not self._glyph_attrs:
            self._glyph_attrs, self._glyphs = attrs, {}
        glyphs = self._glyphs
        columns = self.columns
        wrap = mo.DECAWM in self.mode
        x, y = cursor.x, cursor.y
        line = self.buffer[y]
        for char in data:
            if x >= columns:
                if wrap:
                    self.dirty.add(y)
                    cursor.x = 0
                    self.index()
                    x, y = 0, cursor.y
                    line = self.buffer[y]
                else:
                    x = columns - 1
            glyph = glyphs.get(char)
            if glyph is None:
                glyph = glyphs[char] = attrs._replace(data=char)
            line[x] = glyph
            x += 1
        cursor.x = x
        self.dirty.add(y)
        self.last_drawn = data[-1]

    def repeat(self, count: int | None = None) -> None:
        """``CSI n b``: the last drawn character again, ``n`` times."""
        if self.last_drawn:
            self.draw(self.last_drawn * min(count or 1, self.columns * self.lines))

    # -- scrolling -------------------------------------------------------------------------

    def index(self) -> None:
        """Move down a line, scrolling the region at its bottom; a line scrolled off the top
        of the main screen goes into the history."""
        cursor = self.cursor
        top, bottom = self.margins or Margins(0, self.lines - 1)
        if cursor.y != bottom:
            if cursor.y < self.lines - 1:
                cursor.y += 1
            return
        buffer = self.buffer
        gone = buffer.pop(top, None)
        if top == 0 and self._main is None:
            self.history.append(kept(gone))
            self.pushed += 1
        if top == 0 and bottom == self.lines - 1:
            moved = {y - 1: line for y, line in buffer.items()}
            buffer.clear()
            buffer.update(moved)
        else:
            for y in range(top, bottom):
                below = buffer.pop(y + 1, None)
                if below is not None:
                    buffer[y] = below
        if len(self.dirty) < self.lines:
            self.dirty.update(range(top, bottom + 1))

    def linefeed(self) -> None:
        self.index()
        if mo.LNM in self.mode:
            self.cursor.x = 0

    def next_line(self) -> None:
        """``ESC E`` (NEL): carriage return and line feed."""
        self.cursor.x = 0
        self.index()

    def scroll_up(self, count: int | None = None) -> None:
        """``CSI n S``: scroll the region up ``n`` lines (the cursor stays)."""
        top, bottom = self.margins or Margins(0, self.lines - 1)
        x, y = self.cursor.x, self.cursor.y
        for _ in range(min(count or 1, bottom - top + 1)):
            self.cursor.y = bottom
            self.index()
        self.cursor.x, self.cursor.y = x, y

    def scroll_down(self, count: int | None = None) -> None:
        """``CSI n T``: scroll the region down ``n`` lines (the cursor stays)."""
        top, bottom = self.margins or Margins(0, self.lines - 1)
        x, y = self.cursor.x, self.cursor.y
        for _ in range(min(count or 1, bottom - top + 1)):
            self.cursor.y = top
            self.reverse_index()
        self.cursor.x, self.cursor.y = x, y

    def forward_tab(self, count: int | None = None) -> None:
        for _ in range(min(count or 1, self.columns)):
            self.tab()

    def back_tab(self, count: int | None = None) -> None:
        for _ in range(min(count or 1, self.columns)):
            stops = [stop for stop in self.tabstops if stop < self.cursor.x]
            self.cursor.x = max(stops) if stops else 0

    def save_cursor_plain(self, *args: int) -> None:
        """``CSI s`` saves the cursor; with parameters it is another command, not ours."""
        if not args:
            self.save_cursor()

    def resize(self, lines: int | None = None, columns: int | None = None) -> None:
        """Take a new size. Fewer lines drop lines from the top only as far as the cursor's
        line must stay on screen (into the history), then from the bottom."""
        lines, columns = lines or self.lines, columns or self.columns
        if (lines, columns) == (self.lines, self.columns):
            return
        if lines < self.lines:
            drop = max(0, self.cursor.y - (lines - 1))
            for _ in range(drop):
                gone = self.buffer.pop(0, None)
                if self._main is None:
                    self.history.append(kept(gone))
                    self.pushed += 1
                moved = {y - 1: line for y, line in self.buffer.items()}
                self.buffer.clear()
                self.buffer.update(moved)
            self.cursor.y -= drop
            for buffer in (self.buffer, self._main or {}):
                for y in [y for y in buffer if y >= lines]:
                    del buffer[y]
        if columns < self.columns:
            for buffer in (self.buffer, self._main or {}):
                for line in buffer.values():
                    for x in [x for x in line if x >= columns]:
                        del line[x]
        self.lines, self.columns = lines, columns
        self.tabstops = set(range(8, columns, 8))
        self.set_margins()
        self.cursor.x = min(self.cursor.x, columns - 1)
        self.cursor.y = min(self.cursor.y, lines - 1)
        self.dirty.update(range(lines))

    def erase_in_display(self, how: int = 0, *args: Any, **kwargs: Any) -> None:
        super().erase_in_display(how, *args, **kwargs)
        if how == 3:  # `clear` asks to forget the scrollback too (xterm's E3)
            self.history.clear()


def _drawable(char: str) -> str:
    """A character pyte can draw: one it would stop at (a format or control character, whose
    width is not positive and which combines with nothing) becomes a visible glyph."""
    if char.isprintable() or wcwidth(char) > 0 or unicodedata.combining(char):
        return char
    return cell_glyph(char)


def line_text(line: Line, columns: int) -> str:
    """The characters of one line (control and format characters as visible glyphs)."""
    cells = [line[x].data if x in line else " " for x in range(columns)]
    return "".join(cells).rstrip()


__all__ = ["EMPTY", "HISTORY", "Kept", "Line", "TerminalScreen", "kept", "line_text"]
