"""The one writer of a Jump Client item's presence: online, offline, lost, uninstalled.

Whoever learns that a client came or went (its channel, a passive check-in, the maintenance
and orphan sweeps, the demo fleet) says so here, and each transition sets the same fields
the same way:

- **online** (a connection, a check-in, a demo client coming back): ``x_online``, no longer
  lost (heard from again), ``last_connect_timestamp``; sessions still recorded for the item
  are over (they ran through a connection this one replaces, here or on a node that died);
- **offline** (only from online: an item already offline keeps the time it went):
  ``x_online`` false, ``last_disconnect_timestamp``, no sessions (they end with the
  connection);
- **lost**: ``is_lost`` (offline past the site's lost period);
- **uninstalled**: the site's uninstalled behaviour says whether the item is removed or
  kept as ``uninstalled`` (and offline, if it was still online).

Changes are written in one transaction (:func:`transitions`; open it outside any other, so
that what it tells is committed) and told once it commits, the same way for all: consoles
here and on every node see the items, and sessions that ran through a connection that
ended (or was replaced) end, here and on the other nodes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain import ConnectionType, JumpClient, UninstalledBehavior

if TYPE_CHECKING:
    from appliance.site import Site

#: the fields only this module writes once an item exists (sessions, which also clear
#: ``x_in_session_by`` here, keep its holders while they run)
PRESENCE_FIELDS = frozenset(
    {
        "x_online",
        "is_lost",
        "last_connect_timestamp",
        "last_disconnect_timestamp",
        "connection_type",
    }
)


class Transitions:
    """Presence changes of one transaction; told by :func:`transitions` once it commits."""

    def __init__(self, app: Site, now: datetime) -> None:
        self.app = app
        self.now = now
        #: items that changed, and items removed, in the order they did
        self.changed: list[int] = []
        self.removed: list[int] = []
        self._connected: list[int] = []
        self._disconnected: list[int] = []

    def mark_online(self, item_id: int, details: dict[str, Any] | None = None) -> JumpClient | None:
        """The client is connected (or checked in) as of now; ``details`` are what it said
        about itself (host names, addresses, version, ...). None when the item is gone."""
        fields: dict[str, Any] = {
            **_details(details),
            "x_online": True,
            "is_lost": False,
            "last_connect_timestamp": self.now,
            "x_in_session_by": [],
        }
        updated = self.app.repo.clients.update(item_id, fields)
        if updated is not None:
            self._changed(item_id)
            self._connected.append(item_id)
        return updated

    def mark_offline(
        self,
        item_id: int,
        *,
        connected_at: datetime | None = None,
        details: dict[str, Any] | None = None,
    ) -> bool:
        """The client's connection ended; with ``connected_at``, only if that connection is
        still its latest (a newer one, to this node or another, is the one that counts: its
        sessions are left alone; those through the ended one were ended when it connected).
        Otherwise sessions through the ended connection end in any case. True when it went
        offline."""
        current = self.app.repo.clients.get(item_id)
        if (
            connected_at is not None
            and current is not None
            and current.last_connect_timestamp != connected_at
        ):  # connected again since: its sessions go through the newer connection
            return False
        self._disconnected.append(item_id)
        if current is None or not current.x_online:
            return False
        self.app.repo.clients.update(item_id, {**_details(details), **self._offline()})
        self._changed(item_id)
        return True

    def mark_lost(self, item_id: int) -> None:
        """Offline past the site's lost period (heard from again, it is online and found)."""
        if self.app.repo.clients.update(item_id, {"is_lost": True}) is not None:
            self._changed(item_id)

    def mark_uninstalled(self, item_id: int) -> bool:
        """The client removed itself: the item is removed or kept as uninstalled, as the
        site's uninstalled behaviour says. True when it was removed."""
        if self.app.settings().uninstalled_behavior is UninstalledBehavior.REMOVE:
            self.remove(item_id)
            return True
        current = self.app.repo.clients.get(item_id)
        if current is None:
            return False
        fields: dict[str, Any] = {"connection_type": ConnectionType.UNINSTALLED}
        if current.x_online:
            fields.update(self._offline())
            self._disconnected.append(item_id)
        self.app.repo.clients.update(item_id, fields)
        self._changed(item_id)
        return False

    def remove(self, item_id: int) -> bool:
        """The item is deleted (the site's deletion period, or its uninstalled behaviour)."""
        if not self.app.repo.clients.delete(item_id):
            return False
        if item_id in self.changed:
            self.changed.remove(item_id)
        self.removed.append(item_id)
        return True

    def _offline(self) -> dict[str, Any]:
        return {"x_online": False, "last_disconnect_timestamp": self.now, "x_in_session_by": []}

    def _changed(self, item_id: int) -> None:
        if item_id not in self.changed:
            self.changed.append(item_id)

    def publish(self) -> None:
        """Tell what changed (after the commit)."""
        site = self.app
        for item_id in self._connected:
            # sessions through a connection this one replaces are over, here and elsewhere
            site.connection_over(item_id, relay=True)
        if self.changed or self.removed:
            site.changed(self.changed, self.removed)
        for item_id in self._disconnected:
            site.connection_over(item_id)


@contextmanager
def transitions(app: Site, now: datetime | None = None) -> Iterator[Transitions]:
    """One transaction of presence changes (as of ``now``, else the appliance's clock),
    told once it commits; nothing is told when it fails."""
    batch = Transitions(app, now if now is not None else app.clock.now())
    with app.repo.transaction():
        yield batch
    batch.publish()


def _details(details: dict[str, Any] | None) -> dict[str, Any]:
    if not details:
        return {}
    clash = PRESENCE_FIELDS & details.keys()
    if clash:
        raise ValueError(f"presence fields are written by the transitions only: {sorted(clash)}")
    return details
