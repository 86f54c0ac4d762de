"""The live feed over real websockets: snapshot, deltas, statistics, resume, restart, faults."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest
from websockets.asyncio.server import ServerConnection, serve

from api_client import (
    ApiCredentials,
    ApplianceClient,
    FeedState,
    FeedStatus,
    ItemDelta,
    LiveFeed,
    RepCredentials,
    Resumed,
    SnapshotLoaded,
)
from appliance.clock import FakeClock
from appliance.config import ApplianceSettings
from appliance.embedded import EmbeddedAppliance
from appliance.services import Services
from console.store import ItemStore
from domain.protocol.live import StatsBatch
from tests.support.appliance import T0
from tests.support.feed import Events

pytestmark = [
    pytest.mark.integration,
    pytest.mark.not_storage("the live feed's frames, resume and reconnect"),
]


async def _no_sleep(_s: float) -> None:
    await asyncio.sleep(0)


@pytest.fixture
def settings(database: str) -> ApplianceSettings:
    return ApplianceSettings(db=database, demo_fleet=80, live_interval_s=0.05)


def steady_item(appliance: EmbeddedAppliance) -> int:
    """A demo item of the Servers group added after start: the demo simulator drives only the
    fleet it found at start, so this item changes only when a test changes it, and the delta
    a test waits for is the test's own, whatever the simulator does meanwhile."""

    def add() -> int:
        state: Services = appliance.app.state.appliance  # type: ignore[union-attr]
        number = state.site.repo.next_id("jump_client")
        with state.site.repo.transaction():
            item = state.site.repo.clients.insert(
                {
                    "jump_group_id": 1,
                    "name": f"STEADY-{number}",
                    "hostname": f"steady-{number}",
                    "fqdn": f"steady-{number}.test",
                    "public_site_address": "support.jump.test",
                    "x_online": True,
                    "x_demo": True,
                }
            )
        return item.id

    return appliance.call(add)


@pytest.fixture
def embedded(settings: ApplianceSettings) -> AsyncIterator[EmbeddedAppliance]:
    appliance = EmbeddedAppliance(settings, api_account=("it", "it-secret"))
    appliance.start()
    yield appliance
    appliance.stop()


async def test_a_compact_snapshot_holds_the_same_items_as_the_full_one(
    embedded: EmbeddedAppliance,
) -> None:
    """A console that asks for columns lists exactly what one that gets items lists."""
    async with ApplianceClient(embedded.url, credentials=RepCredentials("bob", "demo")) as rep:
        full, compact = Events(LiveFeed(rep)), Events(LiveFeed(rep, compact=True))
        items = await full.until(lambda e: isinstance(e, SnapshotLoaded))
        columns = await compact.snapshot_columns()
        await full.close()
        await compact.close()
    assert isinstance(items, SnapshotLoaded) and not items.compact
    loaded = [e for e in compact.seen if isinstance(e, SnapshotLoaded)]
    assert len(loaded) == 1 and loaded[0].compact and loaded[0].items == []
    assert compact.feed.malformed == 0
    by_items, by_columns = ItemStore(), ItemStore()
    by_items.load(items.items)
    by_columns.load_columns(columns)
    assert len(by_columns) == len(items.items) > 0
    ids = [by_items.item_id(r) for r in by_items.view]
    assert ids == [by_columns.item_id(r) for r in by_columns.view]
    names = [by_items.name[r] for r in by_items.view]
    assert names == [by_columns.name[r] for r in by_columns.view]


async def test_snapshot_is_what_the_rep_may_see_then_deltas_and_stats(
    embedded: EmbeddedAppliance,
) -> None:
    async with (
        ApplianceClient(embedded.url, credentials=RepCredentials("alice", "demo")) as rep,
        ApplianceClient(embedded.url, credentials=ApiCredentials("it", "it-secret")) as api,
    ):
        target = steady_item(embedded)
        expected = {c.id async for c in rep.iter_jump_items()}
        assert target in expected
        events = Events(LiveFeed(rep))
        snap = await events.until(lambda e: isinstance(e, SnapshotLoaded))
        assert isinstance(snap, SnapshotLoaded)
        assert {i.id for i in snap.items} == expected
        assert snap.demo
        assert (await events.until(lambda e: isinstance(e, FeedStatus))).state is FeedState.LIVE

        await api.jump_clients.update(target, {"comments": "seen live"})
        delta = await events.until(
            lambda e: isinstance(e, ItemDelta) and any(i.id == target for i in e.upserts)
        )
        assert isinstance(delta, ItemDelta)
        assert [i.comments for i in delta.upserts if i.id == target] == ["seen live"]

        stats = await events.until(lambda e: isinstance(e, StatsBatch) and bool(e.rows))
        assert isinstance(stats, StatsBatch)
        assert {row[0] for row in stats.rows} <= expected
        await events.close()


async def test_only_the_selected_statistics_are_sent(embedded: EmbeddedAppliance) -> None:
    async with ApplianceClient(embedded.url, credentials=ApiCredentials("it", "it-secret")) as api:
        await api.update_settings({"statistics": ["cpu"]})
    async with ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep:
        events = Events(LiveFeed(rep))
        stats = await events.until(lambda e: isinstance(e, StatsBatch) and bool(e.rows))
        assert isinstance(stats, StatsBatch)
        assert all(
            r[1] is not None and r[2] is None and r[3] is None and r[4] is None for r in stats.rows
        )
        await events.close()


async def test_resume_after_a_dropped_connection_loses_nothing(
    embedded: EmbeddedAppliance,
) -> None:
    async with (
        ApplianceClient(embedded.url, credentials=RepCredentials("carol", "demo")) as rep,
        ApplianceClient(embedded.url, credentials=ApiCredentials("it", "it-secret")) as api,
    ):
        target = steady_item(embedded)
        feed = LiveFeed(rep, sleep=_no_sleep)
        events = Events(feed)
        snap = await events.until(lambda e: isinstance(e, SnapshotLoaded))
        assert isinstance(snap, SnapshotLoaded) and target in {i.id for i in snap.items}
        await events.close()  # the console goes away for a while
        await api.jump_clients.update(target, {"tag": "while-away"})
        events = Events(feed)  # same feed object: it remembers epoch and seq
        await events.until(lambda e: isinstance(e, Resumed))
        delta = await events.until(
            lambda e: isinstance(e, ItemDelta) and any(i.id == target for i in e.upserts)
        )
        assert isinstance(delta, ItemDelta)
        assert [i.tag for i in delta.upserts if i.id == target] == ["while-away"]
        assert not any(isinstance(e, SnapshotLoaded) for e in events.seen)
        await events.close()


async def test_appliance_restart_reconnects_with_a_fresh_snapshot(
    settings: ApplianceSettings,
) -> None:
    appliance = EmbeddedAppliance(settings)
    appliance.start()
    try:
        async with ApplianceClient(
            appliance.url, credentials=RepCredentials("carol", "demo")
        ) as rep:
            events = Events(LiveFeed(rep, sleep=_no_sleep, base_delay=0.05, max_delay=0.2))
            first = await events.until(lambda e: isinstance(e, SnapshotLoaded))
            appliance.stop()
            lost = await events.until(
                lambda e: (
                    isinstance(e, FeedStatus)
                    and e.state in (FeedState.RECONNECTING, FeedState.OFFLINE)
                    and e.retry_in is not None
                )
            )
            assert isinstance(lost, FeedStatus) and "lost" in lost.message
            appliance.start()
            again = await events.until(lambda e: isinstance(e, SnapshotLoaded))
            assert isinstance(first, SnapshotLoaded) and isinstance(again, SnapshotLoaded)
            ids = [i.id for i in again.items]
            assert len(ids) == len(set(ids))
            assert set(ids) == {i.id for i in first.items}
            await events.close()
    finally:
        appliance.stop()


async def test_expired_token_signs_in_again(database: str) -> None:
    clock = FakeClock(T0)
    settings = ApplianceSettings(db=database, demo_fleet=10, live_interval_s=0.05)
    appliance = EmbeddedAppliance(settings, clock=clock)
    appliance.start()
    try:
        async with ApplianceClient(appliance.url, credentials=RepCredentials("bob", "demo")) as rep:
            await rep.sign_in()
            clock.advance(9 * 3600)  # past the 8 h representative token
            events = Events(LiveFeed(rep, sleep=_no_sleep))
            asked = await events.until(
                lambda e: isinstance(e, FeedStatus) and "sign in again" in e.message
            )
            assert isinstance(asked, FeedStatus)
            await events.until(lambda e: isinstance(e, SnapshotLoaded))
            await events.close()
    finally:
        appliance.stop()


async def test_wrong_password_ends_the_feed_offline(embedded: EmbeddedAppliance) -> None:
    async with ApplianceClient(embedded.url, credentials=RepCredentials("bob", "nope")) as rep:
        events = [e async for e in LiveFeed(rep, sleep=_no_sleep)]
    last = events[-1]
    assert isinstance(last, FeedStatus) and last.final and last.state is FeedState.OFFLINE
    assert "username and password" in last.message


async def test_malformed_frames_and_rows_are_skipped() -> None:
    item = {
        "id": 7,
        "jump_group_id": 1,
        "name": "PC-7",
        "hostname": "pc-7",
        "fqdn": "pc-7.test",
        "public_site_address": "support.jump.test",
    }

    async def handler(ws: ServerConnection) -> None:
        await ws.send(
            orjson.dumps(
                {"type": "hello", "epoch": "e", "seq": 0, "interval_s": 5, "statistics": ["cpu"]}
            ).decode()
        )
        await ws.recv()
        for frame in (
            b"not json at all",
            orjson.dumps(
                {"type": "snapshot", "seq": 1, "last": True, "items": [item, {"id": "bad"}]}
            ),
            orjson.dumps({"type": "mystery", "seq": 1}),
            orjson.dumps(
                {
                    "type": "stats",
                    "seq": 1,
                    "rows": [
                        [7, 12.5, None, None, None, "2026-11-24T10:00:00+00:00"],
                        [7, 500, None, None, None, "x"],
                        "junk",
                    ],
                }
            ),
        ):
            await ws.send(frame.decode(errors="replace"))
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]

        client = ApplianceClient(f"http://127.0.0.1:{port}", credentials=RepCredentials("a", "b"))

        async def fake_bearer() -> str:
            return "token"

        client.bearer = fake_bearer  # type: ignore[method-assign]
        feed = LiveFeed(client, sleep=_no_sleep)
        events = Events(feed)
        snap = await events.until(lambda e: isinstance(e, SnapshotLoaded))
        stats = await events.until(lambda e: isinstance(e, StatsBatch))
        assert isinstance(snap, SnapshotLoaded) and [i.id for i in snap.items] == [7]
        assert isinstance(stats, StatsBatch) and stats.rows == [
            (7, 12.5, None, None, None, "2026-11-24T10:00:00+00:00")
        ]
        assert stats.rejected == 2
        assert feed.malformed >= 4
        await events.close()
        await client.aclose()
