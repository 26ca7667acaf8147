"""The transactional outbox: a service writes the messages it must publish in the same
transaction as its state change; the relay publishes them and marks them published.

Several processes may share one store: each claims rows with a short lease, so a row is
published by one relay at a time and a dead relay's rows are taken over when the lease
runs out. A crash between send and mark re-sends (at-least-once; consumers dedupe).
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import orjson
from aiokafka import AIOKafkaProducer
from pydantic import BaseModel
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    func,
    or_,
    select,
    update,
)

from clearway.common import envelope, metrics

log = logging.getLogger(__name__)

LEASE_SECONDS = 30.0


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
               autoincrement=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=True),
        Column("value", LargeBinary, nullable=False),
        Column("headers", Text, nullable=False),
        Column("created_at", Float, nullable=False),
        Column("published_at", Float, nullable=True),
        Column("partition", Integer, nullable=True),
        Column("offset", BigInteger, nullable=True),
        Column("lease_owner", String(64), nullable=True),
        Column("lease_until", Float, nullable=True),
        Index("ix_outbox_unpublished", "published_at", "id"),
    )


@dataclass(frozen=True)
class OutboxMessage:
    topic: str
    key: str | None
    value: bytes
    headers: list[tuple[str, bytes]]

    @classmethod
    def of(
        cls,
        topic: str,
        key: str | None,
        model: BaseModel,
        *,
        source: str,
        ce_id: str | None = None,
        traceparent: str | None = None,
    ) -> OutboxMessage:
        value, headers = envelope.encode(model, source=source, ce_id=ce_id, traceparent=traceparent)
        return cls(topic, key, value, headers)

    def row(self, now: float) -> dict[str, object]:
        return {
            "topic": self.topic,
            "key": self.key,
            "value": self.value,
            "headers": orjson.dumps([[k, v.decode()] for k, v in self.headers]).decode(),
            "created_at": now,
        }


def add_to_outbox(conn: Connection, table: Table, messages: Sequence[OutboxMessage]) -> list[int]:
    """Insert messages; returns their outbox ids (in order)."""
    if not messages:
        return []
    now = time.time()
    result = conn.execute(
        table.insert().returning(table.c.id, sort_by_parameter_order=True),
        [m.row(now) for m in messages],
    )
    return [r[0] for r in result]


def outbox_depth(engine: Engine, table: Table) -> tuple[int, float | None]:
    with engine.connect() as conn:
        row = conn.execute(
            select(func.count(), func.min(table.c.created_at)).where(table.c.published_at.is_(None))
        ).one()
    count, oldest = row
    return int(count), (time.time() - oldest) if oldest else None


def republish_all(engine: Engine, table: Table, topic: str | None = None) -> int:
    """Mark rows unpublished so the relay sends them again (rebuilding a lost broker)."""
    stmt = update(table).values(published_at=None, lease_owner=None, lease_until=None,
                                partition=None, offset=None)
    if topic:
        stmt = stmt.where(table.c.topic == topic)
    with engine.begin() as conn:
        return conn.execute(stmt).rowcount


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        table: Table,
        producer: AIOKafkaProducer,
        batch_size: int = 2000,
        idle_wait: float = 0.2,
    ) -> None:
        self.engine = engine
        self.table = table
        self.producer = producer
        self.batch_size = batch_size
        self.idle_wait = idle_wait
        self.owner = uuid.uuid4().hex
        self._wake = asyncio.Event()
        self._stopping = False
        self.healthy = True
        self.last_error: str | None = None
        self.published = 0

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        delay = 0.2
        while not self._stopping:
            try:
                sent = await self.publish_once()
                self.healthy, self.last_error, delay = True, None, 0.2
            except Exception as exc:  # broker or database away: back off, keep the rows
                self.healthy, self.last_error = False, type(exc).__name__
                log.warning("outbox relay failed; retrying", extra={"error": type(exc).__name__,
                                                                     "retry_in_s": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            if sent == 0:
                try:
                    await asyncio.wait_for(self._wake.wait(), self.idle_wait)
                except TimeoutError:
                    pass
                self._wake.clear()

    async def drain(self, timeout: float = 10.0) -> None:
        """Publish until nothing is left or the time is up (clean shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if await self.publish_once() == 0:
                    return
            except Exception:
                await asyncio.sleep(0.2)

    async def publish_once(self) -> int:
        rows = await asyncio.to_thread(self._claim)
        if not rows:
            return 0
        futures = []
        for row in rows:
            headers = [(k, v.encode()) for k, v in orjson.loads(row.headers)]
            key = row.key.encode() if row.key is not None else None
            futures.append(await self.producer.send(row.topic, row.value, key=key, headers=headers))
        results = await asyncio.gather(*futures)
        done = [(row.id, meta.partition, meta.offset) for row, meta in zip(rows, results)]
        await asyncio.to_thread(self._mark_published, done)
        for row in rows:
            metrics.EVENTS_PRODUCED.labels(row.topic).inc()
        self.published += len(rows)
        return len(rows)

    def _claim(self) -> list:  # type: ignore[type-arg]
        t = self.table
        now = time.time()
        with self.engine.begin() as conn:
            candidates = select(t.c.id).where(
                and_(
                    t.c.published_at.is_(None),
                    or_(t.c.lease_until.is_(None), t.c.lease_until < now,
                        t.c.lease_owner == self.owner),
                )
            ).order_by(t.c.id).limit(self.batch_size)
            ids = [r[0] for r in conn.execute(candidates)]
            if not ids:
                return []
            conn.execute(
                update(t).where(t.c.id.in_(ids)).values(
                    lease_owner=self.owner, lease_until=now + LEASE_SECONDS
                )
            )
            return list(conn.execute(
                select(t.c.id, t.c.topic, t.c.key, t.c.value, t.c.headers)
                .where(t.c.id.in_(ids)).order_by(t.c.id)
            ))

    def _mark_published(self, done: Iterable[tuple[int, int, int]]) -> None:
        now = time.time()
        t = self.table
        with self.engine.begin() as conn:
            conn.execute(
                update(t).where(t.c.id == bindparam("rid")).values(
                    published_at=now, partition=bindparam("p"), offset=bindparam("o"), lease_until=None
                ),
                [{"rid": i, "p": p, "o": o} for i, p, o in done],
            )


async def drain_outbox(engine: Engine, table: Table, bootstrap_servers: str, client_id: str) -> int:
    """Publish every unpublished row now (operator commands: replay, recompute)."""
    from clearway.common.kafka import make_producer

    producer = make_producer(bootstrap_servers, client_id)
    await producer.start()
    try:
        relay = OutboxRelay(engine, table, producer)
        while True:
            if await relay.publish_once():
                continue
            if outbox_depth(engine, table)[0] == 0:
                return relay.published
            await asyncio.sleep(0.2)  # rows leased by a running service's relay
    finally:
        await producer.stop()
