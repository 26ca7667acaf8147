"""Database engines: SQLite by default (WAL, shared by several processes on one machine),
PostgreSQL by URL. Stores use SQLAlchemy Core with synchronous connections; async code
calls them through `asyncio.to_thread`."""
from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Connection, Dialect, Engine, MetaData, Table, create_engine
from sqlalchemy.exc import OperationalError

from clearway.common import sqlite

T = TypeVar("T")
READ_ONLY = "clearway_read_only"


def reading(engine: Engine) -> Connection:
    """A connection for a consistent read that takes no write lock (SQLite)."""
    return engine.connect().execution_options(**{READ_ONLY: True})


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": sqlite.BUSY_TIMEOUT_S, "check_same_thread": False})
        sqlite.configure(engine, read_only_option=READ_ONLY)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


@lru_cache(maxsize=256)
def _insert_sql(dialect: Dialect, table: Table, columns: tuple[str, ...], count: int = 1) -> str:
    """INSERT of `count` rows in one statement."""
    quote, marker = dialect.identifier_preparer.quote, _marker(dialect)
    row = f"({', '.join(marker for _ in columns)})"
    return (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES {', '.join(row for _ in range(count))}")


@lru_cache(maxsize=256)
def _update_sql(dialect: Dialect, table: Table, columns: tuple[str, ...], key: str) -> str:
    quote, marker = dialect.identifier_preparer.quote, _marker(dialect)
    assignments = ", ".join(f"{quote(c)} = {marker}" for c in columns)
    return f"UPDATE {quote(table.name)} SET {assignments} WHERE {quote(key)} = {marker}"


def _marker(dialect: Dialect) -> str:
    return "?" if dialect.paramstyle == "qmark" else "%s"


# For the hot paths: SQLAlchemy's per-row parameter processing for
# `conn.execute(table.insert(), dicts)` cost more than SQLite's insert itself
# (bench/README.md). These hand plain values (str, int, float, bytes, None) to the driver
# as they are. On SQLite, many rows go in one statement: the driver gives up the GIL for
# each step of a statement, so with `executemany` a write turn (holding the database's write
# lock) took the GIL back once per row, waiting whenever the process's other thread held
# it; now once per statement (two workers' batch writes held the lock 2.0-2.3 s instead of
# 2.4-3.0 s, bench/README.md). PostgreSQL gets one `executemany`, which psycopg pipelines.
def insert_rows(conn: Connection, table: Table, columns: tuple[str, ...],
                rows: Sequence[tuple[Any, ...]]) -> None:
    """INSERT each row: its values in the order of `columns`."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql(_insert_sql(conn.dialect, table, columns), list(rows))
        return
    for chunk in _statement_chunks(rows, len(columns)):
        conn.exec_driver_sql(_insert_sql(conn.dialect, table, columns, len(chunk)),
                             _flat(chunk))


def update_rows(conn: Connection, table: Table, columns: tuple[str, ...], key: str,
                rows: Sequence[tuple[Any, ...]]) -> None:
    """UPDATE each row found by `key`: the values of `columns`, then the key's value."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql(_update_sql(conn.dialect, table, columns, key), list(rows))
        return
    for chunk in _statement_chunks(rows, len(columns) + 1):
        conn.exec_driver_sql(_sqlite_update_sql(conn.dialect, table, columns, key, len(chunk)),
                             _flat(chunk))


# Rows per statement: at most this many (and within SQLite's 32,766 parameters). A shorter
# remainder goes in pieces of a power of two rows, so a connection prepares a few
# statement shapes, not one per remainder.
_ROWS_PER_STATEMENT = 1024
_SQLITE_MAX_PARAMETERS = 32_766


def _statement_chunks(rows: Sequence[tuple[Any, ...]], width: int
                      ) -> Iterator[Sequence[tuple[Any, ...]]]:
    size = min(_ROWS_PER_STATEMENT, _SQLITE_MAX_PARAMETERS // width)
    start = 0
    while len(rows) - start >= size:
        yield rows[start:start + size]
        start += size
    while start < len(rows):
        piece = 1 << ((len(rows) - start).bit_length() - 1)
        yield rows[start:start + piece]
        start += piece


def _flat(rows: Sequence[tuple[Any, ...]]) -> tuple[Any, ...]:
    return tuple(itertools.chain.from_iterable(rows))


@lru_cache(maxsize=256)
def _sqlite_update_sql(dialect: Dialect, table: Table, columns: tuple[str, ...], key: str,
                       count: int) -> str:
    """UPDATE ... FROM a VALUES list of `count` rows: SQLite names its columns column1,
    column2, ..."""
    quote = dialect.identifier_preparer.quote
    row = f"({', '.join('?' for _ in range(len(columns) + 1))})"
    assignments = ", ".join(f"{quote(c)} = v.column{i}" for i, c in enumerate(columns, 1))
    return (f"UPDATE {quote(table.name)} SET {assignments} "
            f"FROM (VALUES {', '.join(row for _ in range(count))}) AS v "
            f"WHERE {quote(table.name)}.{quote(key)} = v.column{len(columns) + 1}")


def create_schema(engine: Engine, metadata: MetaData) -> None:
    """Create missing tables; tolerates another process creating them at the same time."""
    for attempt in range(5):
        try:
            metadata.create_all(engine)
            return
        except OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
        except Exception as exc:  # PostgreSQL: concurrent CREATE races end in IntegrityError
            if "already exists" not in str(exc) or attempt == 4:
                raise
            time.sleep(0.2)


def retrying(fn: Callable[[], T], attempts: int = 8, first_delay: float = 0.1) -> T:
    """Run a transaction function again when the database is briefly unavailable."""
    delay = first_delay
    for attempt in range(attempts):
        try:
            return fn()
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
    raise AssertionError("unreachable")
