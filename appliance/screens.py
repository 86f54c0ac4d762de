"""Relay of screen sharing between Jump Clients and representatives' consoles.

A representative in a session whose policy allows screen sharing attaches with
``WS /api/rep/v1/sessions/{sid}/screen`` and says ``watch`` (the size it draws at). The
first viewer of a session on this node starts the capture (``screen.start`` to the Jump
Client, renewed every :data:`~domain.protocol.screen.LEASE_RENEW_S` while anyone watches
here); the last one to go stops it. Frames from the client (``screen.frame``, changed tiles
only) reach every viewer of the session, here and on the other nodes (through the bus, as a
shell's output does).

Viewers are paced one by one, and nothing queues: the relay keeps the session's latest tile of
each place; a viewer with :data:`~domain.protocol.screen.ACK_WINDOW` frames unacknowledged
gets nothing more, only the places that changed are noted, and its next frame (once it
acks) carries their latest tiles. A viewer's ack is passed on to the Jump Client, whose own
window then lets it capture again: the fastest viewer sets the pace, a slower one gets fewer,
fuller frames.

The policy is enforced here: "not allowed" refuses the websocket with the sentence and asks
nothing of the client (which refuses too); when the policy prompts a present user, they are
asked once per session before the first frame, and a "no" refuses. Each viewer's right is
checked as a shell's is (:class:`~appliance.grants.Grant`: sign-in ended, membership
removed, item moved) and, at least every :data:`CHECK_S`, whether it is still in the session:
from then on it receives nothing.

Frames other than ``watch``, ``ack`` and ``stop`` from a viewer are input (keys, the mouse):
they go to :attr:`ScreenRelay.on_input` (:class:`appliance.screen_input.ScreenInputs`: to the
Jump Client where the policy allows control, else dropped and audited).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from appliance.agents import AgentError, AgentHandle
from appliance.grants import Grant, ItemRights
from domain import User
from domain.protocol.close import Close
from domain.protocol.screen import (
    ACK_WINDOW,
    FULL,
    LEASE_RENEW_S,
    VIEWER_TYPES,
    Ack,
    AgentScreen,
    Region,
    ScreenAck,
    ScreenNone,
    ScreenSaid,
    ScreenStart,
    ScreenStop,
    Stop,
    Watch,
    read_viewer_frame,
)

log = logging.getLogger("appliance.screens")

CHECK_S = 0.5
"""How often an attached viewer's place in the session is checked at the latest."""

Key = tuple[int, int]


@dataclass(eq=False)
class ScreenViewer:
    """One console watching a session's screen."""

    ws: WebSocket
    grant: Grant
    item_id: int
    control: bool = False
    """The session's policy lets this viewer control the endpoint ("view and control"); the
    input hook drops (and audits) input from a viewer without it."""
    watching: bool = False
    out: int = 0
    """Frames sent and not yet acknowledged."""
    dirty: set[Key] = field(default_factory=set)
    """Places whose tiles changed since the last frame sent to it."""
    sending: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass(eq=False)
class SessionScreen:
    """What this node holds of one session's screen while someone watches it here."""

    viewers: set[ScreenViewer] = field(default_factory=set)
    asked: tuple[tuple[int, int], Region] | None = None
    """The size and region last asked of the client."""
    renewed: float = 0.0
    frame: dict[str, Any] | None = None
    """The latest frame's geometry (``width``, ``height``, ``screen``, ``pointer``)."""
    tiles: dict[Key, str] = field(default_factory=dict)
    seq: int = 0
    acked: int = 0


InputHook = Callable[[str, ScreenViewer, AgentHandle, dict[str, Any]], Awaitable[None]]
Refusal = Callable[[], tuple[Close, str] | None]


async def _drop_input(
    sid: str, _viewer: ScreenViewer, _agent: AgentHandle, frame: dict[str, Any]
) -> None:
    log.info("session %s: dropped a %s frame (input is not wired in)", sid, frame.get("type"))


async def _to_agent(agent: AgentHandle, frame: ScreenStart | ScreenAck | ScreenStop) -> None:
    """Send a frame to the session's Jump Client; :class:`AgentError` when it is gone."""
    try:
        await agent.send(frame.model_dump())
    except (WebSocketDisconnect, RuntimeError, OSError) as err:
        raise AgentError(f"the Jump Client is not connected ({type(err).__name__})") from None


class ScreenRelay(ItemRights):
    def __init__(self, may_reach: Callable[[User, int], bool]) -> None:
        self.may_reach = may_reach
        self.screens: dict[str, SessionScreen] = {}
        self.on_input: InputHook = _drop_input
        """Where a viewer's input frames go: the session, the viewer (its grant: who, and
        whether it may control), the session's Jump Client, the frame as parsed (a dict;
        its ``type`` is none of :data:`~domain.protocol.screen.VIEWER_TYPES`)."""
        self.on_unwatched: Callable[[str], None] = lambda _sid: None
        """Told when the last viewer of a session here goes."""

    # -- rights (as the shells': grants.ItemRights) ------------------------------------------

    def on_items(self) -> Iterator[ScreenViewer]:
        for screen in list(self.screens.values()):
            yield from list(screen.viewers)

    # -- one console --------------------------------------------------------------------------

    async def serve(
        self,
        ws: WebSocket,
        grant: Grant,
        *,
        sid: str,
        item_id: int,
        agent: AgentHandle,
        refusal: Refusal,
        control: bool = False,
    ) -> None:
        """Relay the session's screen to one console until it goes or its right ends (then
        it is closed with the grant's code and reason). ``refusal``: why the representative
        may no longer watch (the session ended, they left it), or None; asked on every frame
        from the console and every :data:`CHECK_S`."""
        viewer = ScreenViewer(ws, grant, item_id, control)
        screen = self.screens.setdefault(sid, SessionScreen())
        screen.viewers.add(viewer)
        ended = asyncio.ensure_future(grant.ended.wait())
        receiving: asyncio.Future[Any] | None = None
        try:
            while True:
                if receiving is None:
                    receiving = asyncio.ensure_future(ws.receive())
                await asyncio.wait(
                    {receiving, ended}, timeout=CHECK_S, return_when=asyncio.FIRST_COMPLETED
                )
                refused = refusal() if grant.active else None
                if refused is not None:  # the session ended, or they left it
                    grant.end(*refused)
                if not grant.active:
                    break
                if receiving.done():
                    message, receiving = receiving.result(), None
                    if message["type"] == "websocket.disconnect":
                        break
                    if not await self._take(sid, screen, viewer, agent, message):
                        break
                await self._renew(sid, screen, agent)
        except (WebSocketDisconnect, RuntimeError):
            pass
        except AgentError:
            grant.end(Close.CONFLICT, "The Jump Client is not connected; try again later.")
        finally:
            ended.cancel()
            if receiving is not None:
                receiving.cancel()
            screen.viewers.discard(viewer)
            if not screen.viewers and self.screens.get(sid) is screen:
                del self.screens[sid]
                self.on_unwatched(sid)
                with contextlib.suppress(AgentError):  # (it may be gone)
                    await _to_agent(agent, ScreenStop(sid=sid))
        if not grant.active:
            await grant.close(ws)

    async def _take(
        self,
        sid: str,
        screen: SessionScreen,
        viewer: ScreenViewer,
        agent: AgentHandle,
        message: dict[str, Any],
    ) -> bool:
        """One frame from the console; False when it stops watching."""
        try:
            frame = orjson.loads(message.get("text") or message.get("bytes") or b"")
            if not isinstance(frame, dict):
                raise ValueError("not an object")
            if frame.get("type") not in VIEWER_TYPES:
                await self.on_input(sid, viewer, agent, frame)
                return True
            read = read_viewer_frame(frame)
        except ValueError:
            log.info("session %s: dropped a screen frame that is not one", sid)
            return True
        if isinstance(read, Stop):
            return False
        if isinstance(read, Watch):
            await self._watch(sid, screen, viewer, read, agent)
        elif isinstance(read, Ack):
            await self._acked(sid, screen, viewer, read, agent)
        return True

    async def _watch(
        self,
        sid: str,
        screen: SessionScreen,
        viewer: ScreenViewer,
        watch: Watch,
        agent: AgentHandle,
    ) -> None:
        asked = ((watch.width, watch.height), watch.region)
        fresh = screen.asked != asked or not any(v.watching for v in screen.viewers)
        viewer.watching, viewer.out = True, 0
        viewer.dirty = set(screen.tiles)  # what there is already, next
        if fresh:
            screen.asked, screen.renewed = asked, time.monotonic()
            start = ScreenStart(
                sid=sid, width=watch.width, height=watch.height, region=watch.region
            )
            await _to_agent(agent, start)
        elif screen.frame is not None:
            await self._flush(screen, viewer)

    async def _acked(
        self, sid: str, screen: SessionScreen, viewer: ScreenViewer, ack: Ack, agent: AgentHandle
    ) -> None:
        viewer.out = max(0, viewer.out - 1)
        if screen.acked < ack.seq <= screen.seq:
            screen.acked = ack.seq
            await _to_agent(agent, ScreenAck(sid=sid, seq=ack.seq))
        if viewer.dirty:
            await self._flush(screen, viewer)

    async def _renew(self, sid: str, screen: SessionScreen, agent: AgentHandle) -> None:
        """Tell the client someone still watches (its capture stops without it)."""
        if screen.asked is None or time.monotonic() - screen.renewed < LEASE_RENEW_S:
            return
        screen.renewed = time.monotonic()
        (width, height), region = screen.asked
        lease = ScreenStart(sid=sid, width=width, height=height, region=region, fresh=False)
        await _to_agent(agent, lease)

    async def notice(self, viewer: ScreenViewer, sentence: str) -> None:
        """Tell one viewer a sentence that stops nothing (the input hook's refusals)."""
        await self._send(viewer, orjson.dumps({"type": "notice", "reason": sentence}).decode())

    # -- from the Jump Client -------------------------------------------------------------------

    async def from_agent(self, frame: AgentScreen) -> None:
        screen = self.screens.get(frame.sid)
        if screen is None:
            return  # nobody watches it here
        if isinstance(frame, ScreenNone | ScreenSaid):
            kind = "none" if isinstance(frame, ScreenNone) else "notice"
            text = orjson.dumps({"type": kind, "reason": frame.reason}).decode()
            for viewer in list(screen.viewers):
                await self._send(viewer, text)
            return
        geometry = {
            "width": frame.width,
            "height": frame.height,
            "screen": frame.screen,
            "pointer": frame.pointer,
        }
        reset = screen.frame is None or (
            (screen.frame["width"], screen.frame["height"]) != (frame.width, frame.height)
        )
        if reset:
            screen.tiles.clear()
        screen.frame, screen.seq = geometry, frame.seq
        if frame.seq < screen.acked:  # a new start numbers from 1 again
            screen.acked = 0
        places = []
        for tx, ty, data in frame.tiles:
            screen.tiles[(tx, ty)] = data
            places.append((tx, ty))
        for viewer in list(screen.viewers):
            if not viewer.watching:
                continue
            if reset:
                viewer.dirty = set(screen.tiles)
            else:
                viewer.dirty.update(places)
            if viewer.out < ACK_WINDOW:
                await self._flush(screen, viewer)

    async def _flush(self, screen: SessionScreen, viewer: ScreenViewer) -> None:
        """Send the viewer the latest tiles of the places that changed for it."""
        if screen.frame is None or not viewer.grant.active:
            return
        tiles = [
            [tx, ty, screen.tiles[(tx, ty)]] for tx, ty in viewer.dirty if (tx, ty) in screen.tiles
        ]
        viewer.dirty.clear()
        text = orjson.dumps({"type": "frame", "seq": screen.seq, **screen.frame, "tiles": tiles})
        viewer.out += 1
        await self._send(viewer, text.decode())

    @staticmethod
    async def _send(viewer: ScreenViewer, text: str) -> None:
        if not viewer.grant.active:
            return
        async with viewer.sending:
            with contextlib.suppress(Exception):
                await viewer.ws.send_text(text)


__all__ = ["CHECK_S", "FULL", "ScreenRelay", "ScreenViewer", "SessionScreen"]
