"""`clearway-dlq` over a real broker: dead letters written by the consumer helper itself
(`BatchConsumer.dead_letter`), then listed, shown and replayed through the CLI."""
from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace

import orjson
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from typer.testing import CliRunner

from clearway.common.dlq import DeadLetter, app, read_dead_letters
from clearway.common.events import Decision
from clearway.common.kafka import BatchConsumer, make_producer

runner = CliRunner()

PERSONAL = "Quintero"  # stands for the personal data a dead letter's value can hold


@dataclass
class Poisoned:
    bootstrap: str
    topic: str
    dlq: str
    values: list[bytes]

    def cli(self, *args: str) -> str:
        result = runner.invoke(app, [*args, "--bootstrap-servers", self.bootstrap])
        assert result.exit_code == 0, result.output
        return result.output

    def letters(self) -> list[DeadLetter]:
        return list(read_dead_letters(self.bootstrap, self.dlq))


def _create_topics(bootstrap: str, *names: str, partitions: int = 3) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="test-dlq")
    try:
        admin.create_topics([NewTopic(n, partitions, 1) for n in names])
    finally:
        admin.close()


async def _dead_letter(bootstrap: str, topic: str, records: list[SimpleNamespace]) -> None:
    producer = make_producer(bootstrap, "test-dlq")
    await producer.start()
    try:
        consumer = BatchConsumer(bootstrap_servers=bootstrap, group_id="unused",
                                 topics={topic: Decision}, handler=_never, producer=producer,
                                 client_id="test-dlq")
        for record in records:
            await consumer.dead_letter(record, "schema: invalid relief")
    finally:
        await producer.stop()


async def _never(items: object) -> None:  # pragma: no cover - nothing is consumed
    raise AssertionError("not called")


def _record(topic: str, offset: int, key: str, value: bytes) -> SimpleNamespace:
    headers = [("ce_id", f"dec-{offset}".encode()),
               ("ce_type", b"org.clearway.eligibility.decision.v1"),
               ("ce_source", b"clearway/eligibility"), ("ce_specversion", b"1.0"),
               ("ce_time", b"2026-11-25T10:00:00+00:00"),
               ("content-type", b"application/json")]
    return SimpleNamespace(topic=topic, partition=1, offset=offset, key=key.encode(),
                           value=value, headers=headers)


@pytest.fixture
def poisoned(kafka_bootstrap: str) -> Iterator[Poisoned]:
    """A fresh topic and its .dlq holding two dead letters from BatchConsumer and one
    truncated one."""
    topic = f"test.dlq{uuid.uuid4().hex[:10]}.v1"
    dlq = f"{topic}.dlq"
    _create_topics(kafka_bootstrap, topic, dlq)
    values = [orjson.dumps({"decision_id": f"d{i}", "relief": "bogus", "name": PERSONAL})
              for i in range(2)]
    asyncio.run(_dead_letter(kafka_bootstrap, topic, [
        _record(topic, 40, "CII0000001", values[0]),
        _record(topic, 41, "CII0000002", values[1]),
    ]))
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all",
                             enable_idempotence=False)
    try:
        producer.send(dlq, key=b"CII0000003", value=b'{"cut": "he', headers=[
            ("ce_id", b"dec-42"), ("dlq_original_topic", topic.encode()),
            ("dlq_original_partition", b"2"), ("dlq_original_offset", b"42"),
            ("dlq_error", b"message of 1500000 bytes exceeds 1000000"),
            ("dlq_truncated", b"true"),
        ]).get(timeout=30)
    finally:
        producer.close()
    yield Poisoned(kafka_bootstrap, topic, dlq, values)


def _read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 30.0) -> list:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                             enable_auto_commit=False)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        records: list = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
            if len(records) >= expected:
                time.sleep(0.5)  # let anything unexpected arrive too
                for batch in consumer.poll(timeout_ms=500).values():
                    records.extend(batch)
                return records
        return records
    finally:
        consumer.close()


def test_list_counts_the_dead_letters_of_a_topic_by_reading_them(poisoned: Poisoned) -> None:
    by_dlq_name = poisoned.cli("list", poisoned.dlq)
    by_original_name = poisoned.cli("list", poisoned.topic)
    assert f"{poisoned.dlq}  3" in by_dlq_name
    assert by_original_name == by_dlq_name


def test_list_without_a_topic_lists_every_dead_letter_topic(poisoned: Poisoned) -> None:
    output = poisoned.cli("list")
    assert poisoned.dlq in output
    assert poisoned.topic + "  " not in output  # only .dlq topics


def test_list_of_an_unknown_topic_fails_plainly(poisoned: Poisoned) -> None:
    result = runner.invoke(app, ["list", "no.such.topic", "--bootstrap-servers",
                                 poisoned.bootstrap])
    assert result.exit_code == 1
    assert "no topic no.such.topic.dlq" in result.output


def test_show_names_where_each_dead_letter_came_from_and_why_but_not_its_value(
    poisoned: Poisoned,
) -> None:
    output = poisoned.cli("show", poisoned.dlq)
    assert f"{poisoned.dlq}: 3 message(s)" in output
    assert f"original={poisoned.topic}/1@40" in output
    assert f"original={poisoned.topic}/1@41" in output
    assert f"original={poisoned.topic}/2@42" in output
    assert "error='schema: invalid relief'" in output
    assert f"size={len(poisoned.values[0])}" in output
    assert "truncated" in output
    assert "ce_id=dec-40" in output
    assert PERSONAL not in output
    assert "CII000000" not in output  # keys name people too


def test_show_prints_keys_and_values_only_with_with_value(poisoned: Poisoned) -> None:
    output = poisoned.cli("show", poisoned.dlq, "--with-value", "--limit", "1")
    assert PERSONAL in output
    assert "key: CII000000" in output
    assert "... 2 more" in output


def test_replay_of_one_offset_republishes_the_original_record_without_dlq_headers(
    poisoned: Poisoned,
) -> None:
    letter = next(dl for dl in poisoned.letters() if dl.header("dlq_original_offset") == "41")

    output = poisoned.cli("replay", poisoned.dlq, "--offset",
                          f"{letter.partition}:{letter.offset}")

    assert f"replayed 1 dead letter(s): 1 to {poisoned.topic}" in output
    (record,) = _read_topic(poisoned.bootstrap, poisoned.topic, expected=1)
    assert record.key == b"CII0000002"
    assert record.value == poisoned.values[1]
    headers = dict(record.headers)
    assert not [k for k in headers if k.startswith("dlq_")]
    assert headers["ce_id"] == b"dec-41"
    assert headers["content-type"] == b"application/json"


def test_replay_all_republishes_every_whole_dead_letter_and_skips_truncated_ones(
    poisoned: Poisoned,
) -> None:
    output = poisoned.cli("replay", poisoned.topic, "--all")

    assert "truncated, its value is incomplete" in output
    assert f"replayed 2 dead letter(s): 2 to {poisoned.topic}" in output
    records = _read_topic(poisoned.bootstrap, poisoned.topic, expected=2)
    assert sorted(r.value for r in records) == sorted(poisoned.values)
    assert all(not k.startswith("dlq_") for r in records for k, _ in r.headers)
    assert poisoned.cli("list", poisoned.dlq).endswith("  3\n")  # dead letters stay


def test_replay_dry_run_sends_nothing(poisoned: Poisoned) -> None:
    output = poisoned.cli("replay", poisoned.dlq, "--all", "--dry-run")
    assert output.count(f"-> {poisoned.topic}") == 2
    assert _read_topic(poisoned.bootstrap, poisoned.topic, expected=1, timeout=3) == []


def test_replay_refuses_an_offset_with_no_dead_letter(poisoned: Poisoned) -> None:
    result = runner.invoke(app, ["replay", poisoned.dlq, "--offset", "0:999",
                                 "--bootstrap-servers", poisoned.bootstrap])
    assert result.exit_code == 1
    assert "no dead letter at 0:999" in result.output


def test_replay_needs_offsets_or_all_but_not_both(poisoned: Poisoned) -> None:
    neither = runner.invoke(app, ["replay", poisoned.dlq, "--bootstrap-servers",
                                  poisoned.bootstrap])
    both = runner.invoke(app, ["replay", poisoned.dlq, "--all", "--offset", "1",
                               "--bootstrap-servers", poisoned.bootstrap])
    assert neither.exit_code == both.exit_code == 2
