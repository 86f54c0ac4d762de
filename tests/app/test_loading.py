"""While a snapshot streams in, the list already shows its first chunk and the status bar says
how far loading has come; the whole snapshot then replaces it."""

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

    def __init__(self, client: ApplianceClient, whole: ItemColumns, first: int) -> None:
        super().__init__(client)
        self.whole = whole
        self.first = ItemColumns({k: v[:first] for k, v in whole.values.items()})
        self.more = asyncio.Event()

    def feed(self, *, compact: bool = False) -> LiveFeed:
        async def events() -> AsyncIterator[FeedEvent]:
            yield FeedStatus(FeedState.CONNECTING, "Connecting to the appliance.")
            yield SnapshotProgress(len(self.first), len(self.whole), self.first)
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
