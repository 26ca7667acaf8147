"""Filing's HTTP API: motions by court and status, documents, bulk motions."""
from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.responses import StreamingResponse

from clearway.common.auth import KeyStore, Principal, check_court, require
from clearway.common.db import make_engine
from clearway.common.events import Decision, RecordEvent
from clearway.common.http import create_app
from clearway.common.runtime import Runtime
from clearway.common.topics import DECISIONS, RECORDS
from clearway.filing.adapters.documents import FolderDocumentStore
from clearway.filing.bulk import NothingToFile, build_bulk_motion
from clearway.filing.settings import FilingSettings
from clearway.filing.store import FilingStore, MotionRow, api_keys, outbox
from clearway.filing.stream import filing_handler

Reader = Annotated[Principal, Depends(require("motions:read"))]
Writer = Annotated[Principal, Depends(require("motions:write"))]
Status = Literal["draft", "ready", "included_in_bulk", "filed", "granted", "denied", "withdrawn"]


def _not_found(what: str) -> HTTPException:
    return HTTPException(404, detail={"error": "not_found", "message": f"no such {what}"})


def build_app(settings: FilingSettings | None = None) -> FastAPI:
    settings = settings or FilingSettings()
    engine = make_engine(settings.sqlalchemy_url())
    store = FilingStore(engine)
    documents = FolderDocumentStore(settings.documents_path())
    keys = KeyStore(engine, api_keys)
    if settings.bootstrap_api_key:
        keys.ensure(settings.bootstrap_api_key)
    runtime = Runtime(settings, engine, outbox=outbox,
                      consumes={RECORDS: RecordEvent, DECISIONS: Decision})
    runtime.handler = filing_handler(store, documents, runtime.wake_relay)

    app = create_app(
        title="Clearway filing",
        description="Turns granted relief into court motions under HS 11361.8 (PDF), per "
        "case and as bulk motions per court.",
        workers=runtime.workers,
        ready=runtime.ready,
    )
    app.state.keys = keys
    app.state.store = store
    app.state.runtime = runtime

    def motion_for(principal: Principal, motion_id: str) -> MotionRow:
        motion = store.motion(motion_id)
        if motion is None or not principal.may_act_for(motion.court):
            raise _not_found("motion")
        return motion

    @app.get("/v1/courts/{court}/motions", tags=["motions"],
             summary="Motions of a court, optionally by status (paged by motion_id)")
    async def list_motions(
        court: str, principal: Reader, status: Status | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        after: Annotated[str | None, Query(description="the last motion_id of the previous page")] = None,
    ) -> dict[str, object]:
        check_court(principal, court)
        rows = await asyncio.to_thread(store.motions_of, court, status, limit, after)
        return {"court": court, "motions": [m.as_dict() for m in rows],
                "next_after": rows[-1].motion_id if len(rows) == limit else None}

    @app.get("/v1/motions/{motion_id}", tags=["motions"], summary="One motion")
    async def get_motion(motion_id: str, principal: Reader) -> dict[str, object]:
        return (await asyncio.to_thread(motion_for, principal, motion_id)).as_dict()

    @app.get("/v1/motions/{motion_id}/pdf", tags=["motions"], summary="A motion's PDF",
             response_class=StreamingResponse)
    async def motion_pdf(motion_id: str, principal: Reader) -> StreamingResponse:
        motion = await asyncio.to_thread(motion_for, principal, motion_id)
        if not motion.document_sha256:
            raise HTTPException(409, detail={"error": "not_rendered", "message":
                                             "the motion waits for the court record to render"})
        return StreamingResponse(documents.open(motion.document_sha256, "pdf"),
                                 media_type="application/pdf", headers={
                                     "Content-Disposition": f'attachment; filename="{motion_id}.pdf"',
                                     "X-Document-SHA256": motion.document_sha256})

    @app.post("/v1/motions/{motion_id}/file", tags=["motions"],
              summary="Record that a ready motion was filed with the court")
    async def file_motion(motion_id: str, principal: Writer) -> dict[str, object]:
        await asyncio.to_thread(motion_for, principal, motion_id)
        motion = await asyncio.to_thread(store.file_motion, motion_id,
                                         dt.datetime.now(dt.UTC))
        runtime.wake_relay()
        assert motion is not None
        return motion.as_dict()

    @app.post("/v1/courts/{court}/bulk-motions", tags=["bulk motions"], status_code=201,
              summary="Gather every ready motion of a court into one bulk motion (PDF + CSV)")
    async def create_bulk(court: str, principal: Writer) -> dict[str, object]:
        check_court(principal, court)
        try:
            result = await asyncio.to_thread(build_bulk_motion, store, documents, court)
        except NothingToFile as exc:
            raise HTTPException(409, detail={"error": "nothing_to_file", "message": str(exc)}) from None
        runtime.wake_relay()
        return result.__dict__

    def bulk_for(principal: Principal, bulk_id: str) -> dict[str, object]:
        bulk = store.bulk(bulk_id)
        if bulk is None or not principal.may_act_for(str(bulk["court"])):
            raise _not_found("bulk motion")
        return bulk

    @app.get("/v1/bulk-motions/{bulk_id}", tags=["bulk motions"], summary="One bulk motion")
    async def get_bulk(bulk_id: str, principal: Reader) -> dict[str, object]:
        return await asyncio.to_thread(bulk_for, principal, bulk_id)

    @app.get("/v1/bulk-motions/{bulk_id}/pdf", tags=["bulk motions"],
             response_class=StreamingResponse, summary="The bulk motion's PDF")
    async def bulk_pdf(bulk_id: str, principal: Reader) -> StreamingResponse:
        bulk = await asyncio.to_thread(bulk_for, principal, bulk_id)
        return StreamingResponse(documents.open(str(bulk["document_sha256"]), "pdf"),
                                 media_type="application/pdf")

    @app.get("/v1/bulk-motions/{bulk_id}/csv", tags=["bulk motions"],
             response_class=StreamingResponse, summary="The bulk motion's exhibit as CSV")
    async def bulk_csv(bulk_id: str, principal: Reader) -> StreamingResponse:
        bulk = await asyncio.to_thread(bulk_for, principal, bulk_id)
        return StreamingResponse(documents.open(str(bulk["csv_sha256"]), "csv"),
                                 media_type="text/csv")

    @app.post("/v1/bulk-motions/{bulk_id}/file", tags=["bulk motions"],
              summary="Record that a bulk motion was filed: its motions become filed")
    async def file_bulk(bulk_id: str, principal: Writer) -> dict[str, object]:
        await asyncio.to_thread(bulk_for, principal, bulk_id)
        bulk = await asyncio.to_thread(store.file_bulk, bulk_id, dt.datetime.now(dt.UTC))
        runtime.wake_relay()
        assert bulk is not None
        return bulk

    return app
