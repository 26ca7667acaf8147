"""The outbox relay on SQLite and PostgreSQL over the broker."""
from __future__ import annotations

import asyncio
import time
import uuid

from kafka.admin import KafkaAdminClient, NewTopic
from sqlalchemy import MetaData, update

from clearway.common.db import create_schema, make_engine
from clearway.common.kafka import make_producer
from clearway.common.outbox import OutboxMessage, OutboxRelay, add_to_outbox, outbox_table
from tests.e2e.topics import TopicReader


def new_topic(bootstrap: str) -> str:
    name = f"test.outbox.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(name, 3, 1)])
    admin.close()
    return name


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
    topic = new_topic(kafka_bootstrap)
    engine = make_engine(database_url)
    table = outbox_table(MetaData())
    create_schema(engine, table.metadata)
    with engine.begin() as conn:
        add_to_outbox(conn, table, messages(topic, 50))

    async def publish() -> int:
        producer = make_producer(kafka_bootstrap, "test")
        await producer.start()
        try:
            relay = OutboxRelay(engine, table, producer, bootstrap_servers=kafka_bootstrap)
            return await relay.publish_once() + await relay.publish_once()
        finally:
            await producer.stop()

    assert asyncio.run(publish()) == 50
    ids = read_all(kafka_bootstrap, topic, 50)
    assert sorted(ids) == sorted(f"id-{i}" for i in range(50))
    for key in range(7):
        mine = [int(i.split("-")[1]) for i in ids if int(i.split("-")[1]) % 7 == key]
        assert mine == sorted(mine)


def test_a_takeover_does_not_republish_what_a_dead_relay_sent_but_never_marked(
        database_url: str, kafka_bootstrap: str) -> None:
    topic = new_topic(kafka_bootstrap)
    engine = make_engine(database_url)
    table = outbox_table(MetaData())
    create_schema(engine, table.metadata)
    with engine.begin() as conn:
        add_to_outbox(conn, table, messages(topic, 20))

    async def dead_relay_sends_without_marking() -> None:
        producer = make_producer(kafka_bootstrap, "dead")
        await producer.start()
        try:
            relay = OutboxRelay(engine, table, producer, batch_size=12)
            rows = await asyncio.to_thread(relay._claim)
            futures = [await producer.send(r.topic, r.value, key=r.key.encode(),
                                           headers=[("ce_id", dict(
                                               __import__("orjson").loads(r.headers))["ce_id"]
                                                     .encode())]) for r in rows]
            await asyncio.gather(*futures)  # sent, then "killed" before marking
        finally:
            await producer.stop()

    async def survivor_takes_over() -> int:
        with engine.begin() as conn:  # the dead relay's lease runs out
            conn.execute(update(table).values(lease_until=time.time() - 1))
        producer = make_producer(kafka_bootstrap, "survivor")
        await producer.start()
        try:
            relay = OutboxRelay(engine, table, producer, bootstrap_servers=kafka_bootstrap)
            total = 0
            while (n := await relay.publish_once()):
                total += n
            return total
        finally:
            await producer.stop()

    asyncio.run(dead_relay_sends_without_marking())
    assert asyncio.run(survivor_takes_over()) == 20
    ids = read_all(kafka_bootstrap, topic, 20)
    assert sorted(ids) == sorted(f"id-{i}" for i in range(20)), "a row was published twice"
