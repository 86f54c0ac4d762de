"""A snapshot loaded part by part, as it streams: the list it gives is the one the whole
snapshot gives, and the changes that come between its parts are kept, not undone by it."""

from __future__ import annotations

import random

import pytest

from console.store import ItemStore
from domain import JumpClient, JumpGroupType
from domain.protocol.item_columns import ItemColumns, columns_of
from tests.support.fleet import fleet

SERVERS = (JumpGroupType.SHARED, 1)
GROUPS = {SERVERS: "Servers", (JumpGroupType.SHARED, 2): "Workstations"}


def parts(items: list[JumpClient], sizes: list[int]) -> list[ItemColumns]:
    """``items`` as the chunks of a compact snapshot of these sizes (the rest in the last)."""
    out, at = [], 0
    for size in [*sizes, len(items)]:
        out.append(ItemColumns(columns_of(items[at : at + size])))
        at += size
        if at >= len(items):
            break
    return out


def listed(s: ItemStore) -> list[tuple[int, str]]:
    return [(int(s.ids[r]), s.name[r]) for r in s.view]


def figures(s: ItemStore) -> dict[object, object]:
    return {k: (c.total, c.online, c.tags) for k, c in s.counts().items()}


def arranged(s: ItemStore, sort: str, descending: bool, scope: object, text: str) -> ItemStore:
    s.set_sort(sort, descending)
    s.set_scope(scope)  # type: ignore[arg-type]
    s.set_filter(text)
    return s


@pytest.mark.parametrize(
    ("sort", "descending", "scope", "text"),
    [
        ("name", False, None, ""),
        ("name", True, SERVERS, "srv"),
        ("status", False, None, "!status:online"),
        ("group", True, None, "tag:db"),
        ("cpu", False, None, "o"),
    ],
)
def test_a_snapshot_in_parts_lists_what_the_whole_snapshot_lists(
    sort: str, descending: bool, scope: object, text: str
) -> None:
    items = fleet()
    rng = random.Random(sort)
    whole = arranged(ItemStore(group_names=GROUPS), sort, descending, scope, text)
    whole.load(items)
    streamed = arranged(ItemStore(group_names=GROUPS), sort, descending, scope, text)
    streamed.start_snapshot()
    sizes = [rng.choice([1, 7, 20, 64]) for _ in range(40)]
    for part in parts(items, sizes):
        streamed.add_columns(part)
        if rng.random() < 0.3:  # shown now and then while it streams
            streamed.refresh_view()
            assert len(streamed.view) <= len(whole.view)
    streamed.refresh_view()
    assert listed(streamed) == listed(whole)
    assert figures(streamed) == figures(whole)
    assert streamed.online_total() == whole.online_total()


def test_changes_between_the_parts_are_kept() -> None:
    """The appliance sends a change to an item it has already sent while the rest streams:
    the parts after it do not bring the item back or undo the change."""
    items = fleet()
    first, second, rest = parts(items, [100, 100])
    s = ItemStore(group_names=GROUPS)
    s.start_snapshot()
    s.add_columns(first)
    s.refresh_view()
    gone, renamed = items[10], items[20].model_copy(update={"name": "AAA renamed first"})
    s.remove([gone.id])
    s.upsert([renamed])
    s.add_columns(second)
    moved = items[150].model_copy(update={"name": "AAB moved while unlisted"})
    s.upsert([moved])  # an item of a part not yet listed
    s.add_columns(rest)
    s.refresh_view()
    ids = [item_id for item_id, _ in listed(s)]
    assert gone.id not in ids and len(ids) == len(items) - 1 == len(s)
    assert listed(s)[:2] == [
        (renamed.id, "AAA renamed first"),
        (moved.id, "AAB moved while unlisted"),
    ]
    assert len(set(ids)) == len(ids)  # no item twice
    assert sum(c.total for c in s.counts().values()) == len(items) - 1


def test_an_item_sent_again_in_a_later_part_takes_its_newer_values() -> None:
    """An item added while the snapshot streams comes as a change and again in a later part
    (its id is past the chunks sent): it is listed once, with the part's values."""
    items = fleet()
    s = ItemStore(group_names=GROUPS)
    s.start_snapshot()
    s.add_columns(ItemColumns(columns_of(items[:50])))
    newer = items[60].model_copy(update={"name": "zz newer"})
    s.upsert([items[60]])
    s.add_columns(ItemColumns(columns_of([*items[50:60], newer, *items[61:]])))
    s.refresh_view()
    ids = [item_id for item_id, _ in listed(s)]
    assert ids.count(newer.id) == 1 and len(ids) == len(items)
    assert s.name[s.row_of[newer.id]] == "zz newer"
    assert listed(s)[-1] == (newer.id, "zz newer")


def test_a_fresh_store_takes_over_without_losing_the_scope_filter_or_order() -> None:
    """A reconnect's snapshot is loaded into a fresh store while the old list stays shown;
    once whole, the list shows it with the representative's scope, filter and sort."""
    items = fleet()
    shown = arranged(ItemStore(group_names=GROUPS), "name", True, SERVERS, "srv")
    shown.load(items[:40])
    incoming = shown.fresh()
    for part in parts(items, [30, 30, 90]):
        incoming.add_columns(part)
    assert len(shown) == 40  # nothing changes on screen meanwhile
    shown.adopt(incoming)
    whole = arranged(ItemStore(group_names=GROUPS), "name", True, SERVERS, "srv")
    whole.load(items)
    assert listed(shown) == listed(whole) and len(shown) == len(items)
    assert figures(shown) == figures(whole)
