"""Frames of the live feed ``WS /api/rep/v1/live`` (ARCHITECTURE.md, "Live feed").

::

    server  hello {epoch, seq, interval_s, statistics, demo}
    client  subscribe {since_seq | null}       (null unless the epoch is the one it knew)
    server  snapshot {seq, items, last}        (chunks; only items the user may see)
         or resume {seq}                       (then the deltas after since_seq)
    server  delta {seq, upserts, removes}      (item changes)
    server  stats {seq, rows}                  (one per interval tick, latest per item)

Stats rows are compact arrays ``[id, cpu, disk, console_user, uptime_s, at]`` (a statistic
the site does not select is null) and are read by :func:`parse_stats_rows` without pydantic:
this is the hot path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.enums import Statistic
from domain.jump_client import JumpClient


class Frame(BaseModel):
    """A frame received from the other side: unknown fields are ignored (newer peers)."""

    model_config = ConfigDict(extra="ignore")


class Hello(Frame):
    """``epoch`` changes when the appliance restarts: sequence numbers start again."""

    type: Literal["hello"] = "hello"
    epoch: str = ""
    seq: int = Field(ge=0)
    interval_s: float = Field(gt=0)
    statistics: list[Statistic]
    demo: bool = False


class SiteChanged(Frame):
    """The site's settings changed: the statistics and their interval, and anything the
    console explains from the site (it fetches the site again). Not numbered, like sessions."""

    type: Literal["site"] = "site"
    interval_s: float = Field(gt=0)
    statistics: list[Statistic]


class Subscribe(Frame):
    type: Literal["subscribe"] = "subscribe"
    since_seq: int | None = Field(default=None, ge=0)


class Snapshot(Frame):
    type: Literal["snapshot"] = "snapshot"
    seq: int = Field(ge=0)
    items: list[JumpClient]
    last: bool


class Resume(Frame):
    type: Literal["resume"] = "resume"
    seq: int = Field(ge=0)


class Delta(Frame):
    type: Literal["delta"] = "delta"
    seq: int = Field(ge=0)
    upserts: list[JumpClient] = Field(default_factory=list)
    removes: list[int] = Field(default_factory=list)


#: ``(id, cpu_percent, disk_percent, console_user, uptime_s, at)``; ``at`` is RFC 3339 UTC.
StatsRow = tuple[int, float | None, float | None, str | None, int | None, str]


@dataclass(frozen=True, slots=True)
class StatsBatch:
    """One tick of statistics: the latest row of each item that changed."""

    seq: int
    rows: list[StatsRow]
    rejected: int = 0


def _number(value: Any, low: float, high: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError
    return float(value)


def parse_stats_rows(raw: Any) -> tuple[list[StatsRow], int]:
    """Read rows from decoded JSON; malformed rows are skipped and counted, never raised."""
    if not isinstance(raw, list):
        return [], 1
    rows: list[StatsRow] = []
    rejected = 0
    for row in raw:
        try:
            if not isinstance(row, list) or len(row) != 6:
                raise ValueError
            item_id, cpu, disk, user, uptime, at = row
            if isinstance(item_id, bool) or not isinstance(item_id, int) or item_id < 1:
                raise ValueError
            if user is not None and not isinstance(user, str):
                raise ValueError
            if uptime is not None and (
                isinstance(uptime, bool) or not isinstance(uptime, int) or uptime < 0
            ):
                raise ValueError
            if not isinstance(at, str):
                raise ValueError
            rows.append((item_id, _number(cpu, 0, 100), _number(disk, 0, 100), user, uptime, at))
        except ValueError:
            rejected += 1
    return rows, rejected


def stats_row(
    item_id: int,
    *,
    cpu: float | None,
    disk: float | None,
    console_user: str | None,
    uptime_s: int | None,
    at: str,
    selected: Sequence[Statistic],
) -> StatsRow:
    """A row holding only the statistics the site selects."""
    return (
        item_id,
        cpu if Statistic.CPU in selected else None,
        disk if Statistic.DISK_USAGE in selected else None,
        console_user if Statistic.CONSOLE_USER in selected else None,
        uptime_s if Statistic.UPTIME in selected else None,
        at,
    )
