"""The agent channel holds up: garbage, oversized frames and statistics floods disconnect the
client that sends them, and the others carry on."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from appliance.services import Services
from tests.support.agents import closed_with, join, register_clients

pytestmark = pytest.mark.integration


@pytest.mark.not_storage("the agent channel's guard")
async def test_a_bad_client_is_disconnected_and_the_others_carry_on(database: str) -> None:
    settings = ApplianceSettings(db=database, demo_fleet=0, simulate=False, live_interval_s=1.0)
    appliance = EmbeddedAppliance(settings)
    appliance.start()
    try:
        state: Services = appliance.app.state.appliance
        creds = await asyncio.to_thread(appliance.call, lambda: register_clients(state, 4))
        url = appliance.url.replace("http://", "ws://") + "/api/agent/v1/connect"
        good, flooder, babbler, giant = [await join(url, *c) for c in creds]
        stats = orjson.dumps({"type": "stats", "cpu_percent": 12.5}).decode()

        for _ in range(500):  # far faster than four a second
            await flooder.send(stats)
        for _ in range(30):
            await babbler.send("this is not JSON {")
        with contextlib.suppress(ConnectionClosed):  # refused before it is all sent
            await giant.send("x" * (17 * 1024 * 1024))  # over the appliance's frame limit

        assert await closed_with(flooder) == 4429
        assert await closed_with(babbler) == 4400
        assert await closed_with(giant) == 1009  # message too big
        assert state.live is not None
        state.live.latest.pop(creds[0][0], None)
        await good.send(stats)  # the well-behaved client is still there, and heard

        async def heard() -> None:
            while creds[0][0] not in state.live.latest:  # type: ignore[union-attr]
                await asyncio.sleep(0.02)

        await asyncio.wait_for(heard(), 10)
        assert state.agents is not None and state.agents.get(creds[0][0]) is not None
        assert state.live.latest[creds[0][0]][0] == 12.5
        assert all(state.agents.get(c[0]) is None for c in creds[1:])
        await good.close()
    finally:
        appliance.stop()


@pytest.mark.not_storage("which agent connection counts")
async def test_a_replaced_connection_closing_late_leaves_the_client_online(
    database: str,
) -> None:
    settings = ApplianceSettings(db=database, demo_fleet=0, simulate=False, live_interval_s=1.0)
    appliance = EmbeddedAppliance(settings)
    appliance.start()
    try:
        state: Services = appliance.app.state.appliance
        (item_id, secret), *_ = await asyncio.to_thread(
            appliance.call, lambda: register_clients(state, 1)
        )
        url = appliance.url.replace("http://", "ws://") + "/api/agent/v1/connect"

        def online() -> bool:
            item = state.site.repo.clients.get(item_id)
            return bool(item and item.x_online)

        old = await join(url, item_id, secret)
        new = await join(url, item_id, secret)  # the client came back before the old one ended
        await old.close()
        await asyncio.sleep(0.3)
        assert await asyncio.to_thread(appliance.call, online)  # the newer connection counts
        await new.close()

        async def offline() -> None:
            while await asyncio.to_thread(appliance.call, online):
                await asyncio.sleep(0.02)

        await asyncio.wait_for(offline(), 10)
    finally:
        appliance.stop()


async def test_clients_left_online_by_a_node_that_died_are_called_offline(
    database: str,
) -> None:
    """A node killed with clients connected could not say they left; the next start (or,
    on a site, another node) calls offline those no node holds."""
    from appliance.clock import FakeClock
    from appliance.maintenance import OrphanSweep
    from tests.support.appliance import T0

    clock = FakeClock(T0)
    settings = ApplianceSettings(db=database, demo_fleet=0, simulate=False, live_interval_s=1.0)
    appliance = EmbeddedAppliance(settings, clock=clock)
    appliance.start()
    try:
        state: Services = appliance.app.state.appliance
        assert state.live is not None  # this test sweeps by itself, when it says
        state.live.before_tick[:] = [
            h
            for h in state.live.before_tick
            if not isinstance(h.__self__, OrphanSweep)  # type: ignore[attr-defined]
        ]
        (held, secret), (left, _) = await asyncio.to_thread(
            appliance.call, lambda: register_clients(state, 2)
        )
        url = appliance.url.replace("http://", "ws://") + "/api/agent/v1/connect"
        ws = await join(url, held, secret)

        def crashed() -> None:  # as a killed node leaves an item: online, in a session
            with state.site.repo.transaction():
                state.site.repo.clients.update(
                    left,
                    {"x_online": True, "last_connect_timestamp": T0, "x_in_session_by": ["bob"]},
                )

        await asyncio.to_thread(appliance.call, crashed)
        sweep = OrphanSweep(state.site, state.bus, state.agents)
        assert await asyncio.to_thread(appliance.call, lambda: sweep.sweep(clock.now())) == []
        clock.advance(60)  # connected long enough not to be on its way
        gone = await asyncio.to_thread(appliance.call, lambda: sweep.sweep(clock.now()))
        assert gone == [left]
        item = state.site.repo.clients.get(left)
        assert item is not None and not item.x_online and item.x_in_session_by == []
        still = state.site.repo.clients.get(held)
        assert still is not None and still.x_online  # its client is connected here
        await ws.close()
    finally:
        appliance.stop()


@pytest.mark.not_storage("websocket compression")
async def test_the_agent_channel_is_not_compressed_but_the_console_feed_is(
    database: str,
) -> None:
    """A compressor's state costs ~48 KiB a connection: Jump Clients (small frames, 10,000s
    of them) go without; consoles (large snapshots) keep it."""
    settings = ApplianceSettings(db=database, demo_fleet=5, simulate=False)
    appliance = EmbeddedAppliance(settings)
    appliance.start()
    try:
        state: Services = appliance.app.state.appliance
        (item_id, secret), *_ = await asyncio.to_thread(
            appliance.call, lambda: register_clients(state, 1)
        )
        base = appliance.url.replace("http://", "ws://")
        agent = await join(f"{base}/api/agent/v1/connect", item_id, secret)  # deflate offered
        assert agent.response is not None
        assert "Sec-WebSocket-Extensions" not in agent.response.headers
        await agent.close()
        async with httpx.AsyncClient(base_url=appliance.url, timeout=10) as http:
            login = await http.post(
                "/api/rep/v1/login", json={"username": "carol", "password": "demo"}
            )
        token = login.json()["access_token"]
        async with connect(f"{base}/api/rep/v1/live?access_token={token}") as feed:
            assert feed.response is not None
            assert "permessage-deflate" in feed.response.headers["Sec-WebSocket-Extensions"]
    finally:
        appliance.stop()
