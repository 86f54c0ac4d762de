"""The highlighted item's screen thumbnail in the details pane: which fetch's answer is
shown, and when the item may be fetched again.

The thumbnail comes with the item's record: fetched when the highlight rests on the item,
and again when its statistics say the screen changed, at most once a statistics interval.
Answers can come back out of order; an older one never replaces a newer one, and an answer
for an item no longer shown is not shown."""

from __future__ import annotations

import time

from domain import JumpClient


class ThumbnailWatch:
    def __init__(self) -> None:
        self.shown: tuple[int, str | None, float] = (0, None, 0.0)
        """(item id, its thumbnail, when it was last fetched or asked for)"""
        self._asked = 0
        self._applied = (0, 0)  # the item and the number of the fetch whose answer is shown

    def ask(self) -> int:
        """A fetch of an item's record is asked for: its number, in the order asked."""
        self._asked += 1
        return self._asked

    def due_in(self, item_id: int, interval: float) -> float:
        """Seconds until ``item_id`` may be fetched again (at most once an interval)."""
        if self.shown[0] != item_id:
            return 0.0
        return self.shown[2] + interval * 0.9 - time.monotonic()

    def asking(self, item_id: int) -> None:
        """``item_id`` is fetched now: the next fetch waits an interval from now (the
        thumbnail shown is kept meanwhile, if it is this item's)."""
        thumbnail = self.shown[1] if self.shown[0] == item_id else None
        self.shown = (item_id, thumbnail, time.monotonic())

    def answer(self, item: JumpClient, asked: int, showing: int | None) -> bool:
        """Show ``item``'s thumbnail from the fetch numbered ``asked``: only while ``item``
        is the item shown (``showing``) and no later fetch of it has been shown. True when
        shown."""
        if item.id != showing:
            return False
        if self._applied[0] == item.id and asked < self._applied[1]:
            return False
        self._applied = (item.id, asked)
        thumbnail = item.x_stats.thumbnail if item.x_stats else None
        self.shown = (item.id, thumbnail, time.monotonic())
        return True
