"""Idempotent consumption of record events: the same court + event_id is one event
(contract section 2), however often the topic delivers it."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Column, Connection, MetaData, Row, String, Table, select

from clearway.common.db import insert_rows
from clearway.common.events import RecordEvent

CHUNK = 400


def processed_events_table(metadata: MetaData) -> Table:
    return Table(
        "processed_events", metadata,
        Column("court", String(20), primary_key=True),
        Column("event_id", String(128), primary_key=True),
    )


def select_by_court(conn: Connection, stmt: Callable[[str, list[str]], Any],
                    pairs: Iterable[tuple[str, str]], chunk: int = CHUNK) -> Iterator[Row[Any]]:
    """Rows of `stmt(court, values)` for (court, value) pairs, court by court, in bounded
    chunks: `court = ? AND x IN (...)` searches a (court, x) key on every backend, where
    SQLite answers a row-value `(court, x) IN (VALUES ...)` by scanning the whole table
    (a cost that grew with every event stored) and PostgreSQL is slow with it too."""
    by_court: defaultdict[str, set[str]] = defaultdict(set)
    for court, value in pairs:
        by_court[court].add(value)
    for court, values in sorted(by_court.items()):
        ordered = sorted(values)
        for i in range(0, len(ordered), chunk):
            yield from conn.execute(stmt(court, ordered[i:i + chunk]))


def rows_by_key(conn: Connection, table: Table, keys: Iterable[tuple[str, str]],
                *columns: Any) -> Iterator[Row[Any]]:
    """The rows of `table` whose (court, event_id) is among `keys` (`columns` of them;
    default: the key)."""
    wanted = columns or (table.c.court, table.c.event_id)
    return select_by_court(conn, lambda court, ids: select(*wanted).where(
        table.c.court == court, table.c.event_id.in_(ids)), keys)


def unseen(conn: Connection, table: Table, events: Sequence[RecordEvent]) -> list[RecordEvent]:
    """The events not processed before, each once, in the order given."""
    unique: dict[tuple[str, str], RecordEvent] = {}
    for event in events:
        unique.setdefault((event.court, event.event_id), event)
    for row in rows_by_key(conn, table, list(unique)):
        unique.pop((row.court, row.event_id), None)
    return list(unique.values())


def mark_seen(conn: Connection, table: Table, events: Sequence[RecordEvent]) -> None:
    """Record events as processed; in the same transaction as their effects. A concurrent
    consumer that processed one too makes this raise IntegrityError (retry the batch)."""
    insert_rows(conn, table, ("court", "event_id"), [(e.court, e.event_id) for e in events])


def first_time(conn: Connection, table: Table, events: Sequence[RecordEvent]
               ) -> list[RecordEvent]:
    """The events not processed before, now marked processed, oldest first."""
    fresh = unseen(conn, table, events)
    mark_seen(conn, table, fresh)
    return sorted(fresh, key=lambda e: (e.occurred_at, e.court, e.event_id))
