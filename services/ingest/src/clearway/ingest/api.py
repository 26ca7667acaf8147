"""Ingest's HTTP API: thin routes that parse, authorise, call the store and answer.

Every error is a problem (RFC 9457, `application/problem+json`, clearway.common.http) that
names fields, never values: a court record is full of names, birth dates and contacts."""
from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import Body, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import Headers, UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clearway.common.auth import KeyStore, Principal
from clearway.common.db import make_engine
from clearway.common.events import RecordEvent
from clearway.common.http import (
    Problem,
    create_app,
    error_responses,
    problem,
    problem_response,
)
from clearway.common.runtime import Runtime
from clearway.common.topics import RECORDS
from clearway.ingest import metrics
from clearway.ingest.domain import doj
from clearway.ingest.domain.csv_rows import (
    COLUMN_HELP,
    CsvSyntaxError,
    GroupedEvent,
    group_rows,
    header_problems,
    read_rows,
    with_rows,
)
from clearway.ingest.domain.validation import FieldError, parse_event
from clearway.ingest.examples import CSV_EXAMPLE, DISPOSITION_EXAMPLE, EXAMPLES, NDJSON_EXAMPLE
from clearway.ingest.schemas import ERRORS, Accepted, BulkReport, DojReport, Standing
from clearway.ingest.settings import IngestSettings
from clearway.ingest.store import IngestStore, Outcome, api_keys, outbox

log = logging.getLogger(__name__)

NDJSON = "application/x-ndjson"
CSV_TYPES = ("text/csv", "text/plain", "application/csv", "application/octet-stream")
_EVENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

FORBIDDEN_COURT: FieldError = {"field": "court", "type": "forbidden",
                               "message": "this key may not write for this court"}
FORBIDDEN_COUNTY: FieldError = {"field": "STP_ORI_CNTY_NAME", "type": "forbidden", "message":
                                "this key may not write for the court of this row's county"}


def _error(status: int, code: str, detail: str, **members: Any) -> Problem:
    return problem(status, code, detail, **members)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


# --- authentication and authorisation --------------------------------------------------


def authorize(request: Request, any_of: tuple[str, ...]) -> Principal:
    """A valid key (401 otherwise) holding one of the scopes (403 otherwise)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise problem(401, "unauthenticated", "send an API key as Authorization: Bearer <key>",
                      headers={"WWW-Authenticate": "Bearer"})
    keys: KeyStore = request.app.state.keys
    principal = keys.authenticate(token.strip())
    if principal is None:
        raise problem(401, "unauthenticated", "unknown or revoked API key",
                      headers={"WWW-Authenticate": "Bearer"})
    if not any(principal.has(scope) for scope in any_of):
        raise problem(403, "forbidden", f"this key lacks the {' or '.join(any_of)} scope")
    return principal


def _scopes(*any_of: str) -> Callable[[Request], Principal]:
    def dependency(request: Request) -> Principal:
        return authorize(request, any_of)

    dependency.scopes = any_of  # type: ignore[attr-defined]
    return dependency


WRITE = ("records:write",)
READ = ("records:read", "records:write")  # a key that may push a record may see it stand
Writer = Annotated[Principal, Depends(_scopes(*WRITE))]
Reader = Annotated[Principal, Depends(_scopes(*READ))]


def _check_court(principal: Principal, court: str) -> None:
    if not principal.may_act_for(court):
        raise _error(403, "forbidden", "this key may not act for this court")


# --- body size limits ------------------------------------------------------------------


class BodyLimit:
    """413 for a body over the limit, announced (Content-Length) or streamed (chunked: read
    up to the limit before the app sees it; the routes read whole bodies anyway). NDJSON
    streams are unlimited; their lines are limited where they are read."""

    def __init__(self, app: ASGIApp, settings: IngestSettings) -> None:
        self.app = app
        self.settings = settings

    def limit_for(self, path: str) -> int:
        if path == "/v1/records":
            return self.settings.max_record_bytes
        return self.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if headers.get("content-type", "").lower().startswith(NDJSON):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        length = headers.get("content-length")
        if length is not None:
            # The server delivers no more than announced.
            if length.isdigit() and int(length) > limit:
                await self._refuse(limit, scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)  # the client went away
                return
            body += message.get("body", b"")
            if len(body) > limit:
                await self._refuse(limit, scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        metrics.REJECTED.labels("too_large").inc()
        refused = problem(413, "too_large",
                          f"the body is over {limit} bytes; send NDJSON for large backfills")
        await problem_response(refused, scope)(scope, receive, send)


def _rejected(request: Request, exc: Problem) -> None:
    """Counts each refused write by its code (`clearway_ingest_rejected_total{reason}`)."""
    if request.method == "POST" and exc.status_code < 500:
        metrics.REJECTED.labels(exc.code).inc()


# --- the app ---------------------------------------------------------------------------


def build_app(settings: IngestSettings | None = None) -> FastAPI:
    settings = settings or IngestSettings()
    engine = make_engine(settings.sqlalchemy_url())
    store = IngestStore(engine)
    keys = KeyStore.for_service(engine, api_keys, settings.bootstrap_api_key,
                                settings.keys_database_url)
    runtime = Runtime(settings, engine, outbox=outbox)

    app = create_app(
        service="ingest",
        title="Clearway ingest",
        description=DESCRIPTION,
        runtime=runtime,
        keys=keys,
        on_problem=_rejected,
    )
    app.state.store = store
    app.state.settings = settings
    app.add_middleware(BodyLimit, settings=settings)

    @app.exception_handler(DBAPIError)
    async def _store_away(request: Request, exc: DBAPIError) -> JSONResponse:
        # Nothing of the failed transaction was committed; what was is answered as a
        # duplicate when sent again.
        log.warning("store unavailable", extra={"error": type(exc.orig).__name__})
        return problem_response(problem(
            503, "unavailable", "the store is unavailable; retry (events accepted before "
            "answer as duplicates)", headers={"Retry-After": "5"}), request.scope)

    async def accept(events: list[RecordEvent]) -> list[Outcome]:
        outcomes = await asyncio.to_thread(store.accept, events)
        runtime.wake_relay()
        for o in outcomes:
            if o.status != "conflict":
                metrics.ACCEPTED.labels(o.status).inc()
        return outcomes

    @app.post(
        "/v1/records",
        status_code=202,
        tags=["records"],
        summary="Push one record event",
        description="Validates the event against the contract, checks the key may write for "
        "its court, and commits it (with its outbox row) before answering 202. The same "
        "`event_id` again for the same court is the same event: the original answer comes "
        "back (header `Idempotent-Replayed: true`) and nothing new is published; with other "
        "content it is a 409.",
        response_model=Accepted,
        responses={**error_responses(400, 409, 413, 415, 422, 503, described=ERRORS),
                   202: {"description": f"accepted: durable, and on its way to {RECORDS}",
                         "headers": {"Idempotent-Replayed": {
                             "description": "`true` when this event was accepted before",
                             "schema": {"type": "string"}}}}},
    )
    async def post_record(
        principal: Writer,
        event: Annotated[RecordEvent, Body(openapi_examples=EXAMPLES)],
    ) -> JSONResponse:
        _check_court(principal, event.court)
        (outcome,) = await accept([event])
        if outcome.status == "conflict":
            raise _error(409, "conflict", "this event_id was already accepted for this court "
                         "with different content", event_id=event.event_id)
        headers = {"Idempotent-Replayed": "true"} if outcome.status == "duplicate" else {}
        return JSONResponse(outcome.answer(), status_code=202, headers=headers)

    @app.post(
        "/v1/records:batch",
        tags=["records"],
        summary="Push many events: a JSON array (up to the batch limit) or streamed NDJSON",
        description=BATCH_DESCRIPTION.format(limit=settings.batch_limit,
                                             line=settings.max_line_bytes),
        response_model=BulkReport,
        responses={**error_responses(400, 413, 415, 422, 503, described=ERRORS),
                   200: {"description": "every bad item by its number; the good ones accepted"}},
        openapi_extra=BATCH_BODY,
    )
    async def post_batch(request: Request, principal: Writer) -> JSONResponse:
        media = _media_type(request)
        if media == NDJSON:
            return JSONResponse(await _ndjson(request, principal))
        if media not in ("", "application/json"):
            raise _error(415, "unsupported_media_type",
                         "send a JSON array (application/json) or NDJSON (application/x-ndjson)")
        body = await request.body()
        try:
            items = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise _error(400, "invalid_json", "the body is not valid JSON") from None
        if not isinstance(items, list):
            raise _error(422, "invalid", "the body must be a JSON array of record events",
                         errors=[{"field": "<body>", "type": "list_type",
                                  "message": "must be a JSON array"}])
        if len(items) > settings.batch_limit:
            raise _error(413, "too_many", f"at most {settings.batch_limit} events per batch; "
                         "send NDJSON for larger backfills")
        report = _Report("index")
        good = await asyncio.to_thread(_judge_all, report, enumerate(items), principal)
        report.add(good, await accept([e for _, e in good]) if good else [])
        return JSONResponse(report.body())

    async def _ndjson(request: Request, principal: Principal) -> dict[str, Any]:
        report = _Report("line")
        chunk: list[tuple[int, Any]] = []
        line_no = 0

        async def accept_chunk() -> None:
            good = await asyncio.to_thread(_judge_all, report, chunk, principal)
            report.add(good, await accept([e for _, e in good]) if good else [])

        async for line in _lines(request.stream(), settings.max_line_bytes):
            line_no += 1
            if line is None:
                item: Any = _Unreadable([{"field": "<line>", "type": "too_large", "message":
                                          f"line over {settings.max_line_bytes} bytes"}])
            elif not line.strip():
                continue
            else:
                try:
                    item = orjson.loads(line)
                except orjson.JSONDecodeError:
                    item = _Unreadable([{"field": "<line>", "type": "json_invalid",
                                         "message": "not valid JSON"}])
            chunk.append((line_no, item))  # rejects stay in line order
            if len(chunk) >= settings.ndjson_chunk:
                await accept_chunk()
                chunk = []
        if chunk:
            await accept_chunk()
        return report.body()

    @app.post(
        "/v1/records:csv",
        tags=["records"],
        summary="Upload a CSV: one row per count; rows sharing an event_id form one "
        "disposition event",
        description=CSV_DESCRIPTION.format(columns=_columns_table(),
                                           limit=settings.max_body_bytes),
        response_model=BulkReport,
        responses={**error_responses(400, 413, 415, 422, 503, described=ERRORS),
                   200: {"description": "every bad event by its rows; the good ones accepted"}},
        openapi_extra=CSV_BODY,
    )
    async def post_csv(request: Request, principal: Writer) -> JSONResponse:
        media = _media_type(request)
        if media == "multipart/form-data":
            raw = await _uploaded_file(request)
        elif media in ("", *CSV_TYPES):
            raw = await request.body()
        else:
            raise _error(415, "unsupported_media_type",
                         "send the CSV as text/csv, or as the `file` of a multipart form")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _error(400, "invalid_encoding", "the CSV must be UTF-8") from None
        try:
            header, rows = read_rows(io.StringIO(text, newline=""))
            problems = header_problems(header)
            if problems:
                raise _error(422, "invalid_header", "the header row is not as documented",
                             errors=problems)
            groups = group_rows(rows)
        except CsvSyntaxError as bad:
            raise _error(422, "invalid_csv", f"the CSV cannot be read from line {bad.line} "
                         "(an unterminated quote?); nothing was accepted",
                         errors=[{"field": "<row>", "type": "csv_syntax",
                                  "message": f"unreadable from line {bad.line}"}]) from None
        report = _Report("row")
        good: list[tuple[int, RecordEvent]] = []
        for group in groups:
            _judge_group(report, good, group, principal)
        report.add(good, await accept([e for _, e in good]) if good else [])
        return JSONResponse(report.body())

    @app.post(
        "/v1/records:doj",
        tags=["records"],
        summary="Upload a DOJ research file (AB 1793): one row per count per step",
        description=DOJ_DESCRIPTION.format(limit=settings.max_body_bytes),
        response_model=DojReport,
        responses={**error_responses(400, 413, 415, 422, 503, described=ERRORS),
                   200: {"description": "every refused row by its number; the events of "
                         "the others accepted; what became of every row"}},
        openapi_extra=DOJ_BODY,
    )
    async def post_doj(request: Request, principal: Writer) -> JSONResponse:
        media = _media_type(request)
        if media == "multipart/form-data":
            raw = await _uploaded_file(request)
        elif media in ("", *CSV_TYPES):
            raw = await request.body()
        else:
            raise _error(415, "unsupported_media_type", "send the DOJ file as text/plain, or "
                         "as the `file` of a multipart form")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")  # older extracts
        if not text.strip():
            raise _error(422, "invalid", "the upload is empty: expected DOJ rows",
                         errors=[{"field": "<body>", "type": "missing",
                                  "message": "the upload is empty: expected DOJ rows"}])
        try:
            batch = await asyncio.to_thread(doj.parse_text, text)
        except doj.LayoutError as bad:
            raise _error(422, bad.code, f"{bad}; nothing was accepted",
                         errors=bad.errors) from None
        report = _Report("row")
        for refused in sorted(batch.rejected, key=lambda r: r.row):
            report.reject(refused.row, refused.errors)
        good = [e for e in batch.events if principal.may_act_for(e.parsed.court)]
        for event in batch.events:
            if not principal.may_act_for(event.parsed.court):
                report.reject(event.rows[0], [FORBIDDEN_COUNTY], rows=event.rows,
                              event_id=event.parsed.event_id)
        outcomes = await accept([e.parsed for e in good]) if good else []
        report.add([(e.rows[0], e.parsed) for e in good], outcomes)
        kept = [e for e, o in zip(good, outcomes, strict=True) if o.status != "conflict"]
        imported = sum(len(e.rows) for e in kept)
        no_event: dict[str, int] = {}
        for _, reason in batch.no_event:
            no_event[reason] = no_event.get(reason, 0) + 1
        return JSONResponse({
            **report.body(),
            "rows": {"read": batch.rows, "imported": imported,
                     "rejected": batch.rows - imported - len(batch.no_event),
                     "no_event": no_event},
            "possible_cannabis_rows": sorted(r for e in kept for r in e.flagged_rows)})

    @app.get(
        "/v1/records/{event_id}",
        tags=["records"],
        summary="Where an accepted event stands: accepted, published, partition and offset",
        response_model=Standing,
        responses=error_responses(404, 409, 422, 503, described=ERRORS),
    )
    async def get_record(
        event_id: str,
        principal: Reader,
        court: Annotated[str | None, Query(
            description="the court that sent it; needed when two of your courts used the id",
            max_length=20)] = None,
    ) -> dict[str, Any]:
        courts = None if "*" in principal.courts else principal.courts
        if court is not None:
            _check_court(principal, court)
            courts = frozenset({court})
        found = await asyncio.to_thread(store.standing, event_id, courts,
                                        not principal.has("sealed:read"))
        if not found:
            raise _error(404, "not_found", "no accepted event with this id for your courts")
        if len(found) > 1:
            raise _error(409, "ambiguous", "several courts used this event_id; add ?court=",
                         courts=sorted(s.court for s in found))
        s = found[0]
        return {"event_id": s.event_id, "court": s.court, "event_type": s.event_type,
                "status": "published" if s.published else "accepted",
                "accepted_at": s.accepted_at, "topic": RECORDS,
                "partition": s.partition, "offset": s.offset}

    return app


# --- bulk reports ----------------------------------------------------------------------


class _Report:
    """A bulk answer: every bad item by its number with field messages; the good accepted."""

    MAX_LISTED = 1000

    def __init__(self, numbered_by: str) -> None:
        self.numbered_by = numbered_by
        self.accepted = 0
        self.duplicates = 0
        self.rejected = 0
        self.errors: list[dict[str, Any]] = []

    def reject(self, number: int, errors: list[FieldError], **extra: Any) -> None:
        self.rejected += 1
        metrics.REJECTED.labels(str(errors[0].get("type", "invalid")) if errors
                                else "invalid").inc()
        if len(self.errors) < self.MAX_LISTED:
            self.errors.append({self.numbered_by: number, **extra, "errors": errors})

    def add(self, items: list[tuple[int, RecordEvent]], outcomes: list[Outcome]) -> None:
        for (number, event), outcome in zip(items, outcomes, strict=True):
            if outcome.status == "accepted":
                self.accepted += 1
            elif outcome.status == "duplicate":
                self.duplicates += 1
            else:
                self.reject(number, [{"field": "event_id", "type": "conflict", "message":
                                      "already accepted for this court with different content"}],
                            event_id=event.event_id)

    def body(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicates": self.duplicates,
                "rejected": self.rejected, "errors": self.errors,
                "errors_truncated": self.rejected > len(self.errors)}


def _usable_event_id(item: Any, errors: Iterable[FieldError]) -> dict[str, str]:
    """The item's event_id, for the report, when it is a well-formed one (an ill-formed
    one could be anything, a name in the wrong column included)."""
    if not isinstance(item, dict) or any(e["field"] == "event_id" for e in errors):
        return {}
    event_id = item.get("event_id")
    return {"event_id": event_id} if isinstance(event_id, str) and _EVENT_ID.match(event_id) else {}


def _judge_all(report: _Report, items: Iterable[tuple[int, Any]], principal: Principal
               ) -> list[tuple[int, RecordEvent]]:
    """Validate numbered items (in a worker thread: a thousand of them would hold the
    event loop, and with it the outbox relay, for a tenth of a second)."""
    good: list[tuple[int, RecordEvent]] = []
    for number, item in items:
        if isinstance(item, _Unreadable):
            report.reject(number, item.errors)
        else:
            _judge(report, good, number, parse_event(item), principal, item)
    return good


@dataclass(frozen=True)
class _Unreadable:
    """An NDJSON line that is no JSON (or too long): rejected in its place."""

    errors: list[FieldError]


def _judge(report: _Report, good: list[tuple[int, RecordEvent]], number: int,
           parsed: RecordEvent | list[FieldError], principal: Principal, item: Any) -> None:
    if isinstance(parsed, RecordEvent):
        if principal.may_act_for(parsed.court):
            good.append((number, parsed))
        else:
            report.reject(number, [FORBIDDEN_COURT], event_id=parsed.event_id)
    else:
        report.reject(number, parsed, **_usable_event_id(item, parsed))


def _judge_group(report: _Report, good: list[tuple[int, RecordEvent]], group: GroupedEvent,
                 principal: Principal) -> None:
    first = group.rows[0]
    parsed = parse_event(group.data)
    errors = list(group.errors)
    if not isinstance(parsed, RecordEvent):
        errors += parsed
    ids = _usable_event_id(group.data, errors)
    if errors:
        report.reject(first, with_rows(errors, group), rows=group.rows, **ids)
    elif isinstance(parsed, RecordEvent) and not principal.may_act_for(parsed.court):
        report.reject(first, [FORBIDDEN_COURT], rows=group.rows, **ids)
    elif isinstance(parsed, RecordEvent):
        good.append((first, parsed))


async def _lines(stream: AsyncIterator[bytes], max_line: int) -> AsyncIterator[bytes | None]:
    """The body's lines as they stream in, holding at most one line (plus one network
    chunk); a line over `max_line` bytes comes out as None."""
    buffer = b""
    oversized = False
    async for piece in stream:
        if not piece:
            continue
        parts = (buffer + piece).split(b"\n")
        buffer = parts.pop()
        for line in parts:
            if oversized or len(line) > max_line:
                oversized = False
                yield None
            else:
                yield line
        if len(buffer) > max_line:
            oversized, buffer = True, b""
    if oversized or len(buffer) > max_line:
        yield None
    elif buffer:
        yield buffer


async def _uploaded_file(request: Request) -> bytes:
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise _error(422, "invalid", "the form needs the CSV as its `file` field",
                     errors=[{"field": "file", "type": "missing",
                              "message": "required: the CSV file"}])
    return await upload.read()


# --- OpenAPI ---------------------------------------------------------------------------

DESCRIPTION = f"""Court systems push record events here (contract section 2).

**Accepted means durable**: an event is committed to the ingest store, with its outbox row,
before the API answers 2xx; a relay then publishes it to `{RECORDS}` (key `subject_id`),
retrying while the broker is away. `GET /v1/records/{{event_id}}` shows where it stands.

**Keys**: send `Authorization: Bearer <key>`. A key has scopes (`records:write` to push,
`records:read` to read standings) and the court codes it may write for; a key for `CA-LA`
cannot push a `CA-SF` record (403).

**Errors** are problems (RFC 9457, `application/problem+json`): `type`, `title`, `status`,
`detail`, `instance`, a stable `code` and, for invalid input, `errors` naming each bad
field (`errors[].field`); they never repeat a submitted value.
"""

BATCH_DESCRIPTION = """Two forms:

- `application/json`: an array of up to {limit} record events, validated and committed
  together. The answer lists each bad item by its 0-based `index`.
- `application/x-ndjson`: one event per line, streamed (no size limit; a line may be up to
  {line} bytes), committed in chunks as it arrives, for backfills of millions of rows.
  The answer lists each bad line by its 1-based `line`.

The good events are accepted and the bad ones reported; an event is never half-accepted.
Repeats (same court and `event_id`, same content) count as `duplicates`.
"""

CSV_DESCRIPTION = """One row per count; rows with the same `court` and `event_id` form one
`disposition` event (list them together). The first row gives the event and the subject;
the event's columns must agree on every row of the event. Send the file as `text/csv`, or
as the `file` field of a `multipart/form-data` form; up to {limit} bytes per upload (larger
files: `clearway push` sends them in pieces).

Bad events are listed by their first `row` (the header is row 1) with all their `rows`;
errors about one count name its `row`.

Columns (empty cell = absent; dates `YYYY-MM-DD`; booleans `true`/`false`):

{columns}
"""


DOJ_DESCRIPTION = """The DOJ research file as the Department of Justice sends it under
AB 1793: one row per count per step of a person's history, the columns of the DOJ layout
in order (`RECORD_ID` ... `END_OF_REC`), `|`- or comma-separated, with or without a header
line. Send it as `text/plain` (or `text/csv`), or as the `file` field of a
`multipart/form-data` form; up to {limit} bytes per upload (larger files: `clearway push
--format doj` sends them in pieces, resumably).

Court steps convicted, dismissed or acquitted become `disposition` events (one per person,
court and case; one count per `CNT_ORDER`), PC 290 registration steps `registration`
events and death steps `death` events; the court is the county of `STP_ORI_CNTY_NAME`
(`CA-LA`, `CA-SF`, ... for all 58). Event ids are a hash of the content: the same file
again is answered as `duplicates`. Arrests and other steps carry no event (`rows.no_event`
counts them by reason). A row that cannot be used, or whose court the key may not write
for, is listed in `errors` by its `row` (the file's first line is row 1) with the reason;
SSN, CDL and FBI numbers are never read. The mapping is in ingest's README.
"""
DOJ_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/plain": {"schema": {"type": "string", "description": "DOJ rows, `|`- or "
                                      "comma-separated, optionally after a header line"}},
            "multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary",
                                        "description": "the DOJ file"}}}},
        },
    }
}


def _columns_table() -> str:
    return "\n".join(f"- `{name}`: {text}" for name, text in COLUMN_HELP.items())


BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/RecordEvent"}},
                "example": [DISPOSITION_EXAMPLE],
            },
            NDJSON: {
                "schema": {"type": "string", "description": "one RecordEvent JSON per line"},
                "example": NDJSON_EXAMPLE,
            },
        },
    }
}
CSV_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string",
                                    "description": "a header row of the documented columns, "
                                    "then one row per count"},
                         "example": CSV_EXAMPLE},
            "multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary",
                                        "description": "the CSV file"}}}},
        },
    }
}
