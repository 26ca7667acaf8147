"""The relay's takeover check over a broker that came back empty, whose outbox was not
republished: the offsets it stored are of the lost cluster (docs/reliability.md, section 7
item 9)."""
from __future__ import annotations

import asyncio
import time

from aiokafka.partitioner import DefaultPartitioner
from sqlalchemy import MetaData, update

from clearway.common.db import create_schema, make_engine
from clearway.common.kafka import make_producer
from clearway.common.outbox import OutboxMessage, add_to_outbox, drain_outbox, outbox_table
from tests.common.test_outbox import new_topic
from tests.common.test_republish import ce_ids_on


def test_a_takeover_finds_a_row_a_dead_relay_sent_when_the_stored_offsets_are_of_a_lost_cluster(
        database_url: str, kafka_bootstrap: str) -> None:
    topic = new_topic(kafka_bootstrap)  # 3 partitions, empty: the new cluster's
    engine = make_engine(database_url)
    table = outbox_table(MetaData())
    create_schema(engine, table.metadata)
    partition = DefaultPartitioner()(b"person-1", [0, 1, 2], [0, 1, 2])
    with engine.begin() as conn:
        old, sent = add_to_outbox(conn, table, [
            OutboxMessage(topic, "person-1", b"before the loss", [("ce_id", b"ce-old")]),
            OutboxMessage(topic, "person-1", b"after the loss", [("ce_id", b"ce-sent")]),
        ], want_ids=True)
        # published on the lost cluster, far beyond what the new partition holds
        conn.execute(update(table).where(table.c.id == old).values(
            published_at=time.time(), partition=partition, offset=500))

    async def dead_relay_sends_without_marking() -> None:
        producer = make_producer(kafka_bootstrap, "dead")
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"after the loss", key=b"person-1",
                                         headers=[("ce_id", b"ce-sent")])
        finally:
            await producer.stop()
        with engine.begin() as conn:  # it had claimed the row; its lease ran out
            conn.execute(update(table).where(table.c.id == sent).values(
                lease_owner="dead", lease_until=time.time() - 1))

    asyncio.run(dead_relay_sends_without_marking())
    published = asyncio.run(drain_outbox(engine, table, kafka_bootstrap, "survivor", timeout=30))
    assert published == 0 and ce_ids_on(kafka_bootstrap, topic) == ["ce-sent"], \
        "the row was published twice"
    with engine.connect() as conn:
        row = conn.execute(table.select().where(table.c.id == sent)).one()
    assert (row.partition, row.offset) == (partition, 0) and row.published_at is not None
