"""One shape for every service process: a store, an optional outbox relay, an optional
consumer loop, all started beside the HTTP app and stopped cleanly on SIGTERM.

Connecting to the broker is retried in the background, so a service starts (and ingest
keeps accepting) while the broker is away."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiokafka import AIOKafkaProducer
from pydantic import BaseModel
from sqlalchemy import Engine, Table

from clearway.common import metrics, tracing
from clearway.common.http import Workers
from clearway.common.kafka import BatchConsumer, Handler, make_producer
from clearway.common.outbox import OutboxRelay, outbox_depth
from clearway.common.settings import ServiceSettings
from clearway.common.topics import missing_topics

log = logging.getLogger(__name__)


class Runtime:
    def __init__(
        self,
        settings: ServiceSettings,
        engine: Engine,
        outbox: Table | None = None,
        consumes: dict[str, type[BaseModel]] | None = None,
        handler: Handler | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        tracing.configure(settings)  # off by default; once per process
        tracing.instrument_engine(engine)
        self.outbox = outbox
        self.consumes = consumes or {}
        self.handler = handler
        self.workers = Workers()
        self.producer: AIOKafkaProducer | None = None
        self.relay: OutboxRelay | None = None
        self.consumer: BatchConsumer | None = None
        self.connected = False
        self._stopping = False
        self._stop_event = asyncio.Event()
        self._topics_ok_at = 0.0
        self.workers.on_start(self._start)
        self.workers.on_stop(self._stop)

    def wake_relay(self) -> None:
        if self.relay is not None:
            self.relay.wake()

    async def _start(self) -> None:
        self.workers.spawn(f"{self.settings.service_name}-connect", self._connect_and_run())

    async def _connect_and_run(self) -> None:
        delay = 0.5
        name = self.settings.service_name
        while not self._stopping:
            producer = make_producer(self.settings.kafka_bootstrap_servers, f"clearway-{name}",
                                     self.settings.kafka_security)
            try:
                await producer.start()
                break
            except Exception as exc:
                await producer.stop()
                log.warning("broker unreachable; retrying",
                            extra={"error": type(exc).__name__, "retry_in_s": delay})
                await self._pause(delay)
                delay = min(delay * 2, 5.0)
        else:
            return
        self.producer = producer
        self.connected = True
        if self.outbox is not None:
            # A relay sends as many rows at once as the service consumes in a batch:
            # eligibility's 5,000 records make about 3,900 decisions, sent with one
            # "published" update instead of two (x1 and x2 4-6 % faster, bench/README.md).
            self.relay = OutboxRelay(self.engine, self.outbox, producer,
                                     bootstrap_servers=self.settings.kafka_bootstrap_servers,
                                     lease_seconds=self.settings.outbox_lease_seconds,
                                     security=self.settings.kafka_security,
                                     batch_size=self.settings.batch_max_records)
            self.workers.spawn(f"{name}-relay", self.relay.run())
        if self.consumes and self.handler is not None:
            await self._start_consumer()

    async def _start_consumer(self) -> None:
        assert self.producer is not None and self.handler is not None
        delay = 0.5
        while not self._stopping:
            consumer = BatchConsumer(
                bootstrap_servers=self.settings.kafka_bootstrap_servers,
                group_id=self.settings.group_id,
                topics=self.consumes,
                handler=self.handler,
                producer=self.producer,
                client_id=f"clearway-{self.settings.service_name}",
                session_timeout_ms=self.settings.session_timeout_ms,
                max_records=self.settings.batch_max_records,
                security=self.settings.kafka_security,
            )
            try:
                # Joining a group can take seconds: a stop must not wait for it.
                joining = asyncio.ensure_future(consumer.start())
                stop = asyncio.ensure_future(self._stop_event.wait())
                await asyncio.wait({joining, stop}, return_when=asyncio.FIRST_COMPLETED)
                if not joining.done():
                    joining.cancel()
                    with contextlib.suppress(BaseException):
                        await joining
                    with contextlib.suppress(Exception):
                        await consumer.consumer.stop()  # the aiokafka consumer, half-joined
                    return
                stop.cancel()
                joining.result()
            except Exception as exc:
                log.warning("consumer could not start; retrying",
                            extra={"error": type(exc).__name__})
                await self._pause(delay)
                delay = min(delay * 2, 5.0)
                continue
            self.consumer = consumer
            self.workers.spawn(f"{self.settings.service_name}-consumer", consumer.run())
            return

    async def _pause(self, seconds: float) -> None:
        """Back off, but wake at once on shutdown."""
        try:
            await asyncio.wait_for(self._stop_event.wait(), seconds)
        except TimeoutError:
            pass

    async def _stop(self) -> None:
        self._stopping = True
        self._stop_event.set()
        if self.consumer is not None:
            await self.consumer.stop()
            await self._finish("-consumer")  # the batch in flight commits
        if self.relay is not None:
            self.relay.stop()
            await self._finish("-relay")
            await self.relay.drain(timeout=5.0)
        if self.producer is not None:
            await self.producer.stop()

    async def _finish(self, suffix: str, timeout: float = 10.0) -> None:
        for task in self.workers.tasks:
            if task.get_name().endswith(suffix):
                try:
                    await asyncio.wait_for(asyncio.shield(task), timeout)
                except Exception:
                    pass

    async def ready(self) -> dict[str, object]:
        checks: dict[str, object] = {"broker": self.connected}
        store_ok = await asyncio.to_thread(self._store_ok)
        checks["store"] = store_ok
        if self.connected and time.monotonic() - self._topics_ok_at > 5:
            try:
                missing = await asyncio.to_thread(
                    missing_topics, self.settings.kafka_bootstrap_servers,
                    self.settings.kafka_security)
            except Exception:
                missing = ["<broker unreachable>"]
            checks["missing_topics"] = missing
            if not missing:
                self._topics_ok_at = time.monotonic()
        topics_ok = self.connected and time.monotonic() - self._topics_ok_at <= 5
        checks["topics"] = topics_ok
        ok = bool(self.connected and store_ok and topics_ok)
        if self.relay is not None:
            checks["relay"] = self.relay.healthy
            if self.relay.missing_topics:
                checks["relay_missing_topics"] = self.relay.missing_topics
            ok = ok and self.relay.healthy
        if self.consumes:
            assigned = self.consumer.assignment() if self.consumer else set()
            checks["partitions"] = len(assigned)
            ok = ok and bool(assigned)
        checks["ready"] = ok
        return checks

    async def refresh_metrics(self) -> None:
        """Gauges read from the store (outbox depth and age), refreshed on each scrape."""
        await asyncio.to_thread(self._store_ok)

    def _store_ok(self) -> bool:
        try:
            if self.outbox is not None:
                depth, age = outbox_depth(self.engine, self.outbox)
                metrics.OUTBOX_DEPTH.set(depth)
                metrics.OUTBOX_OLDEST_AGE.set(age or 0)
            else:
                with self.engine.connect() as conn:
                    conn.exec_driver_sql("SELECT 1")
            return True
        except Exception:
            return False
