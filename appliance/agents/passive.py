"""A passive Jump Client: it checks in and listens, and connects when asked."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from appliance.agents.handle import AgentError, PresenceAnswer, Transfer
from domain.protocol.agent import AgentSettings
from domain.session_policy import ResolvedPermissions

if TYPE_CHECKING:
    from appliance.agents.registry import AgentRegistry


class PassiveAgent:
    """A passive client that checks in and listens; asked to connect when a session starts."""

    shell = False
    connected = False

    def __init__(self, registry: AgentRegistry, item_id: int, endpoint: tuple[str, int]) -> None:
        self.registry = registry
        self.item_id = item_id
        self.endpoint = endpoint

    async def knock(self) -> bool:
        """Ask the client to connect now (False: it cannot be reached where it listens)."""
        host, port = self.endpoint
        try:
            async with asyncio.timeout(5):
                _reader, writer = await asyncio.open_connection(host, port)
            writer.write(b"connect-now\n")
            await writer.drain()
            writer.close()
            await writer.wait_closed()
        except (OSError, TimeoutError):
            return False
        return True

    async def connect_now(self) -> bool:
        return await self.knock() and await self.registry.wait_for(self.item_id, 15)

    async def site_settings(self, settings: AgentSettings) -> None:
        return None  # a passive client reads them when it next checks in or connects

    async def _not_connected(self) -> None:
        raise AgentError("the passive Jump Client is not connected")

    async def presence(self) -> PresenceAnswer:
        await self._not_connected()
        raise AssertionError

    async def prompt(self, question: str, timeout_s: int) -> bool | None:
        await self._not_connected()
        raise AssertionError

    async def wake(self, mac: str, password: bytes | None) -> None:
        await self._not_connected()

    async def open_session(self, sid: str, permissions: ResolvedPermissions) -> None:
        await self._not_connected()

    async def end_session(self, sid: str, reason: str) -> None:
        return None

    async def upgrade(self, version: str, size: int, transfer: Transfer) -> str:
        await self._not_connected()
        raise AssertionError

    async def send(self, frame: dict[str, Any]) -> None:
        await self._not_connected()

    async def system_info(self, sid: str) -> dict[str, Any]:
        await self._not_connected()
        raise AssertionError

    async def file_get(self, sid: str, path: str) -> bytes:
        await self._not_connected()
        raise AssertionError

    async def file_put(self, sid: str, path: str, data: bytes) -> None:
        await self._not_connected()

    async def screenshot(self, sid: str) -> bytes:
        await self._not_connected()
        raise AssertionError
