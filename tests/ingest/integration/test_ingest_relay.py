"""The shared outbox relay on ingest's store (SQLite and PostgreSQL), with a stand-in
producer: it waits for missing topics instead of creating them, marks what it sent, skips
rows another relay is claiming, and takes over a dead relay's rows when their lease runs out."""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text

from clearway.common.db import make_engine
from clearway.common.events import RecordEvent
from clearway.common.outbox import OutboxRelay, TopicsMissing
from clearway.common.topics import RECORDS
from clearway.ingest.store import IngestStore, outbox
from tests.ingest.builders import person


@dataclass
class Sent:
    partition: int
    offset: int


class FakeCluster:
    def __init__(self, topics: set[str]) -> None:
        self._topics = topics

    def topics(self) -> set[str]:
        return set(self._topics)

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return set(range(12)) if topic in self._topics else None


class FakeBatch:
    def __init__(self) -> None:
        self.keys: list[bytes | None] = []

    def append(self, *, key, value, timestamp, headers):  # type: ignore[no-untyped-def]
        self.keys.append(key)
        return object()  # room for every message


class FakeProducer:
    """Enough of AIOKafkaProducer for the relay: metadata and record batches that succeed,
    each partition a log of the keys sent to it."""

    def __init__(self, topics: set[str]) -> None:
        self.topics = topics
        self.sent: list[tuple[str, bytes | None]] = []
        self.logs: dict[tuple[str, int], list[bytes | None]] = {}
        outer = self

        class Client:
            cluster = FakeCluster(topics)

            async def fetch_all_metadata(self) -> FakeCluster:
                return FakeCluster(outer.topics)

        self.client = Client()

    async def partitions_for(self, topic: str) -> set[int]:
        return set(range(12))

    def create_batch(self) -> FakeBatch:
        return FakeBatch()

    async def send_batch(self, batch: FakeBatch, topic: str, *, partition: int):  # type: ignore[no-untyped-def]
        log = self.logs.setdefault((topic, partition), [])
        future = asyncio.get_running_loop().create_future()
        future.set_result(Sent(partition=partition, offset=len(log)))
        log += batch.keys
        self.sent += [(topic, key) for key in batch.keys]
        return future


@pytest.fixture
def store(database_url: str):
    engine = make_engine(database_url)
    yield IngestStore(engine)
    engine.dispose()


def accept(store: IngestStore, n: int) -> None:
    store.accept([RecordEvent.model_validate(person(i)) for i in range(n)])


def relay_for(store: IngestStore, producer: FakeProducer, **options) -> OutboxRelay:
    # No bootstrap servers: the takeover's look at the topic is skipped (nothing to read).
    return OutboxRelay(store.engine, outbox, producer, bootstrap_servers="", **options)


def rows(store: IngestStore) -> list:
    with store.engine.connect() as conn:
        return list(conn.execute(select(outbox).order_by(outbox.c.id)))


async def test_the_relay_waits_for_a_missing_topic_rather_than_create_it_by_producing(store):
    accept(store, 3)
    producer = FakeProducer(topics=set())
    relay = relay_for(store, producer)
    with pytest.raises(TopicsMissing) as missing:
        await relay.publish_once()
    assert missing.value.topics == [RECORDS]
    assert producer.sent == []
    assert all(r.lease_owner is None and r.published_at is None for r in rows(store))

    producer.topics.add(RECORDS)  # provisioned
    assert await relay.publish_once() == 3
    assert sorted(key for _, key in producer.sent) == [f"CIIT{i:07d}".encode() for i in range(3)]


async def test_published_rows_carry_their_partition_and_offset(store):
    accept(store, 4)
    producer = FakeProducer({RECORDS})
    relay = relay_for(store, producer)
    assert await relay.publish_once() == 4
    assert await relay.publish_once() == 0
    assert all(producer.logs[(RECORDS, r.partition)][r.offset] == r.key.encode()
               for r in rows(store))
    assert all(r.published_at is not None for r in rows(store))


async def test_rows_a_dead_relay_claimed_are_taken_over_when_its_lease_runs_out(store):
    accept(store, 5)
    dead = relay_for(store, FakeProducer({RECORDS}), lease_seconds=0.5)
    assert len(await asyncio.to_thread(dead._claim)) == 5  # claimed, then it "died"
    producer = FakeProducer({RECORDS})
    heir = relay_for(store, producer, lease_seconds=0.5)
    assert await heir.publish_once() == 0
    time.sleep(0.6)
    assert await heir.publish_once() == 5
    assert len(producer.sent) == 5


def test_a_row_another_relay_is_claiming_is_skipped_not_claimed_twice(store, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite takes a write lock per transaction: claims never overlap")
    accept(store, 10)
    relay = relay_for(store, FakeProducer({RECORDS}))
    with store.engine.connect() as other:
        # Another relay's claim in progress: it holds the first four rows.
        other.execute(text("SELECT id FROM outbox ORDER BY id LIMIT 4 FOR UPDATE"))
        claimed = relay._claim()
        other.rollback()
    assert [r.id for r in claimed] == [5, 6, 7, 8, 9, 10]


async def test_the_loop_retries_until_the_topic_exists_and_stops_promptly(store):
    accept(store, 2)
    producer = FakeProducer(topics=set())
    relay = relay_for(store, producer, max_backoff=0.2)
    task = asyncio.create_task(relay.run())
    await asyncio.sleep(0.3)
    assert relay.healthy is False and relay.missing_topics == [RECORDS]
    producer.topics.add(RECORDS)
    for _ in range(50):
        await asyncio.sleep(0.05)
        if len(producer.sent) == 2:
            break
    assert len(producer.sent) == 2 and relay.healthy
    started = time.monotonic()
    await relay.drain(timeout=5)
    await asyncio.wait_for(task, 1)
    assert time.monotonic() - started < 1


def test_rows_another_relay_leased_since_they_were_read_are_left_to_it(store):
    accept(store, 10)
    ids = [r.id for r in rows(store)]
    first, second = (relay_for(store, FakeProducer({RECORDS})) for _ in range(2))
    now = time.time()
    assert first._lease(ids[:4], now) == set(ids[:4])
    assert second._lease(ids, now) == set(ids[4:])  # it read all ten before the first leased
    assert {r.id: r.lease_owner for r in rows(store)} == {
        i: first.owner if i in ids[:4] else second.owner for i in ids}


def test_a_claim_that_finds_nothing_claimable_does_not_wait_for_a_writer(store):
    accept(store, 3)
    relay = relay_for(store, FakeProducer({RECORDS}))
    assert len(relay._claim()) == 3  # leased: nothing claimable now
    with store.engine.begin() as writer:  # a long write transaction, open meanwhile
        writer.execute(text("UPDATE outbox SET created_at = created_at"))
        started = time.monotonic()
        assert relay._claim() == []
        assert time.monotonic() - started < 1.0
