"""Messages are trusted only from their topic's writer: a consumer refuses a record whose
CloudEvents `ce_source` is not the writer of its topic (contract section 1), sends it to the
topic's dead-letter topic with a clear error and counts it.

(Without broker ACLs this stops mistakes and careless tools, not an attacker who sets the
header: docs/security.md.)"""
from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from prometheus_client import REGISTRY

from clearway.common.asyncapi import MESSAGES
from clearway.common.broker import EmbeddedBroker
from clearway.common.envelope import encode
from clearway.common.events import RecordEvent
from clearway.common.kafka import BatchConsumer, Incoming, make_producer, untrusted_source
from clearway.common.topics import (
    DECISIONS,
    DELIVERIES,
    MAIN_TOPICS,
    MOTIONS,
    RECORDS,
    WRITERS,
    dlq,
    provision_topics,
    writer,
)

ROOT = Path(__file__).resolve().parents[2]


def court_order(subject_id: str) -> RecordEvent:
    return RecordEvent.model_validate({
        "event_id": f"ord-{uuid.uuid4().hex[:10]}", "event_type": "court_order",
        "court": "CA-SF", "occurred_at": "2024-06-02T10:00:00Z",
        "subject": {"subject_id": subject_id},
        "order": {"case_number": "SF123456", "count": 1, "outcome": "granted",
                  "relief": "dismiss_and_seal", "order_date": "2024-06-01"}})


def test_each_topic_is_written_by_the_service_the_contract_names() -> None:
    assert WRITERS == {RECORDS: "clearway/ingest", DECISIONS: "clearway/eligibility",
                       MOTIONS: "clearway/filing", DELIVERIES: "clearway/notify"}
    assert set(WRITERS) == set(MAIN_TOPICS)


def test_the_published_asyncapi_document_declares_the_same_writers() -> None:
    assert {(m.topic, m.source) for m in MESSAGES} == set(WRITERS.items())


@pytest.mark.parametrize("service, topic", [("ingest", RECORDS), ("eligibility", DECISIONS),
                                            ("filing", MOTIONS), ("notify", DELIVERIES)])
def test_each_service_puts_its_topics_writer_on_what_it_publishes(service: str,
                                                                   topic: str) -> None:
    store = (ROOT / "services" / service / "src" / "clearway" / service / "store.py").read_text(
        encoding="utf-8")
    assert f'"{WRITERS[topic]}"' in store or "writer(" in store or "WRITERS[" in store


@pytest.mark.parametrize("headers, shown", [
    ([("ce_source", b"clearway/attacker")], "'clearway/attacker'"),
    ([("ce_source", b"clearway/eligibility")], "'clearway/eligibility'"),
    ([("ce_source", b"")], "missing"),
    ([], "missing"),
    ([("ce_source", b"x" * 5000)], "'" + "x" * 80 + "'"),
])
def test_a_record_from_anyone_but_the_writer_is_refused_with_a_clear_error(
        headers: list[tuple[str, bytes]], shown: str) -> None:
    refused = untrusted_source(RECORDS, headers)
    assert refused is not None
    assert refused.error == (f"untrusted_source: ce_source {shown} is not the writer of "
                             "court.records.v1 (clearway/ingest)")


def test_the_writers_records_and_topics_without_a_declared_writer_pass() -> None:
    assert untrusted_source(RECORDS, [("ce_source", b"clearway/ingest")]) is None
    assert untrusted_source(DECISIONS, [("ce_source", b"clearway/eligibility")]) is None
    assert untrusted_source("some.other.topic", [("ce_source", b"anyone")]) is None


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def read_all(bootstrap: str, topic: str, want: int, timeout_ms: int = 20000) -> list[Any]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                             enable_auto_commit=False, consumer_timeout_ms=timeout_ms)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        got: list[Any] = []
        for message in consumer:
            got.append(message)
            if len(got) >= want:
                break
        return got
    finally:
        consumer.close()


@pytest.mark.timeout(120)
def test_a_forged_court_order_goes_to_the_dead_letter_topic_and_reaches_no_handler(
        embedded_broker: EmbeddedBroker) -> None:
    bootstrap = embedded_broker.bootstrap_servers
    provision_topics(bootstrap, 1)
    subject_id = f"CII{uuid.uuid4().int % 10**9:09d}"
    forged, legit = court_order(subject_id), court_order(subject_id)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    sent_forged = {}
    try:
        for source in ("clearway/attacker", "clearway/eligibility", None):
            value, headers = encode(forged, source=source or "", ce_id=f"forged-{source}")
            headers = [(k, v) for k, v in headers if source or k != "ce_source"]
            sent_forged[str(source)] = producer.send(
                RECORDS, value=value, key=subject_id.encode(), headers=headers).get(30)
        value, headers = encode(legit, source=writer(RECORDS), ce_id=f"CA-SF/{legit.event_id}")
        producer.send(RECORDS, value=value, key=subject_id.encode(), headers=headers).get(30)
    finally:
        producer.close()
    rejected_before = metric("clearway_events_rejected_source_total", topic=RECORDS)
    dead_before = metric("clearway_dlq_messages_total", topic=RECORDS, error="untrusted_source")

    handled = asyncio.run(consume_until(bootstrap, legit))

    assert [item.event for item in handled] == [legit]  # the forged ones changed nothing
    letters = read_all(bootstrap, dlq(RECORDS), want=3)
    assert len(letters) == 3
    for letter in letters:
        headers = {k: v.decode() for k, v in letter.headers}
        assert headers["dlq_error"].startswith("untrusted_source: ce_source ")
        assert headers["dlq_error"].endswith("is not the writer of court.records.v1 "
                                             "(clearway/ingest)")
        assert letter.key == subject_id.encode()
        assert RecordEvent.model_validate_json(letter.value) == forged  # the evidence, kept
        source = headers.get("ce_source", "None")
        assert (int(headers["dlq_original_partition"]), int(headers["dlq_original_offset"])) \
            == (sent_forged[source].partition, sent_forged[source].offset)
    assert metric("clearway_events_rejected_source_total", topic=RECORDS) - rejected_before == 3
    assert metric("clearway_dlq_messages_total", topic=RECORDS,
                  error="untrusted_source") - dead_before == 3


async def consume_until(bootstrap: str, last: RecordEvent) -> list[Incoming]:
    producer = make_producer(bootstrap, "source-check-test")
    await producer.start()
    handled: list[Incoming] = []
    done = asyncio.Event()

    async def handler(items: list[Incoming]) -> None:
        handled.extend(items)
        if any(item.event == last for item in items):
            done.set()

    consumer = BatchConsumer(bootstrap_servers=bootstrap, group_id=f"g-{uuid.uuid4().hex}",
                             topics={RECORDS: RecordEvent}, handler=handler,
                             producer=producer, client_id="source-check-test")
    try:
        await consumer.start()
        task = asyncio.ensure_future(consumer.run())
        try:
            await asyncio.wait_for(done.wait(), 60)
        finally:
            await consumer.stop()
            await asyncio.wait_for(task, 30)
    finally:
        await producer.stop()
    return handled


@pytest.mark.timeout(120)
def test_recompute_replaying_the_records_topic_skips_what_ingest_did_not_write(
        embedded_broker: EmbeddedBroker, tmp_path: Path) -> None:
    """`clearway-eligibility recompute --replay-topic` reads court.records.v1 outside the
    consumer group: it must refuse the same records the live consumer dead-letters."""
    from clearway.common.db import make_engine
    from clearway.eligibility.replay import read_topic_into
    from clearway.eligibility.store import EligibilityStore

    bootstrap = embedded_broker.bootstrap_servers
    provision_topics(bootstrap, 1)
    subject_id = f"CII{uuid.uuid4().int % 10**9:09d}"
    forged, legit = court_order(subject_id), court_order(subject_id)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    try:
        for event, source in ((forged, "clearway/attacker"), (legit, writer(RECORDS))):
            value, headers = encode(event, source=source, ce_id=f"CA-SF/{event.event_id}")
            producer.send(RECORDS, value=value, key=subject_id.encode(), headers=headers).get(30)
    finally:
        producer.close()
    store = EligibilityStore(make_engine(f"sqlite:///{tmp_path / 'eligibility.db'}"), {})

    assert asyncio.run(read_topic_into(store, bootstrap)) == 1
    assert [e.event_id for e in store.events_of(subject_id)] == [legit.event_id]
