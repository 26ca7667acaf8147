"""court.records.v1 + eligibility.decisions.v1 -> motions (PDF) -> store + outbox.

The consumer hands each batch here and commits its offsets only after `process` returns,
so a crash re-delivers the batch; the store ignores what it has already applied (records by
court + event_id, decisions by version), so a re-delivered batch stages no new motion and
no new event."""
from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from clearway.common.db import retrying
from clearway.common.events import Decision, RecordEvent
from clearway.common.kafka import Handler, Incoming
from clearway.common.pdf_fonts import FontSpec
from clearway.filing.adapters.documents import DocumentStore
from clearway.filing.adapters.pdf import configure_fonts, render_motion_pdf
from clearway.filing.domain.motion import MotionContent
from clearway.filing.store import FilingStore, Render


class PdfRenderer:
    """Renders motion PDFs into the document store and returns their SHA-256.

    One PDF takes tens of milliseconds (fpdf2 line breaking), so with `workers` > 1 a batch
    (`many`) is rendered by a pool of that many processes (spawned, not forked: the service
    runs threads). The bytes are the same either way: rendering is deterministic."""

    def __init__(self, documents: DocumentStore, workers: int = 1,
                 fonts: tuple[FontSpec, ...] | None = None) -> None:
        self.documents = documents
        self.workers = workers
        self.fonts = fonts  # for the pool's workers; this process: `configure_fonts`
        self._pool: ProcessPoolExecutor | None = None

    def __call__(self, content: MotionContent) -> str:
        return self.documents.put(render_motion_pdf(content), "pdf")

    def many(self, contents: Sequence[MotionContent]) -> list[str]:
        if self.workers <= 1 or len(contents) < 2:
            return [self(c) for c in contents]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers,
                                             mp_context=multiprocessing.get_context("spawn"),
                                             initializer=configure_fonts,
                                             initargs=(self.fonts,))
        chunk = max(1, min(16, len(contents) // (self.workers * 4)))
        return [self.documents.put(pdf, "pdf")
                for pdf in self._pool.map(render_motion_pdf, contents, chunksize=chunk)]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def pdf_renderer(documents: DocumentStore, workers: int = 1,
                 fonts: tuple[FontSpec, ...] | None = None) -> PdfRenderer:
    return PdfRenderer(documents, workers, fonts)


def filing_handler(store: FilingStore, render: Render,
                   on_commit: Callable[[], None]) -> Handler:
    async def handle(items: list[Incoming]) -> None:
        records = [i.event for i in items if isinstance(i.event, RecordEvent)]
        decisions = [i.event for i in items if isinstance(i.event, Decision)]
        now = dt.datetime.now(dt.UTC)
        staged = await asyncio.to_thread(
            retrying, lambda: store.process(records, decisions, render, now))
        if staged:
            on_commit()

    return handle
