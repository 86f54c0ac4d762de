"""Jump Clients that were let in, written online together; and those whose connection ended,
written offline together.

Each connection that said hello and was admitted makes its item online (with what it said
about itself) before it is welcomed. One transaction per client was one commit, and one
durable write, each (``synchronous = FULL``), on the event loop, and one change told to every
console: in a reconnect storm of 300 admitted a second that was most of a node's time (the
rest of its clients' statistics waiting behind it), and consoles that fell 256 changes behind
were sent their whole snapshot again. So the clients admitted within :data:`GATHER_S` of the
first are written in one transaction and told in one change.

The same held for departures: when 19,600 clients left a node at once, it wrote them offline
one commit each for over 20 seconds, and a SIGTERM meanwhile waited for all of them. Those
that leave within :data:`GATHER_S` of the first are written in one transaction too. A node
that stops before it has written some leaves them to the maintenance sweep, as a node that
stopped with clients online does (:mod:`appliance.maintenance`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from appliance import presence
from appliance.db import DatabaseUnavailable

if TYPE_CHECKING:
    from appliance.site import Site

log = logging.getLogger("appliance.agents")

#: how long the first arrival (or departure) waits for others to be written with it (seconds)
GATHER_S = 0.05
#: the most departures written in one transaction (one turn of the event loop)
DEPARTURES_AT_ONCE = 500

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


class Departures:
    """Clients whose connection ended, written offline together (see the module)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self._waiting: list[tuple[int, datetime]] = []
        self._timer: asyncio.Handle | None = None

    def offline(self, item_id: int, connected_at: datetime) -> None:
        """The client's connection of ``connected_at`` ended: offline, unless it has
        connected again since (to this node or another: its newer connection counts)."""
        self._waiting.append((item_id, connected_at))
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(GATHER_S, self.write)

    def write(self) -> None:
        """Write those waiting offline, :data:`DEPARTURES_AT_ONCE` in a transaction (the
        rest in the loop's next turns: its other work goes on between)."""
        batch = self._waiting[:DEPARTURES_AT_ONCE]
        self._waiting = self._waiting[DEPARTURES_AT_ONCE:]
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_soon(self.write) if self._waiting else None
        try:
            self._together(batch)
        except DatabaseUnavailable:
            log.warning(
                "%d Jump Client(s) that disconnected could not be marked offline now; "
                "the maintenance sweep will",
                len(batch),
            )
        except Exception:  # one client's write failed: the others are not held by it
            for one in batch:
                try:
                    self._together([one])
                except Exception as err:
                    log.warning(
                        "Jump Client %d could not be marked offline (%s); the maintenance "
                        "sweep will",
                        one[0],
                        type(err).__name__,
                    )

    def _together(self, batch: list[tuple[int, datetime]]) -> None:
        with presence.transitions(self.site) as changes:
            for item_id, connected_at in batch:
                with contextlib.suppress(ValidationError):
                    changes.mark_offline(item_id, connected_at=connected_at)
