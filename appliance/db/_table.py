"""One table that stores one domain model, column for column.

A column per model field; nested values (lists, sub-models) are JSON text. Reads go
through the model's validation, so what leaves the database obeys the same limits as
what came in over the API.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from appliance.db._engine import Cursor

M = TypeVar("M", bound=BaseModel)


class Executor(Protocol):
    """Runs SQL on the one connection (the repository, which holds its lock)."""

    def execute(self, sql: str, args: Sequence[Any] = ...) -> Cursor: ...

    def execute_many(self, sql: str, rows: list[list[Any]]) -> Cursor: ...


#: Tables whose ids are never reused: the highest id they ever held is kept (migration 9).
KEPT_IDS = frozenset({"jump_client", "installer"})


def next_id(execute: Callable[..., Cursor], table: str) -> int:
    """The id the next row of ``table`` gets: one past the highest it holds or, for a table
    of :data:`KEPT_IDS`, ever held (the caller holds the write transaction)."""
    top = int(execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0])
    if table in KEPT_IDS:
        row = execute("SELECT last_id FROM id_high_water WHERE name = ?", (table,)).fetchone()
        top = max(top, int(row[0]) if row else 0)
    return top + 1


def mark_used(execute: Callable[..., Cursor], table: str, last: int) -> None:
    """Ids up to ``last`` of ``table`` were given: none of them is given again."""
    if table in KEPT_IDS:
        execute(
            "UPDATE id_high_water SET last_id = ? WHERE name = ? AND last_id < ?",
            (last, table, last),
        )


#: A condition: (column, value) for an exact, case-insensitive match.
Where = Sequence[tuple[str, Any]]


class Table(Generic[M]):
    """CRUD over one table for model ``M`` (whose ``id`` is the primary key)."""

    def __init__(
        self,
        db: Executor,
        name: str,
        model: type[M],
        *,
        json_columns: Iterable[str] = (),
    ) -> None:
        self._exec = db.execute
        self._exec_many = db.execute_many
        self.name = name
        self.model = model
        self.json_columns = frozenset(json_columns)
        self.columns: tuple[str, ...] = tuple(model.model_fields)  # computed fields are not stored
        self._select = f"SELECT {', '.join(self.columns)} FROM {name}"

    # -- encoding ------------------------------------------------------------------------

    def stored(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` validated as a whole model, as its columns store it."""
        return self._row_values(self.model.model_validate(values))

    def _row_values(self, obj: M) -> dict[str, Any]:
        data = obj.model_dump(mode="json")
        out: dict[str, Any] = {}
        for column in self.columns:
            value = data[column]
            if column in self.json_columns and value is not None:
                value = json.dumps(value, separators=(",", ":"))
            out[column] = value
        return out

    def load(self, row: Sequence[Any]) -> M:
        data: dict[str, Any] = {}
        for column, value in zip(self.columns, row, strict=True):
            if column in self.json_columns and value is not None:
                value = json.loads(value)
            data[column] = value
        return self.model.model_validate(data)

    # -- queries -------------------------------------------------------------------------

    def _where(self, where: Where) -> tuple[str, list[Any]]:
        if not where:
            return "", []
        parts, args = [], []
        for column, value in where:
            if column not in self.columns:
                raise KeyError(column)
            if (isinstance(value, int) and not -(2**63) <= value < 2**63) or (
                isinstance(value, str) and "\x00" in value
            ):
                parts.append("1 = 0")  # no row holds a number or a text no engine can store
                continue
            if isinstance(value, str):
                parts.append(f"{column} = ? COLLATE NOCASE")
            else:
                parts.append(f"{column} = ?")
            args.append(value)
        return " WHERE " + " AND ".join(parts), args

    def get(self, id_: int) -> M | None:
        row = self._exec(f"{self._select} WHERE id = ?", (id_,)).fetchone()
        return self.load(row) if row else None

    def find(self, where: Where = (), *, limit: int = -1, offset: int = 0) -> list[M]:
        clause, args = self._where(where)
        sql = f"{self._select}{clause} ORDER BY id"
        if limit >= 0 or offset:
            sql += " LIMIT ? OFFSET ?"
            args += [limit if limit >= 0 else 2**62, offset]
        return [self.load(r) for r in self._exec(sql, args)]

    def find_sql(self, clause: str, args: Sequence[Any]) -> list[M]:
        """Rows matching a SQL condition written by the repository's own code (never input)."""
        return [
            self.load(r) for r in self._exec(f"{self._select} WHERE {clause} ORDER BY id", args)
        ]

    def count(self, where: Where = ()) -> int:
        clause, args = self._where(where)
        row = self._exec(f"SELECT COUNT(*) FROM {self.name}{clause}", args).fetchone()
        return int(row[0])

    def exists(self, where: Where = ()) -> bool:
        """Whether any row matches (stops at the first: a count reads them all, 2.5 s at
        1,000,000 Jump Clients)."""
        clause, args = self._where(where)
        return self._exec(f"SELECT 1 FROM {self.name}{clause} LIMIT 1", args).fetchone() is not None

    def ids(self, where: Where = ()) -> list[int]:
        clause, args = self._where(where)
        sql = f"SELECT id FROM {self.name}{clause} ORDER BY id"
        return [int(r[0]) for r in self._exec(sql, args)]

    # -- writes (the caller holds the transaction) ---------------------------------------

    def insert(self, values: Mapping[str, Any], *, id_: int | None = None) -> M:
        """Validate ``values`` as a whole model, insert it, and return it with its id."""
        if id_ is None:
            id_ = next_id(self._exec, self.name)
        obj = self.model.model_validate({**values, "id": id_})
        data = self._row_values(obj)
        marks = ", ".join("?" for _ in self.columns)
        self._exec(
            f"INSERT INTO {self.name} ({', '.join(self.columns)}) VALUES ({marks})",
            [data[c] for c in self.columns],
        )
        mark_used(self._exec, self.name, id_)
        stored = self.get(id_)
        assert stored is not None
        return stored

    def insert_many(self, rows: Sequence[Mapping[str, Any]], *, first_id: int) -> int:
        """Validate and insert ``rows`` with consecutive ids from ``first_id``; return the count."""
        marks = ", ".join("?" for _ in self.columns)
        sql = f"INSERT INTO {self.name} ({', '.join(self.columns)}) VALUES ({marks})"
        batch = []
        for offset, values in enumerate(rows):
            data = self._row_values(self.model.model_validate({**values, "id": first_id + offset}))
            batch.append([data[c] for c in self.columns])
        self._exec_many(sql, batch)
        if batch:
            mark_used(self._exec, self.name, first_id + len(batch) - 1)
        return len(batch)

    def insert_rows(self, rows: list[list[Any]], *, first_id: int) -> int:
        """Insert rows already in column order (ids ``first_id`` on): for data built by the
        appliance's own code that it has checked against the model (the demo fleet)."""
        marks = ", ".join("?" for _ in self.columns)
        self._exec_many(
            f"INSERT INTO {self.name} ({', '.join(self.columns)}) VALUES ({marks})", rows
        )
        if rows:
            mark_used(self._exec, self.name, first_id + len(rows) - 1)
        return len(rows)

    def update(self, id_: int, changes: Mapping[str, Any]) -> M | None:
        """Apply ``changes`` to the stored model, validated as a whole; None when absent."""
        current = self.get(id_)
        if current is None:
            return None
        merged = {**current.model_dump(), **changes}
        obj = self.model.model_validate(merged)
        data = self._row_values(obj)
        sets = ", ".join(f"{c} = ?" for c in self.columns if c != "id")
        self._exec(
            f"UPDATE {self.name} SET {sets} WHERE id = ?",
            [*(data[c] for c in self.columns if c != "id"), id_],
        )
        return self.get(id_)

    def delete(self, id_: int) -> bool:
        cur = self._exec(f"DELETE FROM {self.name} WHERE id = ?", (id_,))
        return cur.rowcount > 0

    def delete_where(self, where: Where) -> int:
        clause, args = self._where(where)
        return self._exec(f"DELETE FROM {self.name}{clause}", args).rowcount
