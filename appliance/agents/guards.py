"""What Jump Clients may do to the appliance: how many one node holds (capacity), how fast
they may connect (admission), and what one connection may send before it is cut (garbage,
floods of statistics)."""

from __future__ import annotations

import contextlib
import logging
import os
import random
import resource
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from appliance.shared import SharedCounters, SharedUnavailable

if TYPE_CHECKING:
    from appliance.site import Site

log = logging.getLogger("appliance.agent")


class Capacity:
    """Whether this node may take one more Jump Client connection.

    Each one holds an open file (its socket), and a process may have only so many
    (``RLIMIT_NOFILE``). A node that runs out cannot accept anyone (``accept(): Too many open
    files``: no console, no sign-in, no client, not even the one that would replace a
    connection going away) and its database cannot open a file. So a share of the limit is
    kept for everything else (the database, listening sockets, consoles and their requests,
    connections still on their way in); past the rest, a client is told to retry in a minute
    or so (on another node, or once one here has gone) and its socket is closed at once.

    The files open are counted by the system where it says (Linux 6.2 and later, cheaply),
    else as this channel's connections and what was open when the node started.
    """

    #: a refused client comes back after this many seconds, each at its own moment
    RETRY_S = (30.0, 90.0)

    def __init__(self, open_files: int | None = None) -> None:
        self.limit = open_files if open_files is not None else _open_files_limit()
        self.reserve = max(64, self.limit // 50)
        self.open = 0  # agent-channel connections open now, refused ones until they close
        self._at_start = _open_files() or 32
        self._told = 0.0

    def opened(self) -> None:
        self.open += 1

    def closed(self) -> None:
        self.open -= 1

    def in_use(self) -> int:
        """Files this node has open now."""
        return _open_files() or self._at_start + self.open

    def full(self) -> bool:
        """True when the connection just opened is one too many (and says so, once a
        minute, for whoever runs the node)."""
        if self.in_use() <= self.limit - self.reserve:
            return False
        now = time.monotonic()
        if now - self._told >= 60:
            self._told = now
            log.warning(
                "This node has %d files open, as many as its open-files limit (%d) allows "
                "with some kept for consoles and its database; more Jump Clients are told to "
                "retry later. Raise the limit (LimitNOFILE in its service unit) or add a node.",
                self.in_use(),
                self.limit,
            )
        return True

    def retry_after(self) -> float:
        return random.uniform(*self.RETRY_S)


def _open_files_limit() -> int:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def _open_files() -> int:
    """Files this process has open, as the system says (0: it does not)."""
    try:
        return os.stat("/proc/self/fd").st_size
    except OSError:
        return 0


class ChannelGuard:
    """What one agent connection may send: a client that sends garbage or floods statistics
    is disconnected (it reconnects later, through admission) without costing the others."""

    GARBAGE_PER_MINUTE = 20

    def __init__(self, monotonic: Callable[[], float], interval_s: Callable[[], float]) -> None:
        self.monotonic = monotonic
        self.interval_s = interval_s  # the site's setting: read again only when the bucket is dry
        self.burst = 20.0
        self._rate = self._allowed_rate()
        self._tokens = self.burst
        self._at = monotonic()
        self._garbage: deque[float] = deque()

    def _allowed_rate(self) -> float:
        return 4.0 / max(self.interval_s(), 0.05)  # four times the expected pace

    def flooding(self) -> bool:
        """Count one statistics frame; True when they come faster than allowed."""
        now = self.monotonic()
        elapsed, self._at = now - self._at, now
        self._tokens = min(self.burst, self._tokens + elapsed * self._rate)
        if self._tokens < 1:  # rare: before refusing, see whether the site's interval changed
            fresh = self._allowed_rate()
            if fresh > self._rate:
                self._tokens = min(self.burst, self._tokens + elapsed * (fresh - self._rate))
            self._rate = fresh
        if self._tokens < 1:
            return True
        self._tokens -= 1
        return False

    def garbage(self) -> bool:
        """Count one unreadable frame; True past the limit for a minute."""
        now = self.monotonic()
        self._garbage.append(now)
        while self._garbage and now - self._garbage[0] > 60:
            self._garbage.popleft()
        return len(self._garbage) > self.GARBAGE_PER_MINUTE


class Admission:
    """Connection-rate admission: a token bucket at the site's ``connection_rate`` per second.

    A refused client is given the next free slot of a virtual queue (one slot per 1/rate s),
    not merely the time of the next token: in a reconnect storm the retries spread out at
    the admitted rate instead of all coming back at once, so the appliance does the work of
    about ``rate`` attempts a second, whatever the size of the fleet.
    """

    def __init__(self, app: Site, shared: SharedCounters | None = None) -> None:
        self.app = app
        self.shared = shared
        self._tokens: float | None = None  # full on first use: one second's worth
        self._at = app.clock.monotonic()
        self._queue_until = self._at

    def admit(self) -> float | None:
        """None when admitted, else the seconds to wait before trying again."""
        rate = float(self.app.settings().connection_rate)
        if self.shared is not None:  # several nodes: one rate for the whole site
            with contextlib.suppress(SharedUnavailable):
                return self.shared.admit(rate, time.time())
        now = self.app.clock.monotonic()
        tokens = rate if self._tokens is None else self._tokens
        self._tokens = min(rate, tokens + (now - self._at) * rate)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return None
        first_token = now + (1 - self._tokens) / rate
        self._queue_until = max(self._queue_until + 1 / rate, first_token)
        return self._queue_until - now
