"""``ScreenView``: the endpoint's screen in a session tab, drawn with half-block cells.

Each cell is two pixels of the picture, one above the other: ``▀`` in the upper pixel's colour
on the lower one's, which every colour terminal draws. The view asks the Jump Client for a
picture of its own size (columns × twice its lines, the screen's aspect kept), so nothing is
scaled here; zooming asks for a smaller region of the screen at the same size (``+``/``-``,
the arrows move it, ``0`` shows the whole screen again). The remote pointer, when the client
says where it is, is a marked cell. The last line is the status line: the screen's size,
frames a second and bandwidth, the zoom.

The link is open only while the view is shown (:meth:`ScreenView.watch_screen`): the client
captures only then. Each frame is drawn, then acknowledged, which paces the sender.

Control, where the session's policy says "view and control" (``control=True``): keys are
owned as the terminal's are. While the view is *in control* every key, click, drag, wheel
notch and paste goes to the endpoint (:mod:`widgets.screen_keys` makes the frames;
:meth:`ScreenView.cell_view` says where the picture is, for
:func:`~domain.protocol.screen_input.cell_to_screen`), sent in order by one sender and at most
:data:`OUTBOX` waiting (more is dropped, never queued). The leave chord (``ctrl+]``, the
terminal's) gives the keys back to the console: the view's own keys (zoom, pan) and the
sessions screen's work; ``enter`` or the chord again takes control back. The status line
says which: "control", "view" (control is a key away) or "view only" (the policy), and, when
the endpoint cannot take input, its sentence. In a "view only" view the keys stay the
console's, but a click is sent all the same: the appliance drops it, audits the attempt and
says why, which the status line shows.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, ClassVar, Protocol

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region as Cells
from textual.strip import Strip
from textual.widget import Widget
from textual.worker import Worker

from domain.protocol.screen import (
    FULL,
    REGION_FULL,
    TILE,
    NoScreen,
    Region,
    ScreenNotice,
    ToViewer,
    ViewerPicture,
)
from domain.protocol.screen_input import (
    DISPLAY_LOST,
    NO_INJECTION,
    NO_XTEST,
    CellView,
    ScreenRegion,
    cell_to_screen,
)
from domain.screen import Picture, crop_box
from domain.text import visible
from widgets.screen_graphics import Graphics, Painter, chosen
from widgets.screen_keys import key_frame, mouse_frame, paste_frames
from widgets.terminal import LEAVE_KEY

UPPER = "▀"
POINTER = Style(color="white", bgcolor="black", bold=True)
"""The cell where the remote pointer is."""
STYLES = 4096
"""Cell styles kept for reuse (a desktop has few colours; a photo is drawn anew)."""
ZOOMS = (1, 2, 4, 8)
NOTICE_S = 8.0
"""Seconds a notice holds the status line (frames meanwhile keep coming)."""
OUTBOX = 256
"""Input frames waiting to be sent, at most (more are dropped)."""
CANNOT_INJECT = frozenset({NO_INJECTION, NO_XTEST, DISPLAY_LOST})
"""The Jump Client's sentences that say control cannot work (kept on the status line)."""


class ScreenLink(Protocol):
    """A session's screen at the far end: what ``api_client.ScreenConnection`` offers."""

    received: int

    async def watch(self, width: int, height: int, region: Region = FULL) -> None: ...

    async def ack(self, seq: int) -> None: ...

    async def send(self, frame: dict[str, Any]) -> None: ...

    def __aiter__(self) -> Any: ...


ScreenOpener = Callable[[], AbstractAsyncContextManager[ScreenLink]]
InputFrame = Callable[["ScreenView", events.Event], dict[str, Any] | None]


def control_frame(view: ScreenView, event: events.Event) -> dict[str, Any] | None:
    """A key or mouse event as the endpoint's input frame (:mod:`widgets.screen_keys`), or
    None (the leave chord, a key the endpoint cannot be sent, a move with no button held,
    anything before a picture)."""
    if isinstance(event, events.Key):
        frame = key_frame(event.key, event.character)
        return frame.model_dump(mode="json") if frame is not None else None
    cells = view.cell_view()
    if not isinstance(event, events.MouseEvent) or cells is None:
        return None
    clicked = mouse_frame(event, event.get_content_offset_capture(view), cells)
    return clicked.model_dump(mode="json") if clicked is not None else None


class ScreenView(Widget, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("plus,equals_sign", "zoom(1)", "Zoom in", id="screen.zoom_in"),
        Binding("minus", "zoom(-1)", "Zoom out", id="screen.zoom_out"),
        Binding("0", "fit", "Whole screen", id="screen.fit"),
        Binding("left", "pan(-1, 0)", "Pan", id="screen.pan_left", show=False),
        Binding("right", "pan(1, 0)", "Pan", id="screen.pan_right", show=False),
        Binding("up", "pan(0, -1)", "Pan", id="screen.pan_up", show=False),
        Binding("down", "pan(0, 1)", "Pan", id="screen.pan_down", show=False),
        Binding(LEAVE_KEY, "leave", "Leave control", id="screen.leave", priority=True),
        Binding("enter", "control", "Take control", id="screen.control"),
    ]

    DEFAULT_CSS = """
    ScreenView { height: 1fr; width: 1fr; background: $background; }
    ScreenView:focus { background-tint: $foreground 0%; }
    """

    def __init__(
        self,
        opener: ScreenOpener | None,
        *,
        refusal: str | None = None,
        control: bool = False,
        graphics: Graphics | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """``refusal``: why this session's screen cannot be seen (the policy): said, and
        nothing is opened. ``control``: the policy lets the representative control the
        endpoint (the view starts in control). ``graphics``: how the picture is drawn (by
        default what :func:`~widgets.screen_graphics.choose` decided: half-blocks unless the
        terminal draws pictures)."""
        super().__init__(id=id, classes=classes)
        self.graphics = graphics or chosen()
        self._painter = Painter(self.graphics) if self.graphics.kind != "halfblock" else None
        self._opener = opener
        self.message = refusal or "The screen shows here while this view is open."
        self.refused = refusal is not None
        self.picture: Picture | None = None
        self.screen_size: tuple[int, int] | None = None
        self.pointer: tuple[int, int] | None = None
        self.frames = 0
        self.notice = ""
        """The last sentence about the screen that stopped nothing (on the status line for
        :data:`NOTICE_S`)."""
        self._notice_at = 0.0
        self.zoom = 1
        self.centre = (REGION_FULL // 2, REGION_FULL // 2)
        self.control = control
        self.in_control = control
        """Keys and the mouse go to the endpoint (until the leave chord)."""
        self.cannot = ""
        """The Jump Client's sentence when it cannot take input (kept on the status line)."""
        self.input_frame: InputFrame = control_frame
        """Turns a key or mouse event into a frame for the endpoint, or None (dropped)."""
        self._outbox: deque[dict[str, Any]] = deque()
        self._sender: Worker[None] | None = None
        self._leave_display = "ctrl+]"
        self._link: ScreenLink | None = None
        self._worker: Worker[None] | None = None
        self._asked: tuple[int, int, Region] | None = None
        self._recent: deque[tuple[float, int]] = deque()
        self._styles: dict[bytes, Style] = {}
        self._lines: dict[int, Strip] = {}
        """Lines of the picture drawn, until a frame changes them (or the view's size)."""
        self._lines_for: tuple[object, ...] = ()

    # -- the link ----------------------------------------------------------------------------

    def watch_screen(self, on: bool) -> None:
        """Open the link while the view is shown; close it (the capture stops) when not."""
        if not on or self.refused or self._opener is None:
            if self._worker is not None:
                self._worker.cancel()
                self._worker = None
            return
        if self._worker is None or self._worker.is_finished:
            self._worker = self.run_worker(
                self._run(), group=f"screen-{self.id}", exit_on_error=False
            )

    def on_unmount(self) -> None:
        self.watch_screen(False)

    async def _run(self) -> None:
        assert self._opener is not None
        self._say("Opening the screen…")
        try:
            async with self._opener() as link:
                self._link, self._asked = link, None
                await self._ask()
                async for event in link:
                    await self._take(link, event)
            self._say("The screen is closed.")
        except Exception as err:  # the link's sentence (api_client's errors carry one)
            said = getattr(err, "message", "") or f"The screen could not be opened ({err})."
            self._say(visible(str(said)))
        finally:
            self._link = None

    async def _take(self, link: ScreenLink, event: ToViewer) -> None:
        if isinstance(event, NoScreen):
            self._say(visible(event.reason))
            return
        if isinstance(event, ScreenNotice):  # on the status line; the picture goes on
            self.notice, self._notice_at = visible(event.reason), time.monotonic()
            if self.control and event.reason in CANNOT_INJECT:
                self.cannot = self.notice
            self.refresh(Cells(0, self.size.height - 1, self.size.width, 1))
            return
        assert isinstance(event, ViewerPicture)
        picture = self.picture
        whole = self.message != "" or event.pointer != self.pointer or self._painter is not None
        if picture is None or (picture.width, picture.height) != (event.width, event.height):
            picture = self.picture = Picture(event.width, event.height)
            whole = True
        picture.apply(event.tiles)
        if self._painter is not None:  # encoded off the event loop; the ack waits for it
            await self._painter.prepare(picture, (self.frames + 1, event.pointer))
        self.screen_size, self.pointer = event.screen, event.pointer
        self.frames += 1
        now = time.monotonic()
        self._recent.append((now, link.received))
        while self._recent and now - self._recent[0][0] > 2.0:
            self._recent.popleft()
        self.message = ""
        if whole:
            self._lines.clear()
            self.refresh()
        else:
            self._changed_rows(event.tiles)
            self.refresh(Cells(0, self.size.height - 1, self.size.width, 1))  # the status
        await link.ack(event.seq)

    def _say(self, sentence: str) -> None:
        self.message = sentence
        self.refresh()

    async def _ask(self) -> None:
        """Ask for the picture the view's size holds (in the pixels its cells draw), of the
        region zoomed to."""
        link = self._link
        (cw, ch), rows = self.graphics.cell, max(1, self.size.height - 1)
        width, height = self.size.width * cw, rows * ch
        if link is None or width < 2 or height < 2:
            return
        region = self.region_shown()
        asked = (width, height, region)
        if asked != self._asked:
            self._asked = asked
            await link.watch(min(width, 2048), min(height, 2048), region)

    def on_resize(self, _event: events.Resize) -> None:
        if self._link is not None:
            self.run_worker(self._ask(), group=f"screen-ask-{self.id}")

    # -- zoom --------------------------------------------------------------------------------

    def region_shown(self) -> Region:
        span = REGION_FULL // self.zoom
        cx, cy = self.centre
        x = min(max(0, cx - span // 2), REGION_FULL - span)
        y = min(max(0, cy - span // 2), REGION_FULL - span)
        return Region(x=x, y=y, w=span, h=span)

    def _rezoomed(self) -> None:
        region = self.region_shown()
        self.centre = (region.x + region.w // 2, region.y + region.h // 2)
        self.refresh()
        if self._link is not None:
            self.run_worker(self._ask(), group=f"screen-ask-{self.id}")

    def action_zoom(self, step: int) -> None:
        at = ZOOMS.index(self.zoom)
        self.zoom = ZOOMS[min(len(ZOOMS) - 1, max(0, at + step))]
        self._rezoomed()

    def action_fit(self) -> None:
        self.zoom, self.centre = 1, (REGION_FULL // 2, REGION_FULL // 2)
        self._rezoomed()

    def action_pan(self, dx: int, dy: int) -> None:
        step = REGION_FULL // self.zoom // 4
        cx, cy = self.centre
        self.centre = (cx + dx * step, cy + dy * step)
        self._rezoomed()

    # -- geometry ----------------------------------------------------------------------------

    def _origin(self) -> tuple[int, int]:
        """Where the picture's top-left cell is in the view (it is centred)."""
        picture = self.picture
        if picture is None:
            return 0, 0
        rows = max(1, self.size.height - 1)
        columns, lines = self.graphics.cells(picture.width, picture.height)
        return max(0, (self.size.width - columns) // 2), max(0, (rows - lines) // 2)

    def cell_view(self) -> CellView | None:
        """Where the picture is in this view and which part of the screen it shows, for the
        input's mapping of cells to the endpoint's pixels
        (:func:`~domain.protocol.screen_input.cell_to_screen`); None before a picture."""
        picture, screen = self.picture, self.screen_size
        if picture is None or screen is None:
            return None
        left, top = self._origin()
        x0, y0, x1, y1 = crop_box(screen, self.region_shown())
        cells = self.graphics.cells(picture.width, picture.height)
        region = ScreenRegion(x0, y0, x1 - x0, y1 - y0)
        return CellView(left, top, *cells, region, screen[0], screen[1])

    def screen_point(self, x: int, y: int) -> tuple[int, int] | None:
        """The endpoint's pixel under cell (x, y) of the view (a cell past the picture: its
        nearest edge), or None before a picture."""
        view = self.cell_view()
        return cell_to_screen(x, y, view) if view is not None else None

    # -- control --------------------------------------------------------------------------

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """In control every key is the endpoint's (no console binding sees it but the leave
        chord); out of it the view's and the screen's keys act."""
        return self.in_control

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave":
            return self.control
        if action == "control":
            return self.control and not self.in_control
        return not self.in_control  # zoom and pan: out of control only

    def on_focus(self) -> None:
        for active in self.screen.active_bindings.values():
            if active.binding.id == "screen.leave" and active.node is self:
                self._leave_display = self.app.get_key_display(active.binding)
                break

    def action_leave(self) -> None:
        """The leave chord: keys back to the console, or (again) to the endpoint."""
        self._control(not self.in_control)

    def action_control(self) -> None:
        self._control(True)

    def _control(self, on: bool) -> None:
        self.in_control = on and self.control
        if not self.in_control:
            self.release_mouse()
        self.refresh_bindings()
        self.refresh(Cells(0, self.size.height - 1, self.size.width, 1))

    def _input(self, event: events.Event) -> bool:
        # view only: a click is sent all the same, for the appliance to drop, say why (once)
        # and audit; the keys stay the console's
        view_only_click = not self.control and isinstance(event, events.MouseEvent)
        if not (self.in_control or (view_only_click and not self.refused)):
            return False
        event.stop()
        frame = self.input_frame(self, event)
        if frame is not None:
            self._queue([frame])
        return True

    def _queue(self, frames: list[dict[str, Any]]) -> None:
        """Send ``frames`` after those waiting, in order (past :data:`OUTBOX`: dropped)."""
        if self._link is None:
            return
        self._outbox.extend(frames[: max(0, OUTBOX - len(self._outbox))])
        if self._sender is None or self._sender.is_finished:
            self._sender = self.run_worker(self._send_out(), group=f"screen-input-{self.id}")

    async def _send_out(self) -> None:
        while self._outbox and self._link is not None:
            await self._link.send(self._outbox.popleft())
        self._outbox.clear()  # (the link went: nothing for a later one)

    def on_key(self, event: events.Key) -> None:
        if self._input(event):
            event.prevent_default()

    def on_paste(self, event: events.Paste) -> None:
        if self.in_control:
            event.stop()
            self._queue([frame.model_dump(mode="json") for frame in paste_frames(event.text)])

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if self._input(event):
            self.capture_mouse()  # a drag past the view's edge still counts

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._input(event):
            self.release_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._input(event)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._input(event)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._input(event)

    # -- drawing -----------------------------------------------------------------------------

    def status(self) -> str:
        """The status line: what is shown, how fast it comes."""
        picture, screen = self.picture, self.screen_size
        if self.notice and time.monotonic() - self._notice_at < NOTICE_S:
            return f" {self.notice}"
        if self.in_control:
            mode, keys = f"control · {self._leave_display} gives the keys back", ""
        else:
            mode = "view only" if not self.control else "view · enter takes control"
            keys = " · +/- zoom · arrows pan · 0 whole screen"
        if self.cannot:
            mode = self.cannot
        if picture is None or screen is None:
            return f" Screen · {mode}{keys}"
        recent = self._recent
        rate = bandwidth = 0.0
        if len(recent) > 1:
            span = max(recent[-1][0] - recent[0][0], 0.5)
            rate = (len(recent) - 1) / span
            bandwidth = (recent[-1][1] - recent[0][1]) / span / 1024
        return (
            f" Screen {screen[0]}×{screen[1]} at {picture.width}×{picture.height} · "
            f"{rate:.1f} frames/s · {bandwidth:.0f} KB/s · zoom {self.zoom}× · {mode}{keys}"
        )

    def _style(self, key: bytes) -> Style:
        """The style of a cell whose upper and lower pixels are ``key`` (6 bytes of RGB)."""
        style = self._styles.get(key)
        if style is None:
            if len(self._styles) >= STYLES:
                self._styles.clear()
            style = Style(
                color=Color.from_rgb(key[0], key[1], key[2]),
                bgcolor=Color.from_rgb(key[3], key[4], key[5]),
            )
            self._styles[key] = style
        return style

    def _changed_rows(self, tiles: list[tuple[int, int, str]]) -> None:
        """Repaint only the lines the tiles cover (a still desktop redraws nothing)."""
        picture = self.picture
        if picture is None:
            return
        _left, top = self._origin()
        width = self.size.width
        for ty in {ty for _tx, ty, _data in tiles}:
            first = top + ty * TILE // 2
            for y in range(first, first + TILE // 2):
                self._lines.pop(y, None)
            self.refresh(Cells(0, first, width, TILE // 2))

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        base = self.rich_style
        if y == height - 1:
            return Strip([Segment(self.status()[:width].ljust(width), base + Style(dim=True))])
        picture = self.picture
        if picture is None or self.message:
            middle = (height - 1) // 2
            text = self.message.center(width)[:width] if y == middle else " " * width
            return Strip([Segment(text, base)], width)
        key = (width, height, self.pointer, base)
        if key != self._lines_for:
            self._lines, self._lines_for = {}, key
        strip = self._lines.get(y)
        if strip is None:
            strip = self._lines[y] = self._picture_line(picture, y, width, base)
        return strip

    def _picture_line(self, picture: Picture, y: int, width: int, base: Style) -> Strip:
        left, top = self._origin()
        if self._painter is not None:  # kitty or sixel
            version, corner = (self.frames, self.pointer), (self.region.x, self.region.y)
            return self._painter.line(picture, y - top, (left, top, width), base, version, corner)
        py = (y - top) * 2
        if not 0 <= py < picture.height:
            return Strip.blank(width, base)
        row = picture.width * 3
        rgb = picture.rgb
        upper = bytes(rgb[py * row : (py + 1) * row])
        lower_y = py + 1 if py + 1 < picture.height else py
        lower = bytes(rgb[lower_y * row : (lower_y + 1) * row])
        segments = [Segment(" " * left, base)] if left else []
        pointer = self.pointer
        mark = pointer[0] if pointer is not None and pointer[1] // 2 == py // 2 else -1
        run, run_key = 0, b""
        style = self._style
        for px in range(min(picture.width, width - left)):
            at = px * 3
            cell = upper[at : at + 3] + lower[at : at + 3]
            if px == mark:
                if run:
                    segments.append(Segment(UPPER * run, style(run_key)))
                    run = 0
                segments.append(Segment("◤", POINTER))
                continue
            if cell == run_key and run:
                run += 1
                continue
            if run:
                segments.append(Segment(UPPER * run, style(run_key)))
            run, run_key = 1, cell
        if run:
            segments.append(Segment(UPPER * run, style(run_key)))
        return Strip(segments).extend_cell_length(width, base)


__all__ = ["OUTBOX", "ScreenLink", "ScreenOpener", "ScreenView", "UPPER", "control_frame"]
