"""Relay of shell sessions between representatives' consoles and Jump Clients.

A representative in a session whose policy allows the command shell attaches with
``WS /api/rep/v1/sessions/{sid}/shell``. Frames from the console (``input``, ``resize``) go to
the Jump Client as ``shell.input``/``shell.resize``; the client's ``shell.output`` and
``shell.exit`` go to every attached console. The shell ends with the session, not with its
consoles: one that attaches later gets the screen as it is now first, and the terminal has
the size of the console that typed last, and every console is told that size
(``{"type": "size"}``) when it attaches and whenever it changes (:mod:`appliance.shell_state`).

Each console's right is checked for as long as it is attached, not only when it attaches: it
holds a :class:`~appliance.grants.Grant`, ended when its sign-in ends, when the representative
leaves the session (:meth:`ShellRelay.left`) or may no longer start sessions on the item (a
membership removed, the item moved: :meth:`ShellRelay.access_changed`,
:meth:`ShellRelay.items_changed`). From then on it gets no output, none of its input reaches
the endpoint, and it is closed with the reason. Each input is also checked on arrival
against what this node knows (the grant, the session's participants), so that no input runs
after a revocation even if its event was missed.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from appliance._access import access_for
from appliance.agents import AgentError, AgentHandle
from appliance.grants import Grant, ItemRights
from appliance.shell_state import ShellState, Size, Step
from appliance.site import Site
from domain import User
from domain.access import Action
from domain.protocol.agent import (
    ConsoleInput,
    ScreenSize,
    ShellClose,
    ShellExit,
    ShellInput,
    ShellOpen,
    ShellOutput,
    ShellResize,
    ShellSize,
    read_console_frame,
)
from domain.protocol.close import LEFT_SESSION, Close

log = logging.getLogger("appliance.shells")

ToAgent = Callable[[dict[str, Any]], Awaitable[None]]
"""Sends a frame to the session's Jump Client."""

REPLAY_FRAME = 48 * 1024
"""Bytes of the replay per output frame (base64 makes them a third larger)."""


def _output(data: bytes) -> str:
    return orjson.dumps({"type": "output", "data": base64.b64encode(data).decode()}).decode()


@dataclass(eq=False)
class Viewer:
    """One console attached to a session's shell."""

    ws: WebSocket
    grant: Grant
    item_id: int
    sending: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Held while something is sent to it: the screen it attaches to comes before output."""


class ShellRelay(ItemRights):
    def __init__(self, site: Site) -> None:
        self.site = site
        self.viewers: dict[str, set[Viewer]] = {}
        self.shells: dict[str, ShellState] = {}
        self.consoles_changed: Callable[[], None] = lambda: None
        """Called when a console attaches or goes (the sessions follow who is attached)."""

    def attach(self, sid: str, viewer: Viewer) -> bool:
        """Add a console; True when it is the first (the shell must be opened)."""
        viewers = self.viewers.setdefault(sid, set())
        first = not viewers
        viewers.add(viewer)
        return first

    def detach(self, sid: str, viewer: Viewer) -> bool:
        """Remove a console; True when none is left. The shell goes on: it ends with the
        session (or when nobody comes back to the session in time)."""
        state = self.shells.get(sid)
        if state is not None:
            state.detach(viewer)
        viewers = self.viewers.get(sid)
        if viewers is None or viewer not in viewers:
            return False
        viewers.discard(viewer)
        if not viewers:
            del self.viewers[sid]
            return True
        return False

    # -- rights ------------------------------------------------------------------------------

    def may_reach(self, user: User, item_id: int) -> bool:
        """The representative may (still) start sessions on the item: the right a shell on it
        needs for as long as it is open."""
        current = self.site.repo.users.get(user.id)
        item = self.site.repo.clients.get(item_id)
        if current is None or item is None or not current.enabled:
            return False
        access = access_for(self.site, current)
        return access.permits(item.jump_group_type, item.jump_group_id, Action.START)

    def left(self, sid: str, username: str) -> None:
        """The representative is no longer in the session: their consoles on its shell close."""
        for viewer in list(self.viewers.get(sid, ())):
            if viewer.grant.user.username == username:
                viewer.grant.end(Close.NOT_FOUND, LEFT_SESSION)

    def on_items(self) -> Iterator[Viewer]:
        for viewers in list(self.viewers.values()):
            yield from list(viewers)

    # -- one console -------------------------------------------------------------------------

    async def serve(
        self,
        ws: WebSocket,
        grant: Grant,
        *,
        sid: str,
        item_id: int,
        agent: AgentHandle,
        size: ShellSize,
        refusal: Callable[[], tuple[Close, str] | None],
    ) -> None:
        """Relay between one console and the session's shell until the console goes away or
        its right ends (then it is closed with the grant's code and reason). ``refusal``:
        why the representative may no longer type here (the session ended, they left it),
        or None; asked on every input."""
        viewer = Viewer(ws, grant, item_id)
        ended = asyncio.ensure_future(grant.ended.wait())
        try:
            await self._join(sid, viewer, (size.cols, size.rows), agent.send)
            self.consoles_changed()
            while True:
                receiving = asyncio.ensure_future(ws.receive())
                await asyncio.wait({receiving, ended}, return_when=asyncio.FIRST_COMPLETED)
                if not receiving.done():
                    receiving.cancel()
                    break
                message = receiving.result()
                if message["type"] == "websocket.disconnect":
                    break
                refused = refusal() if grant.active else None
                if refused is not None:  # what the event would have said, had it come yet
                    grant.end(*refused)
                if not grant.active:
                    break
                await self._relay(sid, viewer, agent.send, message)
        except (WebSocketDisconnect, RuntimeError):
            pass
        except AgentError:
            grant.end(Close.CONFLICT, "The Jump Client is not connected; try again later.")
        finally:  # the shell goes on: it ends with the session
            ended.cancel()
            self.detach(sid, viewer)
            self.consoles_changed()
        if not grant.active:
            await grant.close(ws)

    async def _join(self, sid: str, viewer: Viewer, size: Size, to_agent: ToAgent) -> None:
        """Attach a console of ``size``: it gets the terminal's size and the screen as it is
        now, then the output as it comes; the shell opens when none runs."""
        state = self.shells.setdefault(sid, ShellState())
        async with viewer.sending:  # output for it waits until it has the screen
            replay = state.replay.screen()  # taken with the attach: no output falls between
            self.attach(sid, viewer)
            step = state.attach(viewer, size)
            if step is not None and step[0] == "open" and state.exited:
                state.exited = False
                await to_agent(ShellClose(sid=sid).model_dump())  # let the exited one go
            resized = await self._do(sid, step, to_agent)
            if state.pty is not None:
                cols, rows = state.pty
                await viewer.ws.send_text(ScreenSize(cols=cols, rows=rows).model_dump_json())
            for start in range(0, len(replay), REPLAY_FRAME):
                await viewer.ws.send_text(_output(replay[start : start + REPLAY_FRAME]))
        await self._tell(sid, resized, but=viewer)

    async def _relay(
        self, sid: str, viewer: Viewer, to_agent: ToAgent, message: Mapping[str, Any]
    ) -> None:
        try:  # checked here, before the Jump Client sees anything of it
            frame = read_console_frame(message.get("text") or message.get("bytes") or b"")
        except ValueError:
            log.info("session %s: dropped a shell frame that is not one", sid)
            return
        state = self.shells.get(sid)
        if isinstance(frame, ConsoleInput):  # the terminal takes the typist's size first
            if state is not None:
                await self._tell(sid, await self._do(sid, state.typed(viewer), to_agent))
            await to_agent(ShellInput(sid=sid, data=frame.data).model_dump())
        elif state is not None:
            step = state.resized(viewer, (frame.cols, frame.rows))
            await self._tell(sid, await self._do(sid, step, to_agent))

    @staticmethod
    async def _do(sid: str, step: Step, to_agent: ToAgent) -> str | None:
        """Carry out a step of the shell's state; a resize answers the frame that tells the
        consoles."""
        if step is None:
            return None
        what, (cols, rows) = step
        if what == "open":
            await to_agent(ShellOpen(sid=sid, cols=cols, rows=rows).model_dump())
            return None
        await to_agent(ShellResize(sid=sid, cols=cols, rows=rows).model_dump())
        return ScreenSize(cols=cols, rows=rows).model_dump_json()

    async def _tell(self, sid: str, text: str | None, *, but: Viewer | None = None) -> None:
        """Tell every console (but one: it knows) of the terminal's new size."""
        for viewer in list(self.viewers.get(sid, ())) if text else ():
            if viewer is not but and text:
                await self._send(viewer, text)

    @staticmethod
    async def _send(viewer: Viewer, text: str) -> None:
        if not viewer.grant.active:
            return
        async with viewer.sending:
            with contextlib.suppress(Exception):
                await viewer.ws.send_text(text)

    # -- from the Jump Client ----------------------------------------------------------------

    async def from_agent(self, frame: ShellOutput | ShellExit) -> None:
        state = self.shells.get(frame.sid)
        if isinstance(frame, ShellOutput):
            if state is not None:  # kept for the consoles that attach later
                with contextlib.suppress(binascii.Error, ValueError):
                    state.output(base64.b64decode(frame.data, validate=True))
            out: dict[str, Any] = {"type": "output", "data": frame.data}
        else:
            if state is not None:
                state.exit()
            out = {"type": "exit", "code": frame.code}
        text = orjson.dumps(out).decode()
        for viewer in list(self.viewers.get(frame.sid, ())):
            await self._send(viewer, text)

    async def session_ended(self, sid: str, reason: str) -> None:
        self.shells.pop(sid, None)
        text = orjson.dumps({"type": "exit", "code": None, "reason": reason}).decode()
        for viewer in list(self.viewers.pop(sid, ())):
            if viewer.grant.active:
                with contextlib.suppress(Exception):
                    await viewer.ws.send_text(text)
            viewer.grant.end(Close.NORMAL, "")
