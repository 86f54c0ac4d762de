"""The agent channel (``WS /api/agent/v1/connect``): the websocket protocol a Jump Client
speaks with the appliance.

``hello`` → ``welcome {settings}`` | ``retry {after_s}`` (connection-rate admission) |
``reject {reason}``; then the agent sends ``stats`` and answers requests (``presence.ask``,
``wake``, ``session.open``, ``session.end``, ...) with ``response`` frames. While the
connection lasts the client is held by this node (:class:`RemoteAgent` in the registry);
when it ends the client is offline, unless it has connected again since.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from appliance.agents import credentials
from appliance.agents.arrivals import Arrivals, Departures
from appliance.agents.connected import RemoteAgent
from appliance.agents.credentials import UnknownClient
from appliance.agents.guards import Admission, Capacity, ChannelGuard
from appliance.db import DatabaseUnavailable
from appliance.serving import AGENT_CONNECT
from domain import format_utc
from domain.protocol.agent import (
    Figures,
    Hello,
    Reject,
    Response,
    Retry,
    Welcome,
    read_reply,
    read_stats,
)
from domain.protocol.close import Close
from domain.protocol.screen import is_screen_type, read_agent_screen

if TYPE_CHECKING:
    from appliance.live import LatestStats
    from appliance.services import Services

log = logging.getLogger("appliance.agent")


class AgentChannel:
    """``/connect``, the Jump Clients' websocket, served straight from the server rather
    than through the APIs' routing and middleware: a connection lives as long as its client
    is online, and every layer it passes through is held that long, once per client (see
    :class:`AgentChannelFirst`)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.admission = Admission(services.site, services.shared)
        self.capacity = Capacity()
        self.arrivals = Arrivals(services.site)
        self.departures = Departures(services.site)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ws = WebSocket(scope, receive, send)
        self.capacity.opened()
        try:
            await self.connect(ws)
        except DatabaseUnavailable:  # the client retries with its backoff
            with contextlib.suppress(RuntimeError, OSError):
                await ws.close(Close.TRY_AGAIN_LATER, "the appliance's database is unavailable")
        finally:
            self.capacity.closed()

    async def connect(self, ws: WebSocket) -> None:
        services, admission = self.services, self.admission
        await ws.accept()
        try:
            async with asyncio.timeout(30):
                said = await _text_frame(ws)
            hello = Hello.model_validate_json(said)
        except WebSocketDisconnect:  # gone before it said hello
            return
        except (TimeoutError, ValidationError, ValueError):
            await ws.send_text(Reject(reason="bad_hello").model_dump_json())
            await ws.close(Close.BAD_REQUEST)
            return
        if self.capacity.full():  # before any work for it: a full node's one is refused
            await ws.send_text(Retry.after(self.capacity.retry_after()).model_dump_json())
            await ws.close(Close.TRY_AGAIN_LATER)
            return
        try:
            credentials.verify(services.site.repo, hello)
        except UnknownClient:
            await ws.send_text(Reject(reason="deleted").model_dump_json())
            await ws.close(Close.UNAUTHORIZED)
            return
        wait = admission.admit()
        if wait is not None:
            await ws.send_text(Retry.after(wait).model_dump_json())
            await ws.close(Close.TRY_AGAIN_LATER)
            return
        item_id, details = hello.jump_client_id, _details(services, ws, hello)
        max_offline, connected_at = await self.arrivals.online(item_id, details)
        del hello  # not kept for as long as the client stays connected
        if max_offline is None:
            await ws.send_text(Reject(reason="deleted").model_dump_json())
            await ws.close(Close.UNAUTHORIZED)
            return
        await _serve_agent(services, ws, item_id, connected_at, max_offline, self.departures)


class AgentChannelFirst:
    """Middleware (outermost of the app's own) that hands the agent channel's websockets
    to :class:`AgentChannel` and everything else to the APIs."""

    def __init__(self, app: ASGIApp, *, services: Services) -> None:
        self.app = app
        self.channel = AgentChannel(services)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == AGENT_CONNECT:
            await self.channel(scope, receive, send)
        else:
            await self.app(scope, receive, send)


async def _text_frame(ws: WebSocket) -> str:
    """The next frame, which the protocol says is text: a binary one is read as unreadable
    (``""``) rather than failing the connection (raises ``WebSocketDisconnect``)."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    text = message.get("text")
    return text if isinstance(text, str) else ""


def _details(app: Services, ws: WebSocket, hello: Hello) -> dict[str, Any]:
    """What the hello says, for the item."""
    client_host = ws.client.host if ws.client else ""
    details: dict[str, Any] = {
        "needs_update": app.bundle is not None and hello.version != app.bundle.version,
        "x_version": hello.version,
        "install_mode": hello.install_mode,
        "console_user": hello.console_user or "",
        "public_ip": client_host,
        "private_ip": hello.ips[0] if hello.ips else "",
        "x_mac": hello.mac,
        "x_gateway": hello.gateway.model_dump() if hello.gateway else None,
    }
    for key, value in (
        ("hostname", hello.hostname),
        ("fqdn", hello.fqdn),
        ("operating_system", hello.os),
    ):
        if value:
            details[key] = value
    return details


async def _serve_agent(
    app: Services,
    ws: WebSocket,
    item_id: int,
    connected_at: datetime,
    max_offline: int,
    departures: Departures,
) -> None:
    """The connection of a client that said hello (and is online), until it ends."""
    agent = RemoteAgent(item_id, ws, app.bundle)
    app.agents.register(agent)
    settings = app.site.agent_settings().model_copy(update={"max_offline_minutes": max_offline})
    # real time, not the appliance's clock: this is about how fast bytes arrive
    guard = ChannelGuard(time.monotonic, app.live.interval)
    try:  # from here, however the connection ends, the client is offline (unless replaced)
        await ws.send_text(Welcome(jump_client_id=item_id, settings=settings).model_dump_json())
        while True:
            raw = await _text_frame(ws)
            try:
                frame = orjson.loads(raw)
                if isinstance(frame, dict) and frame.get("type") == "stats":
                    if guard.flooding():
                        log.warning("agent %s floods statistics; disconnected", item_id)
                        await ws.close(Close.FLOOD, "statistics sent faster than the site interval")
                        break
                    _record_stats(app, item_id, read_stats(frame))
                    continue
                if isinstance(frame, dict) and is_screen_type(frame.get("type")):
                    screen = read_agent_screen(frame)
                    await app.screens.from_agent(screen)
                    app.bus.broadcast("screen", {"frame": frame})  # viewers elsewhere
                    continue
                reply = read_reply(frame)
            except ValueError:  # unreadable or binary, or not a frame the appliance knows, whole
                if guard.garbage():
                    log.warning("agent %s sent too many unreadable frames; disconnected", item_id)
                    await ws.close(Close.BAD_REQUEST, "too many unreadable frames")
                    break
                continue
            if isinstance(reply, Response):
                agent.answered(reply)
            else:
                await app.shells.from_agent(reply)
                app.bus.broadcast("shell", {"frame": reply.model_dump()})  # viewers elsewhere
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        if app.agents.unregister(item_id, agent):  # not replaced by a newer connection here
            departures.offline(item_id, connected_at)


def _record_stats(app: Services, item_id: int, figures: Figures) -> None:
    stats: LatestStats = (
        figures.cpu_percent,
        figures.disk_percent,
        figures.console_user,
        figures.uptime_s,
        format_utc(app.site.clock.now().replace(microsecond=0)),
    )
    app.live.record_stats(item_id, stats, thumbnail=figures.thumbnail)
    app.bus.stats(item_id, stats, figures.thumbnail)  # consoles on other nodes
