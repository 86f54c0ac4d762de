"""The console's item store: what the list shows as a representative scopes, filters, sorts."""

from __future__ import annotations

import random

import pytest

from console.store import ItemStore, format_duration
from domain import JumpClient, JumpGroupType, Status
from tests.support.fleet import NOW, fleet

SERVERS = (JumpGroupType.SHARED, 1)
#: (sort, descending, scope, filter): ways a representative arranges the list
ARRANGEMENTS = [
    ("name", False, None, ""),
    ("name", True, SERVERS, "srv"),
    ("status", False, None, "!status:online"),
    ("group", True, None, "tag:db"),
    ("cpu", False, None, "o"),
]


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


_ITEMS: dict[int, JumpClient] = {}


def fresh(s: ItemStore) -> ItemStore:
    """The same items loaded afresh, with the same scope, sort and filter: what the list
    would show had it sorted, filtered and counted everything again."""
    other = ItemStore(group_names=s.group_names, policy_names=s.policy_names)
    alive = sorted(s.row_of.values())
    other.load([_ITEMS[int(s.ids[r])] for r in alive])
    other.set_sort(s.sort_key, s.descending)
    other.set_scope(s.scope_group, s.scope_tag)
    other.set_filter(s.filter_text)
    return other


@pytest.mark.parametrize(("sort", "descending", "scope", "text"), ARRANGEMENTS)
def test_a_delta_puts_each_item_where_sorting_and_filtering_afresh_would(
    store: ItemStore, sort: str, descending: bool, scope: object, text: str
) -> None:
    """A delta places its few items in the list (no sort or filter of every row), and the
    tree's counts follow it; the list and counts are those of the same items loaded afresh."""
    items = fleet()
    _ITEMS.clear()
    _ITEMS.update({item.id: item for item in items})
    store.set_sort(sort, descending)
    store.set_scope(scope)  # type: ignore[arg-type]
    store.set_filter(text)
    store.counts()  # counted once: from now on deltas keep the figures
    rng = random.Random(5)
    for step in range(12):
        changed = []
        for item in rng.sample(items, 4):
            update: dict[str, object] = {"name": f"{rng.choice('AsZo')}-{step}-{item.name}"}
            if rng.random() < 0.5:
                update["x_online"] = not item.x_online
            if rng.random() < 0.3:
                update["jump_group_id"] = 2 if item.jump_group_id == 1 else 1
            if rng.random() < 0.3:
                update["tag"] = rng.choice(["db", "web", ""])
            changed.append(item.model_copy(update=update))
        new = items[0].model_copy(update={"id": 10_000 + step, "name": f"new srv {step}"})
        store.upsert([*changed, new])
        gone = rng.choice([r for r in store.row_of])
        store.remove([gone])
        for item in [*changed, new]:
            _ITEMS[item.id] = item
        _ITEMS.pop(gone, None)
        again = fresh(store)
        assert names(store) == names(again)
        assert {k: (c.total, c.online, c.tags) for k, c in store.counts().items()} == {
            k: (c.total, c.online, c.tags) for k, c in again.counts().items()
        }
        assert store.online_total() == again.online_total()


def test_backspace_finds_the_view_it_left_unless_the_items_changed(store: ItemStore) -> None:
    for end in range(1, 5):
        store.set_filter("srv-"[:end])
    narrow = names(store)
    store.set_filter("srv")  # back: the view "srv" had, as filtering afresh gives it
    assert names(store) == names(fresh_with_items(store))
    store.set_filter("srv-")
    assert names(store) == narrow
    added = fleet()[5].model_copy(update={"id": 9999, "name": "srv-brand-new"})
    store.upsert([added])
    store.set_filter("srv")
    assert "srv-brand-new" in names(store)  # not the view from before the delta
    row = store.row_of[9999]
    store.apply_stats([(9999, 1.0, 1.0, "xavier", 10, "2026-11-24T10:00:05+00:00")])
    store.set_filter("srv xav")
    store.set_filter("srv")
    store.set_filter("srv xavier")  # a user who came since the views were kept
    assert store.view == [row]


def fresh_with_items(s: ItemStore) -> ItemStore:
    other = ItemStore(group_names=s.group_names, policy_names=s.policy_names)
    other.load(fleet())
    other.set_filter(s.filter_text)
    return other


@pytest.mark.parametrize(("sort", "descending"), [("name", False), ("group", True)])
def test_the_views_kept_for_backspace_follow_each_delta(
    store: ItemStore, sort: str, descending: bool
) -> None:
    """A backspace after a delta finds the view it left with the delta's items taken out and
    put back where they now belong: what filtering afresh gives."""
    items = fleet()
    _ITEMS.clear()
    _ITEMS.update({item.id: item for item in items})
    store.set_sort(sort, descending)
    typed = ["s", "sr", "srv", "srv-", "tag:db", "o"]
    rng = random.Random(11)
    for step in range(8):
        for text in typed:
            store.set_filter(text)  # each view kept as it is typed
        changed = []
        for item in rng.sample(items, 5):
            name = f"{rng.choice(['srv-', 'ws-', 'o'])}{step}-{item.name}"
            update: dict[str, object] = {"name": name, "tag": rng.choice(["db", "web", ""])}
            changed.append(item.model_copy(update=update))
        store.upsert(changed)
        store.remove([rng.choice(list(store.row_of))])
        for item in changed:
            items[items.index(next(i for i in items if i.id == item.id))] = item
        for text in reversed(typed):
            store.set_filter(text)
            alive = {store.item_id(r) for r in store.row_of.values()}
            again = ItemStore(group_names=store.group_names, policy_names=store.policy_names)
            again.load([item for item in items if item.id in alive])
            again.set_sort(sort, descending)
            again.set_filter(text)
            assert names(store) == names(again), text


def test_a_new_console_user_moves_the_row_in_and_out_of_a_filter_by_user(
    store: ItemStore,
) -> None:
    """The statistics say someone else is signed in: a filter by user lists the row at once,
    the views kept for backspace follow, and the old user's filter no longer lists it."""
    store.set_filter("xav")
    assert store.view == []
    row = store.row_of[fleet()[7].id]
    old = store.console_user[row]
    store.apply_stats([(fleet()[7].id, 1.0, 1.0, "xavier", 10, "2026-11-24T10:00:05+00:00")])
    assert store.view == [row]  # listed without typing again
    store.set_filter("xavi")
    store.set_filter("xav")  # backspace: the kept view has it too
    assert store.view == [row]
    if old:
        store.set_filter(f"user:{old}")
        assert row not in store.view
