"""court.records.v1 -> history -> rules -> store + outbox (one transaction per batch)."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from clearway.common.db import retrying
from clearway.common.events import RecordEvent
from clearway.common.kafka import Handler, Incoming
from clearway.common.outbox import OutboxRelay
from clearway.eligibility.store import EligibilityStore

log = logging.getLogger(__name__)


def records_handler(store: EligibilityStore, relay: Callable[[], OutboxRelay | None]) -> Handler:
    """`relay`: the service's outbox relay once it runs. The decisions are written leased
    to it and handed over after the commit, so it sends them without claiming them."""
    async def handle(items: list[Incoming]) -> None:
        events = [i.event for i in items if isinstance(i.event, RecordEvent)]
        # Decisions continue the trace of the record that caused them (W3C trace context).
        traces = {i.key: i.envelope.traceparent for i in items if i.key and i.envelope}
        now = dt.datetime.now(dt.UTC)
        sender = relay()
        published, handed = await asyncio.to_thread(
            retrying, lambda: store.process_leased(events, now, traces,
                                                   sender.lease if sender else None))
        if sender is not None and published:
            sender.hand_over(handed)
        log.info("batch decided", extra={"records": len(events), "decisions": len(published)})

    return handle
