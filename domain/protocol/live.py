"""Frames of the live feed ``WS /api/rep/v1/live`` (ARCHITECTURE.md, "Live feed").

::

    server  hello {epoch, seq, interval_s, statistics, demo}
    client  subscribe {since_seq | null, compact}  (null unless the epoch is the one it knew)
    server  snapshot {seq, items, last}        (chunks; only items the user may see)
         or snapshot {seq, columns, last}      (when the console asked for ``compact``:
                                                domain.protocol.item_columns)
         or resume {seq}                       (then the deltas after since_seq)
    server  delta {seq, upserts, removes}      (item changes)
    server  stats {seq, rows}                  (one per interval tick, latest per item)

Not numbered: ``session`` (:class:`domain.session.SessionEvent`), ``site``
(:class:`SiteChanged`) and ``support`` (:class:`domain.support.SupportEvent`) frames.

Stats rows are compact arrays ``[id, cpu, disk, console_user, uptime_s, at]`` (a statistic
the site does not select is null) and are read by :func:`parse_stats_rows` without pydantic:
this is the hot path. The appliance builds every frame with the ``*_frame`` functions here;
the console reads every frame with :func:`read_frame`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from domain.enums import Statistic
from domain.jump_client import JumpClient
from domain.protocol.item_columns import ItemColumns, read_columns
from domain.session import SessionEvent
from domain.support import SupportEvent


class Frame(BaseModel):
    """A frame received from the other side: unknown fields are ignored (newer peers)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)


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
    """``compact``: the snapshot as columns of what the list holds
    (:mod:`domain.protocol.item_columns`), not one object per item; an appliance that does
    not know it sends items, which the console reads as well."""

    type: Literal["subscribe"] = "subscribe"
    since_seq: int | None = Field(default=None, ge=0)
    compact: bool = False


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


# -- numbered frames: built by the appliance, read by the console -------------------------------


def snapshot_frame(seq: int, items: list[dict[str, Any]], last: bool) -> dict[str, Any]:
    """One chunk of a snapshot (``items`` in the API's JSON shape); ``last`` ends it."""
    return {"type": "snapshot", "seq": seq, "items": items, "last": last}


def compact_snapshot_frame(
    seq: int, columns: dict[str, list[Any]], last: bool, total: int | None = None
) -> dict[str, Any]:
    """One chunk of a compact snapshot (:func:`domain.protocol.item_columns.columns_of`);
    ``total``, the items of the whole snapshot, lets the console say how far it has loaded."""
    frame = {"type": "snapshot", "seq": seq, "columns": columns, "last": last}
    if total is not None:
        frame["total"] = total
    return frame


def resume_frame(seq: int) -> dict[str, Any]:
    """Nothing was lost: the deltas after the console's ``since_seq`` follow."""
    return {"type": "resume", "seq": seq}


def delta_frame(seq: int, upserts: list[dict[str, Any]], removes: list[int]) -> dict[str, Any]:
    return {"type": "delta", "seq": seq, "upserts": upserts, "removes": removes}


def stats_frame(seq: int, rows: list[StatsRow]) -> dict[str, Any]:
    return {"type": "stats", "seq": seq, "rows": rows}


@dataclass(frozen=True, slots=True)
class SnapshotChunk:
    """A chunk as items, or as checked columns (a compact snapshot): one of the two."""

    seq: int
    items: list[JumpClient]
    last: bool
    columns: ItemColumns | None = None
    total: int | None = None
    """The items of the whole snapshot, when the appliance says (an optional field)."""


@dataclass(frozen=True, slots=True)
class Resumed:
    seq: int


@dataclass(frozen=True, slots=True)
class ItemDelta:
    seq: int
    upserts: list[JumpClient]
    removes: list[int]


LiveFrame = (
    SnapshotChunk | Resumed | ItemDelta | StatsBatch | SessionEvent | SiteChanged | SupportEvent
)


class MalformedFrame(ValueError):
    """A frame that cannot be read: the reader skips it (and counts it), never stops."""


_ITEM = TypeAdapter(JumpClient)


def _items(raw: Any) -> tuple[list[JumpClient], int]:
    """The items of a frame; malformed ones are skipped and counted."""
    if not isinstance(raw, list):
        return [], 1
    items: list[JumpClient] = []
    rejected = 0
    for entry in raw:
        try:
            items.append(_ITEM.validate_python(entry))
        except ValidationError:
            rejected += 1
    return items, rejected


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _seq(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise MalformedFrame("seq")


def read_frame(raw: str | bytes) -> tuple[LiveFrame, int]:
    """Read one frame the appliance sent, and how many of its items or rows were skipped
    as malformed. Raises :class:`MalformedFrame` when the frame itself cannot be read."""
    try:
        frame = orjson.loads(raw)
        kind = frame["type"]
        match kind:
            case "session":  # not numbered: it is about people, not items
                return SessionEvent.model_validate(frame), 0
            case "site":  # not numbered: the site's settings changed
                return SiteChanged.model_validate(frame), 0
            case "support":  # not numbered: a user asks for help
                return SupportEvent.model_validate(frame), 0
            case "snapshot":
                seq, last = _seq(frame["seq"]), frame.get("last") is True
                if "columns" in frame:
                    columns, rejected = read_columns(frame["columns"])
                    total = frame.get("total")
                    if not _is_count(total):
                        total = None  # optional: a bad one is left out, the chunk stands
                    return SnapshotChunk(seq, [], last, columns, total), rejected
                items, rejected = _items(frame.get("items"))
                return SnapshotChunk(seq, items, last), rejected
            case "resume":
                return Resumed(_seq(frame["seq"])), 0
            case "delta":
                upserts, rejected = _items(frame.get("upserts") or [])
                raw_removes = frame.get("removes") or []
                if not isinstance(raw_removes, list):
                    raise MalformedFrame("removes")
                removes = [
                    i
                    for i in raw_removes
                    if isinstance(i, int) and not isinstance(i, bool) and i > 0
                ]
                rejected += len(raw_removes) - len(removes)
                return ItemDelta(_seq(frame["seq"]), upserts, removes), rejected
            case "stats":
                rows, rejected = parse_stats_rows(frame.get("rows"))
                return StatsBatch(_seq(frame["seq"]), rows, rejected), rejected
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, ValidationError) as err:
        raise MalformedFrame(str(err)) from None
    raise MalformedFrame(f"unknown frame type {kind!r}")
