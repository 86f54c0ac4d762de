"""A node of a two-node site killed (``kill -9``) under real Jump Clients and a console.

Node A and node B share one PostgreSQL and one Redis and stand behind one address (a
relay that sends each new connection to the first node up: A while it lives). The clients
and a console reach the site through that address; another console works on B directly.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from api_client import (
    ApiCredentials,
    ApplianceClient,
    FeedState,
    FeedStatus,
    LiveFeed,
    RepCredentials,
)
from api_client.live import ItemDelta, SnapshotLoaded
from tests.support import services
from tests.support.appliance import new_database
from tests.support.balancer import Balancer
from tests.support.feed import Events
from tests.support.jump_client import Client, eventually, installer, running
from tests.support.processes import RunningAppliance, start_appliance

pytestmark = pytest.mark.integration
SETTINGS = {"JUMP_APPLIANCE_LIVE_INTERVAL_S": "0.5", "JUMP_APPLIANCE_SIMULATE": "false"}


@pytest.fixture
def site(
    shared_pg: services.Postgres, redis: services.Redis
) -> Iterator[tuple[RunningAppliance, RunningAppliance, Balancer]]:
    url = new_database(None, "failover", shared_pg)
    nodes: list[RunningAppliance] = []
    balancer: Balancer | None = None
    try:
        for name in ("a", "b"):  # one after the other: the first creates the schema
            nodes.append(
                start_appliance(
                    url,
                    "--bus",
                    redis.url,
                    "--node-id",
                    name,
                    "--demo-fleet",
                    "0",
                    "--api-account",
                    "it:it-secret",
                    env=SETTINGS,
                )
            )
        balancer = Balancer([node.url for node in nodes])
        balancer.start()
        yield nodes[0], nodes[1], balancer
    finally:
        if balancer is not None:
            balancer.stop()
        for node in nodes:
            node.stop()


@pytest.fixture
def clients() -> Iterator[list[Client]]:
    started: list[Client] = []
    yield started
    for client in started:
        if client.process.poll() is None:
            os.kill(client.process.pid, signal.SIGCONT)  # one may be stopped
        client.stop()


def _ids(event: SnapshotLoaded) -> list[int]:
    return [item.id for item in event.items]


async def test_killing_a_node_moves_its_clients_and_consoles_to_the_other(
    site: tuple[RunningAppliance, RunningAppliance, Balancer],
    clients: list[Client],
    tmp_path: Path,
) -> None:
    a, b, balancer = site
    async with (
        ApplianceClient(b.url, credentials=ApiCredentials("it", "it-secret")) as api,
        ApplianceClient(balancer.url, credentials=RepCredentials("carol", "demo")) as on_a,
        ApplianceClient(b.url, credentials=RepCredentials("bob", "demo")) as on_b,
    ):
        inst = await installer(api)
        ids = [
            running(balancer.url, inst, tmp_path / f"c{n}", clients, mac=f"02:00:5e:78:00:0{n}")
            for n in range(4)
        ]
        for item_id in ids:
            await eventually(lambda i=item_id: _online(api, i), timeout=60)
        *moving, frozen = ids
        console = Events(LiveFeed(on_a))  # through the one address: on A
        first = await console.until(lambda e: isinstance(e, SnapshotLoaded))
        assert isinstance(first, SnapshotLoaded)
        watcher = Events(LiveFeed(on_b))  # on B all along
        await watcher.until(lambda e: isinstance(e, SnapshotLoaded))
        started = await on_a.start_session(moving[0])  # a session held in A's memory
        assert (await api.jump_clients.get(moving[0])).x_in_session_by == ["carol"]
        # a client that cannot reconnect (stopped), so A's death is the last word on it
        os.kill(clients[-1].process.pid, signal.SIGSTOP)

        before = [await api.jump_clients.get(i) for i in ids]
        killed_at = max(item.last_connect_timestamp or datetime.min for item in before)
        a.process.kill()  # kill -9: no goodbye to clients, consoles or the database
        a.process.wait(10)

        # the console through the one address comes back on B: a fresh snapshot, each item once
        await console.until(lambda e: isinstance(e, FeedStatus) and e.state is not FeedState.LIVE)
        again = await console.until(lambda e: isinstance(e, SnapshotLoaded))
        assert isinstance(again, SnapshotLoaded)
        assert sorted(_ids(again)) == sorted(set(_ids(first))) == sorted(_ids(first))
        # the clients reconnect through the same address, now to B
        for item_id in moving:
            await eventually(lambda i=item_id: _reconnected(api, i, killed_at), timeout=60)
        # the session died with A; the client's new connection left nothing in use
        item = await api.jump_clients.get(moving[0])
        assert item.x_in_session_by == [] and item.x_online
        assert started.session.sid not in {s.sid for s in await on_a.sessions()}
        for item_id in moving:  # and B holds them: a session started on B opens on each
            await eventually(lambda i=item_id: _on_b(on_b, i), timeout=30)
        # the stopped client, held by A alone, is called offline by B
        await watcher.until(
            lambda e: (
                isinstance(e, ItemDelta)
                and any(u.id == frozen and not u.x_online for u in e.upserts)
            )
        )
        assert not (await api.jump_clients.get(frozen)).x_online
        await console.close()
        await watcher.close()


async def _online(api: ApplianceClient, item_id: int) -> bool:
    return (await api.jump_clients.get(item_id)).x_online


async def _reconnected(api: ApplianceClient, item_id: int, since: datetime) -> bool:
    item = await api.jump_clients.get(item_id)
    return bool(
        item.x_online
        and since
        and item.last_connect_timestamp
        and item.last_connect_timestamp > since
    )


async def _on_b(rep: ApplianceClient, item_id: int) -> bool:
    """B holds the client: a session started on B opens on it (then ends)."""
    try:
        started = await rep.start_session(item_id)
    except Exception:  # noqa: BLE001 - not yet: the client is still reconnecting
        return False
    await rep.end_session(started.session.sid)
    return True
