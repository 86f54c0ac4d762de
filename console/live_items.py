"""``LiveItems``: what the live feed says about Jump Items, applied to the list's store.

- A snapshot comes part by part (:class:`~api_client.live.SnapshotPart`). The first one goes
  straight into the store the list shows, so its rows are on screen at once and the list fills
  as the rest streams; a later one (after a reconnect) goes into a fresh store while the list
  keeps showing what it had, and takes over when it is whole. Each part costs what its own
  rows do: a million items load without the console stopping for seconds at the end.
- A change or a statistic that comes while a snapshot streams is applied to the store that
  receives it at once: the appliance sends it only about items already sent, and the parts
  after it carry newer values, so nothing is undone and nothing older wins.
- While live updates are paused, the list's store is held still: changes and statistics wait
  until they resume (a snapshot on its way still receives them).

No Textual import: the app applies, then tells the screen what changed.
"""

from __future__ import annotations

import time

from api_client import ItemDelta, SnapshotLoaded, SnapshotPart
from console.store import ItemStore
from domain.protocol.live import StatsRow

#: while the list's own store fills, the rows listed are recomputed when the items held have
#: doubled since, or this long after (seconds), and at least :data:`RELIST_SHARE` of the time
#: it took the last time after: a million items are merged in order a dozen times in all,
#: not once a part, and the console answers keys between
RELIST_S = 1.0
RELIST_SHARE = 10


class LiveItems:
    """The feed's items, deltas and statistics, applied to ``store`` (see the module)."""

    def __init__(self, store: ItemStore) -> None:
        self.store = store
        self.loaded = False
        """A whole snapshot has been listed (once true, it stays)."""
        self.paused = False
        self._receiving: ItemStore | None = None
        """The store a snapshot's parts go into while one streams: the list's own on the first
        load, else a fresh one."""
        self._listed = 0
        self._listed_at = 0.0
        self._relist_s = 0.0
        self.pending_deltas: list[ItemDelta] = []
        self.pending_stats: dict[int, StatsRow] = {}

    @property
    def streaming(self) -> bool:
        return self._receiving is not None

    def part(self, part: SnapshotPart, now: float) -> bool:
        """Add a part of a snapshot; True when the list's rows are to be shown again."""
        if part.first or self._receiving is None:
            self._receiving = self.store if not self.loaded else self.store.fresh()
            self._receiving.start_snapshot()
            self._listed = 0
        self._receiving.add_columns(part.columns)
        if self._receiving is not self.store:
            return False
        held, since = len(self.store), now - self._listed_at
        if held >= 2 * self._listed or since >= max(RELIST_S, RELIST_SHARE * self._relist_s):
            self._listed, self._listed_at = held, now
            started = time.perf_counter()
            self.store.refresh_view()
            self._relist_s = time.perf_counter() - started
            return True
        return False

    def whole(self, snapshot: SnapshotLoaded) -> None:
        """The snapshot is whole: list all of it (what was held back while paused is in it)."""
        receiving, self._receiving = self._receiving, None
        if not snapshot.compact:  # an appliance that sends items
            self.store.load(snapshot.items)
        elif receiving is None:  # an empty snapshot of parts: nothing came before the end
            self.store.start_snapshot()
        elif receiving is not self.store:
            receiving.settle()
            self.store.adopt(receiving)
        else:
            self.store.settle()
        self.pending_deltas.clear()
        self.pending_stats.clear()
        self.loaded = True

    def cut_short(self) -> None:
        """The feed was lost while a snapshot streamed: the next one starts afresh (what the
        list's own store received stays listed meanwhile)."""
        if self._receiving is self.store:
            self.store.refresh_view()
        self._receiving = None

    def delta(self, delta: ItemDelta) -> bool:
        """Apply a change; True when the list's store changed (not held back)."""
        receiving = self._receiving
        if receiving is not None:
            _apply(receiving, delta)
            if receiving is self.store:
                return True
        if self.paused:
            self.pending_deltas.append(delta)
            return False
        _apply(self.store, delta)
        return True

    def stats(self, rows: list[StatsRow]) -> bool:
        """Apply a statistics batch; True when the list's rows moved (a new console user
        filtered or sorted again), for the list to put its highlight back on its item."""
        if self._receiving is not None and self._receiving is not self.store:
            self._receiving.apply_stats(rows)
        if self.paused and self._receiving is not self.store:
            for row in rows:
                self.pending_stats[row[0]] = row
            return False
        version = self.store.version
        self.store.apply_stats(rows)
        return self.store.version != version

    def resume(self) -> list[ItemDelta]:
        """Live updates resume: what was held back is applied to the list's store (only: a
        snapshot on its way has had each change as it came, and is newer than those from
        before it); the changes applied are returned, for the caller to show."""
        self.paused = False
        if self.pending_stats:
            self.store.apply_stats(list(self.pending_stats.values()))
            self.pending_stats.clear()
        deltas, self.pending_deltas = self.pending_deltas, []
        for delta in deltas:
            _apply(self.store, delta)
        return deltas


def _apply(store: ItemStore, delta: ItemDelta) -> None:
    if delta.upserts:
        store.upsert(delta.upserts)
    if delta.removes:
        store.remove(delta.removes)
