"""The highlighted item's history for its details: fetched only once the highlight has rested
on the item (scrolling through the list asks nothing), kept a while, fetched again when the
item changes."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from textual.app import App
from textual.css.query import NoMatches
from textual.timer import Timer

from api_client import ApplianceError, NotFound
from console.audit_view import ItemHistory
from domain.audit import AuditEntry

#: how long the highlight rests on an item before its history is asked for
REST_S = 0.5
#: the entries the details show
SHOWN = 5


class HistoryLoader:
    """What the details pane knows of the highlighted item's history, and the one fetch."""

    def __init__(
        self,
        app: App[Any],
        fetch: Callable[[int, int], Awaitable[list[AuditEntry]]],
        still_wanted: Callable[[int], bool],
        arrived: Callable[[], None],
        *,
        rest_s: float = REST_S,
    ) -> None:
        self.app = app
        self.book = ItemHistory()
        self._fetch = fetch
        self._still_wanted = still_wanted
        self._arrived = arrived
        self._rest_s = rest_s
        self._for: int | None = None  # a timer runs for this item
        self._loading: int | None = None  # a fetch runs for this item
        self._changed_meanwhile = False
        self._failed: int | None = None  # unreachable: not asked again until shown anew
        self._timer: Timer | None = None

    def want(self, item_id: int) -> list[AuditEntry] | None:
        """The entries known of the item shown (None: none yet); asks for them once the
        highlight rests on it, unless they are fresh."""
        if self._failed != item_id:
            self._failed = None
        waiting = item_id in (self._for, self._loading, self._failed)
        if not waiting and self.book.due(item_id, time.monotonic()):
            if self._timer is not None:
                self._timer.stop()
            self._for = item_id
            self._timer = self.app.set_timer(self._rest_s, lambda: self._rested(item_id))
        return self.book.get(item_id)

    def changed(self, item_ids: list[int]) -> None:
        """These items changed: their history is asked for again when next shown."""
        self.book.changed(item_ids)
        if self._loading in item_ids:
            self._changed_meanwhile = True

    def _rested(self, item_id: int) -> None:
        if self._for != item_id:
            return
        self._for = None
        try:
            wanted = self._still_wanted(item_id)
        except NoMatches:  # the console is closing: its list is gone
            return
        if not wanted:  # the highlight moved on: nothing asked
            return
        self._loading, self._changed_meanwhile = item_id, False

        # a function, not a coroutine: a worker the next one cancels before it starts then
        # leaves no coroutine never awaited behind (a warning at collection time)
        async def load() -> None:
            await self._load(item_id)

        self.app.run_worker(load, group="history", exclusive=True, exit_on_error=False)  # type: ignore[arg-type]  # Textual types a worker function as returning Never

    async def _load(self, item_id: int) -> None:
        try:
            entries = await self._fetch(item_id, SHOWN)
        except NotFound:  # out of sight now: not asked again until it changes
            self.book.refused(item_id)
        except (ApplianceError, RuntimeError):  # unreachable, or signed out meanwhile
            self._failed = item_id
        else:
            self.book.keep(item_id, entries, time.monotonic())
            if self._changed_meanwhile:
                self.book.changed([item_id])
            self._arrived()
        finally:
            if self._loading == item_id:
                self._loading = None
