"""The agent channel holds up: garbage, oversized frames and statistics floods disconnect the
client that sends them, and the others carry on."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from appliance._state import Appliance
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from tests.integration.test_reconnect_storm import _register

pytestmark = pytest.mark.integration


async def _join(url: str, item_id: int, secret: str) -> ClientConnection:
    ws = await connect(url, max_size=None)
    await ws.send(
        orjson.dumps(
            {"type": "hello", "jump_client_id": item_id, "secret": secret, "version": "1.0.0"}
        ).decode()
    )
    assert orjson.loads(await ws.recv())["type"] == "welcome"
    return ws


async def _closed_with(ws: ClientConnection) -> int | None:
    try:
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def test_a_bad_client_is_disconnected_and_the_others_carry_on(database: str) -> None:
    settings = ApplianceSettings(db=database, demo_fleet=0, simulate=False, live_interval_s=1.0)
    appliance = EmbeddedAppliance(settings)
    appliance.start()
    try:
        state: Appliance = appliance.app.state.appliance
        creds = await asyncio.to_thread(appliance.call, lambda: _register(state, 4))
        url = appliance.url.replace("http://", "ws://") + "/api/agent/v1/connect"
        good, flooder, babbler, giant = [await _join(url, *c) for c in creds]
        stats = orjson.dumps({"type": "stats", "cpu_percent": 12.5}).decode()

        for _ in range(500):  # far faster than four a second
            await flooder.send(stats)
        for _ in range(30):
            await babbler.send("this is not JSON {")
        await giant.send("x" * (17 * 1024 * 1024))  # over the appliance's frame limit

        assert await _closed_with(flooder) == 4429
        assert await _closed_with(babbler) == 4400
        assert await _closed_with(giant) == 1009  # message too big
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
