"""The eligibility service as a process over the broker: records in, versioned decisions out,
poison records to the dead-letter topic."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from clearway.common.broker import EmbeddedBroker, free_port
from clearway.common.devstack import ServiceProcess, dev_api_key
from clearway.common.envelope import encode
from clearway.common.events import RecordEvent
from clearway.common.topics import DECISIONS, RECORDS, dlq, provision_topics, writer
from tests.e2e.topics import TopicReader


@pytest.fixture
def kafka_bootstrap(embedded_broker: EmbeddedBroker) -> str:
    """A broker of this module's own: no other service of the session consumes its topics."""
    return embedded_broker.bootstrap_servers


@pytest.fixture
def eligibility(kafka_bootstrap: str, tmp_path: Path) -> Iterator[ServiceProcess]:
    import os

    provision_topics(kafka_bootstrap, 12)
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "CLEARWAY_ELIGIBILITY_DATA_DIR": str(tmp_path),
        "CLEARWAY_ELIGIBILITY_HTTP_PORT": str(port),
        "CLEARWAY_BOOTSTRAP_API_KEY": dev_api_key(),
        "CLEARWAY_ELIGIBILITY_CONSUMER_GROUP": f"elig-{uuid.uuid4().hex[:6]}",
    }
    proc = ServiceProcess("eligibility", port, env, tmp_path / "eligibility.log")
    proc.start()
    try:
        proc.wait_ready(60)
        yield proc
    finally:
        proc.terminate()


def produce(bootstrap: str, items: list[tuple[str, bytes, list[tuple[str, bytes]]]]) -> None:
    async def send() -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, acks="all", max_request_size=4_000_000
        )
        await producer.start()
        try:
            for key, value, headers in items:
                await producer.send_and_wait(RECORDS, value, key=key.encode(), headers=headers)
        finally:
            await producer.stop()

    asyncio.run(send())


def record(
    subject_id: str, event_id: str, case_number: str, statute: str, when: str, occurred_at: str
) -> tuple[str, bytes, list[tuple[str, bytes]]]:
    event = RecordEvent.model_validate(
        {
            "event_id": event_id,
            "event_type": "disposition",
            "court": "CA-SF",
            "occurred_at": occurred_at,
            "subject": {
                "subject_id": subject_id,
                "first_name": "Omar",
                "last_name": "Haddad",
                "date_of_birth": "1972-08-09",
            },
            "case": {
                "case_number": case_number,
                "counts": [
                    {
                        "count": 1,
                        "statute": statute,
                        "level": "felony",
                        "disposition": "convicted",
                        "disposition_date": when,
                    }
                ],
            },
        }
    )
    value, headers = encode(event, source=writer(RECORDS), ce_id=f"CA-SF/{event_id}")
    return subject_id, value, headers


def test_a_later_prior_super_strike_supersedes_and_replays_publish_nothing(
    eligibility: ServiceProcess, kafka_bootstrap: str
) -> None:
    subject = f"S{uuid.uuid4().hex[:10]}"
    felony = record(
        subject, f"{subject}-1", "SF1", "HS 11360", "2011-03-01", "2024-01-01T00:00:00Z"
    )
    murder = record(
        subject, f"{subject}-2", "SF0", "PC 187(a)", "1999-03-01", "2024-01-02T00:00:00Z"
    )
    reader = TopicReader(kafka_bootstrap, DECISIONS)
    try:
        produce(kafka_bootstrap, [felony])
        reader.wait_for(lambda r: any(d["subject_id"] == subject for d in r.values(DECISIONS)))
        produce(kafka_bootstrap, [murder])
        reader.wait_for(
            lambda r: len([d for d in r.values(DECISIONS) if d["subject_id"] == subject]) == 2
        )
        v1, v2 = sorted(
            (d for d in reader.values(DECISIONS) if d["subject_id"] == subject),
            key=lambda d: d["version"],
        )
        assert (v1["relief"], v1["version"]) == ("reduce_to_misdemeanor", 1)
        assert (v2["relief"], v2["version"], v2["supersedes"]) == (
            "not_eligible",
            2,
            v1["decision_id"],
        )
        assert [r["code"] for r in v2["reasons"]] == ["PRIOR_SUPER_STRIKE"]

        produce(kafka_bootstrap, [felony, murder])
        time.sleep(4)
        reader.poll()
        assert len([d for d in reader.values(DECISIONS) if d["subject_id"] == subject]) == 2
    finally:
        reader.close()


def test_poison_records_go_to_the_dead_letter_topic_and_the_consumer_keeps_going(
    eligibility: ServiceProcess, kafka_bootstrap: str
) -> None:
    subject = f"S{uuid.uuid4().hex[:10]}"
    good = record(subject, f"{subject}-1", "SF1", "HS 11359", "2012-03-01", "2024-01-01T00:00:00Z")
    # The writer's source: these test decoding (a foreign source is refused before that,
    # tests/security/test_source_checks.py).
    headers = [("ce_id", b"poison"), ("ce_source", writer(RECORDS).encode())]
    reader = TopicReader(kafka_bootstrap, DECISIONS, dlq(RECORDS))
    try:
        produce(
            kafka_bootstrap,
            [
                (subject, b"\xff\xfe not json", headers),
                (subject, b'{"event_id": "x", "unexpected": true}', headers),
                (subject, b"[" * 1_100_000, headers),
                good,
            ],
        )
        reader.wait_for(lambda r: any(d["subject_id"] == subject for d in r.values(DECISIONS)))
        reader.wait_for(
            lambda r: (
                len(
                    [m for m in r.messages if m.topic == dlq(RECORDS) and m.key == subject.encode()]
                )
                >= 3
            )
        )
        dead = [m for m in reader.messages if m.topic == dlq(RECORDS) and m.key == subject.encode()]
        for message in dead:
            h = dict(message.headers)
            assert h["dlq_original_topic"] == RECORDS.encode()
            assert int(h["dlq_original_offset"]) >= 0 and h["dlq_original_partition"]
        # Every consumer group of the topic dead-letters its own copy; each copy names its error.
        errors = {dict(m.headers)["dlq_error"].split(b":")[0] for m in dead}
        assert errors == {b"too_large", b"schema", b"undecodable"}
    finally:
        reader.close()
