"""court.records.v1 + eligibility.decisions.v1 -> contacts, deaths and notices in the store.

One transaction per consumed batch; the consumer commits its offsets after it, so a
redelivered batch finds every record and decision already applied (dedupe on
court + event_id, on decision versions and on notice keys) and changes nothing."""
from __future__ import annotations

import asyncio
from collections.abc import Callable

from clearway.common.db import retrying
from clearway.common.events import Decision, RecordEvent
from clearway.common.kafka import Handler, Incoming
from clearway.notify.store import NotifyStore


def notify_handler(store: NotifyStore, on_new_notices: Callable[[], None]) -> Handler:
    async def handle(items: list[Incoming]) -> None:
        records = [i.event for i in items if isinstance(i.event, RecordEvent)]
        decisions = [i.event for i in items if isinstance(i.event, Decision)]
        created = await asyncio.to_thread(retrying, lambda: store.process(records, decisions))
        if created:
            on_new_notices()

    return handle
