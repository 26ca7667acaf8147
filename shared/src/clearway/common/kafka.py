"""The one Kafka helper: producer construction and a batched, at-least-once consumer loop
with a dead-letter topic.

Why a batched aiokafka loop rather than per-event faust agents: on this stack a faust
agent handles 3-5k msg/s while a batched loop handles ~37k (../shared/broker-notes.md);
faust's exactly-once cannot start on the embedded broker and its Table recovery misses
records there, so durable state lives in each service's store and the consumer only needs
a group, batches and commits, which aiokafka gives directly.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.errors import KafkaError
from aiokafka.protocol.metadata import MetadataRequest
from pydantic import BaseModel, ValidationError

from clearway.common import metrics, tracing
from clearway.common.envelope import Envelope, header, read_envelope
from clearway.common.logging import correlation_id
from clearway.common.settings import KafkaSecurity, kafka_client_kwargs
from clearway.common.topics import WRITERS, dlq

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 1_000_000


def make_producer(bootstrap_servers: str, client_id: str,
                  security: KafkaSecurity | None = None) -> AIOKafkaProducer:
    """`security`: TLS and SASL settings (default: from the environment, KAFKA_SECURITY_*)."""
    # No idempotence: the embedded broker refuses aiokafka's InitProducerId; consumers dedupe.
    return AIOKafkaProducer(
        **kafka_client_kwargs("aiokafka", security),
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=False,
        linger_ms=5,
        max_batch_size=128 * 1024,
        max_request_size=2 * MAX_MESSAGE_BYTES,
        request_timeout_ms=15000,
    )


class Incoming(NamedTuple):
    """One decoded record with where it came from (a named tuple: one is made per record,
    three times faster than a frozen dataclass)."""

    topic: str
    partition: int
    offset: int
    key: str | None
    event: BaseModel
    envelope: Envelope | None


class PoisonMessage(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def decode(model: type[BaseModel], value: bytes | None) -> BaseModel:
    if value is None:
        raise PoisonMessage("empty value")
    if len(value) > MAX_MESSAGE_BYTES:
        raise PoisonMessage(f"too_large: {len(value)} bytes exceed {MAX_MESSAGE_BYTES}")
    try:
        return model.model_validate_json(value)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        if any(e["type"] in ("json_invalid", "json_type") for e in errors):
            raise PoisonMessage("undecodable: not a JSON object") from None
        fields = sorted({".".join(str(p) for p in e["loc"]) or "<root>" for e in errors})
        raise PoisonMessage("schema: invalid " + ", ".join(fields)) from None


UNTRUSTED_SOURCE = "untrusted_source"


def untrusted_source(topic: str, headers: Sequence[tuple[str, bytes]] | None,
                     envelope: Envelope | None = None) -> PoisonMessage | None:
    """Why a record of `topic` is refused because its CloudEvents `ce_source` is not the
    topic's writer (`clearway.common.topics.WRITERS`), or None when it is (or the topic has
    no declared writer). The source is attacker-controlled: quoted and cut short."""
    expected = WRITERS.get(topic)
    if expected is None:
        return None
    source = envelope.ce_source if envelope is not None else header(headers, "ce_source")
    if source == expected:
        return None
    shown = "missing" if not source else repr(source[:80])
    return PoisonMessage(f"{UNTRUSTED_SOURCE}: ce_source {shown} is not the writer of "
                         f"{topic} ({expected})")


Handler = Callable[[list[Incoming]], Awaitable[None]]


class _AskWithoutCreating:
    """A broker connection whose metadata requests never create the topics they name."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(request, MetadataRequest):
            request._allow_auto_topic_creation = False
        return self._conn.send(request, *args, **kwargs)


def never_create_topics(consumer: AIOKafkaConsumer) -> None:
    """Make a consumer's metadata requests ask without creating (Kafka's
    allow_auto_topic_creation=false; the embedded broker honours it). aiokafka names the
    subscribed topics in them, and a broker that creates topics on such a request (Tansu does,
    and Kafka with auto.create.topics.enable) would re-create them with its default partitions
    when it comes back empty, before an operator provisions them (docs/reliability.md).
    aiokafka (pinned) has no option for it: its client's connections are wrapped."""
    client = consumer._client
    get_conn = client._get_conn

    async def _get_conn(*args: Any, **kwargs: Any) -> Any:
        conn = await get_conn(*args, **kwargs)
        return None if conn is None else _AskWithoutCreating(conn)

    client._get_conn = _get_conn


class BatchConsumer:
    """Consume topics in batches as one group member; hand decoded records to `handler`,
    commit offsets only after it returns (at-least-once). Poison records go to
    `<topic>.dlq` with headers naming the original topic, partition, offset and error.
    A failing handler is retried with backoff on the same batch, so nothing is skipped.
    With tracing on, each batch's handler call is one span linked to its records'
    traceparents (`tracing.consumed_batch`); off, nothing is built.

    A record whose `ce_source` is not its topic's writer (`topics.WRITERS`) is refused
    before it is decoded: dead-lettered with `dlq_error` `untrusted_source: ...` and counted
    in `clearway_events_rejected_source_total`. Without broker ACLs this stops mistakes
    (a tool or test writing with the wrong source), not a client that forges the header
    (docs/security.md)."""

    def __init__(
        self,
        *,
        bootstrap_servers: str,
        group_id: str,
        topics: dict[str, type[BaseModel]],
        handler: Handler,
        producer: AIOKafkaProducer,
        client_id: str,
        session_timeout_ms: int = 6000,
        max_records: int = 2000,
        security: KafkaSecurity | None = None,
    ) -> None:
        self.topics = topics
        self.handler = handler
        self.producer = producer
        self.max_records = max_records
        self.group_id = group_id
        self.consumer = AIOKafkaConsumer(
            *topics,
            **kafka_client_kwargs("aiokafka", security),
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            client_id=client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=max(500, session_timeout_ms // 3),
            max_poll_interval_ms=300_000,
            fetch_max_bytes=16 * 1024 * 1024,
            max_partition_fetch_bytes=4 * 1024 * 1024,
            fetch_max_wait_ms=100,  # a quiet topic answers within 100 ms, not 500
            # Range assignment gives one member the same partition numbers of every topic:
            # a person's records and decisions (both keyed by subject_id) meet in one place.
            partition_assignment_strategy=(RangePartitionAssignor,),
        )
        self._stopping = asyncio.Event()
        self.started = False

    def assignment(self) -> set[TopicPartition]:
        return set(self.consumer.assignment()) if self.started else set()

    async def start(self) -> None:
        await self.consumer.start()
        # Started, its topics exist: from here on its metadata refreshes (after a broker came
        # back empty, say) must not re-create them.
        never_create_topics(self.consumer)
        self.started = True

    async def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        try:
            while not self._stopping.is_set():
                batches = await self.consumer.getmany(
                    timeout_ms=200, max_records=self.max_records
                )
                if not batches:
                    continue
                started = time.perf_counter()
                items: list[Incoming] = []
                for tp, records in batches.items():
                    metrics.EVENTS_CONSUMED.labels(tp.topic).inc(len(records))
                    for record in records:
                        incoming = self._decoded(record)
                        if isinstance(incoming, PoisonMessage):
                            await self.dead_letter(record, incoming.error)
                        else:
                            items.append(incoming)
                if items:
                    if tracing.tracer is None:  # off: no span, no links built
                        await self._handle_until_done(items)
                    else:
                        with tracing.consumed_batch(
                                [tp.topic for tp in batches], len(batches),
                                sum(len(records) for records in batches.values()), items,
                                self.group_id):
                            await self._handle_until_done(items)
                try:
                    await self.consumer.commit(
                        {tp: records[-1].offset + 1 for tp, records in batches.items()}
                    )
                except KafkaError as exc:
                    # A rebalance (or a broker that came back empty) rejected the commit:
                    # the batch is delivered again and deduplicated; keep consuming.
                    log.warning("offset commit failed; the batch will be redelivered",
                                extra={"error": type(exc).__name__})
                    continue
                self._record_lag(batches)
                for tp in batches:
                    metrics.PROCESSING_SECONDS.labels(tp.topic).observe(
                        time.perf_counter() - started
                    )
        finally:
            self.started = False
            await self.consumer.stop()

    async def _handle_until_done(self, items: list[Incoming]) -> None:
        delay = 0.2
        while True:
            try:
                await self.handler(items)
                return
            except Exception:
                log.exception("batch failed; retrying", extra={"records": len(items)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    def _decoded(self, record: Any) -> Incoming | PoisonMessage:
        """The record decoded, or why it is poison (a plain call: this runs per record)."""
        model = self.topics[record.topic]
        envelope = read_envelope(record.headers)
        refused = untrusted_source(record.topic, record.headers, envelope)
        if refused is not None:
            metrics.EVENTS_REJECTED_SOURCE.labels(record.topic).inc()
            return refused
        token = correlation_id.set(envelope.ce_id if envelope else None)
        try:
            event = decode(model, record.value)
        except PoisonMessage as poison:
            return poison
        finally:
            correlation_id.reset(token)
        key = record.key.decode(errors="replace") if record.key is not None else None
        return Incoming(record.topic, record.partition, record.offset, key, event, envelope)

    async def dead_letter(self, record: Any, error: str) -> None:
        headers: list[tuple[str, bytes]] = list(record.headers or ())
        headers += [
            ("dlq_original_topic", record.topic.encode()),
            ("dlq_original_partition", str(record.partition).encode()),
            ("dlq_original_offset", str(record.offset).encode()),
            ("dlq_error", error[:500].encode()),
        ]
        value = record.value
        if value is not None and len(value) > MAX_MESSAGE_BYTES:
            value = value[:MAX_MESSAGE_BYTES]  # keep the evidence, within the size limit
            headers.append(("dlq_truncated", b"true"))
        await self.producer.send_and_wait(
            dlq(record.topic), value=value, key=record.key, headers=headers
        )
        kind = error.split(":", 1)[0]
        metrics.DLQ_MESSAGES.labels(record.topic, kind).inc()
        metrics.EVENTS_PRODUCED.labels(dlq(record.topic)).inc()
        log.warning(
            "record dead-lettered",
            extra={"topic": record.topic, "partition": record.partition,
                   "offset": record.offset, "error": kind},
        )

    def _record_lag(self, batches: dict[TopicPartition, Sequence[Any]]) -> None:
        for tp, records in batches.items():
            # The fetch high watermark, not ListOffsets: LATEST is wrong on the embedded broker.
            highwater = self.consumer.highwater(tp)
            if highwater is not None:
                metrics.CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(
                    max(0, highwater - (records[-1].offset + 1))
                )
