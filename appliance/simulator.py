"""Live behaviour of the demo fleet: seeded, plausible, clearly demo.

Every tick, demo clients send statistics: each one's CPU wanders, its disk fills a little,
its uptime grows, and now and then its user logs out or someone logs in. A few clients go
offline and others come back, which reaches consoles as item changes.

The tick is cheap whatever the fleet's size, so sign-ins, keepalives and snapshots never wait
on it: at most :data:`STATS_PER_TICK` clients send statistics a tick (every running client
does in turn; a fleet of that size or less, every tick), and at most :data:`FLIPS_PER_TICK`
go offline and as many come back. The state is read from the database's columns at start,
without a model per item (100,000 of them took 10 s of CPU).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import orjson

from appliance import presence
from appliance.demo import PEOPLE
from appliance.live import LiveHub
from appliance.site import Site
from domain import ConnectionType, format_utc

#: clients that send statistics in one tick, at most (the rest in the ticks after)
STATS_PER_TICK = 5000
#: clients that go offline in one tick, at most (and as many come back)
FLIPS_PER_TICK = 10


class DemoSimulator:
    def __init__(self, app: Site, hub: LiveHub, seed: int) -> None:
        self.app = app
        self.hub = hub
        self.rng = random.Random(seed * 7919 + 1)
        #: id -> [cpu, disk, console_user, uptime_s, the tick of its last statistics]
        self.running: dict[int, list[Any]] = {}
        self.resting: list[int] = []
        self.ticks = 0
        self._turn: list[int] = []  # running clients yet to send in this round
        for item_id, connection, lost, online, stats in _demo_rows(app):
            if connection != ConnectionType.ACTIVE.value or lost:
                continue
            if online and stats is not None:
                s = orjson.loads(stats)
                self.running[item_id] = [
                    float(s.get("cpu_percent") or 1.0),
                    float(s.get("disk_percent") or 30.0),
                    s.get("console_user") or "",
                    int(s.get("uptime_s") or 0),
                    0,
                ]
            elif not online:
                self.resting.append(item_id)

    def step(self, now: datetime) -> None:
        rng = self.rng
        at = format_utc(now.replace(microsecond=0))
        elapsed = int(self.hub.interval())
        self.ticks += 1
        if not self._turn:
            self._turn = list(reversed(self.running))  # taken from the end: in id order
        batch = self._turn[-STATS_PER_TICK:]
        del self._turn[-STATS_PER_TICK:]
        for item_id in batch:
            state = self.running.get(item_id)
            if state is None:  # went offline since the round began
                continue
            cpu, disk, user, uptime, last = state
            ticks = self.ticks - last
            cpu = min(99.5, max(0.5, cpu + rng.gauss(0, 6) + (12 - cpu) * 0.08))
            disk = min(99.9, disk + rng.random() * 0.02 * ticks)
            if rng.random() < 0.01:
                user = "" if user else rng.choice(PEOPLE)
            uptime += elapsed * ticks
            state[:] = [cpu, disk, user, uptime, self.ticks]
            self.hub.record_stats(
                item_id, (round(cpu, 1), round(disk, 1), user or None, uptime, at)
            )
        self._churn(now)

    def _churn(self, now: datetime) -> None:
        """Send a few clients offline and bring a few back."""
        rng = self.rng
        flips = max(1, min(FLIPS_PER_TICK, len(self.running) // 250))
        leaving = rng.sample(sorted(self.running), min(flips, len(self.running)))
        coming = sorted(rng.sample(range(len(self.resting)), min(flips, len(self.resting))))
        back = [self.resting[i] for i in coming]
        for i in reversed(coming):  # the last of the list moves into its place: no shifting
            self.resting[i] = self.resting[-1]
            self.resting.pop()
        with presence.transitions(self.app, now) as batch:
            for item_id in leaving:  # a client that goes away ends its session
                del self.running[item_id]
                self.hub.forget(item_id)
                batch.mark_offline(item_id, details={"console_user": "", "x_stats": None})
            for item_id in back:
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
                    self.running[item_id] = [
                        stats["cpu_percent"],
                        stats["disk_percent"],
                        user,
                        60,
                        self.ticks,
                    ]
            self.resting.extend(leaving)


def _demo_rows(app: Site, page: int = 5000) -> Iterator[tuple[int, str, bool, bool, str | None]]:
    """(id, connection type, lost, online, statistics as stored) of each demo client, a page
    at a time: as models, 100,000 of them took the appliance to 900 MiB, which it kept."""
    after = 0
    sql = (
        "SELECT id, connection_type, is_lost, x_online, x_stats FROM jump_client "
        "WHERE x_demo = ? AND id > ? ORDER BY id LIMIT ?"
    )
    while True:
        with app.repo.reading():
            rows = app.repo.execute(sql, (1, after, page)).fetchall()
        for item_id, connection, lost, online, stats in rows:
            yield int(item_id), str(connection), bool(lost), bool(online), stats
        if len(rows) < page:
            return
        after = int(rows[-1][0])
