"""A live feed consumed in the background, waited on event by event (bounded)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from api_client import FeedEvent, LiveFeed, SnapshotLoaded, SnapshotPart
from domain.protocol.item_columns import ItemColumns

TIMEOUT = 20.0


class Events:
    """Consume a feed in the background; wait for the event one expects, in order."""

    def __init__(self, feed: LiveFeed) -> None:
        self.feed = feed
        self.queue: asyncio.Queue[FeedEvent] = asyncio.Queue()
        self.seen: list[FeedEvent] = []
        self.task = asyncio.create_task(self._pump())

    async def _pump(self) -> None:
        async for event in self.feed:
            self.seen.append(event)
            await self.queue.put(event)

    async def until(self, match: Callable[[FeedEvent], bool]) -> FeedEvent:
        async def wait() -> FeedEvent:
            while True:
                event = await self.queue.get()
                if match(event):
                    return event

        return await asyncio.wait_for(wait(), TIMEOUT)

    async def close(self) -> None:
        self.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self.task

    async def snapshot_columns(self) -> ItemColumns:
        """Wait for the next compact snapshot to be whole: its parts' columns, together."""
        whole = [ItemColumns.empty()]

        def take(event: FeedEvent) -> bool:
            if isinstance(event, SnapshotPart):
                if event.first:
                    whole[0] = ItemColumns.empty()
                whole[0].extend(event.columns)
            return isinstance(event, SnapshotLoaded)

        await self.until(take)
        return whole[0]
