"""court.records.v1 -> history -> rules -> store + outbox (one transaction per batch)."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from clearway.common.db import retrying
from clearway.common.events import RecordEvent
from clearway.common.kafka import Handler, Incoming
from clearway.eligibility.store import EligibilityStore

log = logging.getLogger(__name__)


def records_handler(store: EligibilityStore, on_commit: Callable[[], None]) -> Handler:
    async def handle(items: list[Incoming]) -> None:
        events = [i.event for i in items if isinstance(i.event, RecordEvent)]
        # Decisions continue the trace of the record that caused them (W3C trace context).
        traces = {i.key: i.envelope.traceparent for i in items if i.key and i.envelope}
        now = dt.datetime.now(dt.UTC)
        published = await asyncio.to_thread(retrying, lambda: store.process(events, now, traces))
        if published:
            on_commit()
        log.info("batch decided", extra={"records": len(events), "decisions": len(published)})

    return handle
