"""The consumer's handler: consumed batches in, motions and PDFs out, redelivery absorbed."""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import func, select

from clearway.common.db import make_engine
from clearway.common.kafka import Incoming
from clearway.common.topics import DECISIONS, RECORDS
from clearway.filing.adapters.documents import FolderDocumentStore
from clearway.filing.store import FilingStore, outbox
from clearway.filing.stream import filing_handler, pdf_renderer
from tests.filing.builders import NOW, count, decision, disposition


def incoming(*events: BaseModel) -> list[Incoming]:
    return [Incoming(RECORDS if hasattr(e, "event_id") else DECISIONS, 0, offset,
                     "S1", e, None) for offset, e in enumerate(events)]


def outbox_rows(store: FilingStore) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(outbox)).scalar_one()


async def test_a_redelivered_batch_makes_no_second_motion_or_event(tmp_path: Path) -> None:
    store = FilingStore(make_engine(f"sqlite:///{tmp_path / 'filing.db'}"))
    documents = FolderDocumentStore(tmp_path / "documents")
    commits: list[int] = []
    handle = filing_handler(store, pdf_renderer(documents), lambda: commits.append(1))
    batch = incoming(disposition(), decision())

    await handle(batch)
    await handle(batch)
    await handle(batch[::-1])

    (motion,) = store.motions_of("CA-LA")
    assert motion.status == "ready" and documents.exists(motion.document_sha256 or "", "pdf")
    assert outbox_rows(store) == 2
    assert len(commits) == 1  # the relay is woken only when something was staged


def test_parallel_rendering_gives_the_same_documents_as_rendering_in_process(
        tmp_path: Path) -> None:
    cases = [(disposition(f"S{i}", f"BA{i}", counts=[count(1), count(2, "HS 11357(a)")]),
              [decision(f"S{i}", f"BA{i}", 1), decision(f"S{i}", f"BA{i}", 2,
                                                         "dismiss_and_seal",
                                                         statute="HS 11357(a)")])
             for i in range(6)]
    hashes = []
    for n in (1, 2):
        store = FilingStore(make_engine(f"sqlite:///{tmp_path / f'filing-{n}.db'}"))
        renderer = pdf_renderer(FolderDocumentStore(tmp_path / f"documents-{n}"), workers=n)
        try:
            store.process([r for r, _ in cases], [d for _, ds in cases for d in ds], renderer,
                          NOW)
        finally:
            renderer.close()
        hashes.append(sorted((m.case_number, m.document_sha256)
                             for m in store.motions_of("CA-LA", "ready")))
    assert len(hashes[0]) == 6
    assert hashes[0] == hashes[1]
