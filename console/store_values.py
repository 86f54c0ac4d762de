"""How the item store reads times and shows percentages and durations (no Textual import)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import NamedTuple

from domain import Status

_NAN = float("nan")

#: the status words, each held as its index here (one byte a row)
STATUS_WORDS: tuple[Status, ...] = tuple(Status)
STATUS_CODE = {status.value: code for code, status in enumerate(STATUS_WORDS)}


def format_percent(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.0f}%"


def format_duration(seconds: float) -> str:
    """``45 s``, ``12 min``, ``5 h``, ``3 d`` — short, for a column."""
    if seconds < 0 or math.isnan(seconds):
        return ""
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


#: the statuses whose item is heard from now: last seen "now"
LIVE_STATUSES = frozenset({Status.ONLINE, Status.IN_SESSION, Status.PASSIVE})


def format_last_seen(seen: float, status: Status, now: float) -> str:
    """``now`` (a live item), ``9 d ago``, or ``never`` (``seen``: an epoch, NaN unknown)."""
    if math.isnan(seen):
        return "never"
    if status in LIVE_STATUSES:
        return "now"
    return format_duration(now - seen) + " ago"


def epoch(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else _NAN


def parse_at(text: str) -> float:
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return _NAN


class Row(NamedTuple):
    """One item's values as the store keeps them (group, policy, status as codes)."""

    name: str
    group: int
    tag: str
    comments: str
    console_user: str
    os: str
    public_ip: str
    private_ip: str
    hostname: str
    policy: int
    status: int
    cpu: float
    disk: float
    uptime: float
    last_seen: float


def search_text(name: str, hostname: str, tag: str, comments: str, user: str) -> str:
    """The one text a row's typed filter is looked for in (lowercased, one field a line: a
    filter without a line break matches within one field)."""
    return f"{name}\n{hostname}\n{tag}\n{comments}\n{user}".lower()
