"""``Terminal``: a program's terminal (a session's shell) drawn with the line API.

Every key goes to the program as xterm would send it (Tab, Esc, Ctrl-C, arrows, F-keys,
bracketed paste), except the leave chord (``ctrl+]`` unless remapped: ``terminal.leave``),
which switches to **scroll mode**: the keys are the console's again (the sessions screen's
actions, tab numbers) and arrows, page up/down, home/end move through the scrollback, ``/``
searches, ``space`` marks, ``c`` copies the marked lines to the clipboard, and ``esc``,
``enter`` or the chord again go back to the program. ``shift+pageup`` also scrolls back.

What is drawn are the emulator's cells, never the program's bytes: each cell's character is
checked (control and format characters become visible glyphs) and its colours and attributes
become a style. Output is fed to the emulator as it arrives; the widget repaints at most
:data:`FPS` times a second, and only the lines that changed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from domain.text import visible_cells
from widgets.terminal_keys import key_bytes, paste_bytes
from widgets.terminal_session import TerminalSession
from widgets.vt import Line

FPS = 30
"""Repaints a second, at most, however fast the program writes."""

LEAVE_KEY = "ctrl+right_square_bracket"

_NAMED = {
    "black": "black",
    "red": "red",
    "green": "green",
    "brown": "yellow",
    "blue": "blue",
    "magenta": "magenta",
    "cyan": "cyan",
    "white": "white",
    "brightblack": "bright_black",
    "brightred": "bright_red",
    "brightgreen": "bright_green",
    "brightbrown": "bright_yellow",
    "brightblue": "bright_blue",
    "brightmagenta": "bright_magenta",
    "bfightmagenta": "bright_magenta",  # pyte's spelling of background 105
    "brightcyan": "bright_cyan",
    "brightwhite": "bright_white",
}
_HEX = frozenset("0123456789abcdefABCDEF")


def _colour(name: str) -> Color | None:
    if name == "default":
        return None
    named = _NAMED.get(name)
    if named is not None:
        return Color.parse(named)
    if len(name) == 6 and _HEX.issuperset(name):
        return Color.parse(f"#{name}")
    return None  # anything else from the stream is not a colour we draw


def cell_style(key: tuple[object, ...]) -> Style:
    """The style of cells with pyte attributes ``key`` (fg, bg, bold, italics, underscore,
    strikethrough, reverse, blink)."""
    fg, bg, bold, italics, underscore, strike, reverse, blink = key
    return Style(
        color=_colour(str(fg)),
        bgcolor=_colour(str(bg)),
        bold=bold or None,  # type: ignore[arg-type]
        italic=italics or None,  # type: ignore[arg-type]
        underline=underscore or None,  # type: ignore[arg-type]
        strike=strike or None,  # type: ignore[arg-type]
        reverse=reverse or None,  # type: ignore[arg-type]
        blink=blink or None,  # type: ignore[arg-type]
    )


def _over(strip: Strip, style: Style) -> Strip:
    """``strip`` with ``style`` laid over every cell's own (a highlight)."""
    return Strip(list(Segment.apply_style(list(strip), post_style=style)), strip.cell_length)


@dataclass
class _Scrollback:
    """Where scroll mode is: line numbers are the emulator's serials (see ``Emulator``)."""

    top: int
    line: int
    mark: int | None = None
    query: str = ""
    typing: bool = False


class Terminal(Widget, can_focus=True):
    """A terminal on a :class:`~widgets.terminal_session.TerminalSession`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(LEAVE_KEY, "leave", "Leave the terminal", id="terminal.leave", priority=True),
        Binding(
            "shift+pageup",
            "scroll_back",
            "Scroll back",
            id="terminal.scroll_back",
            priority=True,
            show=False,
        ),
        # scroll mode only (check_action)
        Binding("escape,enter", "resume", "Back to the shell", id="terminal.resume"),
        Binding("up", "move(-1)", "Line up", id="terminal.line_up", show=False),
        Binding("down", "move(1)", "Line down", id="terminal.line_down", show=False),
        Binding("pageup", "page(-1)", "Page up", id="terminal.page_up", show=False),
        Binding("pagedown", "page(1)", "Page down", id="terminal.page_down", show=False),
        Binding("home", "edge(-1)", "Oldest line", id="terminal.oldest", show=False),
        Binding("end", "edge(1)", "Newest line", id="terminal.newest", show=False),
        Binding("slash", "search", "Search", id="terminal.search"),
        Binding("n", "find(-1)", "Next match (older)", id="terminal.next", show=False),
        Binding("N", "find(1)", "Previous match (newer)", id="terminal.previous", show=False),
        Binding("space", "mark", "Mark", id="terminal.mark"),
        Binding("c", "copy", "Copy", id="terminal.copy"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"terminal--line", "terminal--marked"}

    DEFAULT_CSS = """
    Terminal {
        height: 1fr;
        background: $background;
        color: $foreground;
        border: round $panel;
        border-title-align: left;
        border-subtitle-align: right;
        border-subtitle-color: $text-muted;
    }
    Terminal:focus { border: round $accent; }
    Terminal.-scrollback { border: double $warning; }
    Terminal > .terminal--line { background: $accent 35%; }
    Terminal > .terminal--marked { background: $primary 35%; }
    """

    def __init__(
        self,
        session: TerminalSession,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.session = session
        self._scrollback: _Scrollback | None = None
        self._paint_due = False
        self._last_paint = 0.0
        self._frame_cost = 0.0
        """Seconds spent drawing lines since the last frame was asked for."""
        self._last_cost = 0.0
        self._drawn_cursor = (-1, -1)
        self._styles: dict[tuple[object, ...], Style] = {}
        self._styles_base: Style | None = None
        self._leave_display = "ctrl+]"
        self._hint = ""

    # -- life --------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.border_title = Content(self.session.title)
        self.session.listen(self._output)
        self._fit()
        self._describe()
        self.refresh()

    def on_unmount(self) -> None:
        self.session.unlisten(self._output)

    def on_resize(self, _event: events.Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        """The program's terminal takes the view's size (a hidden view has none: no change)."""
        width, height = self.size
        if width >= 2 and height >= 1:
            self.session.resize(width, height)

    @property
    def scrolling(self) -> bool:
        """Whether the terminal is in scroll mode (keys are the console's)."""
        return self._scrollback is not None

    # -- painting ----------------------------------------------------------------------------

    def _output(self) -> None:
        """The session changed: repaint soon, at most :data:`FPS` times a second."""
        if self._paint_due or not self.is_mounted:
            return
        self._paint_due = True
        # at most FPS frames a second, and our lines (Textual's work on them comes on top)
        # take at most a fifth of the time: the rest is for keys and the program's output
        interval = max(1 / FPS, 5 * self._last_cost)
        wait = self._last_paint + interval - time.monotonic()
        if wait > 0.001:
            self.set_timer(wait, self._paint, name="terminal-frame")
        else:
            self.call_later(self._paint)

    def _paint(self) -> None:
        self._paint_due = False
        self._last_paint = time.monotonic()
        self._last_cost, self._frame_cost = self._frame_cost, 0.0
        self._describe()
        screen = self.session.emulator.screen
        dirty = screen.dirty
        if self._scrollback is not None:
            dirty.clear()
            self.refresh()
            return
        # the cursor's line as last drawn and as it is now: lines may be drawn between two
        # frames, while the program has the cursor hidden or elsewhere
        dirty.update(y for y in (self._drawn_cursor[1], screen.cursor.y) if 0 <= y < screen.lines)
        if len(dirty) >= screen.lines:
            self.refresh()
        else:
            width = self.size.width
            for y in sorted(dirty):
                self.refresh(Region(0, y, width, 1))
        dirty.clear()

    def _style(self, key: tuple[object, ...]) -> Style:
        style = self._styles.get(key)
        if style is None:
            style = (self._styles_base or Style()) + cell_style(key[:8])
            if len(key) > 8:  # the cursor's cell
                style += Style(reverse=not style.reverse)
            self._styles[key] = style
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles_base = None  # a new theme, or focus: the base style is asked again

    def render_line(self, y: int) -> Strip:
        started = time.perf_counter()
        try:
            return self._render_line(y)
        finally:
            self._frame_cost += time.perf_counter() - started

    def _render_line(self, y: int) -> Strip:
        base = self._styles_base
        if base is None:
            base = self._styles_base = self.rich_style  # walks the ancestors: not per line
            self._styles = {}
        width = self.size.width
        emulator = self.session.emulator
        screen = emulator.screen
        scrollback = self._scrollback
        if scrollback is None:
            if y >= screen.lines:
                return Strip.blank(width, base)
            line: Line = screen.buffer.get(y, {})
            cursor = screen.cursor
            show = y == cursor.y and not cursor.hidden and self.session.state != "ended"
            if show:
                self._drawn_cursor = (cursor.x, y)
            elif y == self._drawn_cursor[1]:
                self._drawn_cursor = (-1, -1)
            return self._strip(line, width, min(cursor.x, screen.columns - 1) if show else -1)
        serial = scrollback.top + y
        strip = self._strip(emulator.line_by_serial(serial), width, -1)
        low, high = sorted((scrollback.line, scrollback.mark or scrollback.line))
        if serial == scrollback.line:
            return _over(strip, self.get_component_rich_style("terminal--line"))
        if low <= serial <= high and scrollback.mark is not None:
            return _over(strip, self.get_component_rich_style("terminal--marked"))
        return strip

    def _strip(self, line: Line, width: int, cursor_x: int) -> Strip:
        """One line's cells as segments: runs of cells with the same attributes share one.
        Only the cells the program wrote are visited; the gaps between are blank."""
        screen = self.session.emulator.screen
        limit = min(width, screen.columns)
        blank = screen.default_char[1:]
        segments: list[Segment] = []
        run: list[str] = []
        run_key: tuple[object, ...] = blank
        written = sorted(x for x in line if x < limit)
        if 0 <= cursor_x < limit and cursor_x not in line:
            written.append(cursor_x)
            written.sort()
        at = 0
        for x in written:
            if x > at:  # blank cells up to the next written one
                if run_key != blank:
                    if run:
                        segments.append(self._segment(run, run_key))
                    run, run_key = [], blank
                run.append(" " * (x - at))
            char = line.get(x, screen.default_char)
            at = x + 1
            data = char.data
            if not data:
                continue  # the second cell of a wide character
            key: tuple[object, ...] = char[1:]
            if x == cursor_x:
                key = (*key, True)
            if key != run_key:
                if run:
                    segments.append(self._segment(run, run_key))
                run, run_key = [], key
            run.append(data)
        if run:
            segments.append(self._segment(run, run_key))
        drawn = sum(segment.cell_length for segment in segments)
        if drawn < width:
            segments.append(Segment(" " * (width - drawn), self._style(blank)))
        elif drawn > width:  # a wide character the emulator measured otherwise
            return Strip(segments).crop(0, width)
        return Strip(segments, width)

    def _segment(self, run: list[str], key: tuple[object, ...]) -> Segment:
        text = "".join(run)
        if not text.isprintable():
            text = visible_cells(text)  # the program's data is drawn, never interpreted
        return Segment(text, self._style(key))

    # -- the border says what is going on ---------------------------------------------------

    def _describe(self) -> None:
        session = self.session
        scrollback = self._scrollback
        if session.state == "ended":
            hint = f"{session.ending} Enter opens a new shell."
        elif scrollback is not None and scrollback.typing:
            hint = f"search: {visible_cells(scrollback.query)}▏ enter finds, esc cancels"
        elif scrollback is not None:
            first = self.session.emulator.first_serial()
            total = self.session.emulator.line_count
            where = f"line {scrollback.line - first + 1:,} of {total:,}"
            hint = (
                f"SCROLLBACK {where} · ↑↓ PgUp PgDn · / search · space mark · c copy · "
                f"esc back to the shell"
            )
        elif session.state == "opening":
            hint = "connecting…"
        else:
            hint = f"{self._leave_display}: scroll back, tabs and session keys"
        if hint != self._hint:
            self._hint = hint
            self.border_subtitle = Content(hint)  # not markup: parts of it are data

    def on_focus(self) -> None:
        for active in self.screen.active_bindings.values():
            if active.binding.id == "terminal.leave" and active.node is self:
                self._leave_display = self.app.get_key_display(active.binding)
                break
        self._describe()

    # -- keys --------------------------------------------------------------------------------

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """Live, every key is the program's (no console binding sees it, not even ctrl+q or
        ctrl+p); in scroll mode only while a search is typed."""
        scrollback = self._scrollback
        return scrollback is None or scrollback.typing

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("leave", "scroll_back"):
            return True
        return self._scrollback is not None and not self._scrollback.typing

    async def on_key(self, event: events.Key) -> None:
        scrollback = self._scrollback
        if scrollback is not None:
            if scrollback.typing:
                event.stop()
                event.prevent_default()
                self._type_search(event)
            return  # scroll mode: the bindings (ours, then the screen's) take it
        event.stop()
        event.prevent_default()
        session = self.session
        if session.state == "ended":
            if event.key == "enter" and session.restart is not None:
                session.restart()
            return
        data = key_bytes(event.key, event.character, app_cursor=session.emulator.app_cursor)
        if data is not None:
            session.send(data)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        if self._scrollback is None and self.session.state == "open":
            bracketed = self.session.emulator.bracketed_paste
            self.session.send(paste_bytes(event.text, bracketed=bracketed))

    # -- scroll mode -------------------------------------------------------------------------

    def _enter_scrollback(self) -> _Scrollback:
        if self._scrollback is None:
            screen = self.session.emulator.screen
            self._scrollback = _Scrollback(top=screen.pushed, line=screen.pushed + screen.cursor.y)
            self.add_class("-scrollback")
            self.refresh_bindings()
            self.refresh()
        return self._scrollback

    def _leave_scrollback(self) -> None:
        if self._scrollback is not None:
            self._scrollback = None
            self.remove_class("-scrollback")
            self._drawn_cursor = (-1, -1)
            self.refresh_bindings()
            self.refresh()
        self._describe()

    def action_leave(self) -> None:
        if self._scrollback is None:
            self._enter_scrollback()
        else:
            self._leave_scrollback()
        self._describe()

    def action_scroll_back(self) -> None:
        self._enter_scrollback()
        self.action_page(-1)

    def action_resume(self) -> None:
        self._leave_scrollback()

    def _show(self, line: int, *, top: int | None = None) -> None:
        """Put scroll mode's highlight on ``line`` (clamped), scrolling to keep it in view."""
        scrollback = self._enter_scrollback()
        emulator = self.session.emulator
        first = emulator.first_serial()
        newest = emulator.screen.pushed + emulator.screen.lines - 1
        height = max(1, self.size.height)
        scrollback.line = max(first, min(line, newest))
        if top is not None:
            scrollback.top = top
        if scrollback.line < scrollback.top:
            scrollback.top = scrollback.line
        elif scrollback.line >= scrollback.top + height:
            scrollback.top = scrollback.line - height + 1
        scrollback.top = max(first, min(scrollback.top, emulator.screen.pushed))
        self._describe()
        self.refresh()

    def action_move(self, lines: int) -> None:
        if self._scrollback is not None:
            self._show(self._scrollback.line + lines)

    def action_page(self, pages: int) -> None:
        scrollback = self._scrollback
        if scrollback is not None:
            step = max(1, self.size.height - 1) * pages
            self._show(scrollback.line + step, top=scrollback.top + step)

    def action_edge(self, direction: int) -> None:
        emulator = self.session.emulator
        if direction < 0:
            first = emulator.first_serial()
            self._show(first, top=first)
        else:
            screen = emulator.screen
            self._show(screen.pushed + screen.cursor.y, top=screen.pushed)

    def action_mark(self) -> None:
        scrollback = self._scrollback
        if scrollback is not None:
            scrollback.mark = None if scrollback.mark is not None else scrollback.line
            self.refresh()

    def action_copy(self) -> None:
        """Copy the marked lines (or the highlighted one) to the representative's clipboard."""
        scrollback = self._scrollback
        if scrollback is None:
            return
        low, high = sorted((scrollback.line, scrollback.mark or scrollback.line))
        if scrollback.mark is None:
            low = high = scrollback.line
        emulator = self.session.emulator
        text = "\n".join(emulator.text_by_serial(s) for s in range(low, high + 1))
        self.app.copy_to_clipboard(text)
        count = high - low + 1
        scrollback.mark = None
        self.refresh()
        self.notify(
            f"Copied {count} line{'s' if count != 1 else ''} to your clipboard.", markup=False
        )

    def action_search(self) -> None:
        scrollback = self._scrollback
        if scrollback is not None:
            scrollback.typing, scrollback.query = True, ""
            self.refresh_bindings()
            self._describe()

    def _type_search(self, event: events.Key) -> None:
        scrollback = self._scrollback
        assert scrollback is not None
        if event.key == "escape":
            scrollback.typing = False
        elif event.key == "enter":
            scrollback.typing = False
            self.action_find(-1)
        elif event.key == "backspace":
            scrollback.query = scrollback.query[:-1]
        elif event.character is not None and event.character.isprintable():
            scrollback.query += event.character
        self.refresh_bindings()
        self._describe()

    def action_find(self, direction: int) -> None:
        """The next line holding the search text, older (-1) or newer (1) than the highlight."""
        scrollback = self._scrollback
        if scrollback is None or not scrollback.query:
            return
        emulator = self.session.emulator
        wanted = scrollback.query.casefold()
        first = emulator.first_serial()
        newest = emulator.screen.pushed + emulator.screen.lines - 1
        serial = scrollback.line + direction
        while first <= serial <= newest:
            if wanted in emulator.text_by_serial(serial).casefold():
                self._show(serial, top=serial - max(1, self.size.height) // 2)
                return
            serial += direction
        self.notify(f"'{visible_cells(scrollback.query)}' is not in the scrollback.", markup=False)


__all__ = ["FPS", "LEAVE_KEY", "Terminal", "cell_style"]
