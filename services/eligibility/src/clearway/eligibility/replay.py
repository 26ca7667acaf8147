"""Read court.records.v1 from the beginning, outside any consumer group, into the store."""
from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition

from clearway.common.events import RecordEvent
from clearway.common.kafka import PoisonMessage, decode, untrusted_source
from clearway.common.settings import KafkaSecurity, kafka_client_kwargs
from clearway.common.topics import RECORDS
from clearway.eligibility.store import EligibilityStore

QUIET_POLLS = 5  # empty polls in a row that mean "caught up" (LATEST offsets are unreliable)


async def read_topic_into(store: EligibilityStore, bootstrap_servers: str,
                          security: KafkaSecurity | None = None) -> int:
    """`security`: TLS and SASL settings (default: from the environment)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False,
                                group_id=None, auto_offset_reset="earliest",
                                **kafka_client_kwargs("aiokafka", security))
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(RECORDS) or set()
        consumer.assign([TopicPartition(RECORDS, p) for p in sorted(partitions)])
        await consumer.seek_to_beginning()
        loaded, quiet = 0, 0
        while quiet < QUIET_POLLS:
            batches = await consumer.getmany(timeout_ms=300, max_records=5000)
            if not batches:
                quiet += 1
                continue
            quiet = 0
            events = []
            for records in batches.values():
                for record in records:
                    if untrusted_source(record.topic, record.headers) is not None:
                        continue  # not ingest's: the live consumer dead-lettered it too
                    try:
                        event = decode(RecordEvent, record.value)
                    except PoisonMessage:
                        continue  # the live consumer already dead-lettered it
                    assert isinstance(event, RecordEvent)
                    events.append(event)
            loaded += await asyncio.to_thread(store.load_events, events)
        return loaded
    finally:
        await consumer.stop()
