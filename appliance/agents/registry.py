"""The Jump Clients this node can ask things of, by item id.

A client connected here is held by this node; a passive client that checked in is knocked
on when asked; a client another node holds is asked through that node over the bus; a demo
item gets an in-process stand-in.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from appliance.agents.connected import RemoteAgent
from appliance.agents.demo import DemoAgent
from appliance.agents.handle import AgentHandle
from appliance.agents.passive import PassiveAgent
from appliance.agents.remote import held_somewhere, remote_handle
from domain.protocol.agent import AgentSettings

if TYPE_CHECKING:
    from appliance.bus import LocalBus, RedisBus
    from appliance.live import LiveHub
    from appliance.site import Site

log = logging.getLogger("appliance.agent")
#: what a Jump Client whose item was deleted is told as its connection closes
DELETED = "The Jump Item was deleted by an administrator."


class AgentRegistry:
    """Connected Jump Clients by item id; demo items get a :class:`DemoAgent`."""

    def __init__(self, site: Site, bus: LocalBus | RedisBus, live: LiveHub) -> None:
        self.site = site
        self.bus = bus
        self.live = live
        self._agents: dict[int, AgentHandle] = {}
        self.passive: dict[int, tuple[str, int]] = {}  # item -> where it listens
        self._arrived: dict[int, asyncio.Event] = {}
        self._closing: set[asyncio.Task[Any]] = set()

    def register(self, agent: AgentHandle) -> None:
        """A Jump Client connected to this node (other nodes learn that this node holds it)."""
        self._agents[agent.item_id] = agent
        self.bus.holds(agent.item_id, True)
        event = self._arrived.pop(agent.item_id, None)
        if event is not None:
            event.set()

    async def wait_for(self, item_id: int, timeout: float) -> bool:
        """Wait until the client ``item_id`` connects (a passive one that was knocked on)."""
        if item_id in self._agents:
            return True
        event = self._arrived.setdefault(item_id, asyncio.Event())
        try:
            async with asyncio.timeout(timeout):
                await event.wait()
        except TimeoutError:
            return False
        return True

    async def site_settings(self, settings: AgentSettings) -> None:
        for agent in list(self._agents.values()):
            await agent.site_settings(settings)

    def items_changed(self, _changed: Sequence[int], removed: Sequence[int]) -> None:
        """Items were deleted (on any node): the clients of those connected here are told
        to uninstall themselves and disconnected; a passive client that checked in here is
        knocked on, so it connects now and hears that its item is gone. Either removes
        itself at once instead of staying installed for an item that is gone."""
        for item_id in removed:
            endpoint = self.passive.pop(item_id, None)
            agent = self._agents.get(item_id)
            if isinstance(agent, RemoteAgent):
                log.info("agent %s: its item was deleted; told to uninstall", item_id)
                self._later(agent.removed(DELETED))
            elif endpoint is not None:
                log.info("passive agent %s: its item was deleted; knocked on", item_id)
                self._later(PassiveAgent(self, item_id, endpoint).knock())

    def _later(self, work: Coroutine[Any, Any, object]) -> None:
        """Run ``work`` in the background, kept until it is done."""
        task = asyncio.get_running_loop().create_task(work)
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def unregister(self, item_id: int, agent: AgentHandle | None = None) -> bool:
        """The client went away (``agent``: only if this is still its current connection);
        False when a newer connection of the client replaced ``agent`` here."""
        if agent is not None and self._agents.get(item_id) is not agent:
            return False
        if self._agents.pop(item_id, None) is not None:
            self.bus.holds(item_id, False)
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
        remote = remote_handle(self.bus, item_id)
        if remote is not None:
            return remote
        client = self.site.repo.clients.get(item_id)
        if client is not None and client.x_online:
            remote = held_somewhere(self.bus, item_id)
            if remote is not None:
                return remote
        if client is not None and client.x_demo:
            demo = DemoAgent(self.site, self.live, item_id)
            self._agents[item_id] = demo
            return demo
        return None
