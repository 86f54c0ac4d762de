"""The HTTP and websocket server under the appliance (uvicorn), set up once for the
``jump-appliance`` command and the embedded appliance alike."""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request

from domain.protocol.close import Close

#: the Jump Clients' channel (see ``agents.channel``)
AGENT_CONNECT = "/api/agent/v1/connect"


#: messages from a Jump Client that may wait for the appliance before it stops reading more
AGENT_QUEUED = 4


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """Compression (permessage-deflate) for consoles, whose snapshots are large, but not on
    the Jump Clients' channel: their frames are small, and a compressor's state (about
    48 KiB a connection) was half of what a connected client cost the appliance.

    And a Jump Client told to try again later (close code 1013: admission, a full node, the
    database unavailable) has its connection closed as soon as the answer is written, rather
    than held until the client answers the close (up to 10 s): in a reconnect storm the
    refused ones' sockets are most of a node's open files, and the same clients are already
    connecting again. (Only then: a client cut for what it sent may have more on its way,
    and closing over unread data resets the connection, losing the close code it is owed.)"""

    _agent = False

    def send_receive_event_to_app(self) -> None:
        """Uvicorn stops reading a connection after each message until the app has taken
        it: two system calls per message, which on the Jump Clients' channel (a statistics
        frame per client per interval, nothing else most of the time) were an eighth of a
        busy node's time. There it stops once :data:`AGENT_QUEUED` messages wait."""
        if self._agent and not self.read_paused and self.queue.qsize() < AGENT_QUEUED:
            self.read_paused = True  # so that uvicorn's own leaves reading on for this one
            try:
                super().send_receive_event_to_app()
            finally:
                self.read_paused = False
        else:
            super().send_receive_event_to_app()

    def handle_connect(self, event: Request) -> None:
        if event.path.partition("?")[0] == AGENT_CONNECT:
            self._agent = True
            self.conn.available_extensions = []
        super().handle_connect(event)

    async def send(self, message: Any) -> None:
        await super().send(message)
        if (
            self._agent
            and message["type"] == "websocket.close"
            and message.get("code") == Close.TRY_AGAIN_LATER
            and self.close_timer
        ):
            self.close_timer.cancel()
            self.close_timer = None
            self.transport.close()  # once what is written has gone


#: seconds a connection may take to send a whole request head, from when it opens and from
#: each answer (a body's own limits are the guard's: ``appliance._guard``)
HEAD_TIMEOUT_S = 10.0


class HttpProtocol(H11Protocol):
    """HTTP/1.1 where a request head must arrive whole within ``HEAD_TIMEOUT_S``. Uvicorn's
    keep-alive timer ends at the first byte, so a connection that sent nothing after opening,
    or a head a byte at a time, was held for ever."""

    _head_timer: asyncio.TimerHandle | None = None
    _head_cycle: object = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def handle_websocket_upgrade(self, event: Any) -> None:
        self._stop_waiting()  # the websocket's protocol holds the connection from here
        super().handle_websocket_upgrade(event)

    def _stop_waiting(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _await_head(self) -> None:
        self._stop_waiting()
        self._head_cycle = self.cycle  # a new request replaces it
        self._head_timer = self.loop.call_later(HEAD_TIMEOUT_S, self._head_late)

    def _head_late(self) -> None:
        if self.cycle is self._head_cycle:  # no request began since: close, as when idle
            self.timeout_keep_alive_handler()


def server_config(app: Any, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        http=HttpProtocol,
        timeout_keep_alive=5,
        ws=WebSocketProtocol,
        ws_ping_interval=20,
        ws_ping_timeout=20,
        lifespan="on",
    )
