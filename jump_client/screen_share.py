"""Screen sharing at the endpoint: capture the screen while a representative watches, and
send what changed.

The appliance says ``screen.start`` (again every few seconds while someone watches: a lease,
:data:`~domain.protocol.screen.LEASE_S`), ``screen.ack`` as frames are drawn, and
``screen.stop``. For each watched session one task captures with ``mss`` (in one thread of
its own: the display connection stays with it), shrinks the screen to the size asked
(:func:`domain.screen.shrink`), compares the tiles with those last sent and sends the changed
ones. Its pace adapts: every :data:`FAST_S` while the screen changes (10 frames/s at most),
slowing to one look every :data:`STILL_S` while it is still (and nothing is sent then); and
at most :data:`~domain.protocol.screen.ACK_WINDOW` frames are unacknowledged: past that,
nothing is captured until an ack comes (frames are skipped, never queued), so a slow link
gets fewer frames. Where there is no display the session is told so in one sentence, and
nothing is captured unless the session's policy allows screen sharing.

``screen.input`` (a representative's key or click) is played by the session's
:class:`~jump_client.screen_input.ScreenControl` — only where the policy the session opened
with says "view and control" (the appliance checks too). Its sentence when the endpoint
cannot take input goes back once as ``screen.notice``; the control is closed (buttons held let
go) when the session ends or the connection does.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from domain.enums import ScreenSharing
from domain.png import encode_rgb
from domain.protocol.agent import Response
from domain.protocol.screen import (
    ACK_WINDOW,
    LEASE_S,
    MAX_SIDE,
    Region,
    ScreenAck,
    ScreenFrame,
    ScreenNone,
    ScreenSaid,
    ScreenStart,
    ScreenStop,
    read_screen_request,
)
from domain.protocol.screen_input import ScreenInput
from domain.screen import Key, changed, crop_box, encode_tile, picture_size, shrink, split
from domain.wording import NO_DISPLAY, screen_refusal

if TYPE_CHECKING:
    from jump_client.screen_input import ScreenControl

log = logging.getLogger("jump_client.screen_share")

FAST_S = 0.1
"""Seconds between captures while the screen changes (10 frames/s at most)."""
STILL_S = 0.2
"""Seconds between captures once the screen has been still for a while."""

Send = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Shot:
    """One capture, shrunk: the picture's RGB pixels and where the pointer is in it."""

    screen: tuple[int, int]
    size: tuple[int, int]
    rgb: bytes
    pointer: tuple[int, int] | None


class Grabber:
    """The display, read from one thread of its own (``mss`` keeps a connection per
    thread). Every failure is "no display" (None), never an error."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screen")
        self._mss: Any = None

    @staticmethod
    def display_missing() -> bool:
        return sys.platform.startswith("linux") and not os.environ.get("DISPLAY")

    def _grab(self) -> Any:
        if self._mss is None:
            import mss  # loading libX11 only when someone watches

            self._mss = mss.MSS()
        monitors = self._mss.monitors
        return self._mss.grab(monitors[1] if len(monitors) > 1 else monitors[0])

    def _pointer(self, screen: tuple[int, int]) -> tuple[int, int] | None:
        impl = getattr(self._mss, "_impl", None)  # mss has the pointer, not as public API
        try:
            cursor = impl.cursor() if impl is not None else None
        except Exception:
            return None
        if cursor is None:
            return None
        x, y = cursor.pos
        return (x, y) if 0 <= x < screen[0] and 0 <= y < screen[1] else None

    def _shot(self, most: tuple[int, int], region: Region) -> Shot:
        shot = self._grab()
        screen = (shot.width, shot.height)
        box = crop_box(screen, region)
        size = picture_size(screen, region, most)
        rgb = _shrink(shot.raw, screen, box, size)
        pointer = self._pointer(screen)
        if pointer is not None:
            x0, y0, x1, y1 = box
            px = (pointer[0] - x0) * size[0] // (x1 - x0)
            py = (pointer[1] - y0) * size[1] // (y1 - y0)
            pointer = (px, py) if 0 <= px < size[0] and 0 <= py < size[1] else None
        return Shot(screen, size, rgb, pointer)

    async def shot(self, most: tuple[int, int], region: Region) -> Shot | None:
        if self.display_missing():
            return None
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, self._shot, most, region)
        except Exception as exc:  # any failure of the display means "none to share"
            log.info("no screen to capture: %s", type(exc).__name__)
            return None

    def _png(self) -> bytes:
        shot = self._grab()
        return encode_rgb(bytes(shot.rgb), shot.width, shot.height)

    async def png(self) -> bytes | None:
        """The whole screen as a PNG, or None when there is none."""
        if self.display_missing():
            return None
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, self._png)
        except Exception as exc:
            log.info("no screenshot: %s", type(exc).__name__)
            return None

    def close(self) -> None:
        def release() -> None:
            if self._mss is not None:
                with contextlib.suppress(Exception):
                    self._mss.close()
                self._mss = None

        with contextlib.suppress(RuntimeError):
            self._pool.submit(release)
        self._pool.shutdown(wait=False)


@dataclass(eq=False)
class _Watch:
    sid: str
    most: tuple[int, int]
    region: Region
    renewed: float
    fresh: bool = True
    seq: int = 0
    acked: int = 0
    sent: dict[Key, bytes] = field(default_factory=dict)
    size: tuple[int, int] | None = None
    pointer: tuple[int, int] | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class ScreenShare:
    """The screens watched over one connection to the appliance."""

    def __init__(self, send: Send, grabber: Grabber | None = None) -> None:
        self._send = send
        self.grabber = grabber or Grabber()
        self.watches: dict[str, _Watch] = {}
        self.controls: dict[str, ScreenControl] = {}
        """Each session's control of the screen, from its first input to its end."""
        self.frames_sent = 0
        """Frames sent since the connection opened (a test's and the bench's measure)."""

    def start(self, frame: ScreenStart, mode: ScreenSharing | None) -> None:
        """Start (or go on) capturing for the session; ``mode``: its policy's screen sharing
        (None: no such session here). Nothing is captured unless the policy allows it."""
        why = screen_refusal(mode) if mode is not None else "No such session is open here."
        if why is not None:
            self._spawn(self._say(frame.sid, why))
            return
        watch = self.watches.get(frame.sid)
        most = (frame.width, frame.height)
        now = time.monotonic()
        if watch is None:
            watch = _Watch(frame.sid, most, frame.region, now)
            self.watches[frame.sid] = watch
            watch.task = asyncio.create_task(self._run(watch))
        else:
            watch.renewed = now
            if frame.fresh or most != watch.most or frame.region != watch.region:
                watch.most, watch.region, watch.fresh = most, frame.region, True
                watch.acked = watch.seq  # a new start: what was out is not waited for
        watch.wake.set()

    async def obey(self, raw: str | bytes, permissions: dict[str, dict[str, Any]]) -> bool:
        """Carry out ``raw`` if it is one of screen sharing's frames, within the session's
        policy as the appliance sent it when the session opened (``permissions``, by
        session); whether it was one."""
        try:
            frame = read_screen_request(raw)
        except ValueError:
            try:
                given = ScreenInput.model_validate_json(raw)
            except ValueError:
                return False
            await self.control(given, viewable(permissions.get(given.sid)))
            return True
        mode = viewable(permissions.get(frame.sid))
        if isinstance(frame, ScreenStart):
            self.start(frame, mode)
        elif isinstance(frame, ScreenAck):
            self.ack(frame.sid, frame.seq)
        elif isinstance(frame, ScreenStop):
            self.stop(frame.sid)
            control = self.controls.pop(frame.sid, None)
            if control is not None:  # nobody watches now: a drag cut short holds nothing down
                await control.close()
        else:
            try:
                answer = Response(id=frame.id, ok=True, result=await self.screenshot(mode))
                log.info("Session %s: sent a screenshot.", frame.sid)
            except ValueError as err:
                answer = Response.refusing(frame.id, str(err))
            with contextlib.suppress(Exception):
                await self._send(answer.model_dump_json())
        return True

    def ack(self, sid: str, seq: int) -> None:
        watch = self.watches.get(sid)
        if watch is not None and watch.acked < seq <= watch.seq:
            watch.acked = seq
            watch.wake.set()

    def stop(self, sid: str) -> None:
        watch = self.watches.pop(sid, None)
        if watch is not None and watch.task is not None:
            watch.task.cancel()

    async def control(self, given: ScreenInput, mode: ScreenSharing | None) -> None:
        """Play one input of a session whose policy (``mode``) lets the representative
        control the screen; anything else is dropped here."""
        sid = given.sid
        if mode is not ScreenSharing.VIEW_AND_CONTROL:
            log.warning("Session %s: input refused (the policy does not allow control).", sid)
            return
        control = self.controls.get(sid)
        if control is None:
            from jump_client.screen_input import ScreenControl  # python-xlib: at the first input

            control = self.controls[sid] = ScreenControl()
        said = await control.play(given.input)
        if said is not None:
            with contextlib.suppress(Exception):
                await self._send(ScreenSaid(sid=sid, reason=said).model_dump_json())

    def end(self, sid: str) -> None:
        """The session ended: no more capture, and its control let go."""
        self.stop(sid)
        control = self.controls.pop(sid, None)
        if control is not None:
            self._spawn(control.close())

    def close(self) -> None:
        for sid in list(self.watches):
            self.stop(sid)
        for sid in list(self.controls):
            self.end(sid)
        self.grabber.close()

    async def screenshot(self, mode: ScreenSharing | None) -> dict[str, Any]:
        """``screen.shot``'s result (raises ``ValueError`` with the sentence to answer)."""
        why = screen_refusal(mode) if mode is not None else "No such session is open here."
        if why is not None:
            raise ValueError(why)
        png = await self.grabber.png()
        if png is None:
            raise ValueError(NO_DISPLAY)
        return {"png": base64.b64encode(png).decode("ascii")}

    def _spawn(self, job: Awaitable[None]) -> None:
        task = asyncio.ensure_future(job)
        task.add_done_callback(lambda done: done.cancelled() or done.exception())

    async def _say(self, sid: str, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self._send(ScreenNone(sid=sid, reason=reason).model_dump_json())

    async def _run(self, watch: _Watch) -> None:
        delay = FAST_S
        try:
            while time.monotonic() - watch.renewed < LEASE_S:
                if watch.seq - watch.acked >= ACK_WINDOW:
                    watch.wake.clear()  # the viewer is behind: wait for its ack
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(1.0):
                            await watch.wake.wait()
                    continue
                began = time.monotonic()
                shot = await self.grabber.shot(watch.most, watch.region)
                if shot is None:
                    await self._say(watch.sid, NO_DISPLAY)
                    return
                moved = await self._frame(watch, shot)
                delay = FAST_S if moved else min(STILL_S, delay * 1.5)
                watch.wake.clear()
                with contextlib.suppress(TimeoutError):
                    wait = max(0.0, delay - (time.monotonic() - began))
                    async with asyncio.timeout(wait):
                        await watch.wake.wait()
        finally:
            if self.watches.get(watch.sid) is watch:
                del self.watches[watch.sid]

    async def _frame(self, watch: _Watch, shot: Shot) -> bool:
        """Send the tiles that changed; whether anything did."""
        tiles = split(shot.rgb, *shot.size)
        if watch.fresh or shot.size != watch.size:
            watch.sent, watch.fresh, watch.size = {}, False, shot.size
        keys = changed(tiles, watch.sent)
        moved = shot.pointer != watch.pointer
        if not keys and not moved:
            return False
        watch.seq += 1
        frame = ScreenFrame(
            sid=watch.sid,
            seq=watch.seq,
            width=shot.size[0],
            height=shot.size[1],
            screen=shot.screen,
            tiles=[(tx, ty, encode_tile(tiles[(tx, ty)])) for tx, ty in keys],
            pointer=shot.pointer,
        )
        watch.sent, watch.pointer = tiles, shot.pointer
        await self._send(frame.model_dump_json())
        self.frames_sent += 1
        return True


def viewable(permissions: dict[str, Any] | None) -> ScreenSharing | None:
    """A session's screen-sharing permission as the appliance sent it at ``session.open``
    (None: no such session here; not_allowed when unreadable)."""
    if permissions is None:
        return None
    try:
        return ScreenSharing(str(permissions.get("screen_sharing")))
    except ValueError:
        return ScreenSharing.NOT_ALLOWED


__all__ = ["FAST_S", "MAX_SIDE", "STILL_S", "Grabber", "ScreenShare", "Shot", "viewable"]


#: from this many pixels a picture is shrunk by Pillow
FULL_RESOLUTION_PIXELS = 200_000


def _shrink(
    bgra: bytes | bytearray,
    screen: tuple[int, int],
    box: tuple[int, int, int, int],
    size: tuple[int, int],
) -> bytes:
    """The ``box`` of a BGRA screenshot as RGB of ``size``. A big picture (a terminal that
    draws at full resolution) is made by Pillow (a dependency, through textual-image) in C:
    1778×1000 from 1920×1080 in ~22 ms against ~150 ms for :func:`domain.screen.shrink`,
    which kept a core busy; a small one (half-blocks) by that pure one, which picks its few
    pixels in ~2 ms where Pillow first decodes the whole screenshot (~39 ms)."""
    if size[0] * size[1] < FULL_RESOLUTION_PIXELS:
        return shrink(bgra, screen, box, size)  # (raw: no copy of the 8 MB)
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with the console's dependencies
        return shrink(bgra, screen, box, size)
    if len(bgra) < screen[0] * screen[1] * 4:
        raise ValueError("the screenshot is shorter than its size says")
    whole = Image.frombuffer("RGB", screen, bgra, "raw", "BGRX", 0, 1)
    return whole.resize(size, Image.Resampling.NEAREST, box=box).tobytes()
