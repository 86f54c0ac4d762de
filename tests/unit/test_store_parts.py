"""A snapshot loaded part by part, as it streams: the list it gives is the one the whole
snapshot gives, and the changes that come between its parts are kept, not undone by it."""

from __future__ import annotations

import random

import pytest

from api_client import ItemDelta, SnapshotLoaded, SnapshotPart
from console.live_items import LiveItems
from console.store import ItemStore
from domain import JumpClient, JumpGroupType
from domain.protocol.item_columns import ItemColumns, columns_of
from tests.support.fleet import fleet
from tests.unit.test_store import ARRANGEMENTS

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


@pytest.mark.parametrize(("sort", "descending", "scope", "text"), ARRANGEMENTS)
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


def check_against_fresh(s: ItemStore, current: dict[int, JumpClient]) -> list[str]:
    """What differs between the list and the same items loaded afresh, arranged alike."""
    ref = arranged(ItemStore(group_names=GROUPS), s.sort_key, s.descending, None, "")
    ref.load(list(current.values()))
    ref.set_scope(s.scope_group, s.scope_tag)
    ref.set_filter(s.filter_text)
    got = [int(s.ids[r]) for r in s.view]
    want = [int(ref.ids[r]) for r in ref.view]
    problems = []
    if len(set(got)) != len(got):
        problems.append("an item listed twice")
    if any(not s.alive[r] for r in s.view):
        problems.append("a removed item listed")
    if set(got) != set(want):
        problems.append(
            f"extra {sorted(set(got) - set(want))[:5]}, missing {sorted(set(want) - set(got))[:5]}"
        )
    key = s._sort_key_function(s.sort_key)
    keys = [key(r) for r in s.view]
    if keys != sorted(keys, reverse=s.descending):
        problems.append("out of order")
    return problems


@pytest.mark.parametrize("seed", range(16))
def test_parts_changes_filters_and_sorts_in_any_order_list_what_a_fresh_load_lists(
    seed: int,
) -> None:
    """Parts, changes, removals, filters typed and taken back, sorts and relists, mixed at
    random (many equal names and statuses: ties are where order goes wrong): after each
    relist, and at every step once the snapshot is whole, the list is what a fresh load of
    the same items lists."""
    rng = random.Random(seed)
    items = [
        i.model_copy(update={"name": rng.choice(["a", "b", "c", i.name])})
        for i in fleet()[: rng.choice([60, 150, 300])]
    ]
    current: dict[int, JumpClient] = {}
    s = arranged(
        ItemStore(group_names=GROUPS),
        rng.choice(["name", "status", "group", "tag"]),
        rng.random() < 0.5,
        None,
        "",
    )
    s.start_snapshot()
    at, new_id, whole = 0, 100_000, False
    texts = ["", "a", "s", "sr", "srv", "tag:db", "o", "!status:online", "b"]
    for step in range(250):
        if at < len(items):
            part = items[at : at + rng.choice([1, 5, 20, 40])]
            at += len(part)
            s.add_columns(ItemColumns(columns_of(part)))
            current.update((i.id, i) for i in part)
        elif not whole:
            s.settle()
            whole = True
        roll = rng.random()
        if roll < 0.3 and current:
            changed = []
            for item_id in rng.sample(list(current), min(len(current), rng.choice([1, 3]))):
                update: dict[str, object] = {"name": rng.choice(["a", "b", "c", "srv x", "ws"])}
                if rng.random() < 0.5:
                    update["x_online"] = not current[item_id].x_online
                if rng.random() < 0.3:
                    update["tag"] = rng.choice(["db", "web", ""])
                changed.append(current[item_id].model_copy(update=update))
            if rng.random() < 0.3:
                changed.append(items[0].model_copy(update={"id": new_id, "name": "a"}))
                new_id += 1
            s.upsert(changed)
            current.update((i.id, i) for i in changed)
        elif roll < 0.45 and current:
            gone = rng.choice(list(current))
            s.remove([gone])
            del current[gone]
        elif roll < 0.75:
            s.set_filter(rng.choice(texts))
        elif roll < 0.85:
            s.refresh_view()
        elif roll < 0.9:
            s.set_sort(rng.choice(["name", "status", "group", "tag"]), rng.random() < 0.5)
        if whole or rng.random() < 0.2:
            if not whole:
                s.refresh_view()
            assert not check_against_fresh(s, current), (step, check_against_fresh(s, current))


def test_changes_held_while_paused_are_not_replayed_into_a_newer_snapshot() -> None:
    """Paused, the list holds changes back; the feed reconnects and a fresh snapshot streams
    (which is newer than them); resumed meanwhile, the held changes go to the list shown, not
    into the snapshot: once whole, the list is the appliance's truth."""
    items = fleet()[:10]
    store = ItemStore(group_names=GROUPS)
    live = LiveItems(store)

    def part(chunk: list[JumpClient], first: bool) -> SnapshotPart:
        return SnapshotPart(ItemColumns(columns_of(chunk)), first, len(chunk), None)

    live.part(part(items, True), 0.0)
    live.whole(SnapshotLoaded(1, [], False, compact=True))
    live.paused = True
    added = items[0].model_copy(update={"id": 500, "name": "temp item"})
    live.delta(ItemDelta(2, [added], []))  # held: an item added ...
    live.delta(ItemDelta(3, [], [items[1].id]))  # ... and one removed
    live.cut_short()  # the appliance meanwhile took item 500 away and kept item 2
    live.part(part(items[:5], True), 1.0)
    resumed = live.resume()
    assert [d.seq for d in resumed] == [2, 3]  # for the screen to show
    assert 500 in store.row_of and items[1].id not in store.row_of  # on the list shown
    live.part(part(items[5:], False), 1.1)
    live.whole(SnapshotLoaded(9, [], False, compact=True))
    assert sorted(store.id_at(i) for i in range(len(store.view))) == sorted(i.id for i in items)
