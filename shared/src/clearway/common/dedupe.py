"""Idempotent consumption of record events: the same court + event_id is one event
(contract section 2), however often the topic delivers it."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Column, Connection, MetaData, String, Table, select, tuple_

from clearway.common.events import RecordEvent

CHUNK = 400


def processed_events_table(metadata: MetaData) -> Table:
    return Table(
        "processed_events", metadata,
        Column("court", String(20), primary_key=True),
        Column("event_id", String(128), primary_key=True),
    )


def unseen(conn: Connection, table: Table, events: Sequence[RecordEvent]) -> list[RecordEvent]:
    """The events not processed before, each once, in the order given."""
    unique: dict[tuple[str, str], RecordEvent] = {}
    for event in events:
        unique.setdefault((event.court, event.event_id), event)
    keys = list(unique)
    for i in range(0, len(keys), CHUNK):
        done = conn.execute(select(table.c.court, table.c.event_id).where(
            tuple_(table.c.court, table.c.event_id).in_(keys[i:i + CHUNK])))
        for row in done:
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
