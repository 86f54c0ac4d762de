"""The compact snapshot: the list's columns as the appliance sends them and the console reads
them, the same items as the per-item form, and hostile columns refused item by item."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from appliance.demo import _client
from console.store import COLUMN_KEYS, ItemStore
from domain import JumpClient
from domain.protocol.item_columns import COLUMNS, columns_of, read_columns
from domain.protocol.live import (
    MalformedFrame,
    SnapshotChunk,
    compact_snapshot_frame,
    read_frame,
)

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


def fleet(n: int = 200, seed: int = 5) -> list[JumpClient]:
    rng = random.Random(seed)
    return [JumpClient.model_validate({**_client(rng, i, NOW), "id": i}) for i in range(1, n + 1)]


def wire(columns: dict[str, list[Any]], last: bool = True) -> bytes:
    return orjson.dumps(compact_snapshot_frame(4, columns, last))


def cells(store: ItemStore) -> list[tuple[str, ...]]:
    now = NOW.timestamp()
    return [
        (str(store.item_id(r)), *(store.cell(r, k, now) for k in COLUMN_KEYS)) for r in store.view
    ]


def test_a_compact_snapshot_lists_what_the_items_list() -> None:
    items = fleet()
    frame, rejected = read_frame(wire(columns_of(items)))
    assert isinstance(frame, SnapshotChunk) and rejected == 0 and frame.last
    assert frame.columns is not None and len(frame.columns) == len(items)
    compact = ItemStore()
    compact.load_columns(frame.columns)
    one_by_one = ItemStore()  # the per-item path deltas take
    one_by_one.upsert(items)
    assert cells(compact) == cells(one_by_one)
    assert compact.set_filter("status:online srv") is None
    assert one_by_one.set_filter("status:online srv") is None
    assert compact.view and cells(compact) == cells(one_by_one)


def test_the_appliance_s_latest_statistics_win_over_the_item_s() -> None:
    item = next(i for i in fleet() if i.x_online and i.x_stats)
    at = "2026-11-24T10:05:00+00:00"
    columns = columns_of([item], {item.id: (97.5, 12.0, "nbody", 42, at)})
    assert columns["cpu"] == [97.5] and columns["uptime"] == [42]
    assert columns["last_seen"] == [datetime.fromisoformat(at).timestamp()]
    assert columns["console_user"] == [item.console_user or "nbody"]


BAD_VALUES = [
    ("id", "7"),
    ("id", 0),
    ("name", ""),
    ("name", "x" * 129),
    ("hostname", "a\x00b"),
    ("comments", "x" * 1025),
    ("jump_group_type", "everyone"),
    ("status", "haunted"),
    ("cpu", 101),
    ("disk", -1),
    ("uptime", -5),
    ("last_seen", "yesterday"),
    ("jump_policy_id", True),
]


@pytest.mark.parametrize(("column", "value"), BAD_VALUES)
def test_an_item_with_a_bad_value_is_skipped_and_counted(column: str, value: object) -> None:
    columns = columns_of(fleet(5))
    columns[column][2] = value
    frame, rejected = read_frame(orjson.dumps(compact_snapshot_frame(1, columns, True)))
    assert rejected == 1
    assert isinstance(frame, SnapshotChunk) and frame.columns is not None
    assert frame.columns.values["id"] == [1, 2, 4, 5]


@pytest.mark.parametrize(
    "columns",
    [
        None,
        [],
        {"id": "1,2"},
        {name: [] for name in COLUMNS if name != "status"},
        {**{name: [None] for name in COLUMNS}, "id": [1, 2]},
    ],
    ids=["null", "a list", "ids not a list", "a column missing", "columns of two lengths"],
)
def test_columns_that_cannot_be_read_are_a_malformed_frame(columns: object) -> None:
    raw = orjson.dumps({"type": "snapshot", "seq": 1, "columns": columns, "last": True})
    with pytest.raises(MalformedFrame):
        read_frame(raw)


def test_read_columns_keeps_the_model_s_types() -> None:
    checked, rejected = read_columns(orjson.loads(orjson.dumps(columns_of(fleet(3)))))
    assert rejected == 0
    assert {type(v).__name__ for v in checked.values["jump_group_type"]} == {"JumpGroupType"}
    assert {type(v).__name__ for v in checked.values["status"]} == {"Status"}
