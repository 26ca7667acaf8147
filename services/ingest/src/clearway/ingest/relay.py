"""Ingest's outbox relay: the shared relay (clearway.common.outbox) with what durability
of court records needs on top of it.

- It never produces to a topic the cluster does not have. A broker that restarted empty
  (the embedded broker always does) would otherwise auto-create `court.records.v1` with
  its default partition count on the first send; nothing may rely on auto-create. The
  relay checks the topics with a metadata request that creates nothing, and waits (the
  outbox keeps the rows) until they are provisioned.
- A send that fails for some rows marks the others published, so a retry re-sends only
  what did not arrive (fewer duplicates on the topic).
- Claiming rows skips rows another relay is claiming at the same moment (PostgreSQL
  `FOR UPDATE SKIP LOCKED`; SQLite serialises writers already), so two relays never both
  take the same row.
- The lease is a setting (`CLEARWAY_INGEST_OUTBOX_LEASE_SECONDS`): rows a killed process
  had claimed are taken over when it runs out.
- Draining at shutdown stops the relay loop first, so the two never send the same row.
- Retries back off to at most 2 s (a metadata request against a broker that is away costs
  next to nothing), so publishing resumes within about 2 s of the broker's return.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer
from sqlalchemy import Engine, Table, and_, or_, select, update

from clearway.common import metrics as common_metrics
from clearway.common.kafka import make_producer
from clearway.common.outbox import OutboxRelay, outbox_depth
from clearway.common.runtime import Runtime
from clearway.common.settings import ServiceSettings

log = logging.getLogger(__name__)


class TopicsMissing(RuntimeError):
    def __init__(self, topics: set[str]) -> None:
        super().__init__("topics missing: " + ", ".join(sorted(topics)))
        self.topics = sorted(topics)


class IngestRelay(OutboxRelay):
    def __init__(
        self,
        engine: Engine,
        table: Table,
        producer: AIOKafkaProducer,
        *,
        lease_seconds: float = 30.0,
        batch_size: int = 2000,
        idle_wait: float = 0.2,
        max_backoff: float = 2.0,
    ) -> None:
        super().__init__(engine, table, producer, batch_size=batch_size, idle_wait=idle_wait)
        self.lease_seconds = lease_seconds
        self.max_backoff = max_backoff
        self.missing_topics: list[str] = []
        self._running = False
        self._stopped = asyncio.Event()
        self._stop_requested = asyncio.Event()

    def stop(self) -> None:
        super().stop()
        self._stop_requested.set()

    async def run(self) -> None:
        self._running = True
        self._stopped.clear()
        delay = 0.2
        try:
            while not self._stopping:
                try:
                    sent = await self.publish_once()
                    self.healthy, self.last_error, delay = True, None, 0.2
                    self.missing_topics = []
                except Exception as exc:  # broker, topics or database away: keep the rows
                    self.healthy, self.last_error = False, type(exc).__name__
                    extra: dict[str, Any] = {"error": type(exc).__name__, "retry_in_s": delay}
                    if isinstance(exc, TopicsMissing):
                        self.missing_topics = exc.topics
                        extra["missing_topics"] = exc.topics
                    log.warning("outbox relay could not publish; retrying", extra=extra)
                    # Back off: new rows do not cut this short (every accepted request would
                    # wake it against a broker that is away), only a stop does.
                    await self._sleep_unless_stopped(delay)
                    delay = min(delay * 2, self.max_backoff)
                    continue
                if sent == 0:
                    await self._pause(self.idle_wait)
        finally:
            self._running = False
            self._stopped.set()

    async def _sleep_unless_stopped(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stop_requested.wait(), seconds)
        except TimeoutError:
            pass

    async def _pause(self, seconds: float) -> None:
        """Sleep, waking early for new rows or a stop."""
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass
        self._wake.clear()

    async def drain(self, timeout: float = 10.0) -> None:
        """Stop the loop, then publish until nothing is left or the time is up."""
        deadline = time.monotonic() + timeout
        self.stop()
        if self._running:
            try:
                await asyncio.wait_for(self._stopped.wait(), timeout)
            except TimeoutError:
                return
        while time.monotonic() < deadline:
            try:
                if await self.publish_once() == 0:
                    return
            except Exception:
                await asyncio.sleep(0.2)

    async def _require_topics(self, topics: set[str]) -> None:
        # A metadata request for every topic: it creates nothing (one naming a topic may).
        cluster = await self.producer.client.fetch_all_metadata()
        missing = topics - set(cluster.topics())
        if missing:
            raise TopicsMissing(missing)

    async def publish_once(self) -> int:
        rows = await asyncio.to_thread(self._claim)
        if not rows:
            return 0
        await self._require_topics({row.topic for row in rows})
        futures: list[asyncio.Future[Any]] = []
        failure: BaseException | None = None
        try:
            for row in rows:
                headers = [(k, v.encode()) for k, v in orjson.loads(row.headers)]
                key = row.key.encode() if row.key is not None else None
                futures.append(await self.producer.send(row.topic, row.value, key=key,
                                                        headers=headers))
        except Exception as exc:  # rows not handed to the producer are retried later
            failure = exc
        results = await asyncio.gather(*futures, return_exceptions=True)
        # Fewer results than rows when the producer refused a send part-way through.
        sent = list(zip(rows, results, strict=False))
        done = [(row.id, meta.partition, meta.offset)
                for row, meta in sent if not isinstance(meta, BaseException)]
        if done:
            await asyncio.to_thread(self._mark_published, done)
            for row, meta in sent:
                if not isinstance(meta, BaseException):
                    common_metrics.EVENTS_PRODUCED.labels(row.topic).inc()
            self.published += len(done)
        failure = failure or next((r for r in results if isinstance(r, BaseException)), None)
        if failure is not None:
            raise failure
        return len(rows)

    def _claim(self) -> list:  # type: ignore[type-arg]
        t = self.table
        now = time.time()
        with self.engine.begin() as conn:
            candidates = (
                select(t.c.id)
                .where(and_(
                    t.c.published_at.is_(None),
                    or_(t.c.lease_until.is_(None), t.c.lease_until < now,
                        t.c.lease_owner == self.owner),
                ))
                .order_by(t.c.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            )
            ids = [r[0] for r in conn.execute(candidates)]
            if not ids:
                return []
            conn.execute(update(t).where(t.c.id.in_(ids)).values(
                lease_owner=self.owner, lease_until=now + self.lease_seconds))
            return list(conn.execute(
                select(t.c.id, t.c.topic, t.c.key, t.c.value, t.c.headers)
                .where(t.c.id.in_(ids)).order_by(t.c.id)
            ))


class IngestRuntime(Runtime):
    """The shared runtime, with the ingest relay in place of the shared one."""

    def __init__(self, settings: ServiceSettings, engine: Engine, outbox: Table,
                 lease_seconds: float = 30.0) -> None:
        super().__init__(settings, engine, outbox=outbox)
        self.lease_seconds = lease_seconds

    async def _connect_and_run(self) -> None:
        delay = 0.5
        name = self.settings.service_name
        while not self._stopping:
            producer = make_producer(self.settings.kafka_bootstrap_servers, f"clearway-{name}")
            try:
                await producer.start()
                break
            except Exception as exc:
                await producer.stop()
                log.warning("broker unreachable; retrying",
                            extra={"error": type(exc).__name__, "retry_in_s": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        else:
            return
        self.producer = producer
        self.connected = True
        assert self.outbox is not None
        self.relay = IngestRelay(self.engine, self.outbox, producer,
                                 lease_seconds=self.lease_seconds)
        self.workers.spawn(f"{name}-relay", self.relay.run())

    def refresh_outbox_gauges(self) -> None:
        """Outbox depth and oldest age, for /metrics (called on each scrape)."""
        assert self.outbox is not None
        depth, age = outbox_depth(self.engine, self.outbox)
        common_metrics.OUTBOX_DEPTH.set(depth)
        common_metrics.OUTBOX_OLDEST_AGE.set(age or 0)


async def drain_outbox(engine: Engine, table: Table, bootstrap_servers: str,
                       client_id: str, timeout: float | None = None) -> int:
    """Publish every unpublished row now (the `replay` command); waits for rows another
    running relay holds. Returns how many rows this call published."""
    producer = make_producer(bootstrap_servers, client_id)
    await producer.start()
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        relay = IngestRelay(engine, table, producer, lease_seconds=30.0)
        delay = 0.2
        while deadline is None or time.monotonic() < deadline:
            try:
                if await relay.publish_once():
                    delay = 0.2
                    continue
            except Exception as exc:
                log.warning("replay could not publish; retrying",
                            extra={"error": type(exc).__name__})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            if (await asyncio.to_thread(outbox_depth, engine, table))[0] == 0:
                return relay.published
            await asyncio.sleep(0.2)  # rows leased by a running service's relay
        raise TimeoutError("rows still unpublished when the time ran out")
    finally:
        await producer.stop()
