"""court.records.v1 + eligibility.decisions.v1 -> motions (PDF) -> store + outbox.

The consumer hands each batch here and commits its offsets only after `process` returns,
so a crash re-delivers the batch; the store ignores what it has already applied (records by
court + event_id, decisions by version), so a re-delivered batch stages no new motion and
no new event."""
from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

from clearway.common.db import retrying
from clearway.common.events import Decision, RecordEvent
from clearway.common.kafka import Handler, Incoming
from clearway.filing.adapters.documents import DocumentStore
from clearway.filing.adapters.pdf import render_motion_pdf
from clearway.filing.domain.motion import MotionContent
from clearway.filing.store import FilingStore


def pdf_renderer(documents: DocumentStore) -> Callable[[MotionContent], str]:
    """Render a motion's PDF into the document store; returns its SHA-256."""

    def render(content: MotionContent) -> str:
        return documents.put(render_motion_pdf(content), "pdf")

    return render


def filing_handler(store: FilingStore, documents: DocumentStore,
                   on_commit: Callable[[], None]) -> Handler:
    render = pdf_renderer(documents)

    async def handle(items: list[Incoming]) -> None:
        records = [i.event for i in items if isinstance(i.event, RecordEvent)]
        decisions = [i.event for i in items if isinstance(i.event, Decision)]
        now = dt.datetime.now(dt.UTC)
        staged = await asyncio.to_thread(
            retrying, lambda: store.process(records, decisions, render, now))
        if staged:
            on_commit()

    return handle
