"""A representative's snapshot, read from the database one chunk at a time.

The live feed sends a fresh snapshot as chunks of items in id order. Each chunk is read when
the one before it has gone (the items the representative may see with an id past the last
one sent), so a console's snapshot never sits in the appliance's memory whole, and the first
chunk leaves as soon as it is read. A compact chunk (:mod:`domain.protocol.item_columns`) is
built straight from the database's values, without a model per item: derived values come
from the domain's own rules (:func:`~domain.jump_client.compute_status`,
:func:`~domain.jump_client.seen_from`, :func:`~domain.jump_client.user_from`), so the columns
are those :func:`~domain.protocol.item_columns.columns_of` builds from the items.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson

from appliance._access import visible_where
from appliance.site import Site
from domain import AccessContext, ConnectionType, JumpClient, UnavailableReason
from domain.enums import Statistic, UpgradeState
from domain.jump_client import compute_status, seen_from, user_from
from domain.protocol.item_columns import Latest, blank_unselected

#: the first chunk of a snapshot: a screenful or more, read, sent and listed at once (the
#: console draws it while the rest streams)
FIRST_CHUNK = 250
#: the largest chunk; each after the first is twice the one before, up to this: fewer round
#: trips (a chunk is read when the one before it has gone, so each costs a wait on both sides:
#: 84 chunks of 1,000 took 6-8 s at 100,000 items on a loaded machine, 21 of up to 4,000 a
#: quarter of the waits), while one chunk's building holds the event loop some 50 ms at most
LARGEST_CHUNK = 4000
#: the largest chunk of a snapshot of items (an older console's): a model per item, ten times
#: the work of a compact row
LARGEST_ITEMS_CHUNK = 1000


def chunk_sizes(largest: int = LARGEST_CHUNK, first: int = FIRST_CHUNK) -> Iterator[int]:
    """The size of each chunk of a snapshot in turn: ``first`` (at most ``largest``), then
    twice the one before, up to ``largest``."""
    size = max(1, min(first, largest))
    while True:
        yield size
        size = min(size * 2, largest)


#: the columns of ``jump_client`` a compact chunk is built from, in this order
ROW_COLUMNS = (
    "id",
    "name",
    "hostname",
    "jump_group_type",
    "jump_group_id",
    "tag",
    "comments",
    "operating_system",
    "public_ip",
    "private_ip",
    "jump_policy_id",
    "console_user",
    "connection_type",
    "x_upgrade_state",
    "needs_update",
    "unavailable_reason",
    "x_in_session_by",
    "x_online",
    "is_lost",
    "last_disconnect_timestamp",
    "last_connect_timestamp",
    "x_stats",
)
#: the columns copied as they are stored: (row index, column name)
_AS_STORED = tuple((i, name) for i, name in enumerate(ROW_COLUMNS[:11]))


def read_chunk(
    site: Site, access: AccessContext, after: int, size: int, *, compact: bool
) -> list[Sequence[Any]]:
    """Up to ``size`` rows of the items the representative may see with an id past
    ``after``, in id order: :data:`ROW_COLUMNS` when ``compact``, else every column."""
    where = visible_where(access)
    if where is None:
        return []
    table = site.repo.clients
    columns = ROW_COLUMNS if compact else table.columns
    # in id order through no index: SQLite would read every visible row through the group
    # index and sort them, for every chunk (26 ms a chunk at 100,000 items, against 0.7)
    sql = (
        f"SELECT {', '.join(columns)} FROM jump_client NOT INDEXED WHERE {where[0]} AND id > ? "
        "ORDER BY id LIMIT ?"
    )
    with site.repo.reading():
        return list(site.repo.execute(sql, [*where[1], after, size]).fetchall())


def count_visible(site: Site, access: AccessContext) -> int:
    """How many items the representative may see now (a snapshot's total, for its console
    to say how far it has loaded; items added meanwhile come as deltas)."""
    where = visible_where(access)
    if where is None:
        return 0
    with site.repo.reading():
        row = site.repo.execute(f"SELECT COUNT(*) FROM jump_client WHERE {where[0]}", where[1])
        return int(row.fetchone()[0])


def items_of(site: Site, rows: Sequence[Sequence[Any]]) -> list[JumpClient]:
    """The items of rows read with every column (a snapshot of items, not columns)."""
    return [site.repo.clients.load(row) for row in rows]


_STATUS: dict[tuple[Any, ...], str] = {}


def _status(row: Sequence[Any]) -> str:
    """The status word of a row (a few combinations of fields: each computed once)."""
    in_session, online, lost = row[16] not in (None, "[]"), bool(row[17]), bool(row[18])
    key = (row[12], row[13], bool(row[14]), row[15], in_session, online, lost)
    word = _STATUS.get(key)
    if word is None:
        word = _STATUS[key] = compute_status(
            connection_type=ConnectionType(row[12]),
            upgrade_state=UpgradeState(row[13]),
            needs_update=key[2],
            unavailable_reason=UnavailableReason(row[15]),
            in_session_by=orjson.loads(row[16]) if in_session else [],
            online=online,
            is_lost=lost,
        ).value
    return word


def columns_of_rows(
    rows: Sequence[Sequence[Any]],
    latest: Mapping[int, Latest],
    selected: Collection[Statistic],
) -> dict[str, list[Any]]:
    """The compact columns of rows read with :data:`ROW_COLUMNS`: what
    :func:`~domain.protocol.item_columns.columns_of` gives for their items."""
    by_column = list(zip(*rows, strict=True)) if rows else [() for _ in ROW_COLUMNS]
    out: dict[str, list[Any]] = {name: list(by_column[i]) for i, name in _AS_STORED}
    for name in ("console_user", "status", "last_seen", "cpu", "disk", "uptime"):
        out[name] = []
    put_user, put_status = out["console_user"].append, out["status"].append
    put_seen, put_cpu = out["last_seen"].append, out["cpu"].append
    put_disk, put_uptime = out["disk"].append, out["uptime"].append
    parsed: dict[str, float] = {}  # a batch of statistics mostly shares one ``at``
    for row in rows:
        put_status(_status(row))
        online = bool(row[17])
        figures = latest.get(row[0])
        if figures is None:
            stats = orjson.loads(row[21]) if row[21] else None
            if stats is None:
                cpu = disk = user = uptime = at = None
            else:
                cpu, disk = stats.get("cpu_percent"), stats.get("disk_percent")
                user, uptime, at = stats.get("console_user"), stats.get("uptime_s"), stats["at"]
        else:
            cpu, disk, user, uptime, at = figures
        seen = seen_from(online, at, row[19], row[20])
        if seen is None:
            put_seen(None)
        else:
            when = parsed.get(seen)
            if when is None:
                when = parsed[seen] = datetime.fromisoformat(seen).timestamp()
            put_seen(when)
        put_user(user_from(row[11], user))
        put_cpu(cpu)
        put_disk(disk)
        put_uptime(uptime)
    return blank_unselected(out, selected)
