"""Jump Clients that were let in, written online together.

Each connection that said hello and was admitted makes its item online (with what it said
about itself) before it is welcomed. One transaction per client was one commit, and one
durable write, each (``synchronous = FULL``), on the event loop, and one change told to every
console: in a reconnect storm of 300 admitted a second that was most of a node's time (the
rest of its clients' statistics waiting behind it), and consoles that fell 256 changes behind
were sent their whole snapshot again. So the clients admitted within :data:`GATHER_S` of the
first are written in one transaction and told in one change.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Any

from appliance import presence
from appliance.db import DatabaseUnavailable

if TYPE_CHECKING:
    from appliance.site import Site

#: how long the first arrival waits for others to be written with it (seconds)
GATHER_S = 0.05

#: the item's max offline minutes (None: it was deleted), and when it connected
Online = tuple[int | None, datetime]
_Waiting = tuple[int, dict[str, Any], "asyncio.Future[Online]"]


class Arrivals:
    def __init__(self, site: Site) -> None:
        self.site = site
        self._waiting: list[_Waiting] = []
        self._timer: asyncio.TimerHandle | None = None

    async def online(self, item_id: int, details: dict[str, Any]) -> Online:
        """Write the item online with ``details``. Raises what writing it raised
        (``DatabaseUnavailable``: the client tries again later)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Online] = loop.create_future()
        self._waiting.append((item_id, details, future))
        if self._timer is None:
            self._timer = loop.call_later(GATHER_S, self._write)
        return await future

    def _write(self) -> None:
        batch, self._waiting, self._timer = self._waiting, [], None
        try:
            answers = self._together(batch)
        except DatabaseUnavailable as err:
            for _, _, future in batch:
                _answer(future, err)
        except Exception as err:  # one client's details refused: the others are not held by it
            if len(batch) == 1:
                _answer(batch[0][2], err)
                return
            for one in batch:
                try:
                    _answer(one[2], self._together([one])[0])
                except Exception as its:
                    _answer(one[2], its)
        else:
            for (_, _, future), answer in zip(batch, answers, strict=True):
                _answer(future, answer)

    def _together(self, batch: list[_Waiting]) -> list[Online]:
        """Write these items online in one transaction, told once it commits."""
        answers: list[Online] = []
        with presence.transitions(self.site) as changes:
            for item_id, details, _ in batch:
                updated = changes.mark_online(item_id, details)
                minutes = updated.max_offline_minutes if updated is not None else None
                answers.append((minutes, changes.now))
        return answers


def _answer(future: asyncio.Future[Online], answer: Online | BaseException) -> None:
    if future.done():  # its connection went away meanwhile
        return
    if isinstance(answer, BaseException):
        future.set_exception(answer)
    else:
        future.set_result(answer)
