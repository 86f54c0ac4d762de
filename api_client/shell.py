"""A representative's terminal on a session's command shell (``WS /sessions/{sid}/shell``).

::

    async with open_shell(client, sid, cols=100, rows=30) as shell:
        await shell.write(b"uptime\\n")
        async for chunk in shell:      # bytes of terminal output, until the shell exits
            ...
    shell.exit_code                     # set when the shell exited

A shell outlives its consoles: one that attaches gets the screen as it is now first (a
terminal reset, then the shell's recent output). When several representatives share it, its
terminal has the size of the one who typed last: ``shell.size`` is the terminal's size as the
appliance last told it, and ``on_size`` (when set) hears of each change, for the emulator to
show the screen at that size.
"""

from __future__ import annotations

import base64
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from api_client.client import ApplianceClient
from api_client.errors import Refused
from api_client.session_socket import session_socket
from domain.protocol.agent import ScreenSize


class ShellConnection:
    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws
        self.exit_code: int | None = None
        self.ended_because: str | None = None
        self.size: tuple[int, int] | None = None
        """The terminal's size on the endpoint, as last told (None until told)."""
        self.on_size: Callable[[int, int], None] | None = None

    async def write(self, data: bytes) -> None:
        await self._ws.send(
            orjson.dumps({"type": "input", "data": base64.b64encode(data).decode()}).decode()
        )

    async def resize(self, cols: int, rows: int) -> None:
        """Tell the endpoint's terminal its size (nothing happens once the shell is closed)."""
        frame = orjson.dumps({"type": "resize", "cols": cols, "rows": rows}).decode()
        with contextlib.suppress(ConnectionClosed):
            await self._ws.send(frame)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        try:
            async for raw in self._ws:
                try:
                    frame: dict[str, Any] = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    continue
                if frame.get("type") == "output":
                    yield base64.b64decode(str(frame.get("data", "")))
                elif frame.get("type") == "size":
                    self._sized(frame)
                elif frame.get("type") == "exit":
                    code = frame.get("code")
                    self.exit_code = code if isinstance(code, int) else None
                    self.ended_because = frame.get("reason")
                    return
        except ConnectionClosed as err:
            if err.rcvd is not None and err.rcvd.code >= 4000:
                raise Refused(
                    err.rcvd.reason or "The shell was refused.", status=err.rcvd.code - 4000
                ) from None

    def _sized(self, frame: dict[str, Any]) -> None:
        try:
            size = ScreenSize.model_validate(frame)
        except ValueError:
            return
        self.size = (size.cols, size.rows)
        if self.on_size is not None:
            self.on_size(size.cols, size.rows)


RECEIVE_BUFFER = 256 * 1024
"""Bytes of terminal output the kernel may hold for a shell before the appliance must wait."""


def _small_receive_buffer(ws: ClientConnection) -> None:
    """Keep the kernel from holding megabytes of a flood (``yes``) the terminal has not read
    yet: the appliance waits instead, and so does the Jump Client, and so the program, so
    Ctrl-C takes effect on the screen soon after it is pressed."""
    sock = ws.transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)


@asynccontextmanager
async def open_shell(
    client: ApplianceClient, sid: str, *, cols: int = 80, rows: int = 24
) -> AsyncIterator[ShellConnection]:
    query = f"?cols={cols}&rows={rows}"
    async with session_socket(client, sid, "shell", query=query, max_size=4 * 1024 * 1024) as ws:
        _small_receive_buffer(ws)
        yield ShellConnection(ws)
