"""The outbox relay on SQLite and PostgreSQL over the broker."""
from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator

import orjson
from aiokafka import AIOKafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from sqlalchemy import Engine, MetaData, Table, select, update

from clearway.common.db import create_schema, make_engine
from clearway.common.kafka import make_producer
from clearway.common.outbox import (
    HandedRow,
    OutboxMessage,
    OutboxRelay,
    add_to_outbox,
    outbox_table,
)
from tests.e2e.topics import TopicReader


def new_topic(bootstrap: str) -> str:
    name = f"test.outbox.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(name, 3, 1)])
    admin.close()
    return name


def fresh_outbox(database_url: str, bootstrap: str) -> tuple[str, Engine, Table]:
    """A new topic, and an outbox table on the database under test."""
    engine = make_engine(database_url)
    table = outbox_table(MetaData())
    create_schema(engine, table.metadata)
    return new_topic(bootstrap), engine, table


@contextlib.asynccontextmanager
async def started_producer(bootstrap: str, name: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = make_producer(bootstrap, name)
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()


def messages(topic: str, n: int) -> list[OutboxMessage]:
    return [OutboxMessage(topic, f"k{i % 7}", f"v{i}".encode(), [("ce_id", f"id-{i}".encode())])
            for i in range(n)]


def read_all(bootstrap: str, topic: str, n: int) -> list[str]:
    reader = TopicReader(bootstrap, topic)
    try:
        reader.wait_for(lambda r: len(r.messages) >= n, timeout=30, settle=2.0)
        return [dict(m.headers)["ce_id"].decode() for m in reader.messages]
    finally:
        reader.close()


def test_the_relay_publishes_every_row_once_in_order_per_key(
        database_url: str, kafka_bootstrap: str) -> None:
    topic, engine, table = fresh_outbox(database_url, kafka_bootstrap)
    with engine.begin() as conn:
        add_to_outbox(conn, table, messages(topic, 50))

    async def publish() -> int:
        async with started_producer(kafka_bootstrap, "test") as producer:
            relay = OutboxRelay(engine, table, producer, bootstrap_servers=kafka_bootstrap)
            return await relay.publish_once() + await relay.publish_once()

    assert asyncio.run(publish()) == 50
    ids = read_all(kafka_bootstrap, topic, 50)
    assert sorted(ids) == sorted(f"id-{i}" for i in range(50))
    for key in range(7):
        mine = [int(i.split("-")[1]) for i in ids if int(i.split("-")[1]) % 7 == key]
        assert mine == sorted(mine)


def test_each_row_records_where_its_message_landed_when_batches_fill_up(
        database_url: str, kafka_bootstrap: str) -> None:
    """Rows go out as one record batch per partition; a full batch (128 KiB) is sent and a
    new one started. Each row must still be marked with its own message's partition and
    offset, on the partition aiokafka's own `send` picks for the key."""
    topic, engine, table = fresh_outbox(database_url, kafka_bootstrap)
    rows = [OutboxMessage(topic, f"subject-{i % 11}", f"v{i}:".encode() + b"x" * 3000,
                          [("ce_id", f"id-{i}".encode())]) for i in range(240)]
    with engine.begin() as conn:
        add_to_outbox(conn, table, rows)

    async def publish() -> tuple[int, dict[str, int]]:
        async with started_producer(kafka_bootstrap, "test") as producer:
            relay = OutboxRelay(engine, table, producer, bootstrap_servers=kafka_bootstrap)
            sent = await relay.publish_once()
            by_send, probe = {}, new_topic(kafka_bootstrap)
            for k in range(11):  # where the per-message path puts each key
                ack = await (await producer.send(probe, b"probe", key=f"subject-{k}".encode()))
                by_send[f"subject-{k}"] = ack.partition
            return sent, by_send

    sent, partition_by_send = asyncio.run(publish())
    assert sent == 240
    reader = TopicReader(kafka_bootstrap, topic)
    try:
        reader.wait_for(lambda r: len(r.messages) >= 240, timeout=30, settle=1.0)
        landed = {dict(m.headers)["ce_id"].decode(): (m.partition, m.offset, m.key.decode())
                  for m in reader.messages}
    finally:
        reader.close()
    assert len(reader.messages) == 240
    with engine.connect() as conn:
        marked = {dict(orjson.loads(r.headers))["ce_id"]: (r.partition, r.offset)
                  for r in conn.execute(table.select())}
    assert marked == {ce_id: (p, o) for ce_id, (p, o, _) in landed.items()}
    assert all(p == partition_by_send[key] for p, _, key in landed.values())
    per_partition = Counter(p for p, _, _ in landed.values())
    assert max(per_partition.values()) * 3000 > 128 * 1024, "no partition filled a batch"


def test_a_takeover_does_not_republish_what_a_dead_relay_sent_but_never_marked(
        database_url: str, kafka_bootstrap: str) -> None:
    topic, engine, table = fresh_outbox(database_url, kafka_bootstrap)
    with engine.begin() as conn:
        add_to_outbox(conn, table, messages(topic, 20))

    async def dead_relay_sends_without_marking() -> None:
        async with started_producer(kafka_bootstrap, "dead") as producer:
            relay = OutboxRelay(engine, table, producer, batch_size=12)
            rows = await asyncio.to_thread(relay._claim)
            futures = [await producer.send(r.topic, r.value, key=r.key.encode(),
                                           headers=[("ce_id", dict(
                                               orjson.loads(r.headers))["ce_id"]
                                                     .encode())]) for r in rows]
            await asyncio.gather(*futures)  # sent, then "killed" before marking

    async def survivor_takes_over() -> int:
        with engine.begin() as conn:  # the dead relay's lease runs out
            conn.execute(update(table).values(lease_until=time.time() - 1))
        async with started_producer(kafka_bootstrap, "survivor") as producer:
            relay = OutboxRelay(engine, table, producer, bootstrap_servers=kafka_bootstrap)
            total = 0
            while (n := await relay.publish_once()):
                total += n
            return total

    asyncio.run(dead_relay_sends_without_marking())
    assert asyncio.run(survivor_takes_over()) == 20
    ids = read_all(kafka_bootstrap, topic, 20)
    assert sorted(ids) == sorted(f"id-{i}" for i in range(20)), "a row was published twice"


def _write_leased(engine, table, relay: OutboxRelay, batch: list[OutboxMessage]):  # type: ignore[no-untyped-def]
    lease = relay.lease()
    with engine.begin() as conn:
        ids = add_to_outbox(conn, table, batch, lease=lease)
    return ids, HandedRow.rows(ids, batch, lease)


def test_rows_written_leased_are_claimed_by_no_one_and_sent_from_memory_once_handed_over(
        database_url: str, kafka_bootstrap: str) -> None:
    topic, engine, table = fresh_outbox(database_url, kafka_bootstrap)
    with engine.begin() as conn:
        add_to_outbox(conn, table, messages(topic, 3))  # rows before, not leased

    async def run() -> tuple[list[int], int, int, int]:
        async with started_producer(kafka_bootstrap, "test") as producer:
            relay = OutboxRelay(engine, table, producer, bootstrap_servers=kafka_bootstrap)
            other = OutboxRelay(engine, table, producer, bootstrap_servers=kafka_bootstrap)
            ids, handed = _write_leased(engine, table, relay, messages(topic, 1200)[3:])
            claimed_by_other = len(await asyncio.to_thread(other._claim))  # the 3 before
            relay.hand_over(handed)
            return ids, claimed_by_other, await relay.publish_once(), await relay.publish_once()

    ids, claimed_by_other, first, second = asyncio.run(run())
    with engine.connect() as conn:
        stored = conn.execute(select(table.c.id, table.c.headers, table.c.published_at,
                                     table.c.offset).order_by(table.c.id)).all()
    assert claimed_by_other == 3
    assert ids == [r.id for r in stored[3:]]
    assert [dict(orjson.loads(r.headers))["ce_id"] for r in stored[3:]] == [
        f"id-{i}" for i in range(3, 1200)]
    assert (first, second) == (1197, 0)
    assert all(r.published_at is not None and r.offset is not None for r in stored[3:])
    assert sorted(read_all(kafka_bootstrap, topic, 1197)) == sorted(
        f"id-{i}" for i in range(3, 1200))


def test_handed_rows_far_behind_are_leased_again_unless_another_relay_took_them_over(
        database_url: str, kafka_bootstrap: str) -> None:
    topic, engine, table = fresh_outbox(database_url, kafka_bootstrap)

    async def run() -> tuple[int, int, int]:
        async with started_producer(kafka_bootstrap, "test") as producer:
            relay = OutboxRelay(engine, table, producer, bootstrap_servers=kafka_bootstrap,
                                lease_seconds=1.0)
            heir = OutboxRelay(engine, table, producer, bootstrap_servers=kafka_bootstrap)
            _, slow = _write_leased(engine, table, relay, messages(topic, 10))
            await asyncio.sleep(0.6)  # more than half the lease gone: renewed, then sent
            relay.hand_over(slow)
            renewed = await relay.publish_once()
            _, lost = _write_leased(engine, table, relay, messages(topic, 15)[10:])
            await asyncio.sleep(1.1)  # the lease ran out and another relay took the rows
            taken = len(await asyncio.to_thread(heir._claim))
            relay.hand_over(lost)
            return renewed, taken, await relay.publish_once()

    assert asyncio.run(run()) == (10, 5, 0)
    assert sorted(read_all(kafka_bootstrap, topic, 10)) == sorted(f"id-{i}" for i in range(10))
