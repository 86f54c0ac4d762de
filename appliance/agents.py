"""Handles on Jump Clients the appliance can ask things of, and the demo fleet's stand-ins.

A real Jump Client connects over the agent channel (the Jump Client issue); until then and
for the demo fleet, a :class:`DemoAgent` answers in-process: presence from the item's console
user (and a seeded locked screen), passive clients connect when asked, wake sends a real
magic packet by UDP to the configured broadcast address (loopback in demos and tests), and
upgrades pull their bundle through the appliance's bandwidth throttle.
"""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from appliance._state import Appliance
from domain.rules import Refusal, magic_packet
from domain.session_policy import ResolvedPermissions

Transfer = Callable[[int], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PresenceAnswer:
    console_user: str | None
    locked: bool
    screen_saver: bool


class AgentError(Exception):
    """The Jump Client did not do what it was asked; the message says what happened."""


class NodesUnavailable(AgentError):
    """The client is held by another appliance node, and the nodes cannot reach each other
    just now (the bus is down): nothing was asked; the request may be tried again shortly."""

    retry_after_s = 5

    def __init__(self) -> None:
        super().__init__(
            "the appliance nodes cannot reach each other just now; try again in a few seconds"
        )


def unreachable(err: BaseException) -> Refusal | None:
    """The refusal (503, to be retried) for a request that could not reach the node holding
    the client; None for any other failure."""
    if not isinstance(err, NodesUnavailable):
        return None
    return Refusal("unavailable", str(err).capitalize() + ".", status=503)


class AgentHandle(Protocol):
    item_id: int
    shell: bool
    connected: bool
    """False for a passive client that only checks in: ``connect_now`` asks it to connect."""

    async def presence(self) -> PresenceAnswer: ...

    async def prompt(self, question: str, timeout_s: int) -> bool | None:
        """Ask the present user to accept: True, False, or None when nobody answered."""
        ...

    async def connect_now(self) -> bool: ...

    async def site_settings(self, settings: dict[str, Any]) -> None:
        """The site's settings changed: a connected client follows them at once."""
        ...

    async def wake(self, mac: str, password: bytes | None) -> None: ...

    async def open_session(self, sid: str, permissions: ResolvedPermissions) -> None: ...

    async def end_session(self, sid: str, reason: str) -> None: ...

    async def upgrade(self, version: str, size: int, transfer: Transfer) -> str:
        """Upgrade; answer the version the client moved to."""
        ...

    async def send(self, frame: dict[str, Any]) -> None: ...

    async def system_info(self, sid: str) -> dict[str, Any]: ...

    async def file_get(self, sid: str, path: str) -> bytes: ...

    async def file_put(self, sid: str, path: str, data: bytes) -> None: ...


def parse_host_port(text: str, default_port: int = 9) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host:
        return text, default_port
    return host, int(port)


class DemoAgent:
    """An in-process stand-in for a demo Jump Client."""

    shell = False
    connected = True

    def __init__(self, app: Appliance, item_id: int) -> None:
        self.app = app
        self.item_id = item_id
        self._locked = random.Random(item_id * 31 + 7).random() < 0.2

    async def presence(self) -> PresenceAnswer:
        client = self.app.repo.clients.get(self.item_id)
        user = None
        if client is not None:
            latest = self.app.live.latest.get(self.item_id) if self.app.live else None
            user = (latest[2] if latest else None) or client.console_user or None
        return PresenceAnswer(user, self._locked, False)

    async def prompt(self, question: str, timeout_s: int) -> bool | None:
        return True  # the demo fleet's users are simulated; they always accept

    async def site_settings(self, settings: dict[str, Any]) -> None:
        return None  # demo clients read the site's settings where they live, in the appliance

    async def connect_now(self) -> bool:
        with self.app.repo.transaction():
            updated = self.app.repo.clients.update(
                self.item_id, {"x_online": True, "last_connect_timestamp": self.app.clock.now()}
            )
        if updated is not None:
            self.app.changed([self.item_id])
        return updated is not None

    async def wake(self, mac: str, password: bytes | None) -> None:
        host, port = parse_host_port(self.app.settings.wol_broadcast)
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

    async def upgrade(self, version: str, size: int, transfer: Transfer) -> str:
        chunk = 64 * 1024
        sent = 0
        while sent < size:
            step = min(chunk, size - sent)
            await transfer(step)
            sent += step
        await asyncio.sleep(0)
        return version


class AgentRegistry:
    """Connected Jump Clients by item id; demo items get a :class:`DemoAgent`."""

    def __init__(self, app: Appliance) -> None:
        self.app = app
        self._agents: dict[int, AgentHandle] = {}
        self.passive: dict[int, tuple[str, int]] = {}  # item -> where it listens
        self._arrived: dict[int, asyncio.Event] = {}

    def register(self, agent: AgentHandle) -> None:
        """A Jump Client connected to this node (other nodes learn that this node holds it)."""
        self._agents[agent.item_id] = agent
        self.app.bus.holds(agent.item_id, True)
        event = self._arrived.pop(agent.item_id, None)
        if event is not None:
            event.set()

    async def wait_for(self, item_id: int, timeout: float) -> bool:
        """Wait until the client ``item_id`` connects (a passive one that was knocked on)."""
        if item_id in self._agents:
            return True
        event = self._arrived.setdefault(item_id, asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def site_settings(self, settings: dict[str, Any]) -> None:
        for agent in list(self._agents.values()):
            await agent.site_settings(settings)

    def unregister(self, item_id: int, agent: AgentHandle | None = None) -> bool:
        """The client went away (``agent``: only if this is still its current connection);
        False when a newer connection of the client replaced ``agent`` here."""
        if agent is not None and self._agents.get(item_id) is not agent:
            return False
        if self._agents.pop(item_id, None) is not None:
            self.app.bus.holds(item_id, False)
        return True

    def local(self, item_id: int) -> AgentHandle | None:
        """The client if this node holds it."""
        return self._agents.get(item_id)

    def get(self, item_id: int) -> AgentHandle | None:
        """A handle on the client: held here, listening passively, held by another node, or
        a demo stand-in."""
        agent = self._agents.get(item_id)
        if agent is not None:
            return agent
        endpoint = self.passive.get(item_id)
        if endpoint is not None:
            return PassiveAgent(self, item_id, endpoint)
        from appliance.bus import held_somewhere, remote_handle  # they speak of agents

        remote = remote_handle(self.app.bus, item_id)
        if remote is not None:
            return remote
        client = self.app.repo.clients.get(item_id)
        if client is not None and client.x_online:
            remote = held_somewhere(self.app.bus, item_id)
            if remote is not None:
                return remote
        if client is not None and client.x_demo:
            demo = DemoAgent(self.app, item_id)
            self._agents[item_id] = demo
            return demo
        return None


class PassiveAgent:
    """A passive client that checks in and listens; asked to connect when a session starts."""

    shell = False
    connected = False

    def __init__(self, registry: AgentRegistry, item_id: int, endpoint: tuple[str, int]) -> None:
        self.registry = registry
        self.item_id = item_id
        self.endpoint = endpoint

    async def connect_now(self) -> bool:
        host, port = self.endpoint
        try:
            _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
            writer.write(b"connect-now\n")
            await writer.drain()
            writer.close()
            await writer.wait_closed()
        except (OSError, TimeoutError):
            return False
        return await self.registry.wait_for(self.item_id, 15)

    async def site_settings(self, settings: dict[str, Any]) -> None:
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
