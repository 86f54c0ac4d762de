"""Which of the item store's rows a filter term matches (no Textual import).

A term is one test of one or more columns: the text a representative types is looked for in
each row's joined search text; a field (``tag:``, ``status:``, ``group:``, ...) is matched
once per distinct value of its column (:data:`domain.filters.FIELD_RULES` says how), then
looked up per row.

At a million rows the order the rows are visited in costs more than the test itself: their
values lie in memory in the order they arrived, while the list shows them in another (by
name, say), so visiting them in the list's order misses the processor's caches at every row.
When a term filters a large share of the rows, every row is therefore tested in the order it
is held, at C speed (``map``), into one byte a row, and the rows asked about are then kept,
in their own order, by those bytes (``compress``): a typed letter at a million items went
from 0.5-0.7 s to about 0.2 s. A few rows (a narrowed view, one changed item) are tested one
by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import contains
from typing import TYPE_CHECKING, Any

from console.store_values import STATUS_WORDS
from domain.filters import FIELD_RULES, Filter, Term, os_family

if TYPE_CHECKING:
    from console.store import ItemStore

#: a term is tested on every row at once when the rows it filters are at least this share
#: of all rows (and more than :data:`FEW`)
EVERY_ROW_SHARE = 0.25
FEW = 2000
_FLIP = bytes.maketrans(b"\x00\x01", b"\x01\x00")


@dataclass(frozen=True, slots=True)
class Contains:
    """The rows whose text in ``column`` contains ``needle``."""

    column: Sequence[str]
    needle: str

    def every(self) -> bytes:
        return bytes(map(contains, self.column, repeat(self.needle)))

    def some(self, rows: Sequence[int], negate: bool) -> list[int]:
        column, needle = self.column, self.needle
        if negate:
            return [r for r in rows if needle not in column[r]]
        return [r for r in rows if needle in column[r]]


@dataclass(frozen=True, slots=True)
class OneOf:
    """The rows with one of its column's ``values`` in any of the ``pairs``' columns."""

    pairs: tuple[tuple[Sequence[Any], frozenset[Any]], ...]

    def every(self) -> bytes:
        size = len(self.pairs[0][0])
        joined = 0
        for column, values in self.pairs:
            if values:
                bits = bytes(map(values.__contains__, column))
                joined |= int.from_bytes(bits, "little")
        return joined.to_bytes(size, "little")

    def some(self, rows: Sequence[int], negate: bool) -> list[int]:
        pairs = [(column, values) for column, values in self.pairs if values]
        if len(pairs) == 1:
            column, values = pairs[0]
            if negate:
                return [r for r in rows if column[r] not in values]
            return [r for r in rows if column[r] in values]
        return [r for r in rows if any(c[r] in v for c, v in pairs) is not negate]

    @property
    def nothing(self) -> bool:
        """No value of any column matches ("tag:w" on the way to "tag:web")."""
        return not any(values for _, values in self.pairs)


def apply_filter(store: ItemStore, rows: list[int], flt: Filter) -> list[int]:
    for term in flt.terms:
        rows = filter_term(store, rows, term)
    return rows


def filter_term(store: ItemStore, rows: list[int], term: Term) -> list[int]:
    """The ``rows`` (in their order) that ``term`` matches."""
    return keep(store, rows, test_of(store, term), term.negate)


def keep(
    store: ItemStore, rows: list[int], test: Contains | OneOf, negate: bool = False
) -> list[int]:
    """The ``rows`` (in their order) that ``test`` passes (``negate``: fails)."""
    if isinstance(test, OneOf) and test.nothing:
        return list(rows) if negate else []
    if len(rows) > FEW and len(rows) >= EVERY_ROW_SHARE * len(store.ids):
        bits = test.every()
        if negate:
            bits = bits.translate(_FLIP)
        return list(compress(rows, map(bits.__getitem__, rows)))
    return test.some(rows, negate)


def test_of(store: ItemStore, term: Term) -> Contains | OneOf:
    """The test with the meaning :data:`domain.filters.FIELD_RULES` gives the term's field."""
    v, rule = term.value, FIELD_RULES[term.field]
    if term.field == "text" and "\n" not in v:  # one joined text: one test per row
        return Contains(store.search, v)
    match term.field:
        case "group":
            labels = (store.group_label(g).lower() for g in store.groups)
            groups = frozenset(i for i, label in enumerate(labels) if rule.hit(v, label))
            return OneOf(((store.group_index, groups),))
        case "status":
            codes = frozenset(c for c, s in enumerate(STATUS_WORDS) if rule.hit(v, s.value))
            return OneOf(((store.status, codes),))
        case "policy":
            names = store.policy_names.items()
            return OneOf(
                ((store.policy, frozenset(p for p, n in names if rule.hit(v, n.lower()))),)
            )
        case "os":  # few distinct systems: each is matched once, with its family
            systems = frozenset(
                o
                for o in store.distinct("os")
                if rule.hit(v, o.lower()) or rule.hit(v, os_family(o))
            )
            return OneOf(((store.os, systems),))
    # interned columns (tag, user, addresses): each distinct value is matched once
    pairs = []
    for text in rule.texts:
        hits = frozenset(x for x in store.distinct(text) if rule.hit(v, x.lower()))
        pairs.append((store.text_column(text), hits))
    return OneOf(tuple(pairs))
