"""The compact snapshot: what the console's list holds of each Jump Item, one array per column.

A console that subscribes with ``compact`` gets its snapshot chunks as
``{"type": "snapshot", "seq", "last", "columns": {NAME: [value, ...], ...}}`` instead of one
JSON object per item: every column of :data:`COLUMNS`, all of one length, row ``i`` of each
being the ``i``-th item. It holds only what the list shows, filters and sorts by; the details
of one item are fetched when it is highlighted, as before.

The appliance builds the columns with :func:`columns_of` (from its items and the latest
statistics it holds); the console reads them with :func:`read_columns`, which checks every
column with the type :class:`~domain.jump_client.JumpClient` gives the field (one list
validator per column: no model per item) and skips, and counts, an item with a bad value in
any column. Derived values come from the domain's own rules: ``status`` from
:func:`~domain.jump_client.status_of`, ``console_user`` from
:func:`~domain.jump_client.console_user_of`, ``last_seen`` (seconds since the epoch, or
null) from :func:`~domain.jump_client.last_seen`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from domain.enums import Statistic, Status
from domain.jump_client import (
    JumpClient,
    Stats,
    console_user_of,
    last_seen,
    seen_at,
    status_of,
    user_at,
)
from domain.statistics import ALL_STATISTICS, COLUMN_STATISTIC


def _typed(field: FieldInfo) -> Any:
    """The type of a model's field with its constraints, for a TypeAdapter."""
    if not field.metadata:
        return field.annotation
    return Annotated[(field.annotation, *field.metadata)]


_ITEM = JumpClient.model_fields
_STATS = Stats.model_fields
#: column name -> the type of its values; the item's fields keep their model's constraints
COLUMNS: dict[str, Any] = {
    "id": _typed(_ITEM["id"]),
    "name": _typed(_ITEM["name"]),
    "hostname": _typed(_ITEM["hostname"]),
    "jump_group_type": _typed(_ITEM["jump_group_type"]),
    "jump_group_id": _typed(_ITEM["jump_group_id"]),
    "tag": _typed(_ITEM["tag"]),
    "comments": _typed(_ITEM["comments"]),
    "operating_system": _typed(_ITEM["operating_system"]),
    "public_ip": _typed(_ITEM["public_ip"]),
    "private_ip": _typed(_ITEM["private_ip"]),
    "jump_policy_id": _typed(_ITEM["jump_policy_id"]),
    "console_user": _typed(_ITEM["console_user"]),
    "status": Status,
    "last_seen": Annotated[float, Field(allow_inf_nan=False)] | None,
    "cpu": _typed(_STATS["cpu_percent"]),
    "disk": _typed(_STATS["disk_percent"]),
    "uptime": _typed(_STATS["uptime_s"]),
}
_ONE = {name: TypeAdapter(kind) for name, kind in COLUMNS.items()}
_MANY = {name: TypeAdapter(list[kind]) for name, kind in COLUMNS.items()}  # type: ignore[valid-type]

#: (cpu, disk, console_user, uptime_s, at): the latest statistics the appliance holds
Latest = tuple[float | None, float | None, str | None, int | None, str]


class BadColumns(ValueError):
    """The columns as a whole cannot be read (missing, not lists, of different lengths)."""


@dataclass(frozen=True, slots=True)
class ItemColumns:
    """Checked columns, every list of one length; ``values[name][i]`` is item ``i``'s."""

    values: dict[str, list[Any]]

    def __len__(self) -> int:
        return len(self.values["id"])

    @staticmethod
    def empty() -> ItemColumns:
        return ItemColumns({name: [] for name in COLUMNS})

    def extend(self, other: ItemColumns) -> None:
        for name, column in self.values.items():
            column.extend(other.values[name])


def columns_of(
    items: Iterable[JumpClient],
    latest: Mapping[int, Latest] | None = None,
    selected: Collection[Statistic] = ALL_STATISTICS,
) -> dict[str, list[Any]]:
    """The columns of ``items`` as JSON values; ``latest`` statistics win over the item's own
    (the appliance's hub holds them; the database does not). A statistic the site does not
    select (``selected``) is sent as nothing, as :func:`domain.statistics.only_selected` does
    for an item."""
    out: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    put = {name: column.append for name, column in out.items()}
    latest = latest or {}
    parsed: dict[str, datetime] = {}  # a batch of statistics mostly shares one ``at``
    for item in items:
        for name in ("id", "name", "hostname", "jump_group_id", "tag", "comments"):
            put[name](getattr(item, name))
        put["jump_group_type"](item.jump_group_type.value)
        for name in ("operating_system", "public_ip", "private_ip", "jump_policy_id"):
            put[name](getattr(item, name))
        put["status"](status_of(item).value)
        row = latest.get(item.id)
        if row is None:
            stats = item.x_stats
            seen = last_seen(item)
            put["console_user"](console_user_of(item))
            put["last_seen"](None if seen is None else seen.timestamp())
            put["cpu"](stats.cpu_percent if stats else None)
            put["disk"](stats.disk_percent if stats else None)
            put["uptime"](stats.uptime_s if stats else None)
            continue
        cpu, disk, user, uptime, at = row
        when = parsed.get(at)
        if when is None:
            when = parsed[at] = datetime.fromisoformat(at)
        seen = seen_at(item, when)
        put["last_seen"](None if seen is None else seen.timestamp())
        put["console_user"](user_at(item, user))
        put["cpu"](cpu)
        put["disk"](disk)
        put["uptime"](uptime)
    return blank_unselected(out, selected)


def blank_unselected(
    out: dict[str, list[Any]], selected: Collection[Statistic]
) -> dict[str, list[Any]]:
    """``out`` with each statistic the site does not select sent as nothing."""
    for name, statistic in COLUMN_STATISTIC.items():
        if statistic not in selected:
            blank = "" if name == "console_user" else None
            out[name] = [blank] * len(out[name])
    return out


def read_columns(raw: Any) -> tuple[ItemColumns, int]:
    """Check columns decoded from JSON; items with a bad value are dropped and counted.
    Raises :class:`BadColumns` when the columns as a whole cannot be read."""
    if not isinstance(raw, dict):
        raise BadColumns("columns must be an object")
    ids = raw.get("id")
    if not isinstance(ids, list):
        raise BadColumns("the id column is missing")
    size = len(ids)
    checked: dict[str, list[Any]] = {}
    bad: set[int] = set()
    for name, many in _MANY.items():
        values = raw.get(name)
        if not isinstance(values, list) or len(values) != size:
            raise BadColumns(f"the {name} column is missing or of another length")
        try:
            checked[name] = many.validate_python(values)
        except ValidationError:  # hostile or broken: check each value, keep the good ones
            checked[name] = _each(_ONE[name].validate_python, values, bad)
    if bad:
        keep = [i for i in range(size) if i not in bad]
        checked = {name: [column[i] for i in keep] for name, column in checked.items()}
    return ItemColumns(checked), len(bad)


def _each(check: Callable[[Any], Any], values: list[Any], bad: set[int]) -> list[Any]:
    out: list[Any] = []
    for i, value in enumerate(values):
        try:
            out.append(check(value))
        except ValidationError:
            out.append(None)
            bad.add(i)
    return out
