"""Relay of shell sessions between representatives' consoles and Jump Clients.

A representative in a session whose policy allows the command shell attaches with
``WS /api/rep/v1/sessions/{sid}/shell``. Frames from the console (``input``, ``resize``) go to
the Jump Client as ``shell.input``/``shell.resize``; the client's ``shell.output`` and
``shell.exit`` go to every attached console. The shell ends with the session.
"""

from __future__ import annotations

import contextlib
from typing import Any

import orjson
from starlette.websockets import WebSocket

from domain.protocol.agent import ShellExit, ShellOutput


class ShellRelay:
    def __init__(self) -> None:
        self.viewers: dict[str, set[WebSocket]] = {}

    def attach(self, sid: str, ws: WebSocket) -> bool:
        """Add a console; True when it is the first (the shell must be opened)."""
        viewers = self.viewers.setdefault(sid, set())
        first = not viewers
        viewers.add(ws)
        return first

    def detach(self, sid: str, ws: WebSocket) -> bool:
        """Remove a console; True when none is left (the shell may be closed)."""
        viewers = self.viewers.get(sid)
        if viewers is None:
            return False
        viewers.discard(ws)
        if not viewers:
            del self.viewers[sid]
            return True
        return False

    async def from_agent(self, frame: ShellOutput | ShellExit) -> None:
        if isinstance(frame, ShellOutput):
            out: dict[str, Any] = {"type": "output", "data": frame.data}
        else:
            out = {"type": "exit", "code": frame.code}
        text = orjson.dumps(out).decode()
        for ws in list(self.viewers.get(frame.sid, ())):
            with contextlib.suppress(Exception):
                await ws.send_text(text)

    async def session_ended(self, sid: str, reason: str) -> None:
        text = orjson.dumps({"type": "exit", "code": None, "reason": reason}).decode()
        for ws in list(self.viewers.pop(sid, ())):
            with contextlib.suppress(Exception):
                await ws.send_text(text)
                await ws.close(1000)
