"""Upgrades of Jump Clients, as the appliance orchestrates them.

An orchestrator queues manual upgrades (and, with automatic upgrades on, every reachable
client that needs one), runs at most ``max_concurrent_upgrades`` at a time, and passes all bundle
transfers through one throttle of ``upgrade_bandwidth_mib_s``. Each item's state (queued,
upgrading, done, failed) reaches consoles as item changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

from appliance.agents import AgentError, AgentRegistry
from appliance.errors import Refused
from appliance.site import Site
from domain import AutomaticUpgrades, ConnectionType, UpgradeState, User
from domain.rules import Refusal, upgrade_refusal

log = logging.getLogger("appliance.upgrades")
MIB = 1024 * 1024
CURRENT_VERSION = "1.0.0"
#: who the audit log names for the end of an upgrade cycle
CYCLE_ACTOR = "appliance"


class Throttle:
    """A token bucket in bytes per second; the rate is read again on every wait. Time is
    ``monotonic`` and waiting is ``sleep`` (tests run it on a virtual clock)."""

    def __init__(
        self,
        rate: Callable[[], float],
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._rate = rate
        self._monotonic = monotonic
        self._sleep = sleep
        self._tokens = 0.0
        self._at = monotonic()
        self._lock = asyncio.Lock()

    async def take(self, nbytes: int) -> None:
        async with self._lock:
            while True:
                rate = float(self._rate())
                now = self._monotonic()
                self._tokens = min(rate * 0.1, self._tokens + (now - self._at) * rate)
                self._at = now
                if self._tokens >= nbytes:
                    self._tokens -= nbytes
                    return
                await self._sleep((nbytes - self._tokens) / rate)


class UpgradeOrchestrator:
    def __init__(self, app: Site, agents: AgentRegistry) -> None:
        self.app = app
        self.agents = agents
        self.queue: deque[int] = deque()
        self.active: set[int] = set()
        self.peak_active = 0
        self.bytes_sent = 0
        self.throttle = Throttle(lambda: self.app.settings().upgrade_bandwidth_mib_s * MIB)
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    def _state(self, item_id: int, state: UpgradeState, **changes: object) -> None:
        with self.app.repo.transaction():
            self.app.repo.clients.update(item_id, {"x_upgrade_state": state, **changes})
        self.app.changed([item_id])

    def request(self, user: User, item_id: int) -> None:
        """A manual upgrade: refused while automatic upgrades are on or the client is current."""
        repo = self.app.repo
        client = repo.clients.get(item_id)
        assert client is not None
        refusal = upgrade_refusal(client, repo.settings().automatic_upgrades)
        if refusal is None and (item_id in self.active or item_id in self.queue):
            refusal = Refusal("upgrading", f"'{client.name}' is already being upgraded.")
        if refusal is not None:
            with repo.transaction():
                self.app.audit(
                    user.username, "upgrade.refused", f"jump_client:{item_id}", code=refusal.code
                )
            raise Refused(refusal)
        self._enqueue(item_id)
        with repo.transaction():
            self.app.audit(user.username, "upgrade.request", f"jump_client:{item_id}")

    def _enqueue(self, item_id: int) -> None:
        self.queue.append(item_id)
        self._state(item_id, UpgradeState.QUEUED)
        self._wake.set()

    def _automatic(self) -> bool:
        """Queue every reachable client that needs an upgrade; True when automatic upgrades
        are on for this cycle only and the cycle is over."""
        mode = self.app.settings().automatic_upgrades
        if mode is AutomaticUpgrades.DISABLED:
            return False
        for client in self.app.repo.clients.find([("needs_update", True)]):
            if (
                client.x_online
                and client.connection_type is not ConnectionType.UNINSTALLED
                and client.x_upgrade_state is not UpgradeState.FAILED
                and client.id not in self.active
                and client.id not in self.queue
            ):
                self._enqueue(client.id)
        return mode is AutomaticUpgrades.THIS_VERSION and not self.queue and not self.active

    async def _end_cycle(self) -> None:
        """The upgrade cycle is over: automatic upgrades off again, for good (persisted)."""
        repo = self.app.repo
        with repo.transaction():
            current = repo.settings()
            if current.automatic_upgrades is not AutomaticUpgrades.THIS_VERSION:
                return  # changed meanwhile (here or on another node)
            ended = AutomaticUpgrades.DISABLED
            repo.save_settings(current.model_copy(update={"automatic_upgrades": ended}))
            change = [current.automatic_upgrades.value, ended.value]
            self.app.audit(
                CYCLE_ACTOR,
                "settings.update",
                "jump_client_settings",
                changes={"automatic_upgrades": change},
            )
        log.info("the upgrade cycle is over: automatic upgrades are off again")
        await self.app.settings_changed()

    async def transfer(self, nbytes: int) -> None:
        await self.throttle.take(nbytes)
        self.bytes_sent += nbytes

    def pump(self) -> None:
        """Start queued upgrades while fewer than the cap are running."""
        cap = self.app.settings().max_concurrent_upgrades
        while self.queue and len(self.active) < cap:
            item_id = self.queue.popleft()
            self.active.add(item_id)
            self.peak_active = max(self.peak_active, len(self.active))
            task = asyncio.ensure_future(self._upgrade(item_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _upgrade(self, item_id: int) -> None:
        try:
            agent = self.agents.get(item_id)
            if agent is None:
                raise AgentError("the Jump Client is not connected")
            self._state(item_id, UpgradeState.UPGRADING)
            version = await agent.upgrade(
                CURRENT_VERSION, self.app.config.upgrade_bundle_bytes, self.transfer
            )
        except (AgentError, OSError) as err:
            log.warning("upgrade of item %s failed: %s", item_id, err)
            self._state(item_id, UpgradeState.FAILED)
        else:
            self._state(item_id, UpgradeState.DONE, needs_update=False, x_version=version)
        finally:
            self.active.discard(item_id)
            self._wake.set()

    async def step(self) -> None:
        """One round: queue what automatic upgrades ask for, end a cycle that is over, and
        start queued upgrades."""
        if self._automatic():
            await self._end_cycle()
        self.pump()

    async def settle(self) -> None:
        """Wait until the upgrades started so far have ended (tests)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def run(self) -> None:
        while True:
            try:
                await self.step()
            except Exception:
                log.exception("upgrade orchestration failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5.0):
                    await self._wake.wait()
