"""The console's in-memory Jump Item store: columns, scope, filter, sort, live updates.

Built for 100k items and more (PERFORMANCE.md): one list or typed array per column, one
lowercased search text per item, repeated strings interned, the visible view an index list.
A narrowing filter ("lo" → "lon") filters the previous result instead of everything, and
going back (backspace) finds the view it had; a delta places its few rows, and keeps the tree's
counts (``store_order``); statistics batches are O(batch). No Textual import (a test checks it).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from console import store_order as order
from console.store_filter import OneOf, apply_filter, filter_term, keep
from console.store_load import append_columns
from console.store_order import GroupCount
from console.store_values import (
    LIVE_STATUSES,
    Row,
    epoch,
    format_last_seen,
    format_percent,
    parse_at,
    search_text,
)
from console.store_values import STATUS_CODE as _STATUS_CODE
from console.store_values import STATUS_WORDS as STATUS_WORDS  # the list's status words
from console.store_values import format_duration as format_duration  # the list's cells
from domain import FilterError, JumpClient, JumpGroupType, Statistic, Status, status_of
from domain.columns import COLUMN_KEYS as COLUMN_KEYS  # the store shows and sorts these
from domain.filters import Filter, parse
from domain.jump_client import console_user_of
from domain.protocol.item_columns import ItemColumns, columns_of
from domain.protocol.live import StatsRow

GroupKey = tuple[JumpGroupType, int]
_NAN = float("nan")


LIVE_COLUMNS = frozenset({"cpu", "disk", "uptime", "console_user", "last_seen", "status"})
_NUMERIC = frozenset({"cpu", "disk", "uptime", "last_seen"})


class ItemStore:
    """All Jump Items the representative may see, and the current view over them."""

    def __init__(
        self,
        *,
        group_names: Mapping[GroupKey, str] | None = None,
        policy_names: Mapping[int, str] | None = None,
    ) -> None:
        self._intern: dict[str, str] = {}
        self.group_names: dict[GroupKey, str] = dict(group_names or {})
        self.policy_names: dict[int, str] = dict(policy_names or {})
        self.statistics: frozenset[Statistic] = frozenset(Statistic)
        """The statistics the site selects (the feed says): the others are not shown."""
        self._clear()
        self.scope_group: GroupKey | None = None
        self.scope_tag: str | None = None
        self.filter = Filter()
        self.filter_text = ""
        self.sort_key = "name"
        self.descending = False
        self.view: list[int] = []
        self.version = 0
        self._ordered: list[int] | None = None
        """Every alive row in order (None: to be sorted again), but for ``_runs``."""
        self._runs: list[list[int]] = []
        """The rows of the parts added since the view was last recomputed, as ordered runs."""
        self._views = order.ViewCache()
        self._counts: dict[GroupKey, GroupCount] | None = None

    def _lift(self, rows: list[int]) -> bool:
        """Before these rows change: take each out of the order and the view, to be put back
        where it then belongs (:meth:`_place`), without sorting or filtering the others
        again. False (nothing taken) when everything is sorted again instead: many rows, or
        an order by a statistic (the batches move those values without reordering)."""
        if (
            self._ordered is None
            or len(rows) > order.PLACE_AT_MOST
            or self.sort_key in LIVE_COLUMNS - {"status"}
        ):
            return False
        self._fold()  # a row placed now comes after the runs' rows: merged first (see _fold)
        key, descending = self._sort_key_function(self.sort_key), self.descending
        kept = [view for _, view in self._views.views()]
        for row in dict.fromkeys(rows):
            order.take_out(self._ordered, row, key, descending)
            order.take_out(self.view, row, key, descending)
            for view in kept:  # filtered from the order: where its key says, or not in it
                order.take_out(view, row, key, descending, scan=False)
        return True

    def _place(self, rows: list[int], lifted: bool) -> None:
        """These rows were added, removed or rewritten (and lifted out, when ``lifted``)."""
        self.version += 1
        if not lifted or self._ordered is None:
            self._views.clear()
            self._ordered = None
            self.refresh_view()
            return
        key, descending = self._sort_key_function(self.sort_key), self.descending
        alive = [row for row in dict.fromkeys(rows) if self.alive[row]]  # each placed once
        for text, values in self._views.distinct.items():  # a superset still finds each once
            column = self.text_column(text)
            values.update(column[row] for row in alive)
        for flt, view in [(self.filter, self.view), *self._views.views()]:
            matches = self._matcher(flt)
            for row in alive:
                if matches(row):
                    order.place(view, row, key, descending)
        for row in alive:
            order.place(self._ordered, row, key, descending)

    def _matcher(self, flt: Filter) -> Callable[[int], bool]:
        """One row's test: in the scope, and matched by every term of ``flt``."""
        tests: list[Callable[[int], bool]] = []
        if self.scope_group is not None:
            wanted, gi = self._group_index_of.get(self.scope_group, -1), self.group_index
            tests.append(lambda r: gi[r] == wanted)
        if self.scope_tag is not None:
            tag, tags = self.scope_tag, self.tag
            tests.append(lambda r: tags[r] == tag)
        terms = flt.terms
        return lambda r: (
            all(test(r) for test in tests) and all(filter_term(self, [r], term) for term in terms)
        )

    def _count(self, row: int, sign: int) -> None:
        """Count a row in or out of the tree's figures (when they are kept)."""
        if self._counts is None:
            return
        key = self.groups[self.group_index[row]]
        node = self._counts.get(key)
        if node is None:
            node = self._counts[key] = GroupCount()
        node.add(self.tag[row], self.status[row] in _LIVE_STATUS_CODES, sign)
        if node.total <= 0:
            del self._counts[key]

    def _clear(self) -> None:
        self.ids: array[int] = array("q")
        self.row_of: dict[int, int] = {}
        self.alive = bytearray()
        self.name: list[str] = []
        self.name_lower: list[str] = []
        self.search: list[str] = []
        self.group_index: array[int] = array("i")
        self.groups: list[GroupKey] = []
        self._group_index_of: dict[GroupKey, int] = {}
        self.tag: list[str] = []
        self.comments: list[str] = []
        self.console_user: list[str] = []
        self.os: list[str] = []
        self.public_ip: list[str] = []
        self.private_ip: list[str] = []
        self.hostname: list[str] = []
        self.policy: array[int] = array("i")
        self.status: bytearray = bytearray()
        self.cpu: array[float] = array("d")
        self.disk: array[float] = array("d")
        self.uptime: array[float] = array("d")
        self.last_seen: array[float] = array("d")
        self.dirty: set[int] = set()

    # -- loading ----------------------------------------------------------------------------

    def intern(self, text: str) -> str:
        """One string object for each repeated text (tags, systems, addresses)."""
        return self._intern.setdefault(text, text)

    def group_of_key(self, key: GroupKey) -> int:
        """The index of a group (a new one is added)."""
        index = self._group_index_of.get(key)
        if index is None:
            index = len(self.groups)
            self.groups.append(key)
            self._group_index_of[key] = index
        return index

    def _values(self, item: JumpClient) -> Row:
        stats = item.x_stats
        user = console_user_of(item)
        last_seen = (
            epoch(stats.at)
            if item.x_online and stats
            else epoch(item.last_disconnect_timestamp or item.last_connect_timestamp)
        )
        return Row(
            item.name,
            self.group_of_key((item.jump_group_type, item.jump_group_id)),
            self.intern(item.tag),
            self.intern(item.comments),
            self.intern(user),
            self.intern(item.operating_system),
            self.intern(item.public_ip),
            self.intern(item.private_ip),
            item.hostname,
            item.jump_policy_id or 0,
            _STATUS_CODE[status_of(item).value],
            stats.cpu_percent if stats and stats.cpu_percent is not None else _NAN,
            stats.disk_percent if stats and stats.disk_percent is not None else _NAN,
            float(stats.uptime_s) if stats and stats.uptime_s is not None else _NAN,
            last_seen,
        )

    def _search_text(self, row: int) -> str:
        return search_text(
            self.name[row],
            self.hostname[row],
            self.tag[row],
            self.comments[row],
            self.console_user[row],
        )

    _TEXT_COLUMNS = ("tag", "comments", "console_user", "os", "public_ip", "private_ip", "hostname")
    _ARRAY_COLUMNS = ("group_index", "policy", "cpu", "disk", "uptime", "last_seen")

    def _append(self, item: JumpClient) -> None:
        v = self._values(item)
        row = len(self.ids)
        self.ids.append(item.id)
        self.row_of[item.id] = row
        self.alive.append(1)
        self.name.append(v.name)
        self.name_lower.append(v.name.lower())
        self.status.append(v.status)
        for column in self._TEXT_COLUMNS:
            getattr(self, column).append(getattr(v, column))
        for column, value in zip(
            self._ARRAY_COLUMNS,
            (v.group, v.policy, v.cpu, v.disk, v.uptime, v.last_seen),
            strict=True,
        ):
            getattr(self, column).append(value)
        self.search.append(self._search_text(row))

    def _overwrite(self, row: int, item: JumpClient) -> None:
        v = self._values(item)
        if self.alive[row]:
            self._count(row, -1)
        self.alive[row] = 1
        self.name[row] = v.name
        self.name_lower[row] = v.name.lower()
        self.status[row] = v.status
        for column in self._TEXT_COLUMNS:
            getattr(self, column)[row] = getattr(v, column)
        for column, value in zip(
            self._ARRAY_COLUMNS,
            (v.group, v.policy, v.cpu, v.disk, v.uptime, v.last_seen),
            strict=True,
        ):
            getattr(self, column)[row] = value
        self.search[row] = self._search_text(row)
        self._count(row, 1)
        self.dirty.add(row)

    def host_of(self, item_id: int) -> str:
        """The hostname of a listed item ('' when it is not listed)."""
        row = self.row_of.get(item_id)
        return "" if row is None else self.hostname[row]

    def load(self, items: Iterable[JumpClient]) -> None:
        """Replace everything with ``items`` (a snapshot of items) and recompute the view."""
        self.load_columns(ItemColumns(columns_of(items)))

    def load_columns(self, columns: ItemColumns) -> None:
        """Replace everything with a snapshot's columns and recompute the view."""
        self.start_snapshot()
        self.add_columns(columns)
        self.settle()

    def start_snapshot(self) -> None:
        """Drop everything: a snapshot's parts follow (:meth:`add_columns`)."""
        self._clear()
        self.version += 1
        self._ordered, self._runs = [], []
        self._views.clear()
        self._counts = {}
        self.view = []

    def add_columns(self, columns: ItemColumns) -> None:
        """Add one part of a snapshot: its rows are appended (an id held already is replaced)
        and counted in the tree's figures, and put in order as one run, merged with the others
        when the view is next recomputed (:meth:`refresh_view`, which the caller asks for when
        it wants them listed). A part of a million-item snapshot costs what its own rows do,
        not what the whole store does.

        Built column by column: one pass per column is several times faster than appending
        item by item.
        """
        rows = append_columns(self, columns.values)
        start, end = rows.start, rows.stop
        self.version += 1
        self._views.clear()
        if self._counts is not None:
            order.count_rows(
                self.groups,
                self.group_index,
                self.tag,
                self.status,
                self.alive,
                _LIVE_STATUS_CODES,
                rows=range(start, end),
                into=self._counts,
            )
        if self._ordered is not None:
            run = list(range(start, end))
            self._sort(run)
            self._runs = order.add_run(self._runs, run, self._sort)

    def _fold(self) -> None:
        """Merge the runs of the parts added since into the ordered rows. Every row the
        ordered rows hold came before every row of the runs (a change folds them in before it
        places a row: :meth:`_lift`), so a stable merge orders equal keys by row number, the
        rule rows are placed and found by. The views kept for backspace lacked the runs' rows."""
        if self._runs and self._ordered is not None:
            self._ordered = order.merge([self._ordered, *self._runs], self._sort)
            self._views.clear()
        self._runs = []

    def settle(self) -> None:
        """The snapshot is whole: every part merged in order, and the view recomputed. The
        ordered row numbers are made afresh, in that order (:func:`store_order.renewed`)."""
        self._fold()
        if self._ordered is not None:
            self._ordered = order.renewed(self._ordered)
        self.refresh_view()

    def fresh(self) -> ItemStore:
        """An empty store that lists and orders as this one does: a snapshot's parts go into
        it while this one stays on screen, until :meth:`adopt` takes them over."""
        other = ItemStore(group_names=self.group_names, policy_names=self.policy_names)
        other.statistics = self.statistics
        other.sort_key, other.descending = self.sort_key, self.descending
        other.start_snapshot()
        return other

    def adopt(self, other: ItemStore) -> None:
        """Hold what ``other`` holds (a snapshot loaded into it), keeping this store's scope,
        filter and order; the view is recomputed."""
        for name in _HELD:
            setattr(self, name, getattr(other, name))
        if (other.sort_key, other.descending) != (self.sort_key, self.descending):
            self._ordered, self._runs = None, []
        self.version += 1
        self._views.clear()
        self.refresh_view()

    def upsert(self, items: Iterable[JumpClient]) -> None:
        """Apply changed or new items (a delta): each is put in its place in the view."""
        items = list(items)
        rows = []
        lifted = self._lift(
            [r for r in map(self.row_of.get, (i.id for i in items)) if r is not None]
        )
        for item in items:
            row = self.row_of.get(item.id)
            if row is None:
                self._append(item)
                row = len(self.ids) - 1
                self._count(row, 1)
            else:
                self._overwrite(row, item)
            rows.append(row)
        self._place(rows, lifted)

    def remove(self, ids: Iterable[int]) -> None:
        rows = [r for r in map(self.row_of.get, ids) if r is not None]
        lifted = self._lift(rows)
        for row in rows:
            if self.alive[row]:
                del self.row_of[int(self.ids[row])]
                self._count(row, -1)
                self.alive[row] = 0
        self._place(rows, lifted)

    def apply_stats(self, rows: Sequence[StatsRow]) -> int:
        """Apply a statistics batch in O(batch); the changed rows are added to ``dirty``. A row
        whose console user changed is put where a filter by user now puts it, in the list
        and in the views kept for backspace, as a delta's is."""
        row_of = self.row_of
        cpu_col, disk_col, up_col, seen_col = self.cpu, self.disk, self.uptime, self.last_seen
        users, dirty = self.console_user, self.dirty
        moved: list[tuple[int, str]] = []
        applied = 0
        last_at, last_seen = "", _NAN
        for item_id, cpu, disk, user, uptime, at in rows:
            row = row_of.get(item_id)
            if row is None:
                continue
            cpu_col[row] = _NAN if cpu is None else cpu
            disk_col[row] = _NAN if disk is None else disk
            up_col[row] = _NAN if uptime is None else float(uptime)
            if at != last_at:  # a batch mostly shares one timestamp
                last_at, last_seen = at, parse_at(at)
            seen_col[row] = last_seen
            if user is not None and user != users[row]:
                moved.append((row, user))
            dirty.add(row)
            applied += 1
        if moved:
            self._new_users(moved)
        return applied

    def _new_users(self, moved: list[tuple[int, str]]) -> None:
        rows = [row for row, _ in moved]
        lifted = self._lift(rows)
        for row, user in moved:
            self.console_user[row] = self.intern(user)
            self.search[row] = self._search_text(row)
        if lifted:
            self._place(rows, lifted)
            return
        self._views.clear()
        if self.filter.terms:  # a filter may now match other rows: filtered again
            self.version += 1
            self.refresh_view()

    def take_dirty(self) -> set[int]:
        dirty, self.dirty = self.dirty, set()
        return dirty

    # -- the view ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.row_of)

    def set_scope(self, group: GroupKey | None, tag: str | None = None) -> None:
        self.scope_group, self.scope_tag = group, tag
        self._views.clear()
        self.refresh_view()

    def set_filter(self, text: str) -> FilterError | None:
        """Filter by ``text``; on a parse error keep the current view and return the error."""
        try:
            new = parse(text)
        except FilterError as err:
            return err
        narrowing = order.narrows(new, self.filter)
        self.filter, self.filter_text = new, text
        known = self._views.get(text)
        if known is not None:  # typed before, nothing changed since (backspace)
            self.view = list(known)
        elif narrowing:  # the old result holds every match, already in order
            self.view = apply_filter(self, self.view, new)
        else:
            self.refresh_view()
        if known is None:
            self._views.put(text, new, list(self.view), len(self.row_of))
        return None

    def set_sort(self, key: str, descending: bool = False) -> None:
        if key not in COLUMN_KEYS:
            raise KeyError(key)
        self.sort_key, self.descending = key, descending
        self._ordered = None
        self._views.clear()
        self._sort_afresh(self.view)

    def refresh_view(self) -> None:
        """Recompute scope → filter from all rows in sort order (filtering keeps order)."""
        if self._ordered is None:  # every alive row, those of the runs too
            ordered = [r for r in range(len(self.ids)) if self.alive[r]]
            self._sort(ordered)
            self._ordered, self._runs = order.renewed(ordered), []
        self._fold()
        rows = self._ordered
        if self.scope_group is not None:
            wanted = self._group_index_of.get(self.scope_group, -1)
            rows = keep(self, rows, OneOf(((self.group_index, frozenset({wanted})),)))
        if self.scope_tag is not None:
            rows = keep(self, rows, OneOf(((self.tag, frozenset({self.scope_tag})),)))
        rows = apply_filter(self, rows, self.filter)
        self.view = rows if rows is not self._ordered else list(rows)

    def resort(self) -> None:
        """Sort again after live values moved (the view keeps its members)."""
        self._ordered = None
        self._views.clear()
        self._sort_afresh(self.view)

    def _sort_afresh(self, rows: list[int]) -> None:
        """Sort rows held in another order: equal keys by row number, as everywhere else
        (a changed row is put back, and found, by that rule: :mod:`console.store_order`)."""
        rows.sort()
        self._sort(rows)

    def _sort(self, rows: list[int]) -> None:
        key = self._sort_key_function(self.sort_key)
        rows.sort(key=key, reverse=self.descending)

    def _sort_key_function(self, key: str) -> Callable[[int], Any]:
        return order.sort_key_of(self, key)

    def distinct(self, text: str) -> set[str]:
        """The distinct values of a text column (kept until the rows change)."""
        known = self._views.distinct.get(text)
        if known is None:
            known = self._views.distinct[text] = set(self.text_column(text))
        return known

    def text_column(self, text: str) -> list[str]:
        """The store's column for one of :class:`domain.filters.Subject`'s texts."""
        return self.name if text == "name" else getattr(self, text)

    # -- reading -----------------------------------------------------------------------------

    def group_label(self, key: GroupKey) -> str:
        """The group's label as the appliance gave it (``/me``; see
        :func:`domain.groups.group_label`)."""
        name = self.group_names.get(key)
        if name:
            return name
        kind, gid = key
        return f"Personal list {gid}" if kind is JumpGroupType.PERSONAL else f"Group {gid}"

    def row_at(self, index: int) -> int:
        return self.view[index]

    def item_id(self, row: int) -> int:
        return int(self.ids[row])

    def id_at(self, index: int) -> int:
        return int(self.ids[self.view[index]])

    def index_of_id(self, item_id: int) -> int | None:
        row = self.row_of.get(item_id)
        if row is None:
            return None
        try:
            return self.view.index(row)
        except ValueError:
            return None

    def number(self, row: int, key: str) -> float:
        """A numeric column's value (NaN when unknown)."""
        if key not in _NUMERIC:
            raise KeyError(key)
        column: array[float] = getattr(self, key)
        return column[row]

    def status_at(self, row: int) -> Status:
        return STATUS_WORDS[self.status[row]]

    def cell(self, row: int, key: str, now: float) -> str:
        """The text of one cell (statistics formatted, times relative to ``now``)."""
        match key:
            case "name":
                return self.name[row]
            case "status":
                return STATUS_WORDS[self.status[row]].word
            case "group":
                return self.group_label(self.groups[self.group_index[row]])
            case "cpu":
                return format_percent(self.cpu[row])
            case "disk":
                return format_percent(self.disk[row])
            case "uptime":
                return format_duration(self.uptime[row])
            case "last_seen":
                return format_last_seen(self.last_seen[row], STATUS_WORDS[self.status[row]], now)
        value: list[str] = getattr(self, key)
        return value[row]

    def counts(self) -> dict[GroupKey, GroupCount]:
        """Items and online items per group and per tag within it (kept up to date by
        deltas once counted: read them, do not change them)."""
        if self._counts is None:
            self._counts = order.count_rows(
                self.groups, self.group_index, self.tag, self.status, self.alive, _LIVE_STATUS_CODES
            )
        return self._counts

    def online_total(self) -> tuple[int, int]:
        return sum(node.online for node in self.counts().values()), len(self.row_of)


_LIVE_STATUS_CODES = frozenset(_STATUS_CODE[s.value] for s in LIVE_STATUSES)


def _held() -> tuple[str, ...]:
    """What a store holds of its items (:meth:`ItemStore.adopt` takes these over): what
    ``_clear`` empties, and what is worked out from it."""
    probe = ItemStore.__new__(ItemStore)
    probe._clear()
    return (*vars(probe), "_intern", "_ordered", "_runs", "_counts")


_HELD = _held()
