"""Prometheus metrics every service exposes on GET /metrics. Labels carry topics, reasons
and channels, never personal data."""
from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_CONSUMED = Counter(
    "clearway_events_consumed_total", "Records consumed", ["topic"]
)
EVENTS_PRODUCED = Counter(
    "clearway_events_produced_total", "Records produced (outbox relay and DLQ)", ["topic"]
)
DLQ_MESSAGES = Counter(
    "clearway_dlq_messages_total", "Records sent to a dead-letter topic", ["topic", "error"]
)
EVENTS_REJECTED_SOURCE = Counter(
    "clearway_events_rejected_source_total",
    "Records refused (and dead-lettered) because their ce_source is not the topic's writer",
    ["topic"],
)
PROCESSING_SECONDS = Histogram(
    "clearway_batch_processing_seconds", "Time to process one consumed batch", ["topic"]
)
CONSUMER_LAG = Gauge(
    "clearway_consumer_lag", "Fetch high watermark minus position", ["topic", "partition"]
)
OUTBOX_DEPTH = Gauge("clearway_outbox_depth", "Outbox rows not yet published")
OUTBOX_OLDEST_AGE = Gauge(
    "clearway_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row"
)
HTTP_REQUESTS = Counter(
    "clearway_http_requests_total", "HTTP requests", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "clearway_http_request_seconds", "HTTP request latency", ["method", "route"]
)
