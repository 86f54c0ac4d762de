"""The rights of this node's long-lived connections (live feeds, shells), checked for as long
as each is open, not only when it opens.

A websocket signs in once, when it opens; what its representative may do can change while it
stays open. Each such connection holds a :class:`Grant` while it is open. When the grant ends,
the connection sends and relays nothing more and closes with the grant's close code and
reason (:mod:`domain.protocol.close`), at once.

What ends grants:

- a revocation (:class:`appliance.site.Revocation`, told on every node over the bus): the
  tokens a newer sign-in replaced, every token of a user who was disabled or whose password
  changed;
- the sweep, every :data:`SWEEP_S`: one query checks the tokens of every grant held here. A
  token that expired ends its grants at once; one that is gone (or whose user is disabled)
  at the second sweep that misses it, so that the revocation's event, which says why, has
  had a sweep's time to arrive from another node. A revocation whose event never arrived
  (the bus was down) still ends its grants within ``2 * SWEEP_S``, with a plainer reason;
- the connection's own service, for a right of its own (a shell's session left, its item out
  of reach).

Everything runs on the appliance's event loop: once :meth:`Grant.end` has run, a connection
that checks :attr:`Grant.active` before each frame sends nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Protocol

from starlette.websockets import WebSocket

from appliance.db import DatabaseUnavailable
from appliance.site import Revocation, Site
from domain import User
from domain.protocol.close import EXPIRED, NO_LONGER_ALLOWED, SIGNED_OUT, Close

log = logging.getLogger("appliance.grants")

#: How often the tokens of every open connection are checked again (seconds).
SWEEP_S = 0.4


class Grant:
    """The right one open connection holds: its representative's sign-in, until it ends."""

    def __init__(self, user: User, token_hash: str) -> None:
        self.user = user
        self.token_hash = token_hash
        self.ended = asyncio.Event()
        self.code: Close = Close.NORMAL
        self.reason = ""
        #: the last sweep found the token gone (the next one that does ends the grant)
        self.missed = False

    @property
    def active(self) -> bool:
        return not self.ended.is_set()

    def end(self, code: Close, reason: str) -> None:
        """End the right (the first reason stays)."""
        if self.ended.is_set():
            return
        self.code, self.reason = code, reason
        self.ended.set()

    async def close(self, ws: WebSocket) -> None:
        """Close the connection with the grant's code and reason (it may be gone already)."""
        with contextlib.suppress(Exception):
            await ws.close(self.code, self.reason)


class Grants:
    """The grants held on this node; revocations and the sweep end them."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.held: set[Grant] = set()

    @contextlib.contextmanager
    def hold(self, user: User, token_hash: str) -> Iterator[Grant]:
        """A grant for the time of a connection (take it before the first ``await`` after the
        sign-in was checked, so that no revocation can fall between the two)."""
        grant = Grant(user, token_hash)
        self.held.add(grant)
        try:
            yield grant
        finally:
            self.held.discard(grant)

    def revoked(self, revocation: Revocation) -> None:
        for grant in list(self.held):
            if grant.token_hash in revocation.tokens or grant.user.id in revocation.users:
                grant.end(Close.REVOKED, revocation.reason)

    def sweep(self) -> None:
        """End the grants whose token expired, or is gone (or its user disabled) for a
        second sweep running."""
        if not self.held:
            return
        valid = self.site.repo.rep_token_expiries(sorted({g.token_hash for g in self.held}))
        now = self.site.clock.now().timestamp()
        for grant in list(self.held):
            expires = valid.get(grant.token_hash)
            if expires is None and grant.missed:
                grant.end(Close.REVOKED, SIGNED_OUT)
            elif expires is not None and expires <= now:
                grant.end(Close.UNAUTHORIZED, EXPIRED)
            grant.missed = expires is None

    async def run(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_S)
            try:
                self.sweep()
            except DatabaseUnavailable:  # said once by the engine; checked again next time
                pass
            except Exception:  # a bad sweep must not stop the next ones
                log.exception("checking the sign-ins of open connections failed")


class OnItem(Protocol):
    """A console on one item's session (a shell or a screen viewer)."""

    @property
    def grant(self) -> Grant: ...

    @property
    def item_id(self) -> int: ...


class ItemRights:
    """What the shells and the screens share: when representatives' rights or items change,
    each console of theirs on an item they may no longer reach is closed (``4403``)."""

    def on_items(self) -> Iterator[OnItem]:
        """Every console attached here (a subclass says where they are)."""
        raise NotImplementedError

    may_reach: Callable[[User, int], bool]
    """Whether the representative may still start sessions on the item (each subclass's)."""

    def access_changed(self, user_ids: frozenset[int]) -> None:
        """These representatives' rights changed: each of their consoles is checked again."""
        self._check(lambda viewer: viewer.grant.user.id in user_ids)

    def items_changed(self, changed: list[int], removed: list[int]) -> None:
        """Items changed (moved to another group, removed): their consoles are checked again."""
        if not any(True for _ in self.on_items()):  # (most changes: nobody attached)
            return
        touched = set(changed) | set(removed)
        self._check(lambda viewer: viewer.item_id in touched)

    def _check(self, concerns: Callable[[OnItem], bool]) -> None:
        for viewer in list(self.on_items()):
            if (
                viewer.grant.active
                and concerns(viewer)
                and not self.may_reach(viewer.grant.user, viewer.item_id)
            ):
                viewer.grant.end(Close.FORBIDDEN, NO_LONGER_ALLOWED)
