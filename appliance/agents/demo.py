"""The demo fleet's stand-in for a Jump Client, answering in-process.

Presence comes from the item's console user (and a seeded locked screen), passive demo
clients connect when asked, wake sends a real magic packet by UDP to the configured
broadcast address (loopback in demos and tests), and upgrades pull their bundle through the
appliance's bandwidth throttle.
"""

from __future__ import annotations

import asyncio
import random
import socket
from typing import TYPE_CHECKING, Any

from appliance import presence
from appliance.agents.handle import AgentError, PresenceAnswer, Transfer
from domain.protocol.agent import AgentSettings
from domain.rules import magic_packet
from domain.session_policy import ResolvedPermissions

if TYPE_CHECKING:
    from appliance.live import LiveHub
    from appliance.site import Site


def parse_host_port(text: str, default_port: int = 9) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host:
        return text, default_port
    return host, int(port)


class DemoAgent:
    """An in-process stand-in for a demo Jump Client."""

    shell = False
    connected = True

    def __init__(self, app: Site, live: LiveHub, item_id: int) -> None:
        self.app = app
        self.live = live
        self.item_id = item_id
        self._locked = random.Random(item_id * 31 + 7).random() < 0.2

    async def presence(self) -> PresenceAnswer:
        client = self.app.repo.clients.get(self.item_id)
        user = None
        if client is not None:
            latest = self.live.latest.get(self.item_id)
            user = (latest[2] if latest else None) or client.console_user or None
        return PresenceAnswer(user, self._locked, False)

    async def prompt(self, question: str, timeout_s: int) -> bool | None:
        return True  # the demo fleet's users are simulated; they always accept

    async def site_settings(self, settings: AgentSettings) -> None:
        return None  # demo clients read the site's settings where they live, in the appliance

    async def connect_now(self) -> bool:
        with presence.transitions(self.app) as batch:
            updated = batch.mark_online(self.item_id)
        return updated is not None

    async def wake(self, mac: str, password: bytes | None) -> None:
        host, port = parse_host_port(self.app.config.wol_broadcast)
        packet = magic_packet(mac, password)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            sock.sendto(packet, (host, port))

    async def open_session(self, sid: str, permissions: ResolvedPermissions) -> None:
        return None

    async def end_session(self, sid: str, reason: str) -> None:
        return None

    async def send(self, frame: dict[str, Any]) -> None:
        raise AgentError("demo Jump Clients offer no command shell")

    async def system_info(self, sid: str) -> dict[str, Any]:
        raise AgentError("demo Jump Clients report no system information")

    async def file_get(self, sid: str, path: str) -> bytes:
        raise AgentError("demo Jump Clients offer no file transfer")

    async def file_put(self, sid: str, path: str, data: bytes) -> None:
        raise AgentError("demo Jump Clients offer no file transfer")

    async def screenshot(self, sid: str) -> bytes:
        raise AgentError("demo Jump Clients have no screen to share")

    async def upgrade(self, version: str, size: int, transfer: Transfer) -> str:
        chunk = 64 * 1024
        sent = 0
        while sent < size:
            step = min(chunk, size - sent)
            await transfer(step)
            sent += step
        await asyncio.sleep(0)
        return version
