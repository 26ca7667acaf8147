"""Filing's HTTP API: motions by court and status, their PDFs, bulk motions (PDF + CSV).

Reads need the `motions:read` scope, creating and filing need `motions:write`; a key acts
only for its courts. A motion or bulk motion of a court the key may not act for answers
404, as if it did not exist. So does, to a key without `sealed:read`, the motion of a case
a court ordered dismissed and sealed (and the PDF and CSV of a bulk motion listing one)."""
from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections import defaultdict
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Query
from fastapi.responses import StreamingResponse

from clearway.common.auth import KeyStore, Principal, check_court, require
from clearway.common.db import make_engine
from clearway.common.events import Decision, RecordEvent
from clearway.common.http import Problem, create_app, error_responses, problem
from clearway.common.runtime import Runtime
from clearway.common.topics import DECISIONS, RECORDS
from clearway.filing.adapters.documents import (
    DocumentMissing,
    DocumentStore,
    FolderDocumentStore,
    chunks,
)
from clearway.filing.adapters.pdf import configure_fonts
from clearway.filing.bulk import NothingToFile, build_bulk_motion
from clearway.filing.domain.lifecycle import InvalidTransition
from clearway.filing.settings import FilingSettings
from clearway.filing.store import BulkConflict, FilingStore, MotionRow, api_keys, outbox
from clearway.filing.stream import filing_handler, pdf_renderer

Reader = Annotated[Principal, Depends(require("motions:read"))]
Writer = Annotated[Principal, Depends(require("motions:write"))]
Status = Literal["draft", "ready", "included_in_bulk", "filed", "granted", "denied", "withdrawn"]


def _not_found(what: str) -> Problem:
    return problem(404, "not_found", f"no such {what}")


def _download(documents: DocumentStore, sha256: str, ext: str, media_type: str,
              filename: str) -> StreamingResponse:
    try:
        body = documents.open(sha256, ext)
    except DocumentMissing:
        raise problem(404, "document_missing",
                      f"document {sha256}.{ext} is not in the store") from None
    body.close()
    return StreamingResponse(chunks(documents, sha256, ext), media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Document-SHA256": sha256})


def build_app(settings: FilingSettings | None = None) -> FastAPI:
    settings = settings or FilingSettings()
    engine = make_engine(settings.sqlalchemy_url())
    store = FilingStore(engine)
    documents = FolderDocumentStore(settings.documents_path())
    keys = KeyStore.for_service(engine, api_keys, settings.bootstrap_api_key,
                                settings.keys_database_url)
    runtime = Runtime(settings, engine, outbox=outbox,
                      consumes={RECORDS: RecordEvent, DECISIONS: Decision})
    configure_fonts(settings.pdf_font_specs())  # logs a warning when none is usable
    renderer = pdf_renderer(documents, settings.render_workers, settings.pdf_font_specs())
    runtime.handler = filing_handler(store, renderer, runtime.wake_relay)

    async def close_renderer() -> None:
        await asyncio.to_thread(renderer.close)

    runtime.workers.on_stop(close_renderer)  # after the runtime: its last batch may render
    bulk_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)

    app = create_app(
        service="filing",
        title="Clearway filing",
        description="Turns granted relief into court motions under HS 11361.8 (PDF), per "
        "case and as bulk motions per court.",
        runtime=runtime,
        keys=keys,
    )
    app.state.store = store
    app.state.documents = documents

    def motion_for(principal: Principal, motion_id: str) -> MotionRow:
        motion = store.motion(motion_id)
        if (motion is None or not principal.may_act_for(motion.court)
                or (not principal.has("sealed:read")
                    and store.is_sealed(motion.court, motion.case_number))):
            raise _not_found("motion")
        return motion

    def bulk_document_for(principal: Principal, bulk_id: str) -> dict[str, object]:
        bulk = bulk_for(principal, bulk_id)
        if not principal.has("sealed:read") and store.bulk_lists_sealed(bulk_id):
            raise problem(403, "sealed", "the bulk motion lists a case a court ordered "
                          "dismissed and sealed: its documents need the sealed:read scope")
        return bulk

    def bulk_for(principal: Principal, bulk_id: str) -> dict[str, object]:
        bulk = store.bulk(bulk_id)
        if bulk is None or not principal.may_act_for(str(bulk["court"])):
            raise _not_found("bulk motion")
        return bulk

    @app.get("/v1/courts/{court}/motions", tags=["motions"],
             summary="Motions of a court, optionally by status, a page at a time")
    async def list_motions(
        court: str, principal: Reader, status: Status | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        after: Annotated[str | None, Query(
            description="`next_after` of the previous page (a motion_id)")] = None,
    ) -> dict[str, object]:
        check_court(principal, court)
        rows = await asyncio.to_thread(store.motions_of, court, status, limit, after,
                                       not principal.has("sealed:read"))
        return {"court": court, "status": status, "motions": [m.as_dict() for m in rows],
                "next_after": rows[-1].motion_id if len(rows) == limit else None}

    @app.get("/v1/courts/{court}/motions/summary", tags=["motions"],
             summary="How many motions of a court are in each status")
    async def motion_summary(court: str, principal: Reader) -> dict[str, object]:
        check_court(principal, court)
        return {"court": court, "by_status": await asyncio.to_thread(store.status_counts, court)}

    @app.get("/v1/motions/{motion_id}", tags=["motions"], summary="One motion")
    async def get_motion(motion_id: str, principal: Reader) -> dict[str, object]:
        return (await asyncio.to_thread(motion_for, principal, motion_id)).as_dict()

    @app.get("/v1/motions/{motion_id}/pdf", tags=["motions"], summary="A motion's PDF",
             response_class=StreamingResponse, responses=error_responses(409, described={
                 409: "`not_rendered`: the PDF waits for the court record to render"}))
    async def motion_pdf(motion_id: str, principal: Reader) -> StreamingResponse:
        motion = await asyncio.to_thread(motion_for, principal, motion_id)
        if not motion.document_sha256:
            raise problem(409, "not_rendered", "the motion waits for the court record to render")
        return _download(documents, motion.document_sha256, "pdf", "application/pdf",
                         f"motion-{motion.court}-{motion.case_number}-{motion_id}.pdf")

    @app.post("/v1/motions/{motion_id}/file", tags=["motions"],
              summary="Record that a ready motion was filed with the court on its own",
              responses=error_responses(409, described={
                  409: "`invalid_status`: the motion's status does not allow filing it"}))
    async def file_motion(motion_id: str, principal: Writer) -> dict[str, object]:
        await asyncio.to_thread(motion_for, principal, motion_id)
        try:
            motion = await asyncio.to_thread(store.file_motion, motion_id,
                                             dt.datetime.now(dt.UTC))
        except InvalidTransition as exc:
            raise problem(409, "invalid_status", str(exc)) from None
        runtime.wake_relay()
        if motion is None:
            raise _not_found("motion")
        return motion.as_dict()

    def build(court: str) -> dict[str, object]:
        with bulk_locks[court]:  # one build per court at a time in this process
            return build_bulk_motion(store, documents, court,
                                     attempts=settings.bulk_attempts).as_dict()

    @app.post("/v1/courts/{court}/bulk-motions", tags=["bulk motions"], status_code=201,
              summary="Gather every ready motion of a court into one bulk motion (PDF + CSV)",
              responses=error_responses(409, described={
                  409: "`nothing_to_file`: no ready motion; `conflict`: the motions kept "
                  "changing, try again"}))
    async def create_bulk(court: str, principal: Writer) -> dict[str, object]:
        check_court(principal, court)
        try:
            result = await asyncio.to_thread(build, court)
        except NothingToFile as exc:
            raise problem(409, "nothing_to_file", str(exc)) from None
        except BulkConflict as exc:
            raise problem(409, "conflict", f"motions kept changing; try again ({exc})") from None
        runtime.wake_relay()
        return result

    @app.get("/v1/courts/{court}/bulk-motions", tags=["bulk motions"],
             summary="The bulk motions of a court, oldest first")
    async def list_bulks(court: str, principal: Reader) -> dict[str, object]:
        check_court(principal, court)
        return {"court": court, "bulk_motions": await asyncio.to_thread(store.bulks_of, court)}

    @app.get("/v1/bulk-motions/{bulk_id}", tags=["bulk motions"], summary="One bulk motion")
    async def get_bulk(bulk_id: str, principal: Reader) -> dict[str, object]:
        return await asyncio.to_thread(bulk_for, principal, bulk_id)

    @app.get("/v1/bulk-motions/{bulk_id}/pdf", tags=["bulk motions"],
             response_class=StreamingResponse, summary="The bulk motion's PDF")
    async def bulk_pdf(bulk_id: str, principal: Reader) -> StreamingResponse:
        bulk = await asyncio.to_thread(bulk_document_for, principal, bulk_id)
        return _download(documents, str(bulk["document_sha256"]), "pdf", "application/pdf",
                         f"bulk-motion-{bulk['court']}-{bulk_id}.pdf")

    @app.get("/v1/bulk-motions/{bulk_id}/csv", tags=["bulk motions"],
             response_class=StreamingResponse, summary="The bulk motion's Exhibit A as CSV")
    async def bulk_csv(bulk_id: str, principal: Reader) -> StreamingResponse:
        bulk = await asyncio.to_thread(bulk_document_for, principal, bulk_id)
        return _download(documents, str(bulk["csv_sha256"]), "csv", "text/csv; charset=utf-8",
                         f"bulk-motion-{bulk['court']}-{bulk_id}-exhibit-a.csv")

    @app.post("/v1/bulk-motions/{bulk_id}/file", tags=["bulk motions"],
              summary="Record that a bulk motion was filed: the motions it lists become filed")
    async def file_bulk(bulk_id: str, principal: Writer) -> dict[str, object]:
        await asyncio.to_thread(bulk_for, principal, bulk_id)
        bulk = await asyncio.to_thread(store.file_bulk, bulk_id, dt.datetime.now(dt.UTC))
        runtime.wake_relay()
        if bulk is None:
            raise _not_found("bulk motion")
        return bulk

    return app
