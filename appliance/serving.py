"""The HTTP and websocket server under the appliance (uvicorn), set up once for the
``jump-appliance`` command and the embedded appliance alike."""

from __future__ import annotations

from typing import Any

import uvicorn
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request

#: the Jump Clients' channel (see ``agents.channel``)
AGENT_CONNECT = "/api/agent/v1/connect"


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """Compression (permessage-deflate) for consoles, whose snapshots are large, but not on
    the Jump Clients' channel: their frames are small, and a compressor's state (about
    48 KiB a connection) was half of what a connected client cost the appliance."""

    def handle_connect(self, event: Request) -> None:
        if event.path.partition("?")[0] == AGENT_CONNECT:
            self.conn.available_extensions = []
        super().handle_connect(event)


def server_config(app: Any, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        ws=WebSocketProtocol,
        ws_ping_interval=20,
        ws_ping_timeout=20,
        lifespan="on",
    )
