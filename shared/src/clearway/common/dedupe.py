"""Idempotent consumption of record events: the same court + event_id is one event
(contract section 2), however often the topic delivers it."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Column, Connection, MetaData, Row, String, Table, select

from clearway.common.events import RecordEvent

CHUNK = 400


def processed_events_table(metadata: MetaData) -> Table:
    return Table(
        "processed_events", metadata,
        Column("court", String(20), primary_key=True),
        Column("event_id", String(128), primary_key=True),
    )


def rows_by_key(conn: Connection, table: Table, keys: Iterable[tuple[str, str]],
                *columns: Any) -> Iterator[Row[Any]]:
    """The rows of `table` whose (court, event_id) is among `keys` (`columns` of them;
    default: the key). Asked court by court with `event_id IN (...)`, which searches the
    primary key: SQLite answers a row-value `(court, event_id) IN (...)` by scanning the
    whole table, a cost that grew with every event stored."""
    by_court: defaultdict[str, list[str]] = defaultdict(list)
    for court, event_id in keys:
        by_court[court].append(event_id)
    wanted = columns or (table.c.court, table.c.event_id)
    for court, event_ids in by_court.items():
        for i in range(0, len(event_ids), CHUNK):
            yield from conn.execute(select(*wanted).where(
                table.c.court == court, table.c.event_id.in_(event_ids[i:i + CHUNK])))


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
    if events:
        conn.execute(table.insert(), [{"court": e.court, "event_id": e.event_id}
                                      for e in events])


def first_time(conn: Connection, table: Table, events: Sequence[RecordEvent]
               ) -> list[RecordEvent]:
    """The events not processed before, now marked processed, oldest first."""
    fresh = unseen(conn, table, events)
    mark_seen(conn, table, fresh)
    return sorted(fresh, key=lambda e: (e.occurred_at, e.court, e.event_id))
