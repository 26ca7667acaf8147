"""Database engines: SQLite by default (WAL, shared by several processes on one machine),
PostgreSQL by URL. Stores use SQLAlchemy Core with synchronous connections; async code
calls them through `asyncio.to_thread`."""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Connection, Dialect, Engine, MetaData, Table, create_engine, event
from sqlalchemy.exc import OperationalError

T = TypeVar("T")
READ_ONLY = "clearway_read_only"


def reading(engine: Engine) -> Connection:
    """A connection for a consistent read that takes no write lock (SQLite)."""
    return engine.connect().execution_options(**{READ_ONLY: True})


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):  # type: ignore[no-untyped-def]
            # IMMEDIATE takes the write lock up front, so concurrent writers wait
            # (busy_timeout) instead of failing on a read-to-write upgrade. Reads that
            # say so take a plain snapshot and leave the lock to writers.
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


@lru_cache(maxsize=256)
def _insert_sql(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> str:
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    return (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join(marker for _ in columns)})")


def insert_rows(conn: Connection, table: Table, columns: tuple[str, ...],
                rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert many rows of plain values (str, int, float, bytes, None) in one executemany
    handed to the driver as it is. For the hot paths: SQLAlchemy's per-row parameter
    processing for `conn.execute(table.insert(), dicts)` cost more than SQLite's insert
    itself (bench/README.md)."""
    if rows:
        conn.exec_driver_sql(_insert_sql(conn.dialect, table, columns), list(rows))


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
