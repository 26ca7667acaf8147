"""The ingest store: every accepted record event (the system of record) and the outbox
that publishes them to court.records.v1."""
from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import ValidationError
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError, OperationalError

from clearway.common.auth import api_keys_table
from clearway.common.dedupe import rows_by_key
from clearway.common.events import RecordEvent, sealed_counts
from clearway.common.migrations import Migrations
from clearway.common.outbox import OutboxMessage, add_to_outbox, outbox_table
from clearway.common.topics import RECORDS

metadata = MetaData()
# The store's schema migrations (Alembic, clearway/ingest/migrations/), run at start.
MIGRATIONS = Migrations("ingest", Path(__file__).with_name("migrations"), metadata)
outbox = outbox_table(metadata)
api_keys = api_keys_table(metadata)
records = Table(
    "records",
    metadata,
    Column("court", String(20), primary_key=True),
    Column("event_id", String(128), primary_key=True),
    Column("subject_id", String(64), nullable=False, index=True),
    Column("event_type", String(20), nullable=False),
    Column("payload_sha256", String(64), nullable=False),
    Column("outbox_id", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("accepted_at", Float, nullable=False),
)


Status = Literal["accepted", "duplicate", "conflict"]


@dataclass(frozen=True)
class Outcome:
    event_id: str
    court: str
    status: Status
    accepted_at: str

    def answer(self) -> dict[str, str]:
        return {"event_id": self.event_id, "court": self.court, "status": "accepted",
                "accepted_at": self.accepted_at}


@dataclass(frozen=True)
class Standing:
    event_id: str
    court: str
    subject_id: str
    event_type: str
    accepted_at: str
    published: bool
    partition: int | None
    offset: int | None


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat()


def _digest(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def in_utc(event: RecordEvent) -> RecordEvent:
    """The event with `occurred_at` in UTC: the same instant at another UTC offset is the
    same event (`2024-03-01T09:30:00-08:00` is `2024-03-01T17:30:00Z`), so it is stored,
    published and compared in one form."""
    at = event.occurred_at
    if at.tzinfo is dt.UTC:
        return event
    return event.model_copy(update={"occurred_at": at.astimezone(dt.UTC)})


def _payload_digest(event: RecordEvent) -> str:
    return _digest(event.__pydantic_serializer__.to_json(event))


class IngestStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        MIGRATIONS.ensure_current(engine)

    def accept(self, events: Sequence[RecordEvent]) -> list[Outcome]:
        """Commit new events and their outbox rows in one transaction; repeats of an
        event id answer as the original (or `conflict` when the content differs)."""
        for attempt in range(5):
            try:
                return self._accept(events)
            except IntegrityError:  # a concurrent request accepted one of them first
                if attempt == 4:
                    raise
            except OperationalError:  # a deadlock or lock timeout between writers: again
                if attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _accept(self, events: Sequence[RecordEvent]) -> list[Outcome]:
        now = time.time()
        events = [in_utc(e) for e in events]
        messages = [
            OutboxMessage.of(RECORDS, e.subject_id, e, source="clearway/ingest",
                             ce_id=f"{e.court}/{e.event_id}")
            for e in events
        ]
        with self.engine.begin() as conn:
            existing = {(r.court, r.event_id): r for r in rows_by_key(
                conn, records, {(e.court, e.event_id) for e in events},
                records.c.court, records.c.event_id, records.c.payload_sha256,
                records.c.accepted_at)}
            outcomes: list[Outcome] = []
            fresh: list[tuple[RecordEvent, OutboxMessage, str]] = []
            seen: dict[tuple[str, str], str] = {}
            status: Status
            for event, message in zip(events, messages, strict=True):
                key = (event.court, event.event_id)
                digest = _digest(message.value)
                prior = existing.get(key)
                if prior is not None:
                    same = prior.payload_sha256 == digest or self._same_as_stored(
                        conn, event.court, event.event_id, digest)
                    status = "duplicate" if same else "conflict"
                    outcomes.append(Outcome(event.event_id, event.court, status,
                                            _iso(prior.accepted_at)))
                elif key in seen:
                    status = "duplicate" if seen[key] == digest else "conflict"
                    outcomes.append(Outcome(event.event_id, event.court, status, _iso(now)))
                else:
                    seen[key] = digest
                    fresh.append((event, message, digest))
                    outcomes.append(Outcome(event.event_id, event.court, "accepted", _iso(now)))
            ids = add_to_outbox(conn, outbox, [m for _, m, _ in fresh], want_ids=True)
            if fresh:
                # In key order, so concurrent writers of overlapping batches take the index
                # locks in the same order (PostgreSQL) and do not deadlock.
                conn.execute(records.insert(), sorted((
                    {"court": e.court, "event_id": e.event_id, "subject_id": e.subject_id,
                     "event_type": e.event_type, "payload_sha256": d, "outbox_id": oid,
                     "accepted_at": now}
                    for (e, _, d), oid in zip(fresh, ids, strict=True)
                ), key=lambda r: (r["court"], r["event_id"])))
        return outcomes

    @staticmethod
    def _same_as_stored(conn: Connection, court: str, event_id: str, digest: str) -> bool:
        """Whether the stored event, in UTC, has this digest: an event accepted before
        `occurred_at` was kept in UTC has the digest of its offset's form, so a repeat
        (at that offset or another) is compared with the stored event itself."""
        value = conn.execute(
            select(outbox.c.value).join(records, outbox.c.id == records.c.outbox_id)
            .where(records.c.court == court, records.c.event_id == event_id)).scalar()
        if value is None:
            return False
        try:
            stored = in_utc(RecordEvent.model_validate_json(value))
        except ValidationError:
            return False
        return _payload_digest(stored) == digest

    def standing(self, event_id: str, courts: frozenset[str] | None,
                 hide_sealed: bool = False) -> list[Standing]:
        """Where the accepted events with this id stand; `hide_sealed` leaves out those of
        a case a court ordered dismissed and sealed (any count of it), and the orders."""
        stmt = (
            select(records, outbox.c.published_at, outbox.c.partition, outbox.c.offset)
            .join(outbox, outbox.c.id == records.c.outbox_id)
            .where(records.c.event_id == event_id)
        )
        if courts is not None:
            stmt = stmt.where(records.c.court.in_(courts))
        with self.engine.connect() as conn:
            found = [
                Standing(r.event_id, r.court, r.subject_id, r.event_type, _iso(r.accepted_at),
                         r.published_at is not None, r.partition, r.offset)
                for r in conn.execute(stmt)
            ]
            if hide_sealed:
                found = [s for s in found if not self._sealed(conn, s)]
        return found

    @staticmethod
    def _sealed(conn: Connection, standing: Standing) -> bool:
        """The event is about a case with a sealed count: read from the person's accepted
        events (kept in the outbox), a handful per person."""
        values = conn.execute(
            select(records.c.court, records.c.event_id, outbox.c.value)
            .join(outbox, outbox.c.id == records.c.outbox_id)
            .where(records.c.subject_id == standing.subject_id)).all()
        events = {(r.court, r.event_id): RecordEvent.model_validate_json(r.value)
                  for r in values}
        event = events[(standing.court, standing.event_id)]
        sealed = {(court, case) for court, case, _ in sealed_counts(events.values())}
        return (event.court, event.case_number) in sealed

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(records)).scalar_one())
