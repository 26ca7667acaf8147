"""OpenTelemetry (`clearway.common.tracing`): one span per consumed batch, linked to each
record's traceparent; a server span per HTTP request; no personal data in any span; and
with tracing off (the default) nothing recorded and no link built. Spans are kept by the
SDK's in-memory exporter; the consumer is driven by a stand-in for aiokafka's, so no broker
is needed."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import Column, MetaData, String, Table, select

from clearway.common import tracing
from clearway.common.auth import Principal, require
from clearway.common.db import make_engine
from clearway.common.envelope import encode
from clearway.common.events import RecordEvent
from clearway.common.http import create_app, problem
from clearway.common.kafka import BatchConsumer, Incoming
from clearway.common.runtime import Runtime
from clearway.common.settings import ServiceSettings
from clearway.common.topics import RECORDS, writer

ADMIN = "cw_testadmin_0123456789abcdefghij"
# What the test records say about their people: none of it may reach a span.
FIRST, LAST, BORN, SUBJECT = "Zephyrine", "Quillfeather", "1961-07-23", "CII0000042"
PERSONAL = (FIRST, LAST, BORN, "1961", SUBJECT)
Reader = Annotated[Principal, Depends(require("decisions:read"))]


class Record(NamedTuple):
    """What aiokafka's ConsumerRecord gives the consumer loop."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


class TopicPartition(NamedTuple):
    topic: str
    partition: int


class OneFetch:
    """A stand-in for aiokafka's consumer: hands out the given batches, then stops the loop."""

    def __init__(self, batches: list[dict[TopicPartition, list[Record]]],
                 loop_of: BatchConsumer) -> None:
        self.batches = batches
        self.loop_of = loop_of
        self.committed: list[dict[Any, int]] = []

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[Any, list[Record]]:
        if self.batches:
            return self.batches.pop(0)
        await self.loop_of.stop()
        return {}

    async def commit(self, offsets: dict[Any, int]) -> None:
        self.committed.append(offsets)

    def highwater(self, tp: Any) -> None:
        return None

    async def stop(self) -> None:
        pass


def record_event(n: int) -> RecordEvent:
    return RecordEvent.model_validate({
        "event_id": f"e{n}", "event_type": "disposition", "court": "CA-SF",
        "occurred_at": "2024-01-01T00:00:00Z",
        "subject": {"subject_id": f"{SUBJECT}{n}" if n else SUBJECT, "first_name": FIRST,
                    "last_name": LAST, "date_of_birth": BORN},
        "case": {"case_number": f"SF{n}", "counts": [{
            "count": 1, "statute": "HS 11359", "level": "felony", "disposition": "convicted",
            "disposition_date": "2010-01-01"}]},
    })


def records(count: int, partitions: int = 2) -> list[Record]:
    found = []
    for n in range(count):
        value, headers = encode(record_event(n), source=writer(RECORDS), ce_id=f"CA-SF/e{n}")
        found.append(Record(RECORDS, n % partitions, n, SUBJECT.encode(), value, headers))
    return found


def consume(batch: list[Record]) -> list[list[Incoming]]:
    """Run a BatchConsumer over one fetched batch; what its handler was given."""
    handled: list[list[Incoming]] = []

    async def handler(items: list[Incoming]) -> None:
        handled.append(items)

    async def run() -> None:
        loop = BatchConsumer(bootstrap_servers="127.0.0.1:1", group_id="clearway-test",
                             topics={RECORDS: RecordEvent}, handler=handler,
                             producer=None,  # type: ignore[arg-type]  # nothing is poison
                             client_id="test")
        by_partition: dict[TopicPartition, list[Record]] = {}
        for r in batch:
            by_partition.setdefault(TopicPartition(r.topic, r.partition), []).append(r)
        loop.consumer = OneFetch([by_partition], loop)  # type: ignore[assignment]
        await loop.run()

    asyncio.run(run())
    return handled


def traceparent_of(record: Record) -> tuple[int, int]:
    value = dict(record.headers)["traceparent"].decode()
    _, trace_id, span_id, _ = value.split("-")
    return int(trace_id, 16), int(span_id, 16)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on for the test, into memory."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.enable(provider)
    try:
        yield exporter
    finally:
        tracing.disable()
        provider.shutdown()


class Keys:
    """A key store of one key with every scope."""

    def authenticate(self, token: str) -> Principal | None:
        if token != ADMIN:
            return None
        return Principal("k1", "test", frozenset({"admin"}), frozenset({"*"}))


@pytest.fixture
def app_client(tmp_path: Path) -> TestClient:
    """A service app as every service builds one (a Runtime over its store, the shared
    factory), with a route that reads a person's row by subject id. No broker: the
    lifespan is not run."""
    settings = ServiceSettings(service_name="eligibility", data_dir=tmp_path,
                               kafka_bootstrap_servers="127.0.0.1:1")
    engine = make_engine(settings.sqlalchemy_url())
    people = Table("people", MetaData(), Column("subject_id", String, primary_key=True),
                   Column("first_name", String), Column("date_of_birth", String))
    people.metadata.create_all(engine)
    runtime = Runtime(settings, engine)
    app = create_app(service="eligibility", title="Clearway test", description="a test",
                     runtime=runtime, keys=Keys())  # type: ignore[arg-type]

    @app.put("/v1/people/{subject_id}")
    async def put_person(subject_id: str, person: dict[str, str],
                         principal: Reader) -> dict[str, str]:
        with engine.begin() as conn:
            conn.execute(people.insert().values(subject_id=subject_id, **person))
        return {"subject_id": subject_id}

    @app.get("/v1/subjects/{subject_id}/decisions")
    async def decisions(subject_id: str, principal: Reader) -> dict[str, str]:
        with engine.connect() as conn:
            found = conn.execute(select(people).where(people.c.subject_id == subject_id)).first()
        if found is None:
            raise problem(404, "not_found", "no decisions for this subject")
        return {"subject_id": subject_id}

    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {ADMIN}"
    return client


def everything_said(span: ReadableSpan) -> str:
    """Every text a span carries: name, attributes, events, links' attributes, status."""
    parts: list[str] = [span.name, str(span.status.description or "")]
    parts += [f"{k}={v}" for k, v in (span.attributes or {}).items()]
    for event in span.events:
        parts += [event.name, *(f"{k}={v}" for k, v in (event.attributes or {}).items())]
    for link in span.links:
        parts += [f"{k}={v}" for k, v in (link.attributes or {}).items()]
    parts += [f"{k}={v}" for k, v in span.resource.attributes.items()]
    return "\n".join(parts)


def test_a_consumed_batch_is_one_span_linked_to_each_records_traceparent(
        spans: InMemorySpanExporter) -> None:
    batch = records(5)

    handled = consume(batch)

    (span,) = spans.get_finished_spans()
    assert [len(items) for items in handled] == [5]
    assert span.kind == SpanKind.CONSUMER
    assert span.name == f"process {RECORDS}"
    assert sorted((link.context.trace_id, link.context.span_id) for link in span.links) == \
        sorted(traceparent_of(r) for r in batch)
    assert all(link.context.is_remote for link in span.links)
    assert span.attributes is not None
    assert dict(span.attributes) == {
        "messaging.system": "kafka", "messaging.operation.name": "process",
        "messaging.operation.type": "process", "messaging.destination.name": RECORDS,
        "messaging.consumer.group.name": "clearway-test",
        "messaging.batch.message_count": 5, "clearway.batch.records": 5,
        "clearway.batch.partitions": 2, "clearway.batch.links": 5}


def test_the_handler_runs_inside_the_batch_span_so_its_database_spans_are_children(
        spans: InMemorySpanExporter) -> None:
    inside: list[int] = []

    async def handler(items: list[Incoming]) -> None:
        inside.append(trace.get_current_span().get_span_context().span_id)

    async def run() -> None:
        loop = BatchConsumer(bootstrap_servers="127.0.0.1:1", group_id="g",
                             topics={RECORDS: RecordEvent}, handler=handler,
                             producer=None, client_id="test")  # type: ignore[arg-type]
        loop.consumer = OneFetch(  # type: ignore[assignment]
            [{TopicPartition(RECORDS, 0): records(2, partitions=1)}], loop)
        await loop.run()

    asyncio.run(run())
    (span,) = spans.get_finished_spans()
    assert span.context is not None and inside == [span.context.span_id]


def test_a_large_batch_links_only_its_first_records_and_counts_them(
        spans: InMemorySpanExporter) -> None:
    batch = records(tracing.MAX_LINKS + 72, partitions=3)

    consume(batch)

    (span,) = spans.get_finished_spans()
    assert len(span.links) == tracing.MAX_LINKS
    assert span.attributes is not None
    assert span.attributes["clearway.batch.links"] == tracing.MAX_LINKS
    assert span.attributes["messaging.batch.message_count"] == tracing.MAX_LINKS + 72
    assert span.attributes["clearway.batch.partitions"] == 3


def test_a_record_without_a_valid_traceparent_is_handled_but_not_linked(
        spans: InMemorySpanExporter) -> None:
    good, bad, missing = records(3, partitions=1)
    bad = bad._replace(headers=[(k, b"00-zz-not-a-trace" if k == "traceparent" else v)
                                for k, v in bad.headers])
    missing = missing._replace(headers=[h for h in missing.headers if h[0] != "traceparent"])

    handled = consume([good, bad, missing])

    (span,) = spans.get_finished_spans()
    assert [len(items) for items in handled] == [3]
    assert [(link.context.trace_id, link.context.span_id) for link in span.links] == [
        traceparent_of(good)]


def test_an_http_request_to_a_service_app_is_a_server_span_named_by_its_route(
        spans: InMemorySpanExporter, app_client: TestClient) -> None:
    answer = app_client.get(f"/v1/subjects/{SUBJECT}/decisions?limit=5")

    assert answer.status_code == 404
    finished = spans.get_finished_spans()
    (server,) = [s for s in finished if s.kind == SpanKind.SERVER]
    assert server.name == "GET /v1/subjects/{subject_id}/decisions"
    assert server.attributes is not None
    assert server.attributes["http.route"] == "/v1/subjects/{subject_id}/decisions"
    assert server.attributes["http.status_code"] == 404
    # The store's reads are spans of their own: statements with placeholders only.
    statements = [s for s in finished if s.kind == SpanKind.CLIENT]
    assert statements and all(s.parent is not None for s in statements)
    assert any("?" in str((s.attributes or {}).get("db.statement")) for s in statements)


def test_a_statement_outside_any_request_or_batch_starts_no_trace_of_its_own(
        spans: InMemorySpanExporter, app_client: TestClient) -> None:
    engine = app_client.app.state.runtime.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:  # as the relay's polls and the checkpointer do
        conn.exec_driver_sql("SELECT 1")

    assert spans.get_finished_spans() == ()


def test_health_readiness_and_metrics_are_not_traced(
        spans: InMemorySpanExporter, app_client: TestClient) -> None:
    assert app_client.get("/healthz").status_code == 200
    app_client.get("/metrics")

    assert not [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER]


def test_no_span_attribute_holds_the_names_dates_of_birth_or_ids_of_the_records(
        spans: InMemorySpanExporter, app_client: TestClient) -> None:
    consume(records(4))
    person = {"first_name": FIRST, "date_of_birth": BORN}
    assert app_client.put(f"/v1/people/{SUBJECT}", json=person).status_code == 200
    assert app_client.get(f"/v1/subjects/{SUBJECT}/decisions",
                          params={"born": BORN}).status_code == 200
    app_client.get(f"/v1/subjects/{FIRST}{LAST}{BORN}/decisions")
    app_client.get(f"/nowhere/{SUBJECT}?name={LAST}")

    finished = spans.get_finished_spans()
    kinds = {s.kind for s in finished}
    assert {SpanKind.CONSUMER, SpanKind.SERVER, SpanKind.CLIENT} <= kinds
    for span in finished:
        said = everything_said(span)
        for value in PERSONAL:
            assert value not in said, f"{value!r} in span {span.name}"


def test_tracing_off_records_nothing_and_builds_no_links(
        monkeypatch: pytest.MonkeyPatch, app_client: TestClient) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()  # a provider nobody enabled: off is the default
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    built: list[object] = []
    monkeypatch.setattr(tracing, "Link", lambda *a, **k: built.append(a))
    monkeypatch.setattr(tracing, "span_context", lambda *a: built.append(a))

    assert ServiceSettings().tracing == "off"
    assert tracing.tracer is None
    handled = consume(records(5))
    app_client.get(f"/v1/subjects/{SUBJECT}/decisions")

    assert [len(items) for items in handled] == [5]
    assert built == []
    assert exporter.get_finished_spans() == ()
    assert not hasattr(app_client.app, "_is_instrumented_by_opentelemetry") or \
        not app_client.app._is_instrumented_by_opentelemetry  # type: ignore[attr-defined]


def test_otlp_by_setting_names_the_service_and_off_is_the_default(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trace, "set_tracer_provider", lambda provider: None)
    tracing.configure(ServiceSettings(service_name="eligibility"))
    assert tracing.tracer is None

    monkeypatch.setenv("CLEARWAY_TRACING", "otlp")
    settings = ServiceSettings(service_name="eligibility")
    assert settings.tracing == "otlp"
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    tracing.configure(settings)
    assert tracing.tracer is None

    monkeypatch.delenv("OTEL_SDK_DISABLED")
    tracing.configure(settings)
    try:
        provider = tracing._provider
        assert provider is not None
        assert provider.resource.attributes["service.name"] == "clearway-eligibility"
    finally:
        tracing.disable()
        provider.shutdown()
    assert tracing.tracer is None
