"""Live behaviour of the demo fleet: seeded, plausible, clearly demo.

Every tick, each online demo client's CPU wanders, its disk fills a little, its uptime
grows, and now and then its user logs out or someone logs in. A few clients go offline and
others come back, which reaches consoles as item changes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime

from appliance import presence
from appliance.demo import PEOPLE
from appliance.live import LiveHub
from appliance.site import Site
from domain import ConnectionType, JumpClient, format_utc


class DemoSimulator:
    def __init__(self, app: Site, hub: LiveHub, seed: int) -> None:
        self.app = app
        self.hub = hub
        self.rng = random.Random(seed * 7919 + 1)
        # id -> [cpu, disk, console_user, uptime_s]
        self.running: dict[int, list[object]] = {}
        self.resting: list[int] = []
        for client in _demo_clients(app):
            if client.connection_type is not ConnectionType.ACTIVE or client.is_lost:
                continue
            if client.x_online and client.x_stats is not None:
                s = client.x_stats
                self.running[client.id] = [
                    s.cpu_percent or 1.0,
                    s.disk_percent or 30.0,
                    s.console_user or "",
                    s.uptime_s or 0,
                ]
            elif not client.x_online:
                self.resting.append(client.id)

    def step(self, now: datetime) -> None:
        rng = self.rng
        at = format_utc(now.replace(microsecond=0))
        elapsed = int(self.hub.interval())
        for item_id, state in self.running.items():
            cpu, disk, user, uptime = state
            assert isinstance(cpu, float) and isinstance(disk, float)
            assert isinstance(user, str) and isinstance(uptime, int)
            cpu = min(99.5, max(0.5, cpu + rng.gauss(0, 6) + (12 - cpu) * 0.08))
            disk = min(99.9, disk + rng.random() * 0.02)
            if rng.random() < 0.01:
                user = "" if user else rng.choice(PEOPLE)
            uptime += elapsed
            state[:] = [cpu, disk, user, uptime]
            self.hub.record_stats(
                item_id, (round(cpu, 1), round(disk, 1), user or None, uptime, at)
            )
        self._churn(now)

    def _churn(self, now: datetime) -> None:
        """Send a few clients offline and bring a few back."""
        rng = self.rng
        flips = max(1, len(self.running) // 250)
        leaving = rng.sample(sorted(self.running), min(flips, len(self.running)))
        coming = rng.sample(self.resting, min(flips, len(self.resting)))
        with presence.transitions(self.app, now) as batch:
            for item_id in leaving:  # a client that goes away ends its session
                del self.running[item_id]
                self.hub.forget(item_id)
                batch.mark_offline(item_id, details={"console_user": "", "x_stats": None})
            for item_id in coming:
                self.resting.remove(item_id)
                user = rng.choice(PEOPLE) if rng.random() < 0.5 else ""
                stats = {
                    "cpu_percent": round(rng.uniform(20, 60), 1),
                    "disk_percent": round(rng.uniform(20, 90), 1),
                    "console_user": user or None,
                    "uptime_s": 60,
                    "thumbnail": None,
                    "at": now,
                }
                updated = batch.mark_online(item_id, {"console_user": user, "x_stats": stats})
                if updated is not None:
                    self.running[item_id] = [stats["cpu_percent"], stats["disk_percent"], user, 60]
            self.resting.extend(leaving)


def _demo_clients(app: Site, page: int = 2000) -> Iterator[JumpClient]:
    """The demo clients a page at a time: loaded all at once, 100,000 of them took the
    appliance to 900 MiB, which it kept (freed memory mostly stays with the process)."""
    offset = 0
    while True:
        clients = app.repo.clients.find([("x_demo", True)], limit=page, offset=offset)
        yield from clients
        if len(clients) < page:
            return
        offset += page
