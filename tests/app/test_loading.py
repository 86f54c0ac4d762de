"""While a snapshot streams in, the list already shows its first chunk, repaints the live
statistics that come meanwhile, and the status bar says how far loading has come; the whole
snapshot then replaces it, without going back to the older figures its chunks carried."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from api_client import (
    ApplianceClient,
    FeedEvent,
    FeedState,
    FeedStatus,
    LiveFeed,
    RepCredentials,
    SnapshotLoaded,
    SnapshotProgress,
)
from console.app import JumpConsoleApp
from console.backend import Backend
from domain.protocol.item_columns import ItemColumns
from domain.protocol.live import StatsBatch, StatsRow
from tests.support.console import SIZE, Site, until
from widgets import JumpTable, StatusBar

pytestmark = pytest.mark.not_storage("the console's list while a snapshot streams")


async def carol_s_snapshot(site: Site) -> ItemColumns:
    """What the appliance sends carol, as columns (read by a real feed)."""
    client = ApplianceClient(site.appliance.url, credentials=RepCredentials("carol", "demo"))
    try:
        async with contextlib.aclosing(aiter(LiveFeed(client, compact=True))) as events:
            async for event in events:
                if isinstance(event, SnapshotLoaded):
                    assert event.columns is not None
                    return event.columns
    finally:
        await client.aclose()
    raise AssertionError("no snapshot")


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
        self.meanwhile = meanwhile or []
        """Statistics sent after the first chunk, before the rest (as the appliance does for
        the items a console has already been sent)."""
        self.more = asyncio.Event()

    def feed(self, *, compact: bool = False) -> LiveFeed:
        async def events() -> AsyncIterator[FeedEvent]:
            yield FeedStatus(FeedState.CONNECTING, "Connecting to the appliance.")
            yield SnapshotProgress(len(self.first), len(self.whole), self.first)
            if self.meanwhile:
                yield StatsBatch(1, self.meanwhile)
            await self.more.wait()
            yield SnapshotLoaded(1, [], True, self.whole)
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
