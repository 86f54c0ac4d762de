"""The maintenance sweep: lost, deleted and self-removed (offline too long) Jump Clients.

Runs before each live tick (the appliance's clock, so tests move time with a fake clock):
items offline past the site's lost period (counted from their installation when they never
connected) are marked lost (their deletion date then shows in consoles), deleted at the
deletion period, and clients past their own max offline minutes (ephemeral: 5) — which
removed themselves — are marked uninstalled or removed as the site's uninstalled behaviour
says. Each change is audited and reaches live consoles.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from appliance import presence
from appliance.site import Site
from domain import ConnectionType, JumpClient, format_utc
from domain.audit import AuditAction
from domain.rules import Maintenance, maintenance

if TYPE_CHECKING:
    from appliance.agents import AgentRegistry
    from appliance.bus import LocalBus, RedisBus

log = logging.getLogger("appliance.maintenance")
ACTOR = "system:maintenance"
AUDITED: dict[Maintenance, AuditAction] = {
    "lost": "jump_client.lost",
    "delete": "jump_client.delete",
    "uninstalled": "jump_client.uninstalled",
}


class MaintenanceSweep:
    def __init__(self, app: Site, *, every: timedelta = timedelta(seconds=30)) -> None:
        self.app = app
        self.every = every
        self._last: datetime | None = None

    def step(self, now: datetime) -> None:
        """A live-tick hook: sweep at most once per ``every`` of the appliance's clock."""
        if self._last is not None and now - self._last < self.every:
            return
        self._last = now
        self.sweep(now)

    def candidates(
        self, now: datetime, days_before_lost: int, days_before_deleted: int
    ) -> list[JumpClient]:
        """Offline items the rules may touch, chosen in SQL (the fleet may hold 100k items):
        a client with its own limit, one due to be lost that is not yet, one due to be
        deleted. An item already lost and not yet due for deletion is left out: the rules do
        nothing to it, and loading every such item each sweep (3,231 in the 100k demo fleet)
        held the appliance's event loop some 0.4 s every 30 s."""
        since = "COALESCE(last_disconnect_timestamp, last_connect_timestamp, x_created_timestamp)"
        return self.app.repo.clients.find_sql(
            f"x_online = 0 AND connection_type != ? AND (max_offline_minutes > 0 OR "
            f"({since} <= ? AND is_lost = 0) OR {since} <= ?)",
            (
                ConnectionType.UNINSTALLED.value,
                format_utc(now - timedelta(days=days_before_lost)),
                format_utc(now - timedelta(days=days_before_deleted)),
            ),
        )

    def sweep(self, now: datetime) -> tuple[list[int], list[int]]:
        """Apply the rules to every offline item; answer (changed ids, removed ids)."""
        settings = self.app.settings()
        with presence.transitions(self.app, now) as batch:
            for client in self.candidates(
                now, settings.days_before_lost, settings.days_before_deleted
            ):
                action = maintenance(
                    client,
                    days_before_lost=settings.days_before_lost,
                    days_before_deleted=settings.days_before_deleted,
                    now=now,
                )
                if action is None:
                    continue
                target = f"jump_client:{client.id}"
                if action == "lost":
                    batch.mark_lost(client.id)
                elif action == "delete":
                    batch.remove(client.id)
                else:  # removed, or kept as uninstalled, as the site's behaviour says
                    batch.mark_uninstalled(client.id)
                self.app.audit(ACTOR, AUDITED[action], target, name=client.name)
        changed, removed = batch.changed, batch.removed
        if changed or removed:
            log.info("maintenance: %d changed, %d removed", len(changed), len(removed))
        return changed, removed


class OrphanSweep:
    """Items the shared database calls online that no live node holds: their node died
    (``kill -9``, a lost machine) before it could say they went offline. They are marked
    offline and their sessions over; a client that comes back (to any node) is online again.

    A client is only called orphaned once it has been connected at least ``min_age`` (so one
    that just connected to another node, whose word is on its way, is left alone), and only
    while this node knows what every live node holds (see ``RedisBus.held_elsewhere``).
    """

    def __init__(
        self,
        app: Site,
        bus: LocalBus | RedisBus,
        agents: AgentRegistry,
        *,
        every_s: float = 5.0,
        min_age: timedelta = timedelta(seconds=15),
    ) -> None:
        self.app = app
        self.bus = bus
        self.agents = agents
        self.every_s = every_s
        self.min_age = min_age
        self._last = -math.inf

    def step(self, now: datetime) -> None:
        """A live-tick hook: at most once per ``every_s`` (real time: nodes die in real time)."""
        if time.monotonic() - self._last < self.every_s:
            return
        self._last = time.monotonic()
        self.sweep(now)

    def sweep(self, now: datetime) -> list[int]:
        app, repo = self.app, self.app.repo
        elsewhere = self.bus.held_elsewhere()
        if elsewhere is None:
            return []
        agents = self.agents
        rows = repo.execute(
            "SELECT id FROM jump_client WHERE x_online = 1 AND x_demo = 0 "
            "AND connection_type != ? AND last_connect_timestamp <= ?",
            (ConnectionType.PASSIVE.value, format_utc(now - self.min_age)),
        ).fetchall()
        orphans = [
            int(row[0])
            for row in rows
            if int(row[0]) not in elsewhere and agents.local(int(row[0])) is None
        ]
        if not orphans:
            return []
        with presence.transitions(app, now) as batch:
            # read again inside the write transaction: only those still online go offline
            gone = [item_id for item_id in orphans if batch.mark_offline(item_id)]
        if gone:
            log.warning(
                "%d Jump Client(s) were held by an appliance node that stopped; marked offline",
                len(gone),
            )
        return gone
