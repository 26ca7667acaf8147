"""A running consumer's metadata refreshes never re-create the topics it consumes: after a
broker comes back empty, topics are provisioned by the operator with their partitions
(docs/reliability.md), not re-created by a consumer with the broker's default."""
from __future__ import annotations

import asyncio

from kafka.admin import KafkaAdminClient, NewTopic

from clearway.common.events import RecordEvent
from clearway.common.kafka import BatchConsumer, make_producer


async def test_a_running_consumer_does_not_re_create_a_topic_that_went_away(
        embedded_broker) -> None:  # type: ignore[no-untyped-def]
    bootstrap = embedded_broker.bootstrap_servers
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic("gone.v1", num_partitions=2, replication_factor=1)])

    async def handler(items: list) -> None:  # type: ignore[type-arg]
        return None

    producer = make_producer(bootstrap, "p-gone")
    await producer.start()
    consumer = BatchConsumer(bootstrap_servers=bootstrap, group_id="g-gone",
                             topics={"gone.v1": RecordEvent}, handler=handler,
                             producer=producer, client_id="c-gone")
    await consumer.start()
    task = asyncio.ensure_future(consumer.run())
    try:
        await asyncio.sleep(1.0)
        admin.delete_topics(["gone.v1"])
        for _ in range(3):  # the fetcher sees it gone and refreshes its metadata
            consumer.consumer._client.force_metadata_update()
            await asyncio.sleep(1.0)
        assert "gone.v1" not in admin.list_topics()
    finally:
        await consumer.stop()
        await asyncio.wait_for(task, 30)
        await producer.stop()
        admin.close()
