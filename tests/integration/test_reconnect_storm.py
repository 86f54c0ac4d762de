"""A reconnect storm: 1,000 simulated Jump Clients on loopback, admitted at the site's rate.

The rate is the appliance's own: its admission reads the injected clock, and the clients wait
on that clock too (virtual time), so what is measured is the admission, not how fast this
machine happens to be today.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools

import orjson
import pytest
from websockets.asyncio.client import connect

from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from appliance.services import Services
from jump_client.agent import retry_delay
from tests.support.agents import register_clients
from tests.support.appliance import T0

pytestmark = [pytest.mark.integration, pytest.mark.not_storage("connection-rate admission")]
CLIENTS, RATE = 1000, 100


class VirtualTime:
    """Clients that wait on a fake clock. The clock stands still while any client is busy
    talking to the appliance; when every one is waiting, it moves a tick past the earliest
    wake-up and lets every client due by then go, together (each wakes at most a tick late,
    as on a busy machine, and the storm runs a tick's worth of clients at a time)."""

    TICK = 0.1

    def __init__(self, clock: FakeClock, busy: int) -> None:
        self.clock = clock
        self.busy = busy
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def sleep(self, seconds: float) -> None:
        wake = asyncio.get_running_loop().create_future()
        entry = (self.clock.monotonic() + seconds, next(self._order), wake)
        heapq.heappush(self._sleepers, entry)
        self.done()
        await wake

    def done(self) -> None:
        """One busy client is now waiting or finished."""
        self.busy -= 1
        if self.busy > 0 or not self._sleepers:
            return
        until = self._sleepers[0][0] + self.TICK
        self.clock.advance(max(0.0, until - self.clock.monotonic()))
        while self._sleepers and self._sleepers[0][0] <= until:
            _, _, wake = heapq.heappop(self._sleepers)
            self.busy += 1
            wake.set_result(None)


async def test_a_storm_of_reconnects_is_admitted_at_the_site_rate(database: str) -> None:
    settings = ApplianceSettings(db=database, demo_fleet=0, simulate=False)
    clock = FakeClock(T0)
    appliance = EmbeddedAppliance(settings, clock=clock)
    appliance.start()
    try:
        state: Services = appliance.app.state.appliance
        credentials = await asyncio.to_thread(
            appliance.call, lambda: register_clients(state, CLIENTS, connection_rate=RATE)
        )
        url = appliance.url.replace("http://", "ws://") + "/api/agent/v1/connect"
        admitted: list[float] = []
        attempts = 0
        time = VirtualTime(clock, busy=CLIENTS)

        async def client(item_id: int, secret: str) -> None:
            nonlocal attempts
            hello = orjson.dumps(
                {"type": "hello", "jump_client_id": item_id, "secret": secret, "version": "1.0.0"}
            ).decode()
            while True:
                attempts += 1
                async with connect(url, open_timeout=30) as ws:
                    await ws.send(hello)
                    first = orjson.loads(await ws.recv())
                    if first["type"] == "retry":  # as the Jump Client does: after_s, + jitter
                        wait = retry_delay(float(first["after_s"]))
                    else:
                        assert first["type"] == "welcome", first
                        admitted.append(clock.monotonic())
                        time.done()
                        return
                await time.sleep(wait)

        await asyncio.wait_for(asyncio.gather(*(client(i, s) for i, s in credentials)), timeout=120)
    finally:
        appliance.stop()
    admitted.sort()
    assert len(admitted) == CLIENTS
    burst = RATE  # the bucket starts full: one second's worth at once
    # while clients wait (the burst and the last 5 %, when few are left, aside)
    last = int(CLIENTS * 0.95)
    rate = (last - burst) / (admitted[last] - admitted[burst])
    whole = (CLIENTS - burst - 1) / (admitted[-1] - admitted[burst])
    print(
        f"admitted {CLIENTS} in {admitted[-1] - admitted[0]:.1f} s: {rate:.1f}/s while "
        f"clients wait, {whole:.1f}/s to the last one; {attempts} attempts"
    )
    assert RATE * 0.9 <= rate <= RATE * 1.1
    assert attempts < CLIENTS * 3  # retries are spread out, not a second storm
