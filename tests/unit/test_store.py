"""The console's item store: what the list shows as a representative scopes, filters, sorts."""

from __future__ import annotations

import pytest

from console.store import ItemStore, format_duration
from domain import JumpGroupType, Status
from tests.support.fleet import NOW, fleet

SERVERS = (JumpGroupType.SHARED, 1)


@pytest.fixture
def store() -> ItemStore:
    s = ItemStore(
        group_names={SERVERS: "Servers", (JumpGroupType.SHARED, 2): "Workstations"},
        policy_names={1: "Business hours (Paris) business_paris"},
    )
    s.load(fleet())
    return s


def names(s: ItemStore) -> list[str]:
    return [s.name[r] for r in s.view]


def test_load_sorts_by_name_and_counts(store: ItemStore) -> None:
    assert len(store) == len(store.view) == 300
    assert names(store) == sorted(names(store), key=str.lower)
    counts = store.counts()
    assert sum(c.total for c in counts.values()) == 300
    servers = counts[SERVERS]
    assert servers.online <= servers.total
    assert sum(t[0] for t in servers.tags.values()) <= servers.total


def test_scope_by_group_and_tag(store: ItemStore) -> None:
    store.set_scope(SERVERS)
    assert store.view and all(store.groups[store.group_index[r]] == SERVERS for r in store.view)
    tag = store.tag[store.view[0]] or "db"
    store.set_scope(SERVERS, tag)
    assert all(store.tag[r] == tag for r in store.view)
    store.set_scope(None)
    assert len(store.view) == 300


def test_filter_matches_the_domain_language(store: ItemStore) -> None:
    assert store.set_filter("status:online") is None
    assert all(store.status_at(r) is Status.ONLINE for r in store.view)
    store.set_filter("srv !status:online")
    assert all(
        "srv" in store.name_lower[r] and store.status_at(r) is not Status.ONLINE for r in store.view
    )
    store.set_filter("group:servers")
    assert {store.groups[store.group_index[r]] for r in store.view} == {SERVERS}
    store.set_filter("policy:paris")
    assert store.view and all(store.policy[r] == 1 for r in store.view)


def test_narrowing_gives_the_same_result_as_filtering_afresh(store: ItemStore) -> None:
    for query in ("s", "sr", "srv", "srv-", "srv-l"):
        store.set_filter(query)
        narrowed = list(store.view)
        fresh = ItemStore()
        fresh.load(fleet())
        fresh.set_filter(query)
        assert [store.ids[r] for r in narrowed] == [fresh.ids[r] for r in fresh.view]


def test_bad_filter_keeps_the_view_and_says_where(store: ItemStore) -> None:
    store.set_filter("srv")
    before = list(store.view)
    error = store.set_filter('srv "oops')
    assert error is not None and error.position == 5
    assert store.view == before and store.filter_text == "srv"


def test_sort_by_any_column_both_ways(store: ItemStore) -> None:
    store.set_sort("cpu", descending=True)
    cpus = [store.cpu[r] for r in store.view if store.cpu[r] == store.cpu[r]]
    assert cpus == sorted(cpus, reverse=True)
    for key in ("status", "group", "tag", "os", "uptime", "last_seen", "comments", "console_user"):
        store.set_sort(key)
        assert len(store.view) == 300


def test_stats_batch_changes_the_right_cells_only(store: ItemStore) -> None:
    store.take_dirty()
    row = store.view[0]
    item_id = int(store.ids[row])
    applied = store.apply_stats(
        [
            (item_id, 42.0, 77.0, "zoe", 7200, "2026-11-24T10:00:05+00:00"),
            (999_999, 1.0, 1.0, None, 1, "2026-11-24T10:00:05+00:00"),
        ]
    )
    assert applied == 1
    assert store.take_dirty() == {row}
    now = NOW.timestamp() + 10
    assert store.cell(row, "cpu", now) == "42%"
    assert store.cell(row, "disk", now) == "77%"
    assert store.cell(row, "uptime", now) == "2 h"
    assert store.cell(row, "console_user", now) == "zoe"
    store.set_filter("zoe")
    assert [store.ids[r] for r in store.view] == [item_id]


def test_deltas_update_add_and_remove_without_duplicates(store: ItemStore) -> None:
    items = fleet()
    changed = items[0].model_copy(update={"name": "AAA first", "tag": "moved"})
    new = items[1].model_copy(update={"id": 5000, "name": "Brand new"})
    store.upsert([changed, new])
    assert len(store) == 301
    assert store.name[store.view[0]] == "AAA first"
    store.remove([items[2].id, 424242])
    assert len(store) == len(store.view) == 300
    assert items[2].id not in {store.ids[r] for r in store.view}
    store.load(items)  # a fresh snapshot replaces everything
    assert len(store) == 300 and "Brand new" not in names(store)


@pytest.mark.parametrize(
    ("seconds", "text"), [(5, "5 s"), (600, "10 min"), (7200, "2 h"), (3 * 86400, "3 d")]
)
def test_durations_read_short(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text
