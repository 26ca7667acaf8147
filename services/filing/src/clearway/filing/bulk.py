"""A court's bulk motion: every ready motion of the court in one cover motion, proposed
order and Exhibit A (PDF pages and CSV), built by streaming the rows from the store into
the PDF and CSV writers: memory does not grow with the number of cases.

The rows come from one read snapshot; the motions listed are then moved to
`included_in_bulk` in one transaction, which checks each is still ready. If the stream
changed one meanwhile (a superseding decision withdrew it), the document would list a case
the People no longer ask for: the build is discarded and run again (`BulkConflict`).
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from clearway.filing.adapters.documents import DocumentStore
from clearway.filing.adapters.pdf import write_bulk_motion
from clearway.filing.domain.motion import ExhibitRow, exhibit_row
from clearway.filing.store import BulkConflict, FilingStore

log = logging.getLogger(__name__)


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
    prepared_on: dt.date

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["prepared_on"] = self.prepared_on.isoformat()
        return d


def build_bulk_motion(store: FilingStore, documents: DocumentStore, court: str,
                      today: dt.date | None = None, attempts: int = 3) -> BulkResult:
    """Build, store and record the bulk motion of every ready motion of `court`.
    NothingToFile when the court has none; BulkConflict when motions kept changing."""
    started = time.perf_counter()
    today = today or dt.date.today()
    for attempt in range(1, attempts + 1):
        if not store.has_ready(court):
            raise NothingToFile(f"no ready motions for {court}")
        listed: list[str] = []

        def rows(listed: list[str] = listed) -> Iterator[ExhibitRow]:
            for mid, content in store.ready_contents(court, today):
                listed.append(mid)
                yield exhibit_row(content)

        pdf_tmp, csv_tmp = documents.scratch(), documents.scratch()
        try:
            with pdf_tmp.open("wb") as pdf_out, \
                    csv_tmp.open("w", newline="", encoding="utf-8") as csv_out:
                try:
                    summary = write_bulk_motion(court, rows(), today, pdf_out, csv_out)
                except ValueError:  # no rows after all: withdrawn since has_ready
                    continue
            pdf_sha = documents.put_file(pdf_tmp, "pdf")
            csv_sha = documents.put_file(csv_tmp, "csv")
        finally:
            pdf_tmp.unlink(missing_ok=True)
            csv_tmp.unlink(missing_ok=True)
        try:
            bulk_id, seconds = store.commit_bulk(court, listed, summary.pages, pdf_sha, csv_sha,
                                                 started, today, dt.datetime.now(dt.UTC))
        except BulkConflict as exc:
            log.warning("bulk motion changed while building; building again",
                        extra={"court": court, "attempt": attempt, "error": str(exc)})
            if attempt == attempts:
                raise
            continue
        log.info("bulk motion built", extra={"court": court, "bulk_motion_id": bulk_id,
                                             "cases": summary.motion_count,
                                             "pages": summary.pages, "seconds": seconds})
        return BulkResult(bulk_id, court, summary.motion_count, summary.pages, pdf_sha, csv_sha,
                          seconds, today)
    raise NothingToFile(f"no ready motions for {court}")
