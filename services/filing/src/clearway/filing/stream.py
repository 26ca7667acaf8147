"""court.records.v1 + eligibility.decisions.v1 -> motions (PDF) -> store + outbox."""
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
