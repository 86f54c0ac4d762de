"""A representative's live view of a session's screen (``WS /sessions/{sid}/screen``).

::

    async with open_screen(client, sid) as screen:
        await screen.watch(180, 100)         # at most this many pixels (the aspect is kept)
        async for event in screen:           # ViewerPicture (changed tiles) or NoScreen
            ...                              # draw it (domain.screen.Picture), then
            await screen.ack(event.seq)      # ... the next frame may come

The appliance sends at most two frames ahead of the acks (a slow view gets fewer, fuller
frames). A refusal (the policy, the present user's "no", the session over) ends the
iteration with :class:`~api_client.errors.Refused` and its sentence. :meth:`ScreenConnection.send`
sends any other frame (input, once the console offers it) on the same websocket.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from api_client.client import ApplianceClient
from api_client.errors import Refused
from api_client.session_socket import session_socket
from domain.protocol.screen import FULL, Ack, Region, ToViewer, Watch, read_to_viewer


class ScreenConnection:
    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws
        self.received = 0
        """Bytes of frames received (the view's bandwidth)."""
        self.refused = 0
        """Frames from the appliance that were not screen frames (dropped)."""

    async def watch(self, width: int, height: int, region: Region = FULL) -> None:
        """Ask for the screen at most ``width × height`` pixels (also to change it)."""
        await self.send(Watch(width=width, height=height, region=region).model_dump())

    async def ack(self, seq: int) -> None:
        await self.send(Ack(seq=seq).model_dump())

    async def send(self, frame: dict[str, Any]) -> None:
        """Any frame on the screen websocket (nothing happens once it is closed)."""
        with contextlib.suppress(ConnectionClosed):
            await self._ws.send(orjson.dumps(frame).decode())

    def __aiter__(self) -> AsyncIterator[ToViewer]:
        return self._events()

    async def _events(self) -> AsyncIterator[ToViewer]:
        try:
            async for raw in self._ws:
                self.received += len(raw)
                try:
                    yield read_to_viewer(raw)
                except ValueError:
                    self.refused += 1
        except ConnectionClosed as err:
            if err.rcvd is not None and err.rcvd.code >= 4000:
                raise Refused(
                    err.rcvd.reason or "The screen was refused.", status=err.rcvd.code - 4000
                ) from None
        if self._ws.close_code is not None and self._ws.close_code >= 4000:
            reason = self._ws.close_reason or "The screen was refused."
            raise Refused(reason, status=self._ws.close_code - 4000)


@asynccontextmanager
async def open_screen(client: ApplianceClient, sid: str) -> AsyncIterator[ScreenConnection]:
    async with session_socket(client, sid, "screen", max_size=32 * 1024 * 1024) as ws:
        yield ScreenConnection(ws)


__all__ = ["ScreenConnection", "open_screen"]
