"""Ingest's HTTP API: thin routes that parse, authorise, call the store and answer."""
from __future__ import annotations

import asyncio
import csv
import io
import logging
from typing import Annotated, Any

import orjson
from fastapi import Body, Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from clearway.common.auth import KeyStore, Principal, check_court, require
from clearway.common.db import make_engine
from clearway.common.events import RecordEvent
from clearway.common.http import create_app
from clearway.common.runtime import Runtime
from clearway.ingest import metrics
from clearway.ingest.domain.csv_rows import group_rows, header_problems
from clearway.ingest.domain.validation import parse_event, parse_json_line
from clearway.ingest.examples import DISPOSITION_EXAMPLE, EXAMPLES
from clearway.ingest.settings import IngestSettings
from clearway.ingest.store import IngestStore, Outcome, api_keys, outbox

log = logging.getLogger(__name__)

Writer = Annotated[Principal, Depends(require("records:write"))]
Reader = Annotated[Principal, Depends(require("records:read"))]

BATCH_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/RecordEvent"}},
                "example": [DISPOSITION_EXAMPLE],
            },
            "application/x-ndjson": {
                "schema": {"type": "string", "description": "one RecordEvent JSON per line"},
            },
        },
    }
}
CSV_DOC = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string",
                                            "description": "header row of CSV_COLUMNS, one row per count"}}},
    }
}


def _error(status: int, error: str, message: str, **extra: Any) -> HTTPException:
    return HTTPException(status, detail={"error": error, "message": message, **extra})


def build_app(settings: IngestSettings | None = None) -> FastAPI:
    settings = settings or IngestSettings()
    engine = make_engine(settings.sqlalchemy_url())
    store = IngestStore(engine)
    keys = KeyStore(engine, api_keys)
    if settings.bootstrap_api_key:
        keys.ensure(settings.bootstrap_api_key)
    runtime = Runtime(settings, engine, outbox=outbox)

    app = create_app(
        title="Clearway ingest",
        description="Court systems push record events here. Accepted means durable: once "
        "this API answers 2xx the event reaches court.records.v1.",
        workers=runtime.workers,
        ready=runtime.ready,
    )
    app.state.keys = keys
    app.state.store = store
    app.state.runtime = runtime
    app.state.settings = settings

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body") or "<body>",
             "message": str(e["msg"]).removeprefix("Value error, "), "type": e["type"]}
            for e in exc.errors()
        ]
        metrics.REJECTED.labels("invalid").inc()
        return JSONResponse({"error": "invalid", "message": "the event is not valid",
                             "errors": errors}, status_code=422)

    @app.middleware("http")
    async def _limit_body(request: Request, call_next):  # type: ignore[no-untyped-def]
        length = request.headers.get("content-length")
        ndjson = request.headers.get("content-type", "").startswith("application/x-ndjson")
        if length and length.isdigit() and int(length) > settings.max_body_bytes and not ndjson:
            metrics.REJECTED.labels("too_large").inc()
            return JSONResponse({"error": "too_large", "message":
                                 f"body over {settings.max_body_bytes} bytes; use NDJSON for backfills"},
                                status_code=413)
        return await call_next(request)

    async def accept(events: list[RecordEvent]) -> list[Outcome]:
        outcomes = await asyncio.to_thread(store.accept, events)
        runtime.wake_relay()
        for o in outcomes:
            metrics.ACCEPTED.labels(o.status).inc()
        return outcomes

    @app.post(
        "/v1/records",
        status_code=202,
        tags=["records"],
        summary="Push one record event",
        responses={401: {"description": "missing or bad key"},
                   403: {"description": "the key may not write for this court"},
                   409: {"description": "this event_id was accepted before with other content"},
                   413: {"description": "body too large"},
                   422: {"description": "invalid event; `errors` names each bad field"}},
    )
    async def post_record(
        principal: Writer,
        event: Annotated[RecordEvent, Body(openapi_examples=EXAMPLES)],
    ) -> JSONResponse:
        check_court(principal, event.court)
        (outcome,) = await accept([event])
        if outcome.status == "conflict":
            metrics.REJECTED.labels("conflict").inc()
            raise _error(409, "conflict", "this event_id was already accepted for this court "
                         "with different content", event_id=event.event_id)
        headers = {"Idempotent-Replayed": "true"} if outcome.status == "duplicate" else {}
        return JSONResponse(outcome.answer(), status_code=202, headers=headers)

    @app.post("/v1/records:batch", tags=["records"], openapi_extra=BATCH_DOC,
              summary="Push many events: a JSON array (up to the batch limit) or streamed NDJSON",
              responses={200: {"description": "per-item report: accepted, duplicates, errors by index"}})
    async def post_batch(request: Request, principal: Writer) -> JSONResponse:
        if request.headers.get("content-type", "").startswith("application/x-ndjson"):
            return JSONResponse(await _ndjson(request, principal))
        body = await request.body()
        try:
            items = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise _error(400, "invalid_json", "the body is not valid JSON") from None
        if not isinstance(items, list):
            raise _error(422, "invalid", "the body must be a JSON array of record events")
        if len(items) > settings.batch_limit:
            raise _error(413, "too_many", f"at most {settings.batch_limit} events per batch; "
                         "send NDJSON for larger backfills")
        report = _Report()
        good: list[tuple[int, RecordEvent]] = []
        for index, item in enumerate(items):
            parsed = parse_event(item)
            if isinstance(parsed, RecordEvent):
                if principal.may_act_for(parsed.court):
                    good.append((index, parsed))
                else:
                    report.reject(index, [{"field": "court", "type": "forbidden",
                                           "message": "this key may not write for this court"}])
            else:
                report.reject(index, parsed)
        report.add(good, await accept([e for _, e in good]) if good else [])
        return JSONResponse(report.body("index"))

    async def _ndjson(request: Request, principal: Principal) -> dict[str, Any]:
        report = _Report()
        chunk: list[tuple[int, RecordEvent]] = []
        line_no = 0
        async for line in _lines(request, settings.max_line_bytes):
            line_no += 1
            if isinstance(line, Exception):
                report.reject(line_no, [{"field": "<line>", "type": "too_large",
                                         "message": f"line over {settings.max_line_bytes} bytes"}])
                continue
            if not line.strip():
                continue
            parsed = parse_json_line(line)
            if isinstance(parsed, RecordEvent):
                if principal.may_act_for(parsed.court):
                    chunk.append((line_no, parsed))
                else:
                    report.reject(line_no, [{"field": "court", "type": "forbidden",
                                             "message": "this key may not write for this court"}])
            else:
                report.reject(line_no, parsed)
            if len(chunk) >= settings.ndjson_chunk:
                report.add(chunk, await accept([e for _, e in chunk]))
                chunk = []
        if chunk:
            report.add(chunk, await accept([e for _, e in chunk]))
        return report.body("line")

    @app.post("/v1/records:csv", tags=["records"], openapi_extra=CSV_DOC,
              summary="Upload a CSV: one row per count; rows sharing an event_id form one "
              "disposition event")
    async def post_csv(request: Request, principal: Writer) -> JSONResponse:
        raw = await request.body()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _error(400, "invalid_encoding", "the CSV must be UTF-8") from None
        reader = csv.DictReader(io.StringIO(text))
        problems = header_problems(reader.fieldnames)
        if problems:
            raise _error(422, "invalid_header", "; ".join(problems))
        groups = group_rows(reader)
        report = _Report()
        good: list[tuple[int, RecordEvent]] = []
        for group in groups.values():
            parsed = parse_event(group.data)
            first = group.rows[0]
            if isinstance(parsed, RecordEvent):
                if principal.may_act_for(parsed.court):
                    good.append((first, parsed))
                else:
                    report.reject(first, [{"field": "court", "type": "forbidden",
                                           "message": "this key may not write for this court"}],
                                  rows=group.rows)
            else:
                report.reject(first, parsed, rows=group.rows)
        report.add(good, await accept([e for _, e in good]) if good else [])
        return JSONResponse(report.body("row"))

    @app.get("/v1/records/{event_id}", tags=["records"],
             summary="Where an accepted event stands: accepted, published, partition and offset")
    async def get_record(
        event_id: str, principal: Reader,
        court: Annotated[str | None, Query(description="needed when two courts used the id")] = None,
    ) -> dict[str, Any]:
        courts = None if "*" in principal.courts else principal.courts
        if court is not None:
            check_court(principal, court)
            courts = frozenset({court})
        found = await asyncio.to_thread(store.standing, event_id, courts)
        if not found:
            raise _error(404, "not_found", "no accepted event with this id for your courts")
        if len(found) > 1:
            raise _error(409, "ambiguous", "several courts used this event_id; add ?court=",
                         courts=sorted(s.court for s in found))
        s = found[0]
        return {"event_id": s.event_id, "court": s.court, "event_type": s.event_type,
                "status": "published" if s.published else "accepted",
                "accepted_at": s.accepted_at, "topic": "court.records.v1",
                "partition": s.partition, "offset": s.offset}

    return app


class _Report:
    """A bulk answer: every bad item by its number with field messages; the good accepted."""

    MAX_LISTED = 1000

    def __init__(self) -> None:
        self.accepted = 0
        self.duplicates = 0
        self.rejected = 0
        self.errors: list[dict[str, Any]] = []

    def reject(self, number: int, errors: list[dict[str, str]], rows: list[int] | None = None) -> None:
        self.rejected += 1
        metrics.REJECTED.labels(errors[0].get("type", "invalid") if errors else "invalid").inc()
        if len(self.errors) < self.MAX_LISTED:
            entry: dict[str, Any] = {"number": number, "errors": errors}
            if rows:
                entry["rows"] = rows
            self.errors.append(entry)

    def add(self, items: list[tuple[int, RecordEvent]], outcomes: list[Outcome]) -> None:
        for (number, _), outcome in zip(items, outcomes):
            if outcome.status == "accepted":
                self.accepted += 1
            elif outcome.status == "duplicate":
                self.duplicates += 1
            else:
                self.reject(number, [{"field": "event_id", "type": "conflict", "message":
                                      "already accepted for this court with different content"}])

    def body(self, numbered_by: str) -> dict[str, Any]:
        errors = [{numbered_by: e["number"], **{k: v for k, v in e.items() if k != "number"}}
                  for e in self.errors]
        return {"accepted": self.accepted, "duplicates": self.duplicates,
                "rejected": self.rejected, "errors": errors,
                "errors_truncated": self.rejected > len(self.errors)}


async def _lines(request: Request, max_line: int):  # type: ignore[no-untyped-def]
    """Yield the body's lines as they stream in, never holding more than one line."""
    buffer = b""
    oversized = False
    async for piece in request.stream():
        buffer += piece
        while True:
            cut = buffer.find(b"\n")
            if cut < 0:
                break
            line, buffer = buffer[:cut], buffer[cut + 1:]
            if oversized:
                oversized = False
                yield ValueError("line too large")
            else:
                yield line
        if len(buffer) > max_line:
            oversized, buffer = True, b""
    if oversized:
        yield ValueError("line too large")
    elif buffer:
        yield buffer
