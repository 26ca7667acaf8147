"""Building a court's bulk motion: stream every ready motion into one PDF and CSV."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from clearway.filing.adapters.documents import FolderDocumentStore
from clearway.filing.adapters.pdf import write_bulk_motion
from clearway.filing.domain.lifecycle import bulk_motion_id
from clearway.filing.domain.motion import exhibit_row
from clearway.filing.store import FilingStore


class NothingToFile(Exception):
    pass


@dataclass(frozen=True)
class BulkResult:
    bulk_motion_id: str
    court: str
    motion_count: int
    pages: int
    document_sha256: str
    csv_sha256: str
    seconds: float


def build_bulk_motion(store: FilingStore, documents: FolderDocumentStore, court: str,
                      today: dt.date | None = None) -> BulkResult:
    started = time.perf_counter()
    today = today or dt.date.today()
    ids = store.ready_ids(court)
    if not ids:
        raise NothingToFile(f"no ready motions for {court}")
    wanted = set(ids)
    pdf_tmp, csv_tmp = documents.scratch(), documents.scratch()
    try:
        with pdf_tmp.open("wb") as pdf_out, csv_tmp.open("w", newline="", encoding="utf-8") as csv_out:
            rows = (exhibit_row(c) for mid, c in store.ready_contents(court, today) if mid in wanted)
            summary = write_bulk_motion(court, rows, today, pdf_out, csv_out)
        pdf_sha = documents.put_file(pdf_tmp, "pdf")
        csv_sha = documents.put_file(csv_tmp, "csv")
    finally:
        for tmp in (pdf_tmp, csv_tmp):
            tmp.unlink(missing_ok=True)
    bulk_id = bulk_motion_id(court, store.bulk_count(court))
    seconds = time.perf_counter() - started
    store.record_bulk(bulk_id, court, sorted(wanted), summary.pages, pdf_sha, csv_sha, seconds,
                      dt.datetime.now(dt.UTC))
    return BulkResult(bulk_id, court, summary.motion_count, summary.pages, pdf_sha, csv_sha,
                      seconds)
