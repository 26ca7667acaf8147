"""OpenTelemetry traces for every service, set up once per process.

Off by default: `tracer` stays None, and the hot paths (`BatchConsumer`, the outbox relay)
test it and build nothing, no span and no link. `CLEARWAY_TRACING=otlp` (the settings'
`tracing`) turns it on when a service's `Runtime` is built: an SDK tracer provider named
`clearway-<service>`, spans sent in batches by the OTLP/HTTP exporter, which reads the
standard `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT`, `_HEADERS`, ... itself (sampling:
`OTEL_TRACES_SAMPLER`); `OTEL_SDK_DISABLED=true` keeps it off. Then:

- each consumed batch is one span (`consumed_batch`) linked to the `traceparent` of its
  first `MAX_LINKS` records; no span per record;
- each batch the outbox relay sends is one span (`published_batch`);
- FastAPI server spans (`instrument_app`), SQLAlchemy statement spans (`instrument_engine`:
  the statement with its placeholders, never the bound values; only inside a request's or
  a batch's trace) and httpx client spans.

No personal data goes into a span: batch spans carry topics and counts only (no key, no
subject id), and an HTTP server span's path is the route's template
(`/v1/subjects/{subject_id}/decisions`), never the request's path or query (`name_route`).
Tests record into a provider of their own with `enable(provider)` and stop with
`disable()`; the benchmark (`--phases tracing`) runs workers with `otlp` to a local sink."""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from weakref import WeakSet

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanContext, SpanKind, TraceFlags, Tracer

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import TracerProvider
    from sqlalchemy import Engine

    from clearway.common.kafka import Incoming
    from clearway.common.settings import ServiceSettings

MAX_LINKS = 128  # links per batch span: the first records' traceparents (the SDK's own cap)

tracer: Tracer | None = None  # None: tracing is off (the hot paths test this, nothing else)
_provider: TracerProvider | None = None
_engines: WeakSet[Engine] = WeakSet()

# The attributes of an HTTP server span that hold the request's own path or query (a
# subject id, a record id), old and new semantic conventions.
_PATH_ATTRIBUTES = ("http.target", "url.path")
_URL_ATTRIBUTES = ("http.url", "url.full")
_QUERY_ATTRIBUTES = ("url.query",)


def configure(settings: ServiceSettings) -> None:
    """Turn tracing on for this process as `settings.tracing` says; a no-op when it is off
    or already on (the first service built in a process names it)."""
    if tracer is not None or settings.tracing == "off":
        return
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import SpanLimits, TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # Statements of many rows are long (a placeholder per value): cut at 2,048 characters
    # unless OTEL_(SPAN_)ATTRIBUTE_VALUE_LENGTH_LIMIT says otherwise.
    limited = any(os.environ.get(f"OTEL_{kind}ATTRIBUTE_VALUE_LENGTH_LIMIT")
                  for kind in ("", "SPAN_"))
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: f"clearway-{settings.service_name}"}),
        span_limits=SpanLimits() if limited else SpanLimits(max_span_attribute_length=2048))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    enable(provider)


def enable(provider: TracerProvider) -> None:
    """Record spans through `provider` from now on (configure, tests, the benchmark)."""
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    global tracer, _provider
    disable()
    _provider = provider
    tracer = provider.get_tracer("clearway.common")
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)


def disable() -> None:
    """Stop recording: the hot paths build nothing again; engines and httpx are no longer
    instrumented (an app instrumented before keeps its provider, which no longer exports
    once shut down by its owner)."""
    global tracer, _provider
    if tracer is None:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

    tracer, _provider = None, None
    HTTPXClientInstrumentor().uninstrument()
    EngineTracer.remove_all_event_listeners()
    _engines.clear()


def instrument_engine(engine: Engine) -> None:
    """A span per SQL statement of `engine` (statement text with placeholders, never the
    bound values); nothing when tracing is off."""
    if _provider is None or engine in _engines:
        return
    # The instrumentor's own `instrument(engine=...)` works once per process and refuses
    # SQLAlchemy 2.1 by its declared range; its engine tracer (event listeners) works.
    from opentelemetry.instrumentation.sqlalchemy import __version__
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import get_meter

    meter = get_meter("opentelemetry.instrumentation.sqlalchemy", __version__)
    usage = meter.create_up_down_counter("db.client.connections.usage", unit="connections")
    EngineTracer(_InTracesOnly(trace.get_tracer("opentelemetry.instrumentation.sqlalchemy",
                                                __version__, _provider)), engine, usage)
    _engines.add(engine)


class _InTracesOnly(Tracer):
    """A tracer of statement spans inside a trace only (a request's, a batch's): outside
    one, the relay's polls, the readiness checks, the /metrics scrapes and the checkpointer
    would each start a trace of one statement, several a second on an idle service."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    def start_span(self, name: str, context: Context | None = None,
                   *args: Any, **kwargs: Any) -> Span:
        if not trace.get_current_span(context).get_span_context().is_valid:
            return trace.INVALID_SPAN
        return self._tracer.start_span(name, context, *args, **kwargs)

    @contextmanager  # the API's own (an "agnostic" context manager) is private
    def start_as_current_span(self, name: str,  # type: ignore[override]
                              context: Context | None = None,
                              *args: Any, end_on_exit: bool = True,
                              **kwargs: Any) -> Iterator[Span]:
        with trace.use_span(self.start_span(name, context, *args, **kwargs),
                            end_on_exit=end_on_exit) as span:
            yield span


def instrument_app(app: FastAPI) -> None:
    """A server span per request (not /healthz, /readyz, /metrics); nothing when off."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=_provider, excluded_urls="/healthz,/readyz,/metrics",
        exclude_spans=["receive", "send"], server_request_hook=_hide_request_path)


def _hide_request_path(span: Span, scope: Mapping[str, Any]) -> None:
    """Before anything else sees the server span: no path, URL or query of the request."""
    _set_route(span, "", scope)


def name_route(template: str, scope: Mapping[str, Any]) -> None:
    """Give the current server span the route's template as its path (the app's request
    middleware calls this once the route is known)."""
    span = trace.get_current_span()
    if span.is_recording():
        _set_route(span, template, scope)


def _set_route(span: Span, template: str, scope: Mapping[str, Any]) -> None:
    present = getattr(span, "attributes", None) or {}
    for name in _PATH_ATTRIBUTES:
        if name in present:
            span.set_attribute(name, template)
    for name in _URL_ATTRIBUTES:
        if name in present:
            span.set_attribute(name, f"{scope.get('scheme', 'http')}://"
                                     f"{_host(scope)}{template}")
    for name in _QUERY_ATTRIBUTES:
        if name in present:
            span.set_attribute(name, "")


def _host(scope: Mapping[str, Any]) -> str:
    server = scope.get("server")
    return f"{server[0]}:{server[1]}" if server else ""


def span_context(traceparent: str | None) -> SpanContext | None:
    """The span a W3C `traceparent` names, or None when it is missing or malformed."""
    if not traceparent:
        return None
    parts = traceparent.split("-")
    if (len(parts) < 4 or len(parts[0]) != 2 or parts[0] == "ff" or len(parts[1]) != 32
            or len(parts[2]) != 16 or len(parts[3]) != 2):
        return None
    try:
        trace_id, span_id, flags = int(parts[1], 16), int(parts[2], 16), int(parts[3], 16)
    except ValueError:
        return None
    if not trace_id or not span_id:
        return None
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(flags & 1))


def links_to(items: Sequence[Incoming], limit: int = MAX_LINKS) -> list[Link]:
    """Links to the traceparents of the first records that carry a valid one."""
    links: list[Link] = []
    for item in items:
        envelope = item.envelope
        context = span_context(envelope.traceparent) if envelope is not None else None
        if context is not None:
            links.append(Link(context))
            if len(links) >= limit:
                break
    return links


@contextmanager
def consumed_batch(topics: Sequence[str], partitions: int, records: int,
                   items: Sequence[Incoming], group: str | None = None) -> Iterator[None]:
    """One consumer span around a batch's handler, linked to its records' traces. Only
    counts and topic names: no key, no subject id, no value."""
    assert tracer is not None, "tracing is off: test tracing.tracer first"
    links = links_to(items)
    names = sorted(set(topics))
    attributes: dict[str, Any] = {
        "messaging.system": "kafka",
        "messaging.operation.name": "process",
        "messaging.operation.type": "process",
        "messaging.destination.name": ",".join(names),
        "messaging.batch.message_count": len(items),
        "clearway.batch.records": records,
        "clearway.batch.partitions": partitions,
        "clearway.batch.links": len(links),
    }
    if group:
        attributes["messaging.consumer.group.name"] = group
    with tracer.start_as_current_span(
            f"process {' '.join(names)}", kind=SpanKind.CONSUMER, links=links,
            attributes=attributes, record_exception=False):
        yield


@contextmanager
def published_batch(topics: Sequence[str], records: int) -> Iterator[None]:
    """One producer span around a batch the outbox relay sends: topics and a count."""
    assert tracer is not None, "tracing is off: test tracing.tracer first"
    names = sorted(set(topics))
    with tracer.start_as_current_span(
            f"send {' '.join(names)}", kind=SpanKind.PRODUCER, record_exception=False,
            attributes={"messaging.system": "kafka", "messaging.operation.name": "send",
                        "messaging.operation.type": "send",
                        "messaging.destination.name": ",".join(names),
                        "messaging.batch.message_count": records}):
        yield
