"""The live hub: latest statistics per item, item changes, and one feed per console.

- ``record_stats`` keeps the latest row of an item and marks it dirty; every interval
  ``tick`` sends each subscriber one ``stats`` frame with its visible dirty items only.
- ``publish`` numbers an item change (``seq``), keeps it in a bounded ring for resumes, and
  queues a ``delta`` frame to each subscriber that may see the items.
- Each subscriber has a bounded queue. When it fills (a console that stops reading), the
  queue is dropped and the console gets a fresh snapshot instead: the hub's memory stays
  bounded whatever the consoles do.
- Each subscriber holds a :class:`~appliance.grants.Grant`: when the representative's sign-in
  ends, nothing more is queued or sent and the feed closes with the reason. When their rights
  change (``access_changed``), their consoles get the difference at once: a delta removing
  what they may no longer see and adding what they now may.

Everything runs on the appliance's event loop. A resume's frames are built in one step. A
snapshot streams: each chunk is read from the database when the one before it has gone
(:mod:`appliance.snapshot`), with a turn for the event loop between chunks, so a big snapshot
neither sits in memory whole nor holds up other consoles, sign-ins and clients. It stays
consistent with the stream after it: the console's queue is emptied and it is marked ready
when the snapshot starts, so every change from then on is queued behind the snapshot; a
chunk read later holds an item as it is then, and the queued deltas (applied after the
snapshot, in order) end at the same state. ``Subscriber.visible`` grows with the chunks sent:
a removal of an item not sent yet is not sent (a later chunk will not hold it), a change of
one is (and a later chunk holds it again, unchanged).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import deque
from collections.abc import AsyncGenerator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from appliance._access import access_for, visible_clients, visible_ids
from appliance.grants import Grant
from appliance.site import Site
from appliance.snapshot import (
    FIRST_CHUNK,
    LARGEST_CHUNK,
    LARGEST_ITEMS_CHUNK,
    chunk_sizes,
    columns_of_rows,
    count_visible,
    items_of,
    read_chunk,
)
from domain import AccessContext, JumpClient, Stats, User
from domain.protocol.close import Close
from domain.protocol.live import (
    Hello,
    SiteChanged,
    Subscribe,
    compact_snapshot_frame,
    delta_frame,
    resume_frame,
    snapshot_frame,
    stats_frame,
    stats_row,
)
from domain.statistics import only_selected

log = logging.getLogger("appliance.live")

#: How often statistics are passed on between interval ticks (seconds).
FANOUT_S = 0.25
_RESYNC = "resync"  # queue sentinel: drop what is queued, send a fresh snapshot

#: (cpu, disk, console_user, uptime_s, at)
LatestStats = tuple[float | None, float | None, str | None, int | None, str]


def _dumps(frame: dict[str, Any]) -> str:
    return orjson.dumps(frame).decode()


@dataclass(eq=False)
class Subscriber:
    grant: Grant
    access: AccessContext
    queue: asyncio.Queue[str]
    visible: set[int] = field(default_factory=set)
    ready: bool = False
    resyncs: int = 0
    #: snapshots as columns (the console asked for them: ``Subscribe.compact``)
    compact: bool = False
    #: while a snapshot streams, the highest item id sent so far (the rest comes in later
    #: chunks); None once the console holds everything it may see
    streamed: int | None = None

    @property
    def user(self) -> User:
        return self.grant.user

    def offer(self, frame: str) -> None:
        """Queue a frame; when the queue is full, replace its content by a resync. Once the
        sign-in ended, nothing is queued."""
        if not self.grant.active:
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(_RESYNC)
            self.resyncs += 1


class LiveHub:
    def __init__(
        self,
        site: Site,
        *,
        ring_size: int = 4096,
        queue_size: int = 256,
        chunk_size: int = LARGEST_CHUNK,
        first_chunk: int = FIRST_CHUNK,
    ) -> None:
        self.site = site
        self.epoch = secrets.token_hex(8)
        self.seq = 0
        self.ring: deque[tuple[int, list[JumpClient], list[int]]] = deque(maxlen=ring_size)
        self.queue_size = queue_size
        self.chunk_size = chunk_size
        self.first_chunk = first_chunk
        self.latest: dict[int, LatestStats] = {}
        #: the latest screen thumbnail of each item that sends one (served one item at a time)
        self.thumbnails: dict[int, str] = {}
        self._dirty: set[int] = set()
        self.subscribers: set[Subscriber] = set()
        self.before_tick: list[Callable[[datetime], None]] = []
        #: representative id -> the seq of the last change of their rights: a console that
        #: resumes from before it gets a fresh snapshot
        self._access_seq: dict[int, int] = {}
        #: the statistics the site selects, and the seq of their last change: a console
        #: that resumes from before it gets a fresh snapshot
        self._selection = frozenset(site.settings().statistics)
        self._selection_seq = 0

    # -- inputs ------------------------------------------------------------------------------

    def interval(self) -> float:
        return self.site.statistics_interval()

    def record_stats(self, item_id: int, stats: LatestStats, thumbnail: str | None = None) -> None:
        self.latest[item_id] = stats
        if thumbnail is None:
            self.thumbnails.pop(item_id, None)
        else:
            self.thumbnails[item_id] = thumbnail
        self._dirty.add(item_id)

    def forget(self, item_id: int) -> None:
        self.latest.pop(item_id, None)
        self.thumbnails.pop(item_id, None)
        self._dirty.discard(item_id)

    def publish(self, upserts: Sequence[JumpClient], removes: Sequence[int] = ()) -> int:
        """Number a change, keep it for resumes, and queue it to those who may see it."""
        self.seq += 1
        changed, removed = list(upserts), list(removes)
        for item_id in removed:
            self.forget(item_id)
        self.ring.append((self.seq, changed, removed))
        for sub in self.subscribers:
            if sub.ready:
                frame = self._delta_frame(sub, self.seq, changed, removed)
                if frame is not None:
                    sub.offer(frame)
        return self.seq

    def publish_ids(self, changed: Iterable[int] = (), removed: Iterable[int] = ()) -> int:
        """Publish items by id, reading their current state from the repository."""
        items = [c for c in (self.site.repo.clients.get(i) for i in changed) if c is not None]
        return self.publish(items, list(removed))

    def overlay(self, item: JumpClient, *, thumbnail: bool = False) -> JumpClient:
        """The item with the latest statistics the hub holds (the database keeps none).

        The screen thumbnail (about 2 KB) is only added when asked, for one item at a time:
        lists, snapshots and deltas carry statistics without it.
        """
        selected = self.site.settings().statistics
        latest = self.latest.get(item.id)
        if latest is None:
            return only_selected(item, selected)
        cpu, disk, user, uptime, at = latest
        stats = Stats(
            cpu_percent=cpu,
            disk_percent=disk,
            console_user=user,
            uptime_s=uptime,
            thumbnail=self.thumbnails.get(item.id) if thumbnail else None,
            at=datetime.fromisoformat(at),
        )
        return only_selected(item.model_copy(update={"x_stats": stats}), selected)

    def site_changed(self) -> None:
        """Tell every console the site's settings changed (interval, statistics, rules).
        When the statistics the site selects changed, each console then gets a fresh
        snapshot (the items it holds carry what is no longer selected, or lack what now
        is), and one that resumes from before the change gets one too."""
        settings = self.site.settings()
        text = SiteChanged(
            interval_s=self.interval(), statistics=settings.statistics
        ).model_dump_json()
        selection = frozenset(settings.statistics)
        reselected = selection != self._selection
        if reselected:
            self._selection = selection
            self.seq += 1
            self.ring.append((self.seq, [], []))  # numbered like a change, so resumes see it
            self._selection_seq = self.seq
        for sub in self.subscribers:
            if sub.ready:
                sub.offer(text)
                if reselected:
                    sub.offer(_RESYNC)

    def access_changed(self, user_ids: frozenset[int]) -> None:
        """These representatives' rights changed: each of their consoles gets, at once, a
        delta that removes the items it may no longer see and adds those it now may; from
        now on it gets only frames about what it may see."""
        self.seq += 1
        self.ring.append((self.seq, [], []))  # numbered like a change, so resumes see it
        for user_id in user_ids:
            self._access_seq[user_id] = self.seq
        users: dict[int, User | None] = {}
        for sub in [s for s in self.subscribers if s.user.id in user_ids and s.ready]:
            if sub.user.id not in users:
                users[sub.user.id] = self.site.repo.users.get(sub.user.id)
            user = users[sub.user.id]
            if user is None:  # gone: the sign-in ends with it
                continue
            sub.access = access_for(self.site, user)
            now = visible_ids(self.site, sub.access)
            if sub.streamed is not None:  # what is past the chunks sent comes with the rest
                now = {i for i in now if i <= sub.streamed or i in sub.visible}
            before, sub.visible = sub.visible, now
            new = now - before
            added = [
                self._item_json(item)
                for item in (visible_clients(self.site, sub.access) if new else [])
                if item.id in new
            ]
            gone = sorted(before - now)
            if added or gone:
                sub.offer(_dumps(delta_frame(self.seq, added, gone)))

    def notify(self, usernames: set[str], frame: dict[str, Any]) -> None:
        """Send one frame to the consoles of these representatives (session events)."""
        text = _dumps(frame)
        for sub in self.subscribers:
            if sub.ready and sub.user.username in usernames:
                sub.offer(text)

    # -- frames ------------------------------------------------------------------------------

    def _item_json(self, item: JumpClient) -> dict[str, Any]:
        return self.overlay(item).model_dump(mode="json")

    def _delta_frame(
        self, sub: Subscriber, seq: int, upserts: list[JumpClient], removes: list[int]
    ) -> str | None:
        ups: list[dict[str, Any]] = []
        gone = [i for i in removes if i in sub.visible]
        for item_id in gone:
            sub.visible.discard(item_id)
        for item in upserts:
            if sub.access.can_see(item.jump_group_type, item.jump_group_id):
                ups.append(self._item_json(item))
                sub.visible.add(item.id)
            elif item.id in sub.visible:
                sub.visible.discard(item.id)
                gone.append(item.id)
        if not ups and not gone:
            return None
        return _dumps(delta_frame(seq, ups, gone))

    async def _snapshot(self, sub: Subscriber) -> AsyncGenerator[str, None]:
        """A fresh snapshot's frames, each chunk read when the one before it was taken (see
        the module's docstring); the sub is ready, with an empty queue, from the start."""
        while not sub.queue.empty():
            sub.queue.get_nowait()
        seq, after = self.seq, 0  # every chunk says the seq the snapshot started at
        sub.visible, sub.streamed, sub.ready = set(), 0, True
        total = count_visible(self.site, sub.access) if sub.compact else None
        largest = self.chunk_size if sub.compact else min(self.chunk_size, LARGEST_ITEMS_CHUNK)
        for size in chunk_sizes(largest, self.first_chunk):
            rows = read_chunk(self.site, sub.access, after, size, compact=sub.compact)
            last = len(rows) < size
            if rows:
                after = int(rows[-1][0])
                sub.visible.update(int(row[0]) for row in rows)
            sub.streamed = None if last else after
            if sub.compact:
                selected = self.site.settings().statistics
                columns = columns_of_rows(rows, self.latest, selected)
                frame = compact_snapshot_frame(seq, columns, last, total)
            else:
                items = [self._item_json(item) for item in items_of(self.site, rows)]
                frame = snapshot_frame(seq, items, last)
            del rows
            yield _dumps(frame)
            if last:
                return
            await asyncio.sleep(0)  # a turn for everything else between chunks

    def _resume_frames(self, sub: Subscriber, since: int) -> list[str] | None:
        oldest = self.ring[0][0] if self.ring else self.seq + 1
        if since > self.seq or since < oldest - 1:
            return None
        if since < self._access_seq.get(sub.user.id, 0):  # what it holds was seen with
            return None  # other rights: the ring cannot say what to take back
        if since < self._selection_seq:  # ... or with other statistics selected
            return None
        sub.visible = visible_ids(self.site, sub.access)
        sub.streamed = None
        frames = [_dumps(resume_frame(self.seq))]
        for seq, ups, rms in self.ring:
            if seq > since:
                frame = self._delta_frame(sub, seq, ups, rms)
                if frame is not None:
                    frames.append(frame)
        sub.ready = True
        return frames

    def tick(self, now: datetime) -> None:
        """Run the pre-tick hooks, then send each subscriber its visible dirty statistics."""
        for hook in self.before_tick:
            hook(now)
        self.flush()

    def flush(self) -> None:
        """Send each subscriber the statistics that arrived since the last flush (visible
        items only). Each client sends once an interval, so an item's row still changes at
        most once an interval; flushing often only shortens the way to the console."""
        dirty, self._dirty = self._dirty, set()
        if not dirty or not self.subscribers:
            return
        selected = self.site.settings().statistics
        rows: dict[int, Any] = {}
        for item_id in dirty:
            latest = self.latest.get(item_id)
            if latest is not None:
                cpu, disk, user, uptime, at = latest
                rows[item_id] = stats_row(
                    item_id,
                    cpu=cpu,
                    disk=disk,
                    console_user=user,
                    uptime_s=uptime,
                    at=at,
                    selected=selected,
                )
        for sub in self.subscribers:
            if not sub.ready:
                continue
            visible = sub.visible
            mine = [row for item_id, row in rows.items() if item_id in visible]
            if mine:
                sub.offer(_dumps(stats_frame(self.seq, mine)))

    async def run(self) -> None:
        """Tick at the site's statistics interval (read again every tick); between ticks,
        pass statistics on every :data:`FANOUT_S` so a console sees a client's figures about
        as soon as they arrive, whatever the interval."""
        loop = asyncio.get_running_loop()
        next_tick = loop.time() + self.interval()
        while True:
            await asyncio.sleep(max(0.0, min(FANOUT_S, next_tick - loop.time())))
            try:
                if loop.time() >= next_tick:
                    next_tick = loop.time() + self.interval()
                    self.tick(self.site.clock.now())
                else:
                    self.flush()
            except Exception:  # a bad tick must not stop the feed
                log.exception("live tick failed")

    # -- one console -------------------------------------------------------------------------

    async def serve(self, ws: WebSocket, grant: Grant) -> None:
        """Speak the live protocol with one console until it goes away or its sign-in ends
        (then it is closed with the grant's code and reason)."""
        settings = self.site.settings()
        demo = self.site.repo.clients.exists([("x_demo", True)])
        hello = Hello(
            epoch=self.epoch,
            seq=self.seq,
            interval_s=self.interval(),
            statistics=settings.statistics,
            demo=demo,
        )
        await ws.send_text(hello.model_dump_json())
        try:
            async with asyncio.timeout(30):
                raw = await ws.receive_text()
            request = Subscribe.model_validate_json(raw)
        except (TimeoutError, ValidationError, ValueError):
            await ws.close(Close.BAD_REQUEST, "expected a subscribe frame")
            return
        if not grant.active:
            await grant.close(ws)
            return
        sub = Subscriber(grant, access_for(self.site, grant.user), asyncio.Queue(self.queue_size))
        sub.compact = request.compact
        frames = None  # none: a fresh snapshot, streamed by the writer
        if request.since_seq is not None:
            frames = self._resume_frames(sub, request.since_seq)
        self.subscribers.add(sub)
        try:
            tasks = {
                asyncio.create_task(self._write(ws, sub, frames)),
                asyncio.create_task(self._read(ws)),
                asyncio.create_task(grant.ended.wait()),
            }
            done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            for task in (*done, *pending):  # each one's end read, or asyncio logs it unread
                try:
                    await task
                except (asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                    pass  # the console went away
                except Exception:
                    log.exception("the live feed of %s failed", grant.user.username)
        finally:
            self.subscribers.discard(sub)
        if not grant.active:
            await grant.close(ws)

    async def _write(self, ws: WebSocket, sub: Subscriber, first: list[str] | None) -> None:
        if first is None:
            await self._send_snapshot(ws, sub)
        else:
            for frame in first:
                await ws.send_text(frame)
            del first
        while True:
            frame = await sub.queue.get()
            if not sub.grant.active:
                return
            if frame == _RESYNC:
                await self._send_snapshot(ws, sub)
            else:
                await ws.send_text(frame)

    async def _send_snapshot(self, ws: WebSocket, sub: Subscriber) -> None:
        """Stream a fresh snapshot, a chunk at a time; the sign-in is checked before each
        chunk: a snapshot stops where it ended."""
        async with contextlib.aclosing(self._snapshot(sub)) as frames:
            async for frame in frames:
                if not sub.grant.active:
                    return
                await ws.send_text(frame)

    @staticmethod
    async def _read(ws: WebSocket) -> None:
        """Read (and ignore) what the console sends, until it disconnects."""
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    return
