"""Many Jump Clients leave a node at once (a network drop, the clients' host restarting): every
one is offline in the database and on the representatives' consoles, told in a few changes,
not one change and one durable write each (19,600 took a node over 20 s before)."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from api_client import ApplianceClient, ItemDelta, LiveFeed, RepCredentials
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from appliance.services import Services
from tests.support.agents import register_clients
from tests.support.feed import Events

pytestmark = [pytest.mark.integration, pytest.mark.not_storage("agent connections")]
CLIENTS = 300


async def test_clients_that_leave_together_are_written_offline_together(database: str) -> None:
    appliance = EmbeddedAppliance(ApplianceSettings(db=database, demo_fleet=0, simulate=False))
    appliance.start()
    try:
        state: Services = appliance.app.state.appliance
        credentials = await asyncio.to_thread(
            appliance.call, lambda: register_clients(state, CLIENTS, connection_rate=300)
        )
        ids = {item_id for item_id, _ in credentials}
        url = appliance.url.replace("http://", "ws://") + "/api/agent/v1/connect"

        async def join(item_id: int, secret: str) -> ClientConnection:
            ws = await connect(url, open_timeout=30)
            hello = {"type": "hello", "jump_client_id": item_id, "secret": secret}
            await ws.send(orjson.dumps({**hello, "version": "1.0.0"}).decode())
            assert orjson.loads(await ws.recv())["type"] == "welcome"
            return ws

        sockets = await asyncio.gather(*(join(i, s) for i, s in credentials))

        def online() -> set[int]:
            return set(state.site.repo.clients.ids([("x_online", True)]))

        assert await asyncio.to_thread(appliance.call, online) >= ids
        async with ApplianceClient(
            appliance.url, credentials=RepCredentials("admin", "demo")
        ) as rep:
            feed = Events(LiveFeed(rep, compact=True))
            await feed.snapshot_columns()
            await asyncio.gather(*(ws.close() for ws in sockets))  # all of them leave at once
            went: set[int] = set()
            deltas = 0

            def offline(event: object) -> bool:
                nonlocal deltas
                if isinstance(event, ItemDelta):
                    deltas += 1
                    went.update(i.id for i in event.upserts if i.id in ids and not i.x_online)
                return went >= ids

            await feed.until(offline)
            await feed.close()
        assert not await asyncio.to_thread(appliance.call, online) & ids
        assert deltas <= 10, f"{CLIENTS} departures were told in {deltas} changes"
    finally:
        appliance.stop()
