"""Relay of shell sessions between representatives' consoles and Jump Clients.

A representative in a session whose policy allows the command shell attaches with
``WS /api/rep/v1/sessions/{sid}/shell``. Frames from the console (``input``, ``resize``) go to
the Jump Client as ``shell.input``/``shell.resize``; the client's ``shell.output`` and
``shell.exit`` go to every attached console. The shell ends with the session.

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
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from appliance._access import access_for
from appliance.agents import AgentHandle
from appliance.grants import Grant
from appliance.site import Site
from domain import User
from domain.access import Action
from domain.protocol.agent import (
    ConsoleInput,
    ShellClose,
    ShellExit,
    ShellInput,
    ShellOpen,
    ShellOutput,
    ShellResize,
    ShellSize,
    read_console_frame,
)
from domain.protocol.close import LEFT_SESSION, NO_LONGER_ALLOWED, Close

log = logging.getLogger("appliance.shells")


@dataclass(eq=False)
class Viewer:
    """One console attached to a session's shell."""

    ws: WebSocket
    grant: Grant
    item_id: int


class ShellRelay:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.viewers: dict[str, set[Viewer]] = {}

    def attach(self, sid: str, viewer: Viewer) -> bool:
        """Add a console; True when it is the first (the shell must be opened)."""
        viewers = self.viewers.setdefault(sid, set())
        first = not viewers
        viewers.add(viewer)
        return first

    def detach(self, sid: str, viewer: Viewer) -> bool:
        """Remove a console; True when none is left (the shell may be closed)."""
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

    def access_changed(self, user_ids: frozenset[int]) -> None:
        """These representatives' rights changed: each of their shells is checked again."""
        self._check(lambda viewer: viewer.grant.user.id in user_ids)

    def items_changed(self, changed: list[int], removed: list[int]) -> None:
        """Items changed (moved to another group, removed): their shells are checked again."""
        if not self.viewers:
            return
        touched = set(changed) | set(removed)
        self._check(lambda viewer: viewer.item_id in touched)

    def _check(self, concerns: Callable[[Viewer], bool]) -> None:
        for viewers in list(self.viewers.values()):
            for viewer in list(viewers):
                if (
                    viewer.grant.active
                    and concerns(viewer)
                    and not self.may_reach(viewer.grant.user, viewer.item_id)
                ):
                    viewer.grant.end(Close.FORBIDDEN, NO_LONGER_ALLOWED)

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
        if self.attach(sid, viewer):
            await agent.send(ShellOpen(sid=sid, cols=size.cols, rows=size.rows).model_dump())
        ended = asyncio.ensure_future(grant.ended.wait())
        try:
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
                await self._relay(sid, agent, message)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            ended.cancel()
            if self.detach(sid, viewer):
                with contextlib.suppress(Exception):
                    await agent.send(ShellClose(sid=sid).model_dump())
        if not grant.active:
            await grant.close(ws)

    @staticmethod
    async def _relay(sid: str, agent: AgentHandle, message: Mapping[str, Any]) -> None:
        try:  # checked here, before the Jump Client sees anything of it
            frame = read_console_frame(message.get("text") or message.get("bytes") or b"")
        except ValueError:
            log.info("session %s: dropped a shell frame that is not one", sid)
            return
        if isinstance(frame, ConsoleInput):
            await agent.send(ShellInput(sid=sid, data=frame.data).model_dump())
        else:
            await agent.send(ShellResize(sid=sid, cols=frame.cols, rows=frame.rows).model_dump())

    # -- from the Jump Client ----------------------------------------------------------------

    async def from_agent(self, frame: ShellOutput | ShellExit) -> None:
        if isinstance(frame, ShellOutput):
            out: dict[str, Any] = {"type": "output", "data": frame.data}
        else:
            out = {"type": "exit", "code": frame.code}
        text = orjson.dumps(out).decode()
        for viewer in list(self.viewers.get(frame.sid, ())):
            if viewer.grant.active:
                with contextlib.suppress(Exception):
                    await viewer.ws.send_text(text)

    async def session_ended(self, sid: str, reason: str) -> None:
        text = orjson.dumps({"type": "exit", "code": None, "reason": reason}).decode()
        for viewer in list(self.viewers.pop(sid, ())):
            if viewer.grant.active:
                with contextlib.suppress(Exception):
                    await viewer.ws.send_text(text)
            viewer.grant.end(Close.NORMAL, "")
