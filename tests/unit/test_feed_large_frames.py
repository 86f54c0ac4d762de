"""Large frames on the live feed: a snapshot is handed on chunk by chunk, each with how far it
has come, so a console can show rows and say what it is doing while it loads (and holds each
item once); a large statistics batch arrives whole, in slices."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from api_client import ApplianceClient, LiveFeed, RepCredentials, SnapshotLoaded, SnapshotPart
from domain.protocol.item_columns import columns_of
from domain.protocol.live import SnapshotChunk, StatsBatch, compact_snapshot_frame, read_frame
from tests.unit.test_item_columns import fleet, wire


class ScriptedSocket:
    """A websocket whose frames the test sends one at a time (the appliance's side)."""

    def __init__(self) -> None:
        self.frames: asyncio.Queue[bytes] = asyncio.Queue()
        self.sent: list[str] = []

    async def recv(self) -> bytes:
        return await self.frames.get()

    async def send(self, text: str) -> None:
        self.sent.append(text)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            yield await self.frames.get()


HELLO = orjson.dumps(
    {"type": "hello", "epoch": "e1", "seq": 7, "demo": True, "interval_s": 5.0, "statistics": []}
)


def chunks(count: int, size: int, *, total: int | None) -> list[bytes]:
    items = fleet(count * size)
    return [
        orjson.dumps(
            compact_snapshot_frame(
                7, columns_of(items[n * size : (n + 1) * size]), n == count - 1, total
            )
        )
        for n in range(count)
    ]


async def test_each_chunk_and_the_count_come_as_they_arrive() -> None:
    client = ApplianceClient("http://127.0.0.1:9", credentials=RepCredentials("carol", "demo"))
    ws = ScriptedSocket()
    frames = chunks(3, 40, total=120)
    await ws.frames.put(HELLO)
    await ws.frames.put(frames[0])
    events = LiveFeed(client, compact=True)._session(ws)
    try:
        await asyncio.wait_for(anext(events), 5)  # hello
        first = await asyncio.wait_for(anext(events), 5)
        # the appliance has sent one chunk of three: the feed says so, and hands it over
        assert isinstance(first, SnapshotPart) and (first.first, first.received) == (True, 40)
        assert first.total == 120 and len(first.columns) == 40
        ids = list(first.columns.values["id"])
        for frame in frames[1:]:
            await ws.frames.put(frame)
        later = [await asyncio.wait_for(anext(events), 5) for _ in range(3)]
        parts, loaded = later[:2], later[2]
        assert all(isinstance(p, SnapshotPart) and not p.first for p in parts)
        assert [p.received for p in parts] == [80, 120]  # type: ignore[union-attr]
        ids += [i for p in parts for i in p.columns.values["id"]]  # type: ignore[union-attr]
        assert len(set(ids)) == 120  # every item once, in one part
        assert isinstance(loaded, SnapshotLoaded) and loaded.compact and loaded.items == []
        assert loaded.seq == 7
    finally:
        with contextlib.suppress(StopAsyncIteration, RuntimeError):
            await events.aclose()
        await client.aclose()


@pytest.mark.parametrize("total", [-1, True, "120", 1.5, [1]])
def test_a_bad_total_is_left_out_and_the_chunk_stands(total: object) -> None:
    raw = orjson.loads(wire(columns_of(fleet(5)), last=False))
    raw["total"] = total
    frame, rejected = read_frame(orjson.dumps(raw))
    assert isinstance(frame, SnapshotChunk) and rejected == 0
    assert frame.total is None and frame.columns is not None and len(frame.columns) == 5


def test_a_total_is_read_when_the_appliance_gives_one() -> None:
    frame, _ = read_frame(chunks(1, 5, total=84464)[0])
    assert isinstance(frame, SnapshotChunk) and frame.total == 84464


async def test_a_large_statistics_batch_arrives_whole_in_slices() -> None:
    """The statistics of many items are read off the loop's turn and handed on in slices
    (the console answers keys between them); every good row arrives, the bad one is counted."""
    client = ApplianceClient("http://127.0.0.1:9", credentials=RepCredentials("carol", "demo"))
    ws = ScriptedSocket()
    at = "2026-11-24T10:05:00+00:00"
    rows: list[Any] = [[i, 12.5, 40, "bob", 60, at] for i in range(1, 12_001)]
    rows[7000] = [0, 12.5, 40, "bob", 60, at]  # no item has id 0
    await ws.frames.put(HELLO)
    await ws.frames.put(orjson.dumps({"type": "stats", "seq": 9, "rows": rows}))
    events = LiveFeed(client, compact=True)._session(ws)
    try:
        await asyncio.wait_for(anext(events), 5)  # hello
        batches = [await asyncio.wait_for(anext(events), 5) for _ in range(3)]
        assert all(isinstance(b, StatsBatch) and b.seq == 9 for b in batches)
        got = [row[0] for b in batches for row in b.rows]  # type: ignore[union-attr]
        assert got == [i for i in range(1, 12_001) if i != 7001]
        assert [b.rejected for b in batches] == [1, 0, 0]  # type: ignore[union-attr]
    finally:
        with contextlib.suppress(StopAsyncIteration, RuntimeError):
            await events.aclose()
        await client.aclose()
