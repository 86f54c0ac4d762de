"""The terminal emulator behind a session's terminal: xterm's escape sequences on pyte's screen.

The endpoint's PTY output is data. :class:`Emulator` interprets it (and only it): the bytes
change a screen of cells, and a view draws those cells, never the bytes. pyte keeps the
screen (cells, cursor, modes, margins, character sets, colours); the parser here reads the
stream, because pyte's own stream reader gets xterm's output wrong in ways full-screen
programs meet at once: it reads ``CSI > 4;2 m`` (vim's "modifyOtherKeys") as underline, raises
on a private ``CSI ? 4 m``, ignores the DEC line-drawing set in UTF-8 mode, and lacks the
alternate screen, scrolling (``CSI S``/``T``) and repeat (``CSI b``). It is also several times
faster on a flood of lines (``yes``), which matters more than anything for a console that
must stay responsive.

Every sequence it does not know is skipped, never fatal; OSC strings (window titles, the
OSC 52 clipboard, hyperlinks) and DCS/APC/PM/SOS strings are read to their end and dropped
(a title is kept as plain text, never shown raw). Answers the terminal owes the program
(device attributes, cursor position) are collected in :attr:`Emulator.replies`.

The screen (:mod:`widgets.vt_screen`) keeps :data:`HISTORY` lines of scrollback.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from typing import Any

from pyte import modes as mo
from pyte.charsets import LAT1_MAP, MAPS
from pyte.screens import Char, StaticDefaultDict

from widgets.vt_screen import EMPTY, HISTORY, Line, TerminalScreen, kept, line_text

DECCKM = 1 << 5
"""Application cursor keys (``CSI ? 1 h``): arrows send ``ESC O A`` instead of ``ESC [ A``."""
BRACKETED_PASTE = 2004 << 5
"""Bracketed paste (``CSI ? 2004 h``): a paste arrives between ``ESC [200~`` and ``ESC [201~``."""
_MAX_PARAM = 9999
_MAX_PENDING = 512  # an unfinished CSI or ESC sequence longer than this is dropped
_MAX_STRING = 65536  # an OSC/DCS string longer than this is dropped to its end


_TEXT = re.compile(r"[^\x00-\x1f\x7f-\x9f]+")
_CSI = re.compile(r"\x1b\[([\x30-\x3f]*)([\x20-\x2f]*)([\x40-\x7e])")
_CSI_UNFINISHED = re.compile(r"\x1b\[[\x30-\x3f]*[\x20-\x2f]*\Z")
_STRING_END = re.compile(r"\x07|\x1b\\")
_PLAIN_LINE = re.compile(r"([\x20-\x7e]*)(\r*\n|\r+(?![\r\n]))")


class Emulator:
    """One terminal: feed it the program's output (:meth:`feed`), read its
    :attr:`screen`; :attr:`replies` holds what the terminal owes the program."""

    def __init__(self, columns: int = 80, lines: int = 24, history: int = HISTORY) -> None:
        self.screen = TerminalScreen(columns, lines, history)
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = ""
        self._skipping_string = False
        screen = self.screen
        self._controls: dict[str, Callable[[], None]] = {
            "\n": screen.linefeed,
            "\x0b": screen.linefeed,
            "\x0c": screen.linefeed,
            "\r": screen.carriage_return,
            "\x08": screen.backspace,
            "\t": screen.tab,
            "\x0e": screen.shift_out,
            "\x0f": screen.shift_in,
        }
        self._escapes: dict[str, Callable[[], None]] = {
            "7": screen.save_cursor,
            "8": screen.restore_cursor,
            "D": screen.index,
            "E": screen.next_line,
            "M": screen.reverse_index,
            "H": screen.set_tab_stop,
            "c": screen.reset,
        }
        self._csi: dict[str, Callable[..., None]] = {
            "@": screen.insert_characters,
            "A": screen.cursor_up,
            "B": screen.cursor_down,
            "C": screen.cursor_forward,
            "D": screen.cursor_back,
            "E": screen.cursor_down1,
            "F": screen.cursor_up1,
            "G": screen.cursor_to_column,
            "H": screen.cursor_position,
            "I": screen.forward_tab,
            "J": screen.erase_in_display,
            "K": screen.erase_in_line,
            "L": screen.insert_lines,
            "M": screen.delete_lines,
            "P": screen.delete_characters,
            "S": screen.scroll_up,
            "X": screen.erase_characters,
            "Z": screen.back_tab,
            "`": screen.cursor_to_column,
            "a": screen.cursor_forward,
            "b": screen.repeat,
            "c": screen.report_device_attributes,
            "d": screen.cursor_to_line,
            "e": screen.cursor_down,
            "f": screen.cursor_position,
            "g": screen.clear_tab_stop,
            "h": screen.set_mode,
            "l": screen.reset_mode,
            "m": screen.select_graphic_rendition,
            "n": screen.report_device_status,
            "r": screen.set_margins,
            "s": screen.save_cursor_plain,
            "u": screen.restore_cursor,
        }

    # -- what the view asks ----------------------------------------------------------------

    @property
    def app_cursor(self) -> bool:
        return DECCKM in self.screen.mode

    @property
    def bracketed_paste(self) -> bool:
        return BRACKETED_PASTE in self.screen.mode

    def take_replies(self) -> bytes:
        replies, self.screen.replies = self.screen.replies, []
        return "".join(replies).encode()

    def resize(self, columns: int, lines: int) -> None:
        self.screen.resize(lines=max(1, lines), columns=max(1, columns))

    @property
    def line_count(self) -> int:
        """Lines of history and screen together."""
        return len(self.screen.history) + self.screen.lines

    def first_serial(self) -> int:
        """The number of the oldest line still kept (lines are numbered from the first ever
        pushed into the history, so a number keeps meaning the same line)."""
        return self.screen.pushed - len(self.screen.history)

    def line_by_serial(self, serial: int) -> Line:
        screen = self.screen
        index = serial - self.first_serial()
        kept = len(screen.history)
        if 0 <= index < kept:
            return dict(screen.history[index])
        if kept <= index < kept + screen.lines:
            return screen.buffer.get(index - kept, EMPTY)
        return EMPTY

    def text_by_serial(self, serial: int) -> str:
        return line_text(self.line_by_serial(serial), self.screen.columns)

    def display(self) -> list[str]:
        """The screen's lines as text (for tests and search)."""
        screen = self.screen
        return [line_text(screen.buffer.get(y, EMPTY), screen.columns) for y in range(screen.lines)]

    # -- reading the stream ----------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Interpret a chunk of the program's output (sequences may span chunks)."""
        text = self._pending + self._decoder.decode(data)
        self._pending = ""
        i, end = 0, len(text)
        if self._skipping_string:
            found = _STRING_END.search(text)
            if found is None:
                return
            self._skipping_string = False
            i = found.end()
        screen = self.screen
        match_text = _TEXT.match
        controls = self._controls
        while i < end:
            run = match_text(text, i)
            if run is not None:
                screen.draw(run.group())
                i = run.end()
                continue
            char = text[i]
            if char == "\x1b":
                after = self._escape(text, i)
                if after < 0:
                    rest = text[i:]
                    self._pending = rest if len(rest) <= _MAX_PENDING else ""
                    return
                i = after
                continue
            if char == "\n" and self._at_bottom():
                i = self._scroll_lines(text, i)
                continue
            control = controls.get(char)
            if control is not None:
                control()
            i += 1  # other controls (NUL, BEL, C1, ...) do nothing

    def _at_bottom(self) -> bool:
        """Whether a line feed now scrolls the whole main screen (the flood's usual case)."""
        screen = self.screen
        margins = screen.margins
        return (
            screen.cursor.y == screen.lines - 1
            and screen._main is None
            and (margins is None or (margins.top == 0 and margins.bottom == screen.lines - 1))
            and not screen.charset
            and screen.g0_charset is LAT1_MAP
            and mo.DECAWM in screen.mode
            and mo.IRM not in screen.mode
            and mo.LNM not in screen.mode
        )

    def _scroll_lines(self, text: str, i: int) -> int:
        """Line feeds at the bottom of the screen and the plain ASCII lines between them, in
        one go: the screen's lines are moved once, not once per line. Returns where the run
        of plain lines ends (the main loop reads on from there)."""
        screen = self.screen
        lines, columns = screen.lines, screen.columns
        history = screen.history
        buffer = screen.buffer
        rows: list[Any] = [buffer.get(y) for y in range(lines)]
        attrs = screen.cursor.attrs
        if attrs is not screen._glyph_attrs:
            screen._glyph_attrs, screen._glyphs = attrs, {}
        glyphs = screen._glyphs
        default = screen.default_char
        pushed = 0
        x = screen.cursor.x

        def scroll() -> None:
            nonlocal pushed
            gone = rows.pop(0)
            history.append(kept(gone))
            rows.append(None)
            pushed += 1

        scroll()  # the line feed that brought us here
        i += 1
        match_line = _PLAIN_LINE.match
        while (found := match_line(text, i)) is not None:
            run, ending = found.groups()
            if run:
                line = rows[-1]
                if line is None:
                    line = rows[-1] = StaticDefaultDict[int, Char](default)
                for char in run:
                    if x >= columns:
                        scroll()
                        x = 0
                        line = rows[-1] = StaticDefaultDict[int, Char](default)
                    glyph = glyphs.get(char)
                    if glyph is None:
                        glyph = glyphs[char] = attrs._replace(data=char)
                    line[x] = glyph
                    x += 1
                screen.last_drawn = run[-1]
            if ending[0] == "\r":
                x = 0
            if ending[-1] == "\n":
                scroll()
            i = found.end()
        buffer.clear()
        buffer.update((y, line) for y, line in enumerate(rows) if line is not None)
        screen.pushed += pushed
        screen.cursor.x = x
        screen.dirty.update(range(lines))
        return i

    def _escape(self, text: str, i: int) -> int:
        """Handle the escape sequence at ``text[i]``; where it ends, or -1 if unfinished."""
        end = len(text)
        if i + 1 >= end:
            return -1
        kind = text[i + 1]
        if kind == "[":
            found = _CSI.match(text, i)
            if found is not None:
                self._dispatch_csi(*found.groups())
                return found.end()
            if _CSI_UNFINISHED.match(text, i):
                return -1
            return i + 2  # a broken sequence: what follows is read as it comes
        if kind in "]P_^X":  # OSC, DCS, APC, PM, SOS: read to the end, keep only titles
            found = _STRING_END.search(text, i + 2)
            if found is None:
                if end - i > _MAX_STRING:
                    self._skipping_string = True
                    return end
                return -1
            if kind == "]":
                self._osc(text[i + 2 : found.start()])
            return found.end()
        if kind in "()*+#% ":
            if i + 2 >= end:
                return -1
            final = text[i + 2]
            if kind in "()" and final in MAPS:
                self.screen.define_charset(final, kind)
            elif kind == "#" and final == "8":
                self.screen.alignment_display()
            return i + 3
        action = self._escapes.get(kind)
        if action is not None:
            action()
        return i + 2  # ESC = / ESC > (keypad modes) and unknown ones do nothing

    def _osc(self, body: str) -> None:
        code, _, value = body.partition(";")
        if code in ("0", "2"):
            self.screen.set_title(value)
        # 1 (icon name), 4/10/11 (colours), 8 (links), 52 (clipboard), ...: not for us

    def _dispatch_csi(self, params: str, intermediate: str, final: str) -> None:
        marker = params[:1]
        if marker in ("<", "=", ">") or intermediate:
            return  # xterm's extensions (modifyOtherKeys, cursor style, ...): nothing to draw
        private = marker == "?"
        if private:
            params = params[1:]
        if final == "m" and ":" in params:
            params = _colon_colours(params)
        args = [min(int(p), _MAX_PARAM) if p.isdigit() else 0 for p in params.split(";")]
        if not params:
            args = []
        elif final == "m" and 58 in args:
            args = _without_underline_colour(args)
        screen = self.screen
        try:
            if private:
                if final == "h":
                    screen.set_mode(*args, private=True)
                elif final == "l":
                    screen.reset_mode(*args, private=True)
                elif final == "J":
                    screen.erase_in_display(*(args[:1]))
                elif final == "K":
                    screen.erase_in_line(args[0] if args else 0)
                return
            if final == "T":
                if len(args) <= 1:  # with more it is mouse tracking
                    screen.scroll_down(*args)
                return
            handler = self._csi.get(final)
            if handler is not None:
                handler(*args)
        except (TypeError, ValueError, IndexError, KeyError):
            return  # a sequence that does not fit its command is skipped, never fatal


def _without_underline_colour(args: list[int]) -> list[int]:
    """SGR parameters without ``58;5;n`` / ``58;2;r;g;b`` (an underline colour pyte would
    read as separate attributes: its ``0`` resets them all)."""
    out: list[int] = []
    i = 0
    while i < len(args):
        if args[i] == 58:
            i += 3 if args[i + 1 : i + 2] == [5] else 5 if args[i + 1 : i + 2] == [2] else 1
            continue
        out.append(args[i])
        i += 1
    return out


def _colon_colours(params: str) -> str:
    """SGR sub-parameters (``38:2::255:0:0``, ``38:5:196``, ``4:3``) as pyte reads them."""
    out: list[str] = []
    for group in params.split(";"):
        parts = group.split(":")
        if parts[0] in ("38", "48", "58") and len(parts) > 2:
            if parts[1] == "5":
                out += [parts[0], "5", parts[2]]
            elif parts[1] == "2":
                out += [parts[0], "2", *parts[-3:]]
        else:
            out.append(parts[0])
    return ";".join(out)


__all__ = [
    "BRACKETED_PASTE",
    "DECCKM",
    "HISTORY",
    "Emulator",
    "Line",
    "TerminalScreen",
    "line_text",
]
