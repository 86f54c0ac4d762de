"""A snapshot streams a chunk at a time: what the console ends with is what the appliance holds,
changes made while it streams included, and other consoles' feeds keep flowing meanwhile."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from fastapi import FastAPI

from appliance._access import access_for, visible_clients
from appliance.grants import Grant
from appliance.live import LiveHub, Subscriber
from domain.protocol.item_columns import columns_of
from domain.protocol.live import ItemDelta, SnapshotChunk, read_frame

pytestmark = pytest.mark.not_storage("the live hub's fan-out to consoles")

AT = "2026-11-24T10:00:00+00:00"


def _sub(hub: LiveHub, username: str, *, compact: bool = True) -> Subscriber:
    found = hub.site.repo.user_by_name(username)
    assert found is not None
    grant = Grant(found[0], f"token of {username}")
    sub = Subscriber(grant, access_for(hub.site, found[0]), asyncio.Queue(256))
    sub.compact = compact
    return sub


async def test_a_streamed_snapshot_holds_what_the_representative_may_see(app: FastAPI) -> None:
    hub = LiveHub(app.state.appliance.site, chunk_size=7)
    carol = _sub(hub, "carol")
    items = visible_clients(hub.site, carol.access)
    hub.record_stats(items[3].id, (97.5, 12.0, "nbody", 42, AT))  # newer than the database's
    frames = [read_frame(frame)[0] async for frame in hub._snapshot(carol)]
    assert len(frames) == len(items) // 7 + 1
    chunks = [f for f in frames if isinstance(f, SnapshotChunk) and f.columns is not None]
    assert [f.last for f in chunks] == [False] * (len(chunks) - 1) + [True]
    # each chunk says how many there are in all: the console says how far it has loaded
    assert {f.total for f in chunks} == {len(items)}
    got: dict[str, list[Any]] = {}
    for chunk in chunks:
        assert chunk.columns is not None
        for name, values in chunk.columns.values.items():
            got.setdefault(name, []).extend(values)
    selected = hub.site.settings().statistics
    assert got == columns_of(items, hub.latest, selected)  # as built from the items
    assert carol.visible == {item.id for item in items} and carol.streamed is None


async def test_a_snapshot_starts_with_a_small_chunk_and_doubles_up_to_the_largest(
    app: FastAPI,
) -> None:
    """The first chunk is listed at once; bigger ones after it mean fewer round trips."""
    hub = LiveHub(app.state.appliance.site, chunk_size=16, first_chunk=3)
    carol = _sub(hub, "carol")
    items = visible_clients(hub.site, carol.access)
    assert len(items) > 3 + 6 + 12 + 16
    frames = [read_frame(frame)[0] async for frame in hub._snapshot(carol)]
    sizes = [len(f.columns) for f in frames if isinstance(f, SnapshotChunk) and f.columns]
    assert sizes[:4] == [3, 6, 12, 16] and set(sizes[3:-1]) == {16} and sum(sizes) == len(items)
    older = _sub(hub, "carol", compact=False)  # a snapshot of items: up to 1,000 a chunk
    frames = [read_frame(frame)[0] async for frame in hub._snapshot(older)]
    assert [len(f.items) for f in frames if isinstance(f, SnapshotChunk)][:3] == [3, 6, 12]


class _Console:
    """What a console holds: the snapshot's rows, then each delta applied in order."""

    def __init__(self) -> None:
        self.names: dict[int, str] = {}

    def take(self, raw: str) -> None:
        frame, _ = read_frame(raw)
        if isinstance(frame, SnapshotChunk) and frame.columns is not None:
            values = frame.columns.values
            self.names.update(zip(values["id"], values["name"], strict=True))
        elif isinstance(frame, ItemDelta):
            self.names.update((item.id, item.name) for item in frame.upserts)
            for item_id in frame.removes:
                self.names.pop(item_id, None)


async def test_changes_made_while_a_snapshot_streams_reach_the_console_after_it(
    app: FastAPI,
) -> None:
    hub = LiveHub(app.state.appliance.site, chunk_size=10)
    site = hub.site
    carol = _sub(hub, "carol")
    hub.subscribers.add(carol)
    ids = sorted(item.id for item in visible_clients(site, carol.access))
    console = _Console()
    stream = hub._snapshot(carol)
    console.take(await anext(stream))  # the first chunk has gone: ids[:10]
    with site.repo.transaction():
        for item_id in (ids[2], ids[-2]):  # one sent, one still to come
            site.repo.clients.update(item_id, {"name": f"renamed-{item_id}"})
        for item_id in (ids[4], ids[-1]):
            site.repo.clients.delete(item_id)
    hub.publish_ids([ids[2], ids[-2]], [ids[4], ids[-1]])
    async for frame in stream:
        console.take(frame)
    while not carol.queue.empty():  # what was queued behind the snapshot
        console.take(carol.queue.get_nowait())
    now = {item.id: item.name for item in visible_clients(site, carol.access)}
    assert console.names == now
    assert now[ids[2]] == f"renamed-{ids[2]}" and now[ids[-2]] == f"renamed-{ids[-2]}"


class _FastConsole:
    """A console whose network takes each frame at once (sending never waits)."""

    def __init__(self, name: str, said: list[tuple[str, str, bool]]) -> None:
        self.name, self.said = name, said
        self.loaded = asyncio.Event()

    async def send_text(self, text: str) -> None:
        frame = orjson.loads(text)
        last = frame.get("last") is True
        self.said.append((self.name, frame["type"], last))
        if frame["type"] == "snapshot" and last:
            self.loaded.set()

    async def receive_text(self) -> str:
        return '{"type": "subscribe", "compact": true}'

    async def receive(self) -> dict[str, object]:
        await asyncio.Event().wait()  # the console sends nothing more
        raise AssertionError("unreachable")

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        return None


async def test_other_consoles_keep_getting_statistics_while_a_snapshot_streams(
    app: FastAPI,
) -> None:
    hub = LiveHub(app.state.appliance.site, chunk_size=5)
    site = hub.site
    said: list[tuple[str, str, bool]] = []
    bob, carol = _FastConsole("bob", said), _FastConsole("carol", said)
    grants = {name: site.repo.user_by_name(name) for name in ("bob", "carol")}
    tasks = []
    try:
        for console in (bob, carol):
            found = grants[console.name]
            assert found is not None
            if console is carol:  # bob's figures flow from now on, every turn of the loop
                item = next(iter(next(s for s in hub.subscribers).visible))
                tasks.append(asyncio.create_task(_ticker(hub, item)))
            grant = Grant(found[0], f"token of {console.name}")
            tasks.append(asyncio.create_task(hub.serve(console, grant)))  # type: ignore[arg-type]
            await asyncio.wait_for(console.loaded.wait(), 10)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    first = said.index(("carol", "snapshot", False))
    last = said.index(("carol", "snapshot", True))
    assert ("bob", "stats", False) in said[first:last]  # not only once it was all sent


async def _ticker(hub: LiveHub, item_id: int) -> None:
    while True:
        hub.record_stats(item_id, (10.0, 20.0, None, 5, AT))
        hub.flush()
        await asyncio.sleep(0)
