"""The transactional outbox: a service writes the messages it must publish in the same
transaction as its state change; the relay publishes them and marks them published.

Several processes may share one store: each claims rows with a short lease, so a row is
published by one relay at a time and a dead relay's rows are taken over when the lease
runs out. A crash between send and mark re-sends (at-least-once; consumers dedupe).
"""
from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import functools
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.partitioner import DefaultPartitioner, murmur2
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
    func,
    or_,
    select,
    update,
)

from clearway.common import envelope, metrics, tracing
from clearway.common.db import insert_rows, reading, update_rows
from clearway.common.settings import KafkaSecurity, kafka_client_kwargs

log = logging.getLogger(__name__)

LEASE_SECONDS = 15.0
# Ids bound in one statement: well under SQLite's limit of 32,766 parameters.
_IDS_PER_STATEMENT = 10_000


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
        time: dt.datetime | None = None,
    ) -> OutboxMessage:
        value, headers = envelope.encode(model, source=source, ce_id=ce_id,
                                         traceparent=traceparent, time=time)
        return cls(topic, key, value, headers)

    @functools.cached_property
    def headers_json(self) -> str:
        """The headers as the outbox row keeps them."""
        return orjson.dumps([[k, v.decode()] for k, v in self.headers]).decode()

    def values(self, now: float) -> tuple[object, ...]:
        """The row's values, in the order of ROW_COLUMNS."""
        return (self.topic, self.key, self.value, self.headers_json, now)


ROW_COLUMNS = ("topic", "key", "value", "headers", "created_at")
_LEASED_COLUMNS = ROW_COLUMNS + ("lease_owner", "lease_until")


@dataclass(frozen=True)
class Lease:
    """A relay's lease for rows its own process writes (`OutboxRelay.lease`): they are
    inserted already leased and handed to the relay after the commit, which sends them
    from memory, without a claim (a read, and an UPDATE of each row under the write lock)."""

    owner: str
    until: float


class HandedRow(NamedTuple):
    """A row handed to its relay; the fields a claim reads. `lease_owner` is the owner
    before this relay, as for a claimed row: none (the row is no orphan)."""

    id: int
    topic: str
    key: str | None
    value: bytes
    headers: str
    lease_owner: str | None
    lease_until: float

    @classmethod
    def rows(cls, ids: Sequence[int], messages: Sequence[OutboxMessage], lease: Lease
             ) -> list[HandedRow]:
        """The rows `add_to_outbox(..., lease=lease)` inserted, once committed."""
        return [cls(i, m.topic, m.key, m.value, m.headers_json, None, lease.until)
                for i, m in zip(ids, messages, strict=True)]


def add_to_outbox(conn: Connection, table: Table, messages: Sequence[OutboxMessage],
                  want_ids: bool = False, lease: Lease | None = None) -> list[int]:
    """Insert messages; with `want_ids` or a `lease`, return their outbox ids in order.
    With a lease the rows are inserted leased: hand them to the relay only once the
    transaction has committed (`HandedRow.rows`)."""
    if not messages:
        return []
    now = time.time()
    columns: tuple[str, ...] = ROW_COLUMNS
    rows = [m.values(now) for m in messages]
    if lease is not None:
        columns = _LEASED_COLUMNS
        rows = [row + (lease.owner, lease.until) for row in rows]
    if not want_ids and lease is None:
        insert_rows(conn, table, columns, rows)
        return []
    if conn.dialect.name == "sqlite":
        # One writer at a time, and no AUTOINCREMENT: each new row gets the largest rowid
        # plus one, so a transaction's rows take consecutive ids ending at the last one.
        # (RETURNING in parameter order costs one statement per row on SQLite.)
        insert_rows(conn, table, columns, rows)
        last = conn.exec_driver_sql("SELECT last_insert_rowid()").scalar_one()
        return list(range(last - len(rows) + 1, last + 1))
    result = conn.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True),
                          [dict(zip(columns, row, strict=True)) for row in rows])
    return [r[0] for r in result]


_PARTITIONER = DefaultPartitioner()


def _partition_of(key: str | None, partitions: list[int]) -> int:
    """The partition aiokafka's default partitioner gives `key` (murmur2, as Kafka's Java
    client), so a key's records stay in order on one partition whoever produced them."""
    if key is None:
        return _PARTITIONER(None, partitions, partitions)
    return partitions[_key_hash(key) % len(partitions)]


@functools.lru_cache(maxsize=65_536)
def _key_hash(key: str) -> int:
    # murmur2 is pure Python (3 us a key); a person's several messages hash once.
    return murmur2(key.encode()) & 0x7FFFFFFF


async def _scan_for(bootstrap: str, wanted: dict[tuple[str, int], dict[str, int]],
                    starts: dict[tuple[str, int], int],
                    security: KafkaSecurity | None = None) -> dict[int, tuple[int, int, int]]:
    """Read each partition from its start to the fetch high watermark; the rows whose ce_id
    is there, as (row id, partition, offset).

    A start outside the partition's offsets (past its high watermark, or before its first
    offset) is not of this partition's log: offsets of a cluster that lost its data (an
    outbox not republished since), or records removed by retention. Such a partition is
    read from its beginning, so a row sent to the new cluster is not missed."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest",
                                **kafka_client_kwargs("aiokafka", security))
    await consumer.start()
    found: dict[int, tuple[int, int, int]] = {}
    try:
        tps = [TopicPartition(topic, partition) for topic, partition in wanted]
        consumer.assign(tps)
        firsts = await consumer.beginning_offsets(tps)
        ends = await consumer.end_offsets(tps)
        for tp in tps:
            start = starts[(tp.topic, tp.partition)]
            if not firsts[tp] <= start <= ends[tp]:
                log.info("outbox takeover scan: stored offset outside the partition; "
                         "reading it from the beginning",
                         extra={"topic": tp.topic, "partition": tp.partition, "start": start,
                                "beginning": firsts[tp], "end": ends[tp]})
                start = firsts[tp]
            consumer.seek(tp, start)
        pending = set(tps)
        idle = 0
        while pending and idle < 10:
            batches = await consumer.getmany(*pending, timeout_ms=300, max_records=5000)
            idle = 0 if batches else idle + 1
            for tp, records in batches.items():
                ids = wanted[(tp.topic, tp.partition)]
                for r in records:
                    ce_id = next((v.decode() for k, v in r.headers or () if k == "ce_id"), None)
                    if ce_id in ids:
                        found[ids[ce_id]] = (ids[ce_id], tp.partition, r.offset)
            for tp in list(pending):
                highwater = consumer.highwater(tp)
                if highwater is not None and await consumer.position(tp) >= highwater:
                    pending.discard(tp)
    finally:
        await consumer.stop()
    return found


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


class TopicsMissing(RuntimeError):
    """The cluster lacks a topic the outbox publishes to (a broker that restarted empty):
    producing would auto-create it with the broker's defaults, so the rows wait."""

    def __init__(self, topics: set[str]) -> None:
        super().__init__("topics missing: " + ", ".join(sorted(topics)))
        self.topics = sorted(topics)


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        table: Table,
        producer: AIOKafkaProducer,
        batch_size: int = 2000,
        idle_wait: float = 0.2,
        bootstrap_servers: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        max_backoff: float = 2.0,
        security: KafkaSecurity | None = None,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.security = security  # for the takeover scan's consumer (None: the environment)
        self.engine = engine
        self.table = table
        self.producer = producer
        self.batch_size = batch_size
        self.idle_wait = idle_wait
        self.lease_seconds = lease_seconds
        self.max_backoff = max_backoff
        self.owner = uuid.uuid4().hex
        self._wake = asyncio.Event()
        self._stop_requested = asyncio.Event()
        self._stopping = False
        self._loop_done = asyncio.Event()
        self._loop_done.set()
        self.healthy = True
        self.last_error: str | None = None
        self.missing_topics: list[str] = []
        self.published = 0
        self._handed: collections.deque[HandedRow] = collections.deque()

    def wake(self) -> None:
        self._wake.set()

    def lease(self) -> Lease:
        """A lease for rows this process is about to write (`add_to_outbox`), to be handed
        to this relay once committed."""
        return Lease(self.owner, time.time() + self.lease_seconds)

    def hand_over(self, rows: Iterable[HandedRow]) -> None:
        """Committed rows leased to this relay (`lease`): it sends them next, from memory."""
        self._handed.extend(rows)
        self._wake.set()

    async def _take_handed(self) -> list[HandedRow]:
        """Up to a batch of the rows handed over, oldest first. When the oldest has used
        more than half its lease (a relay far behind), the batch's leases are renewed
        first; a row whose lease ran out and another relay claimed is left to it."""
        rows: list[HandedRow] = []
        while self._handed and len(rows) < self.batch_size:
            rows.append(self._handed.popleft())
        if rows and rows[0].lease_until - time.time() < self.lease_seconds / 2:
            held = await asyncio.to_thread(self._lease, [row.id for row in rows], time.time(),
                                           True)
            rows = [row for row in rows if row.id in held]
        return rows

    def stop(self) -> None:
        self._stopping = True
        self._stop_requested.set()
        self._wake.set()

    async def run(self) -> None:
        self._loop_done.clear()
        try:
            await self._run()
        finally:
            self._loop_done.set()

    async def _run(self) -> None:
        delay = 0.2
        while not self._stopping:
            try:
                sent = await self.publish_once()
                self.healthy, self.last_error, delay = True, None, 0.2
                self.missing_topics = []
            except Exception as exc:  # broker, topics or database away: keep the rows
                self.healthy, self.last_error = False, type(exc).__name__
                extra: dict[str, object] = {"error": type(exc).__name__, "retry_in_s": delay}
                if isinstance(exc, TopicsMissing):
                    self.missing_topics = extra["missing_topics"] = exc.topics  # type: ignore[assignment]
                log.warning("outbox relay could not publish; retrying", extra=extra)
                with contextlib.suppress(TimeoutError):  # a stop cuts the back-off short
                    await asyncio.wait_for(self._stop_requested.wait(), delay)
                delay = min(delay * 2, self.max_backoff)
                continue
            if sent == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.idle_wait)
                self._wake.clear()

    async def drain(self, timeout: float = 10.0) -> None:
        """Stop the loop, then publish until nothing is left or the time is up (clean
        shutdown; the loop and the drain never publish side by side)."""
        deadline = time.monotonic() + timeout
        self.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._loop_done.wait(), timeout)
        while time.monotonic() < deadline:
            try:
                if await self.publish_once() == 0:
                    return
            except Exception:
                await asyncio.sleep(0.2)

    async def publish_once(self) -> int:
        # Claimable rows first: they are older than any handed over (a key's messages
        # keep their order) and are few (a dead relay's, or what others wrote).
        rows = await asyncio.to_thread(self._claim) or await self._take_handed()
        if not rows:
            return 0
        try:
            await self._require_topics({row.topic for row in rows})
        except BaseException:
            await asyncio.to_thread(self._release, [row.id for row in rows], False)
            raise
        recovered = 0
        # A row some relay claimed before and never marked may be on the topic already:
        # one that died after sending, or an earlier attempt whose acknowledgement was lost.
        orphans = [row for row in rows if row.lease_owner is not None]
        if orphans:
            found = await self._already_on_topic(orphans)
            if found:
                await asyncio.to_thread(self._mark_published, list(found.values()))
                rows = [row for row in rows if row.id not in found]
                recovered = len(found)
                if not rows:
                    return recovered
        try:
            if tracing.tracer is None:
                results = await self._send(rows)
            else:
                with tracing.published_batch([row.topic for row in rows], len(rows)):
                    results = await self._send(rows)
        except BaseException:
            # Nothing acknowledged: give the rows back so a retry need not wait for the lease.
            await asyncio.to_thread(self._release, [row.id for row in rows], True)
            raise
        done: list[tuple[int, int, int]] = []
        failed: list[int] = []
        sent_per_topic: Counter[str] = Counter()
        for row, placed in zip(rows, results, strict=True):
            if isinstance(placed, BaseException):
                failed.append(row.id)
            else:
                done.append((row.id, *placed))
                sent_per_topic[row.topic] += 1
        if done:  # what the broker acknowledged is published, whatever else failed
            await asyncio.to_thread(self._mark_published, done)
        for topic, sent in sent_per_topic.items():
            metrics.EVENTS_PRODUCED.labels(topic).inc(sent)
        self.published += len(done)
        if failed:
            await asyncio.to_thread(self._release, failed, True)
            raise next(p for p in results if isinstance(p, BaseException))
        return len(done) + recovered

    async def _send(self, rows: list) -> list[tuple[int, int] | BaseException]:  # type: ignore[type-arg]
        """Send rows as one record batch per partition, in row order within each; for each
        row, (partition, offset) or the error that stopped its batch.

        One future per batch rather than per message: aiokafka's per-message `send` (a
        future, a partitioner call and a gather callback for each) was half of a relay's
        time (bench/README.md)."""
        partitions = {topic: sorted(await self.producer.partitions_for(topic))
                      for topic in {row.topic for row in rows}}
        members_of: dict[tuple[str, int], list[int]] = {}
        for i, row in enumerate(rows):
            members_of.setdefault((row.topic, _partition_of(row.key, partitions[row.topic])),
                                  []).append(i)
        sent: list[tuple[asyncio.Future, int, list[int]]] = []  # type: ignore[type-arg]
        for (topic, partition), indices in members_of.items():
            batch = self.producer.create_batch()
            members: list[int] = []
            for i in indices:
                row = rows[i]
                key = row.key.encode() if row.key is not None else None
                headers = [(k, v.encode()) for k, v in orjson.loads(row.headers)]
                if batch.append(key=key, value=row.value, timestamp=None, headers=headers) is None:
                    # Full: send it and start the next (an empty batch takes any record).
                    sent.append((await self.producer.send_batch(batch, topic, partition=partition),
                                 partition, members))
                    batch, members = self.producer.create_batch(), []
                    batch.append(key=key, value=row.value, timestamp=None, headers=headers)
                members.append(i)
            sent.append((await self.producer.send_batch(batch, topic, partition=partition),
                         partition, members))
        acks = await asyncio.gather(*(future for future, _, _ in sent), return_exceptions=True)
        placed: dict[int, tuple[int, int] | BaseException] = {}
        for (_, partition, members), ack in zip(sent, acks, strict=True):
            for position, i in enumerate(members):
                # A batch's records take consecutive offsets from the one acknowledged.
                placed[i] = ack if isinstance(ack, BaseException) else (partition,
                                                                        ack.offset + position)
        return [placed[i] for i in range(len(rows))]

    async def _require_topics(self, topics: set[str]) -> None:
        # A metadata request for all topics creates nothing (one naming a topic may).
        cluster = await self.producer.client.fetch_all_metadata()
        missing = topics - set(cluster.topics())
        if missing:
            raise TopicsMissing(missing)

    def _claim(self) -> list:  # type: ignore[type-arg]
        """Lease up to `batch_size` unpublished rows to this relay, oldest first.

        The rows are read on a snapshot, outside the write lock; the lock is held for one
        UPDATE of their leases, and not at all when nothing is claimable. Claiming under
        the lock, and taking it for every look that found nothing, kept two eligibility
        workers waiting for each other (bench/README.md). A row another relay leased or
        published since the read is left to it. If others took every row read, the next
        ones are read again."""
        for _ in range(3):
            now = time.time()
            with reading(self.engine) as conn:
                rows = list(conn.execute(
                    select(*self._columns).where(self._claimable(now))
                    .order_by(self.table.c.id).limit(self.batch_size)))
            if not rows:
                return []
            leased = self._lease([row.id for row in rows], now)
            if leased == {row.id for row in rows}:
                return rows
            if leased:
                return [row for row in rows if row.id in leased]
        return []

    def _lease(self, ids: list[int], now: float, renew: bool = False) -> set[int]:
        """Lease those of `ids` still claimable (with `renew`, also those this relay holds);
        the ids this relay now holds.

        SKIP LOCKED: on PostgreSQL, rows another relay is claiming at this moment are left
        to it rather than waited for (SQLite serialises writers and ignores it)."""
        t = self.table
        until = now + self.lease_seconds
        free = self._claimable(now)
        if renew:
            free = or_(free, and_(t.c.published_at.is_(None), t.c.lease_owner == self.owner))
        with self.engine.begin() as conn:
            leased = 0
            for i in range(0, len(ids), _IDS_PER_STATEMENT):
                chunk = ids[i:i + _IDS_PER_STATEMENT]
                rows = select(t.c.id).where(t.c.id.in_(chunk), free).with_for_update(
                    skip_locked=True)
                leased += conn.execute(update(t).where(t.c.id.in_(rows)).values(
                    lease_owner=self.owner, lease_until=until)).rowcount
            if leased == len(ids):
                return set(ids)
            return set(conn.scalars(select(t.c.id).where(
                t.c.id.in_(ids), t.c.lease_owner == self.owner, t.c.lease_until == until)))

    @property
    def _columns(self) -> list:  # type: ignore[type-arg]
        t = self.table
        return [t.c.id, t.c.topic, t.c.key, t.c.value, t.c.headers, t.c.lease_owner]

    def _claimable(self, now: float):  # type: ignore[no-untyped-def]
        t = self.table
        return and_(t.c.published_at.is_(None),
                    or_(t.c.lease_until.is_(None), t.c.lease_until < now))

    async def _already_on_topic(self, orphans: list) -> dict[int, tuple[int, int, int]]:  # type: ignore[type-arg]
        """Rows another relay leased and never marked: it may have died after sending them.
        Look for their ce_id on the partition after the last offset known published before
        them, so a takeover does not publish a second copy."""
        wanted: dict[tuple[str, int], dict[str, int]] = {}
        for row in orphans:
            partitions = self.producer.client.cluster.partitions_for_topic(row.topic)
            if not partitions or row.key is None:
                continue
            partition = _partition_of(row.key, sorted(partitions))
            ce_id = dict(orjson.loads(row.headers)).get("ce_id")
            if ce_id:
                wanted.setdefault((row.topic, partition), {})[ce_id] = row.id
        if not wanted or not self.bootstrap_servers:
            return {}
        starts = await asyncio.to_thread(self._known_offsets, wanted, min(r.id for r in orphans))
        return await _scan_for(self.bootstrap_servers, wanted, starts, self.security)

    def _known_offsets(self, wanted: dict[tuple[str, int], dict[str, int]],
                       before_id: int) -> dict[tuple[str, int], int]:
        t = self.table
        starts = {}
        with self.engine.connect() as conn:
            for topic, partition in wanted:
                last = conn.execute(select(func.max(t.c.offset)).where(
                    t.c.topic == topic, t.c.partition == partition, t.c.id < before_id,
                    t.c.published_at.is_not(None))).scalar()
                starts[(topic, partition)] = (last + 1) if last is not None else 0
        return starts

    def _release(self, ids: list[int], maybe_sent: bool) -> None:
        """Give claimed rows back. Rows that may have reached the broker keep their owner,
        so whoever claims them next looks for them on the topic first."""
        values: dict[str, object] = {"lease_until": None}
        if not maybe_sent:
            values["lease_owner"] = None
        with contextlib.suppress(Exception), self.engine.begin() as conn:
            conn.execute(update(self.table).where(
                self.table.c.id.in_(ids), self.table.c.lease_owner == self.owner,
                self.table.c.published_at.is_(None)).values(**values))

    def _mark_published(self, done: Iterable[tuple[int, int, int]]) -> None:
        now = time.time()
        with self.engine.begin() as conn:
            update_rows(conn, self.table, ("published_at", "partition", "offset", "lease_until"),
                        "id", [(now, p, o, None, i) for i, p, o in done])


async def drain_outbox(engine: Engine, table: Table, bootstrap_servers: str, client_id: str,
                       timeout: float | None = None,
                       progress: Callable[[int, int], None] | None = None,
                       security: KafkaSecurity | None = None) -> int:
    """Publish every unpublished row now (operator commands: replay, republish, recompute);
    waits for rows a running service's relay holds. Returns how many rows this call
    published. `progress(published by this call, rows still unpublished)` is called after
    each batch and while waiting for other relays. `security`: TLS and SASL (default: from
    the environment)."""
    from clearway.common.kafka import make_producer

    producer = make_producer(bootstrap_servers, client_id, security)
    await producer.start()
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        relay = OutboxRelay(engine, table, producer, bootstrap_servers=bootstrap_servers,
                            security=security)
        delay = 0.2
        while deadline is None or time.monotonic() < deadline:
            try:
                sent = await relay.publish_once()
            except Exception as exc:
                log.warning("could not publish; retrying", extra={"error": type(exc).__name__})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            delay = 0.2
            if sent and progress is None:
                continue  # more rows may be claimable: count them once none was
            left = (await asyncio.to_thread(outbox_depth, engine, table))[0]
            if progress is not None:
                progress(relay.published, left)
            if not sent:
                if left == 0:
                    return relay.published
                await asyncio.sleep(0.2)  # rows another relay holds
        raise TimeoutError("rows still unpublished when the time ran out")
    finally:
        await producer.stop()
