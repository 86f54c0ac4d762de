"""A node out of open files keeps serving the Jump Clients and consoles it holds, and tells a
new client to come back later, instead of failing every connection (``accept(): Too many
open files``) until one goes away."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from api_client import ApplianceClient, FeedState, FeedStatus, LiveFeed, RepCredentials
from domain.protocol.live import StatsBatch
from tests.support.agents import seed_site
from tests.support.feed import Events
from tests.support.processes import start_appliance

pytestmark = pytest.mark.integration

#: the node's open-files limit here: more clients than that try to connect
OPEN_FILES = 160


@pytest.mark.not_storage("a node's open files")
async def test_a_full_node_tells_a_new_client_to_retry_and_serves_the_others(
    database: str,
) -> None:
    creds = await asyncio.to_thread(seed_site, database, OPEN_FILES, connection_rate=300)
    node = start_appliance(database, open_files=OPEN_FILES)
    url = node.url.replace("http://", "ws://") + "/api/agent/v1/connect"
    held: list[tuple[int, ClientConnection]] = []
    try:
        refusal = None
        for item_id, secret in creds:
            ws = await connect(url, open_timeout=10)
            hello = {"type": "hello", "jump_client_id": item_id, "secret": secret}
            await ws.send(orjson.dumps({**hello, "version": "1.0.0"}).decode())
            first = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
            if first["type"] == "retry":
                refusal = first
                await ws.close()
                break
            assert first["type"] == "welcome", first
            held.append((item_id, ws))

        assert refusal is not None, "every client was let in"
        assert refusal["after_s"] >= 30  # not back at once: the node stays full a while
        assert len(held) >= OPEN_FILES // 2  # most of the limit holds clients

        # a console still signs in, and the clients the node holds are still heard
        async with ApplianceClient(node.url, credentials=RepCredentials("carol", "demo")) as rep:
            events = Events(LiveFeed(rep))
            await events.until(lambda e: isinstance(e, FeedStatus) and e.state is FeedState.LIVE)
            item_id, ws = held[0]
            await ws.send(orjson.dumps({"type": "stats", "cpu_percent": 42.5}).decode())
            batch = await events.until(
                lambda e: isinstance(e, StatsBatch) and any(r[0] == item_id for r in e.rows)
            )
            assert isinstance(batch, StatsBatch)
            assert [r[1] for r in batch.rows if r[0] == item_id] == [42.5]
            await events.close()
        assert node.process.poll() is None
    finally:
        for _, ws in held:
            await ws.close()
        node.stop()
