"""While a snapshot streams in, the list already shows its first chunk, repaints the live
statistics that come meanwhile, and the status bar says how far loading has come; the rest
then fills it, without going back to the older figures its chunks carried."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from api_client import (
    ApplianceClient,
    FeedEvent,
    FeedState,
    FeedStatus,
    ItemDelta,
    LiveFeed,
    RepCredentials,
    SnapshotLoaded,
    SnapshotPart,
)
from console.app import JumpConsoleApp
from console.backend import Backend
from domain.protocol.item_columns import ItemColumns
from domain.protocol.live import StatsBatch, StatsRow
from tests.support.console import SIZE, Site, until
from tests.support.feed import Events
from widgets import JumpTable, StatusBar

pytestmark = pytest.mark.not_storage("the console's list while a snapshot streams")


async def carol_s_snapshot(site: Site) -> ItemColumns:
    """What the appliance sends carol, as columns (read by a real feed)."""
    client = ApplianceClient(site.appliance.url, credentials=RepCredentials("carol", "demo"))
    events = Events(LiveFeed(client, compact=True))
    try:
        return await events.snapshot_columns()
    finally:
        await events.close()
        await client.aclose()


class Streaming(Backend):
    """Signs in for real; its feed sends the first chunk, then the rest once ``more`` is set."""

    def __init__(
        self,
        client: ApplianceClient,
        whole: ItemColumns,
        first: int,
        meanwhile: list[StatsRow] | None = None,
    ) -> None:
        super().__init__(client)
        self.whole = whole
        self.first = ItemColumns({k: v[:first] for k, v in whole.values.items()})
        self.rest = ItemColumns({k: v[first:] for k, v in whole.values.items()})
        self.meanwhile = meanwhile or []
        """Statistics sent after the first chunk, before the rest (as the appliance does for
        the items a console has already been sent)."""
        self.more = asyncio.Event()

    def feed(self, *, compact: bool = False) -> LiveFeed:
        async def events() -> AsyncIterator[FeedEvent]:
            yield FeedStatus(FeedState.CONNECTING, "Connecting to the appliance.")
            yield SnapshotPart(self.first, True, len(self.first), len(self.whole))
            if self.meanwhile:
                yield StatsBatch(1, self.meanwhile)
            await self.more.wait()
            yield SnapshotPart(self.rest, False, len(self.whole), len(self.whole))
            yield SnapshotLoaded(1, [], True, compact=True)
            yield FeedStatus(FeedState.LIVE, "Live.")
            await asyncio.Event().wait()

        return events()  # type: ignore[return-value]


def status_line(app: JumpConsoleApp) -> str:
    return str(app.query_one(StatusBar).render())


async def test_the_first_chunk_is_listed_while_the_rest_streams(site: Site) -> None:
    whole = await carol_s_snapshot(site)
    client = ApplianceClient(site.appliance.url, credentials=RepCredentials("carol", "demo"))
    backend = Streaming(client, whole, first=20)
    app = JumpConsoleApp(backend, theme="jump-dark")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(app.store) == 20)
        await pilot.pause()
        assert f"Loading Jump Items: 20 of {len(whole):,}" in status_line(app)
        first_row = app.query_one(JumpTable).render_line(1).text
        assert app.store.name[app.store.view[0]] in first_row  # rows are on screen
        backend.more.set()
        await until(pilot, lambda: len(app.store) == len(whole))
        await until(pilot, lambda: "Loading" not in status_line(app))
        assert f"of {len(whole):,} items" in status_line(app)


async def test_the_highlight_stays_on_the_first_row_while_the_list_fills(site: Site) -> None:
    """The rows stream in id order, not the list's: until the representative moves it, the
    highlight is on the first row, whichever item the later rows put there. It followed the
    first chunk's top item down the list instead, the top rows scrolled away."""
    whole = await carol_s_snapshot(site)
    client = ApplianceClient(site.appliance.url, credentials=RepCredentials("carol", "demo"))
    backend = Streaming(client, whole, first=20)
    app = JumpConsoleApp(backend, theme="jump-dark")
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(JumpTable)
        await until(pilot, lambda: len(app.store) == 20)
        await until(pilot, lambda: table.highlighted_id == app.store.id_at(0))
        chunk_top = app.store.id_at(0)
        backend.more.set()
        await until(pilot, lambda: len(app.store) == len(whole))
        await until(pilot, lambda: "Loading" not in status_line(app))
        await pilot.pause()
        assert app.store.index_of_id(chunk_top) != 0  # the later rows came above it
        assert table.cursor == 0 and table.scroll_offset.y == 0
        assert table.highlighted_id == app.store.id_at(0)
        await until(pilot, lambda: app.details_item is not None)
        assert app.details_item is not None and app.details_item.id == app.store.id_at(0)


async def test_statistics_that_come_while_it_streams_are_shown_and_kept(site: Site) -> None:
    whole = await carol_s_snapshot(site)
    first_id = whole.values["id"][0]
    row: StatsRow = (first_id, 97.0, 3.0, None, 3600, "2026-11-24T10:04:59+00:00")
    assert whole.values["cpu"][0] != 97.0  # the snapshot's chunk holds an older figure
    client = ApplianceClient(site.appliance.url, credentials=RepCredentials("carol", "demo"))
    backend = Streaming(client, whole, first=20, meanwhile=[row])
    app = JumpConsoleApp(backend, theme="jump-dark")
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(JumpTable)

        def line_of_first() -> str:
            index = app.store.index_of_id(first_id)
            assert index is not None
            return table.render_line(index + 1 - int(table.scroll_offset.y)).text

        await until(pilot, lambda: len(app.store) == 20)
        await until(pilot, lambda: "97%" in line_of_first())  # repainted while loading
        assert "Loading Jump Items" in status_line(app)
        backend.more.set()
        await until(pilot, lambda: len(app.store) == len(whole))
        await until(pilot, lambda: "Loading" not in status_line(app))
        await pilot.pause()
        stored = app.store.row_of[first_id]
        assert app.store.cell(stored, "cpu", 0) == "97%"  # not the chunk's older figure
        assert "97%" in line_of_first()


class Scripted(Backend):
    """Signs in for real; its feed says what the test puts in ``events``, in order."""

    def __init__(self, client: ApplianceClient) -> None:
        super().__init__(client)
        self.events: asyncio.Queue[FeedEvent] = asyncio.Queue()

    def feed(self, *, compact: bool = False) -> LiveFeed:
        async def events() -> AsyncIterator[FeedEvent]:
            while True:
                yield await self.events.get()

        return events()  # type: ignore[return-value]

    def snapshot(self, whole: ItemColumns, *cuts: int) -> None:
        """Send ``whole`` as parts cut at ``cuts``, then say it is whole."""
        ends = [*cuts, len(whole)]
        for n, (start, end) in enumerate(zip([0, *cuts], ends, strict=True)):
            part = ItemColumns({k: v[start:end] for k, v in whole.values.items()})
            self.events.put_nowait(SnapshotPart(part, n == 0, end, len(whole)))
        self.events.put_nowait(SnapshotLoaded(1, [], True, compact=True))
        self.events.put_nowait(FeedStatus(FeedState.LIVE, "Live."))


async def test_an_item_removed_while_it_streams_is_not_brought_back(site: Site) -> None:
    """The appliance removes an item it has already sent while the rest streams: the rest
    does not bring it back (the list is never built again from the chunks alone)."""
    whole = await carol_s_snapshot(site)
    gone = whole.values["id"][3]
    client = ApplianceClient(site.appliance.url, credentials=RepCredentials("carol", "demo"))
    backend = Scripted(client)
    app = JumpConsoleApp(backend, theme="jump-dark")
    async with app.run_test(size=SIZE) as pilot:
        first = ItemColumns({k: v[:10] for k, v in whole.values.items()})
        rest = ItemColumns({k: v[10:] for k, v in whole.values.items()})
        backend.events.put_nowait(SnapshotPart(first, True, 10, len(whole)))
        await until(pilot, lambda: len(app.store) == 10)
        backend.events.put_nowait(ItemDelta(2, [], [gone]))
        await until(pilot, lambda: gone not in app.store.row_of)
        backend.events.put_nowait(SnapshotPart(rest, False, len(whole), len(whole)))
        backend.events.put_nowait(SnapshotLoaded(1, [], True, compact=True))
        await until(pilot, lambda: app.loaded)
        await pilot.pause()
        assert gone not in app.store.row_of and len(app.store) == len(whole) - 1
        assert f"of {len(whole) - 1:,} items" in status_line(app)


async def test_a_reconnect_s_snapshot_keeps_the_list_until_it_is_whole(site: Site) -> None:
    """After a reconnect the appliance sends a fresh snapshot: the list keeps what it showed,
    with its highlight, while the new one streams, and then shows the new one (the highlight
    still on its item)."""
    whole = await carol_s_snapshot(site)
    client = ApplianceClient(site.appliance.url, credentials=RepCredentials("carol", "demo"))
    backend = Scripted(client)
    app = JumpConsoleApp(backend, theme="jump-dark")
    async with app.run_test(size=SIZE) as pilot:
        backend.snapshot(whole, 20, 60)
        await until(pilot, lambda: app.loaded and len(app.store.view) == len(whole))
        table = app.query_one(JumpTable)
        await pilot.press("down", "down", "down")
        chosen = table.highlighted_id
        assert chosen is not None and chosen != app.store.id_at(0)
        backend.events.put_nowait(FeedStatus(FeedState.RECONNECTING, "Reconnecting.", 1.0))
        newer = ItemColumns({k: list(v) for k, v in whole.values.items()})
        newer.values["name"][0] = "AAA first in the new snapshot"
        first = ItemColumns({k: v[:20] for k, v in newer.values.items()})
        backend.events.put_nowait(SnapshotPart(first, True, 20, len(whole)))
        await until(pilot, lambda: "Loading Jump Items: 20" in status_line(app))
        assert len(app.store.view) == len(whole)  # the old list, whole, meanwhile
        assert table.highlighted_id == chosen
        rest = ItemColumns({k: v[20:] for k, v in newer.values.items()})
        backend.events.put_nowait(SnapshotPart(rest, False, len(whole), len(whole)))
        backend.events.put_nowait(SnapshotLoaded(2, [], True, compact=True))
        await until(pilot, lambda: app.store.name[app.store.view[0]].startswith("AAA"))
        await pilot.pause()
        assert len(app.store.view) == len(whole) and table.highlighted_id == chosen
