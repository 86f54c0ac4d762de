"""Two appliance nodes of one site: one PostgreSQL database, one Redis bus, all on 127.0.0.1.

A Jump Client connects to node A; representatives work on node B (or on both at once). What
crosses: statistics and item changes, requests for the client (wake, session), the rules
(simultaneous jumps, wake cooldown, request limits).
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from api_client import (
    ApiCredentials,
    ApplianceClient,
    FeedState,
    FeedStatus,
    ItemDelta,
    LiveFeed,
    RepCredentials,
    SnapshotLoaded,
)
from api_client.errors import Refused
from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from appliance.services import Services
from domain import SiteSimultaneousJumps
from domain.protocol.close import DISABLED
from domain.protocol.live import StatsBatch
from tests.support import services
from tests.support.agents import GATEWAY, FakeClient, register_clients
from tests.support.appliance import T0, new_database
from tests.support.feed import Events
from tests.support.processes import config_token

pytestmark = pytest.mark.integration


def two_nodes(
    server: services.Postgres, redis: services.Redis, clock: FakeClock | None = None
) -> Iterator[list[EmbeddedAppliance]]:
    url = new_database(None, "site", server)
    running = []
    for name in ("a", "b"):
        settings = ApplianceSettings(
            db=url,
            bus=redis.url,
            node_id=name,
            demo_fleet=0,
            simulate=False,
            live_interval_s=0.5,
            rate_per_second=5,
        )
        node = EmbeddedAppliance(settings, clock=clock, api_account=("it", "it-secret"))
        node.start()
        running.append(node)
    try:
        yield running
    finally:
        for node in running:
            node.stop()


@pytest.fixture
def nodes(shared_pg: services.Postgres, redis: services.Redis) -> Iterator[list[EmbeddedAppliance]]:
    yield from two_nodes(shared_pg, redis)


@pytest.fixture
def still_nodes(
    shared_pg: services.Postgres, redis: services.Redis
) -> Iterator[list[EmbeddedAppliance]]:
    """Two nodes on one fake clock that does not move: the site counts requests per second
    of its clock, so all a test sends falls in the same second, however long it takes."""
    yield from two_nodes(shared_pg, redis, FakeClock(T0))


def state_of(node: EmbeddedAppliance) -> Services:
    state: Services = node.app.state.appliance
    return state


async def _until(check: Any, timeout: float = 15.0) -> None:
    async def wait() -> None:
        while not await asyncio.to_thread(check):
            await asyncio.sleep(0.05)

    await asyncio.wait_for(wait(), timeout)


async def test_a_console_on_b_sees_statistics_and_changes_of_a_client_on_a(
    nodes: list[EmbeddedAppliance],
) -> None:
    a, b = nodes
    (item_id, secret), *_ = await asyncio.to_thread(
        a.call, lambda: register_clients(state_of(a), 1)
    )
    async with ApplianceClient(b.url, credentials=RepCredentials("carol", "demo")) as rep:
        events = Events(LiveFeed(rep))
        await events.until(lambda e: isinstance(e, FeedStatus) and e.state is FeedState.LIVE)
        client = await FakeClient.join(a.url, item_id, secret)
        try:
            await client.ws.send(orjson.dumps({"type": "stats", "cpu_percent": 42.5}).decode())
            batch = await events.until(
                lambda e: isinstance(e, StatsBatch) and any(r[0] == item_id for r in e.rows)
            )
            assert isinstance(batch, StatsBatch)
            row = next(r for r in batch.rows if r[0] == item_id)
            assert 42.5 in row  # the cpu figure the client sent to the other node
            item = await rep.jump_item(item_id)
            assert item.x_online  # the change (online) reached node B's console too
        finally:
            await client.close()
            await events.close()


async def test_a_wake_asked_on_b_is_sent_by_the_peer_held_by_a(
    nodes: list[EmbeddedAppliance],
) -> None:
    a, b = nodes
    state = state_of(a)
    creds = await asyncio.to_thread(a.call, lambda: register_clients(state, 2))
    (peer_id, peer_secret), (sleeper_id, _) = creds

    def asleep() -> None:
        with state.site.repo.transaction():
            state.site.repo.clients.update(
                sleeper_id, {"x_mac": "02:00:5e:00:00:02", "x_gateway": GATEWAY}
            )

    await asyncio.to_thread(a.call, asleep)
    peer = await FakeClient.join(a.url, peer_id, peer_secret)
    try:
        await _until(lambda: state_of(b).bus.owner_of(peer_id) == "a")
        async with (
            ApplianceClient(b.url, credentials=RepCredentials("carol", "demo")) as carol,
            ApplianceClient(a.url, credentials=RepCredentials("bob", "demo")) as bob,
        ):
            said = (await carol.wake(sleeper_id)).message
            assert said == "Wake packet for 'storm-1' sent via storm-0."
            wake = next(f for f in peer.asked if f["type"] == "wake")
            assert wake["mac"] == "02:00:5e:00:00:02"
            # the 30 s cooldown holds on the other node too
            with pytest.raises(Refused) as refused:
                await bob.wake(sleeper_id)
            assert refused.value.code == "cooldown"
    finally:
        await peer.close()


async def test_under_disallow_only_one_of_two_nodes_starts_a_session(
    nodes: list[EmbeddedAppliance],
) -> None:
    a, b = nodes
    state = state_of(a)
    (item_id, secret), *_ = await asyncio.to_thread(a.call, lambda: register_clients(state, 1))

    def disallow() -> None:
        with state.site.repo.transaction():
            settings = state.site.repo.settings()
            state.site.repo.save_settings(
                settings.model_copy(update={"simultaneous_jumps": SiteSimultaneousJumps.DISALLOW})
            )
        state.site.refresh_settings()  # written around the site: each node reads them again

    await asyncio.to_thread(a.call, disallow)
    await asyncio.to_thread(b.call, state_of(b).site.refresh_settings)
    client = await FakeClient.join(a.url, item_id, secret)
    try:
        await _until(lambda: state_of(b).bus.owner_of(item_id) == "a")
        async with (
            ApplianceClient(a.url, credentials=RepCredentials("carol", "demo")) as carol,
            ApplianceClient(b.url, credentials=RepCredentials("bob", "demo")) as bob,
        ):
            results = await asyncio.gather(
                carol.start_session(item_id), bob.start_session(item_id), return_exceptions=True
            )
        started = [r for r in results if not isinstance(r, BaseException)]
        refused = [r for r in results if isinstance(r, Refused)]
        assert len(started) == 1 and len(refused) == 1, results
        assert refused[0].code == "in_use"
        opened = [f for f in client.asked if f["type"] == "session.open"]
        assert len(opened) == 1  # the client was asked once, by whichever node won
    finally:
        await client.close()


async def test_an_item_stays_in_use_while_a_session_on_either_node_runs(
    nodes: list[EmbeddedAppliance],
) -> None:
    """Under join, carol's session runs on node A and bob's start on node B joins the claim;
    carol ending hers must not show the item free while bob's still runs."""
    a, b = nodes
    (item_id, secret), *_ = await asyncio.to_thread(
        a.call, lambda: register_clients(state_of(a), 1)
    )
    client = await FakeClient.join(a.url, item_id, secret)
    try:
        await _until(lambda: state_of(b).bus.owner_of(item_id) == "a")
        async with (
            ApplianceClient(a.url, credentials=RepCredentials("carol", "demo")) as carol,
            ApplianceClient(b.url, credentials=RepCredentials("bob", "demo")) as bob,
        ):
            mine = await carol.start_session(item_id)
            his = await bob.start_session(item_id)
            assert sorted((await bob.jump_item(item_id)).x_in_session_by) == ["bob", "carol"]
            await carol.end_session(mine.session.sid)
            assert (await carol.jump_item(item_id)).x_in_session_by == ["bob"]
            await bob.end_session(his.session.sid)
            assert (await carol.jump_item(item_id)).x_in_session_by == []
    finally:
        await client.close()


def test_request_limits_are_counted_for_the_site_not_per_node(
    still_nodes: list[EmbeddedAppliance],
) -> None:
    a, b = still_nodes
    token = config_token(a.url, "it", "it-secret")
    headers = {"Authorization": f"Bearer {token}"}
    codes = []
    with httpx.Client(headers=headers, timeout=10) as http:
        for n in range(12):  # 5 a second for the site: alternate nodes within one second
            node = a if n % 2 == 0 else b
            codes.append(http.get(f"{node.url}/api/config/v1/jump-group").status_code)
    assert codes.count(429) >= 6, codes
    assert codes.count(200) <= 6, codes


async def test_the_api_client_rides_out_429_storms(nodes: list[EmbeddedAppliance]) -> None:
    a, b = nodes
    async with ApplianceClient(a.url, credentials=ApiCredentials("it", "it-secret")) as api:
        pages = await asyncio.gather(*(api.jump_groups.list() for _ in range(20)))
    assert all([g.id for g in p.items] == [g.id for g in pages[0].items] for p in pages)


async def test_a_restarted_bus_answers_503_then_recovers_by_itself(
    nodes: list[EmbeddedAppliance], redis: services.Redis
) -> None:
    a, b = nodes
    (item_id, secret), *_ = await asyncio.to_thread(
        a.call, lambda: register_clients(state_of(a), 1)
    )
    client = await FakeClient.join(a.url, item_id, secret)
    try:
        await _until(lambda: state_of(b).bus.owner_of(item_id) == "a")
        redis.stop()
        await _until(lambda: state_of(b).bus.down)
        async with httpx.AsyncClient(base_url=f"{b.url}/api/rep/v1", timeout=10) as http:
            login = await http.post("/login", json={"username": "carol", "password": "demo"})
            http.headers["Authorization"] = "Bearer " + login.json()["access_token"]
            answer = await http.post(f"/jump-items/{item_id}/sessions")
            assert answer.status_code == 503
            assert answer.headers["Retry-After"] == "5"
            assert answer.json()["message"] == (
                "The appliance nodes cannot reach each other just now; try again in a few seconds."
            )
            # what needs no other node goes on: the list, and the Config API on this node
            assert (await http.get("/jump-items")).status_code == 200
        token = config_token(b.url, "it", "it-secret")
        listed = httpx.get(
            f"{b.url}/api/config/v1/jump-client",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert listed.status_code == 200
        async with ApplianceClient(b.url, credentials=RepCredentials("carol", "demo")) as rep:
            # the api_client retries after the 503's Retry-After; the bus is back by then
            start = asyncio.create_task(rep.start_session(item_id))
            await asyncio.sleep(1.0)
            await asyncio.to_thread(redis.start)
            started = await asyncio.wait_for(start, 30)
            assert started.session.item_id == item_id and not started.joined
            events = Events(LiveFeed(rep))
            await events.until(lambda e: isinstance(e, FeedStatus) and e.state is FeedState.LIVE)
            await client.ws.send(orjson.dumps({"type": "stats", "cpu_percent": 17.5}).decode())
            batch = await events.until(
                lambda e: isinstance(e, StatsBatch) and any(r[0] == item_id for r in e.rows)
            )
            assert isinstance(batch, StatsBatch)
            await events.close()
        opened = [f for f in client.asked if f["type"] == "session.open"]
        assert len(opened) == 1  # the refused attempt was never sent on when the bus came back
    finally:
        await client.close()


async def test_rights_changed_on_a_reach_the_connections_open_on_b_at_once(
    nodes: list[EmbeddedAppliance],
) -> None:
    """Over the bus: a membership removed on node A takes its group's items off a console on
    node B, and a user disabled on A has their feed on B closed with the reason (a node that
    missed the event would only find the token gone)."""
    a, b = nodes
    (item_id, _), *_ = await asyncio.to_thread(a.call, lambda: register_clients(state_of(a), 1))
    async with (
        ApplianceClient(b.url, credentials=RepCredentials("alice", "demo")) as alice,
        ApplianceClient(b.url, credentials=RepCredentials("carol", "demo")) as carol,
        ApplianceClient(a.url, credentials=ApiCredentials("it", "it-secret")) as api,
    ):
        alices, carols = Events(LiveFeed(alice)), Events(LiveFeed(carol))
        snap = await alices.until(lambda e: isinstance(e, SnapshotLoaded))
        assert isinstance(snap, SnapshotLoaded) and item_id in {i.id for i in snap.items}
        await carols.until(lambda e: isinstance(e, FeedStatus) and e.state is FeedState.LIVE)

        await api.jump_groups.remove_member(1, 1)  # alice leaves Servers
        removal = alices.until(lambda e: isinstance(e, ItemDelta) and item_id in e.removes)
        await asyncio.wait_for(removal, 2.0)
        await api.users.update(3, {"enabled": False})
        final = await asyncio.wait_for(
            carols.until(lambda e: isinstance(e, FeedStatus) and e.final), 2.0
        )
        assert isinstance(final, FeedStatus) and final.message == DISABLED
        await alices.close()


async def test_a_screen_watched_on_b_is_captured_by_a_client_held_by_a(
    nodes: list[EmbeddedAppliance],
) -> None:
    """The screen's frames cross the bus both ways: the watch, the acks and the keys (under
    "view and control") to the client on A, its tiles and its sentences to the viewer on B; a
    screenshot asked on B is answered through A."""
    from api_client import open_screen
    from domain.png import decode_rgb, encode_rgb
    from domain.protocol.screen import ScreenNotice, ViewerPicture
    from domain.screen import encode_tile

    a, b = nodes

    def control() -> None:  # the site default lets the representative control the screen
        repo = state_of(a).site.repo
        with repo.transaction():
            repo.session_policies.update(
                1, {"permissions": {"command_shell": "allow", "screen_sharing": "view_and_control"}}
            )

    await asyncio.to_thread(a.call, control)
    (item_id, secret), *_ = await asyncio.to_thread(
        a.call, lambda: register_clients(state_of(a), 1)
    )
    client = await FakeClient.join(a.url, item_id, secret)
    client.task.cancel()  # this test answers the client's frames itself
    seen: list[dict[str, Any]] = []
    png = encode_rgb(b"\x10\x20\x30" * 4, 2, 2)

    async def endpoint() -> None:
        async for raw in client.ws:
            frame = orjson.loads(raw)
            seen.append(frame)
            if frame["type"] == "screen.start" and frame["fresh"]:
                tiles = [[0, 0, encode_tile(b"\x10\x20\x30" * 16 * 9)]]
                shot = {"type": "screen.frame", "sid": frame["sid"], "seq": 1, "width": 16}
                shot |= {"height": 9, "screen": [160, 90], "tiles": tiles}
                await client.ws.send(orjson.dumps(shot).decode())
            elif frame["type"] == "screen.input":  # played, and a sentence back
                said = {"type": "screen.notice", "sid": frame["sid"], "reason": "Typed."}
                await client.ws.send(orjson.dumps(said).decode())
            elif "id" in frame:
                result = {"png": base64.b64encode(png).decode()} if "shot" in frame["type"] else {}
                answer = {"type": "response", "id": frame["id"], "ok": True, "result": result}
                await client.ws.send(orjson.dumps(answer).decode())

    answering = asyncio.create_task(endpoint())
    try:
        async with ApplianceClient(b.url, credentials=RepCredentials("carol", "demo")) as rep:
            sid = (await rep.start_session(item_id)).session.sid
            async with open_screen(rep, sid) as screen:
                await screen.watch(16, 9)
                picture = await asyncio.wait_for(anext(aiter(screen)), 15)
                assert isinstance(picture, ViewerPicture) and picture.screen == (160, 90)
                await screen.ack(picture.seq)

                async def acked() -> None:
                    while not any(f["type"] == "screen.ack" for f in seen):
                        await asyncio.sleep(0.02)

                await asyncio.wait_for(acked(), 15)
                await screen.send({"type": "input.key", "text": "b"})  # typed on B

                async def told() -> str:
                    async for event in screen:
                        if isinstance(event, ScreenNotice):
                            return event.reason
                    raise AssertionError("the screen closed")

                assert await asyncio.wait_for(told(), 15) == "Typed."
            assert decode_rgb(await rep.screenshot(sid)) == (2, 2, b"\x10\x20\x30" * 4)
        assert {"type": "screen.ack", "sid": sid, "seq": 1} in seen
        key = {"type": "input.key", "key": None, "text": "b", "mods": []}
        assert {"type": "screen.input", "sid": sid, "input": key} in seen
    finally:
        answering.cancel()
        await client.ws.close()
