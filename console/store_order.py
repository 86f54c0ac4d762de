"""The item store's view kept up to date a few rows at a time (no Textual import).

At 100,000 items a Python pass over every row costs tens of milliseconds on this project's
machine, and the demo site sends a delta of a few items every tick: sorting, filtering and
counting everything again for each held the console's loop for about 0.1 s, which a key
typed meanwhile waited for. These place a changed row where a full sort would put it, keep
the views of recent filters for the keys that go back to them (backspace), and keep the
tree's counts by adding and taking away the rows that changed.
"""

from __future__ import annotations

import contextlib
import math
from array import array
from collections import OrderedDict
from collections.abc import Callable, Container, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from domain.filters import Filter

if TYPE_CHECKING:
    from console.store import ItemStore

#: a delta of more rows than this is placed by sorting everything again (one C sort is then
#: cheaper than that many searches)
PLACE_AT_MOST = 200


def _position(rows: list[int], row: int, key: Callable[[int], Any], descending: bool) -> int:
    """Where ``row`` stands, or would stand, in ``rows`` sorted by ``key`` (``descending``),
    equal keys by row number: as Python's stable sort orders rows listed in row order."""
    k = key(row)
    low, high = 0, len(rows)
    while low < high:
        middle = (low + high) // 2
        other = rows[middle]
        ko = key(other)
        if (other < row) if ko == k else (ko > k if descending else ko < k):
            low = middle + 1
        else:
            high = middle
    return low


def place(rows: list[int], row: int, key: Callable[[int], Any], descending: bool) -> None:
    """Insert ``row`` where ``rows.sort(key=key, reverse=descending)`` would have put it."""
    rows.insert(_position(rows, row, key, descending), row)


def take_out(
    rows: list[int], row: int, key: Callable[[int], Any], descending: bool, *, scan: bool = True
) -> None:
    """Remove ``row`` from ``rows`` (sorted so, ``row`` still with the key it was sorted by)
    if it is there: found by halving, not by comparing every row (3 ms a row at 84,000).
    ``scan``: when it is not where its key says, look for it the long way."""
    at = _position(rows, row, key, descending)
    if at < len(rows) and rows[at] == row:
        del rows[at]
        return
    if scan:
        with contextlib.suppress(ValueError):
            rows.remove(row)


def renewed(rows: list[int]) -> list[int]:
    """The same row numbers as new objects, made in this order. Python keeps each number
    over 256 as an object of its own, where it was made: the rows were numbered as they
    arrived, and once sorted by name a pass over them in that order jumped about memory at
    every row (a third of a filter's time at 100,000 rows, over half at a million). Made
    afresh in the list's order, they lie in memory in the order they are read."""
    return list(array("i", rows))


def merge(runs: list[list[int]], sort: Callable[[list[int]], None]) -> list[int]:
    """One ordered list of ``runs``, each already ordered by ``sort``: Python's sort finds
    the runs and merges them, a pass over the rows instead of a sort of them."""
    merged = [row for run in runs for row in run] if len(runs) != 1 else list(runs[0])
    sort(merged)
    return merged


def add_run(
    runs: list[list[int]], run: list[int], sort: Callable[[list[int]], None]
) -> list[list[int]]:
    """``runs`` with ``run`` added, merged as a binary counter merges: the last two become
    one while the one before is not over twice as long, so there are never more than a few
    dozen runs, each row is merged a few times over a whole snapshot, and merging them all
    (when the view is next shown) is one pass."""
    runs.append(run)
    while len(runs) > 1 and len(runs[-2]) <= 2 * len(runs[-1]):
        last = runs.pop()
        runs[-1] = merge([runs[-1], last], sort)
    return runs


class ViewCache:
    """The views of the last filters typed, by their text: a key that brings a text back
    (backspace) finds its view here instead of filtering every row again. Bounded by the rows
    it holds (``budget``), oldest first out. A delta's few rows are taken out of each and put
    back where they belong (the store does it, as for its own view: at a million items the
    demo site's changes came often enough that a backspace found none kept); emptied when
    the order, the scope or a searched text changed, or many rows did."""

    def __init__(self) -> None:
        self._views: OrderedDict[str, list[int]] = OrderedDict()
        self.filters: dict[str, Filter] = {}
        """The filter each view was found by."""
        self._held = 0
        self.distinct: dict[str, set[Any]] = {}
        """The distinct values of a column, by its name (a field's filter matches each once)."""

    def get(self, text: str) -> list[int] | None:
        view = self._views.get(text)
        if view is not None:
            self._views.move_to_end(text)
        return view

    def put(self, text: str, flt: Filter, view: list[int], budget: int) -> None:
        if not text or len(view) > budget:
            return
        old = self._views.pop(text, None)
        if old is not None:
            self._held -= len(old)
        self._views[text] = view
        self.filters[text] = flt
        self._held += len(view)
        while self._held > budget and self._views:
            dropped_text, dropped = self._views.popitem(last=False)
            del self.filters[dropped_text]
            self._held -= len(dropped)

    def views(self) -> list[tuple[Filter, list[int]]]:
        """Each view kept, with its filter (to take a changed row out and put it back)."""
        return [(self.filters[text], view) for text, view in self._views.items()]

    def clear(self) -> None:
        self._views.clear()
        self.filters.clear()
        self._held = 0
        self.distinct.clear()


@dataclass
class GroupCount:
    """Items and online items of one tree node, with the same figures per tag."""

    total: int = 0
    online: int = 0
    tags: dict[str, list[int]] = field(default_factory=dict)

    def add(self, tag: str, online: bool, sign: int) -> None:
        """Count one row in (``sign`` 1) or out (-1)."""
        self.total += sign
        self.online += sign * online
        if tag:
            pair = self.tags.setdefault(tag, [0, 0])
            pair[0] += sign
            pair[1] += sign * online
            if pair[0] <= 0:
                del self.tags[tag]


def count_rows(
    groups: Sequence[Hashable],
    group_index: Sequence[int],
    tags: Sequence[str],
    status: Sequence[int],
    alive: Sequence[int],
    online_codes: Container[int],
    *,
    rows: range | None = None,
    into: dict[Any, GroupCount] | None = None,
) -> dict[Any, GroupCount]:
    """Every alive row's group and tag counted (once; deltas then add and take away), or
    only ``rows``, added to the counts ``into``."""
    counts: dict[Any, GroupCount] = {} if into is None else into
    for r in range(len(alive)) if rows is None else rows:
        if alive[r]:
            node = counts.get(groups[group_index[r]])
            if node is None:
                node = counts[groups[group_index[r]]] = GroupCount()
            node.add(tags[r], status[r] in online_codes, 1)
    return counts


def narrows(new: Filter, old: Filter) -> bool:
    """True when every item ``new`` matches is also matched by ``old``."""
    if len(new.terms) < len(old.terms):
        return False
    for o, n in zip(old.terms, new.terms, strict=False):
        if o.field != n.field or o.negate != n.negate:
            return False
        if o.value == n.value:
            continue
        if o.negate:
            return False
        if o.field in ("text", "group", "os", "user", "policy") and o.value in n.value:
            continue
        if o.field == "ip" and n.value.startswith(o.value):
            continue
        return False
    return True


def sort_key_of(store: ItemStore, key: str) -> Callable[[int], Any]:
    """The key the rows are sorted by for the column ``key`` (unknown numbers first)."""
    if key == "name":
        return store.name_lower.__getitem__
    if key == "status":
        return store.status.__getitem__
    if key == "group":
        names = [store.group_label(g).lower() for g in store.groups]
        gi = store.group_index
        return lambda r: names[gi[r]]
    if key in ("cpu", "disk", "uptime", "last_seen"):
        column: array[float] = getattr(store, key)

        def numeric(r: int) -> float:
            value = column[r]
            return -1.0 if math.isnan(value) else value

        return numeric
    text: list[str] = getattr(store, key)
    return lambda r: text[r].lower()
