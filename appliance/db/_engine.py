"""The two database engines behind the repository: SQLite (embedded) and PostgreSQL.

The repository and its tables write SQL once, in the common dialect both engines read
(``?`` placeholders, ``COLLATE NOCASE``, ``ON CONFLICT``, ``NOT INDEXED``); the PostgreSQL
engine rewrites the few spellings that differ and creates the ``nocase`` collation the SQLite
spelling names.

Every write transaction is serialised across processes: SQLite's ``BEGIN IMMEDIATE`` takes
the file's write lock, PostgreSQL's takes a transaction-scoped advisory lock, so several
appliance nodes sharing one PostgreSQL database see each rule (a session lock, a token cap,
the next id) applied by one of them at a time.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger("appliance.db")

#: The advisory lock that serialises write transactions of all nodes (any fixed number).
_WRITE_LOCK = 7_431_905_218


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached now; the request may be tried again shortly."""


class Cursor(Protocol):
    """What the repository reads from an executed statement (sqlite3's and psycopg's)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Engine(Protocol):
    #: Where the data lives, safe to print (a URL without its password).
    description: str

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Cursor: ...

    def execute_many(self, sql: str, rows: list[list[Any]]) -> Cursor: ...

    def begin(self) -> None:
        """Start a write transaction, waiting for other writers."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def prepare(self) -> None:
        """Make ready for migrations (inside the first migration's transaction)."""
        ...

    def schema_version(self) -> int: ...

    def set_schema_version(self, number: int) -> None: ...

    def script(self, script: str) -> list[str]:
        """The statements of a migration script, as this engine runs them."""
        ...

    def close(self) -> None: ...


def is_url(db: str) -> bool:
    return "://" in db


def redacted(url: str) -> str:
    """``url`` without its password (for banners, logs and errors)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=user + host))


def open_engine(db: str | Path) -> Engine:
    text = str(db)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresEngine(text)
    if is_url(text):
        raise ValueError(
            f"The database {redacted(text)} is not supported; give a SQLite file path or a "
            "postgresql:// URL."
        )
    return SqliteEngine(text)


class SqliteEngine:
    def __init__(self, path: str) -> None:
        self.description = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn = self._conn
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        if path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Cursor:
        return self._conn.execute(sql, args)

    def execute_many(self, sql: str, rows: list[list[Any]]) -> Cursor:
        return self._conn.executemany(sql, rows)

    def begin(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self._conn.execute("COMMIT")

    def rollback(self) -> None:
        self._conn.execute("ROLLBACK")

    def prepare(self) -> None:
        return None

    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def set_schema_version(self, number: int) -> None:
        self._conn.execute(f"PRAGMA user_version = {int(number)}")

    def script(self, script: str) -> list[str]:
        return [s for s in script.split(";") if s.strip()]

    def close(self) -> None:
        self._conn.close()


# -- PostgreSQL ---------------------------------------------------------------------------------

_USER_TABLE = re.compile(r"\b(FROM|INTO|UPDATE|TABLE|REFERENCES|JOIN)\s+user\b", re.IGNORECASE)
_ID_PRIMARY = re.compile(r"\bid INTEGER PRIMARY KEY\b")
_INTEGER = re.compile(r"\bINTEGER\b")
_REAL = re.compile(r"\bREAL\b")
#: SQLite's "walk the table in id order, through no index"; PostgreSQL's planner needs no hint
_NOT_INDEXED = re.compile(r"\s+NOT INDEXED\b")

#: Case-insensitive, accent-sensitive equality: what SQLite's NOCASE gives (for all letters).
_NOCASE = (
    "DO $$ BEGIN CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', "
    "deterministic = false); EXCEPTION WHEN duplicate_object THEN NULL; END $$"
)


@functools.lru_cache(maxsize=2048)
def _statement(sql: str) -> str:
    """One statement of the common dialect, as PostgreSQL reads it."""
    sql = _USER_TABLE.sub(r'\1 "user"', sql)
    sql = _NOT_INDEXED.sub("", sql)
    return sql.replace("%", "%%").replace("?", "%s")


def _ddl(sql: str) -> str:
    sql = _ID_PRIMARY.sub("id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", sql)
    sql = _INTEGER.sub("BIGINT", sql)
    return _REAL.sub("DOUBLE PRECISION", sql)


def _arg(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


class PostgresEngine:
    """One connection per process (the repository holds its lock), re-opened when lost."""

    def __init__(self, url: str) -> None:
        import psycopg

        self._psycopg = psycopg
        self.url = url
        self.description = redacted(url)
        self._conn: Any = None
        self._in_transaction = False
        self._ever_connected = False
        self._connect()

    def _connect(self) -> Any:
        psycopg = self._psycopg
        try:
            self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
        except psycopg.Error as err:
            self._conn = None
            raise self._unavailable(err) from None
        self._ever_connected = True
        return self._conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def _unavailable(self, err: Exception) -> DatabaseUnavailable:
        if self._ever_connected:  # a node that ran: its operator reads the log
            log.warning("PostgreSQL at %s is unavailable: %s", self.description, type(err).__name__)
        return DatabaseUnavailable(
            f"The appliance cannot reach its database ({self.description}); "
            "try again in a few seconds."
        )

    def _run(self, call: Any) -> Any:
        psycopg = self._psycopg
        conn = self._conn
        if conn is None or conn.closed:
            if self._in_transaction:
                raise DatabaseUnavailable("The database connection was lost mid-transaction.")
            conn = self._connect()
        try:
            return call(conn)
        except psycopg.OperationalError as err:
            if conn.closed or conn.broken:
                self._drop()
                raise self._unavailable(err) from None
            raise

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Cursor:
        query = _statement(sql)
        values = [_arg(a) for a in args]
        return self._run(lambda c: c.execute(query, values))  # type: ignore[no-any-return]

    def execute_many(self, sql: str, rows: list[list[Any]]) -> Cursor:
        query = _statement(sql)
        values = [[_arg(a) for a in row] for row in rows]

        def many(conn: Any) -> Any:
            cur = conn.cursor()
            cur.executemany(query, values)
            return cur

        return self._run(many)  # type: ignore[no-any-return]

    def begin(self) -> None:
        def start(conn: Any) -> None:
            conn.execute("BEGIN")
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))

        self._run(start)
        self._in_transaction = True

    def commit(self) -> None:
        try:
            self._run(lambda c: c.execute("COMMIT"))
        finally:
            self._in_transaction = False

    def rollback(self) -> None:
        self._in_transaction = False
        conn = self._conn
        if conn is None or conn.closed:
            return
        try:
            conn.execute("ROLLBACK")
        except self._psycopg.Error:
            self._drop()

    def prepare(self) -> None:
        self._run(lambda c: c.execute(_NOCASE))
        self._run(
            lambda c: c.execute("CREATE TABLE IF NOT EXISTS jump_schema (version BIGINT NOT NULL)")
        )

    def schema_version(self) -> int:
        def read(conn: Any) -> int:
            if conn.execute("SELECT to_regclass('jump_schema')").fetchone()[0] is None:
                return 0
            row = conn.execute("SELECT MAX(version) FROM jump_schema").fetchone()
            return int(row[0] or 0)

        return self._run(read)  # type: ignore[no-any-return]

    def set_schema_version(self, number: int) -> None:
        self._run(lambda c: c.execute("DELETE FROM jump_schema"))
        self._run(lambda c: c.execute("INSERT INTO jump_schema VALUES (%s)", (number,)))

    def script(self, script: str) -> list[str]:
        return [_USER_TABLE.sub(r'\1 "user"', _ddl(s)) for s in script.split(";") if s.strip()]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
