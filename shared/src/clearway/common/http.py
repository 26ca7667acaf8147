"""What every service's HTTP side shares: /healthz, /readyz, /metrics, request metrics,
running background workers (consumer loops, outbox relays) beside the app, and an OpenAPI
document that lists the errors each route answers."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from clearway.common import metrics
from clearway.common.logging import correlation_id

if TYPE_CHECKING:
    from clearway.common.auth import KeyStore
    from clearway.common.runtime import Runtime

log = logging.getLogger(__name__)

ReadyCheck = Callable[[], Awaitable[dict[str, object]]]


@dataclass
class Workers:
    """Background coroutines a service runs while its app is up, stopped on shutdown."""

    starters: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    stoppers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def on_start(self, fn: Callable[[], Awaitable[None]]) -> None:
        self.starters.append(fn)

    def on_stop(self, fn: Callable[[], Awaitable[None]]) -> None:
        self.stoppers.append(fn)

    def spawn(self, name: str, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        task.add_done_callback(_log_crash)
        self.tasks.append(task)


def _log_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("worker stopped with an error",
                  extra={"worker": task.get_name(), "error": type(task.exception()).__name__})


def create_app(
    *,
    service: str,
    title: str,
    description: str,
    runtime: Runtime,
    keys: KeyStore,
    stop_timeout: float = 15.0,
) -> FastAPI:
    """A service's app: its runtime's workers run beside it, its key store guards it
    (`app.state.keys`, read by `auth.require`). `service` (ingest, eligibility, ...) is
    what /healthz answers as, so a caller can tell which service holds a port; the
    OpenAPI document is completed as `document` describes."""
    workers, ready, on_scrape = runtime.workers, runtime.ready, runtime.refresh_metrics
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        for start in workers.starters:
            await start()
        yield
        # SIGTERM: stop consuming, let in-flight batches commit, flush outboxes, close.
        for stop in workers.stoppers:
            try:
                await asyncio.wait_for(stop(), stop_timeout)
            except Exception:
                log.warning("a worker did not stop cleanly in time")
        for task in workers.tasks:
            if not task.done():
                try:
                    await asyncio.wait_for(asyncio.shield(task), stop_timeout)
                except (TimeoutError, Exception):
                    task.cancel()

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan)
    app.state.keys = keys
    app.state.runtime = runtime

    @app.middleware("http")
    async def _measure(request: Request, call_next):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        # Log lines of this request carry its id (the caller's X-Request-ID, else new).
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        token = correlation_id.set(request_id[:64])
        try:
            response = await call_next(request)
        finally:
            correlation_id.reset(token)
        response.headers["X-Request-ID"] = request_id[:64]
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        metrics.HTTP_REQUESTS.labels(request.method, path, str(response.status_code)).inc()
        metrics.HTTP_LATENCY.labels(request.method, path).observe(time.perf_counter() - started)
        return response

    @app.get("/healthz", tags=["operations"], summary="The process is alive, and which "
             "service it is")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @app.get("/readyz", tags=["operations"], summary="Broker, topics, group and store are ready")
    async def readyz() -> JSONResponse:
        try:
            checks = await asyncio.wait_for(ready(), 5.0)
        except Exception as exc:
            checks = {"error": type(exc).__name__, "ready": False}
        status = 200 if checks.get("ready") else 503
        return JSONResponse(checks, status_code=status)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics")
    async def prometheus_metrics() -> Response:
        with contextlib.suppress(Exception):
            await on_scrape()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    document(app, service)
    return app


# --- the OpenAPI document ---------------------------------------------------------------


class FieldError(BaseModel):
    field: str = Field(description="dotted path of the bad field, e.g. subject.date_of_birth; "
                       "`<body>`, `<item>`, `<line>` or `<row>` for the whole thing")
    message: str = Field(description="what is wrong, in words; never the submitted value")
    type: str = Field(description="machine-readable error kind, e.g. missing, date_parsing, "
                      "forbidden, conflict, too_large")
    row: int | None = Field(default=None, description="CSV only: the row this error is about")


class ErrorBody(BaseModel):
    """Every error answer: it names fields and never carries a submitted value."""

    model_config = ConfigDict(extra="allow")

    error: str = Field(description="unauthenticated, forbidden, invalid, invalid_json, "
                       "too_large, too_many, conflict, not_found, ambiguous, ...")
    message: str
    errors: list[FieldError] | None = Field(default=None, description="one entry per bad field")


class ErrorDetail(BaseModel):
    """An error answer under `detail`: an ErrorBody, or a text for an error FastAPI itself
    answers (no such path, a body that cannot be parsed)."""

    detail: ErrorBody | str


SECURITY_SCHEME = "apiKey"
ERROR_DESCRIPTIONS = {
    400: "the body cannot be parsed",
    401: "no API key, or an unknown or revoked one",
    403: "the key lacks the scope, or may not act for this court",
    404: "no such resource for the key's courts",
    409: "the resource is not in a state that allows this",
}


def error_responses(
    *codes: int, described: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=` entries for the error codes it answers besides those every
    guarded route gets (401, 403, 404 with a path parameter: `document`), each with the
    service's error body; `described` words a code for this route."""
    texts = {**ERROR_DESCRIPTIONS, **(described or {})}
    return {code: {"description": texts[code]} for code in codes}


def guarded(route: APIRoute) -> bool:
    """Whether an API key guards the route: a dependency of it declares `scopes`
    (`auth.require`, or a service's own guard that does the same)."""

    def walk(dependant: Dependant) -> bool:
        return any(getattr(d.call, "scopes", None) or walk(d) for d in dependant.dependencies)

    return walk(route.dependant)


def document(app: FastAPI, service: str) -> None:
    """Complete the generated OpenAPI with what the routes really answer: the API key
    scheme, and on each guarded route its use, 401, 403 and (with a path parameter) 404;
    every error answer a route lists gets the service's error body (ErrorBody, or
    ErrorDetail while FastAPI's own handler answers HTTP errors); /readyz may answer 503,
    /metrics is Prometheus text."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _completed(generate(), app, service)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _completed(schema: dict[str, Any], app: FastAPI, service: str) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = {
        "type": "http", "scheme": "bearer",
        "description": f"an API key (`cw_<id>_<secret>`) from `clearway-{service} keys create`",
    }
    paths = schema.get("paths", {})
    for route in app.routes:
        if not (isinstance(route, APIRoute) and route.include_in_schema and guarded(route)):
            continue
        for method in route.methods or ():
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            operation.setdefault("security", [{SECURITY_SCHEME: []}])
            answers = operation.setdefault("responses", {})
            for code in (401, 403, 404) if route.dependant.path_params else (401, 403):
                answers.setdefault(str(code), {"description": ERROR_DESCRIPTIONS[code]})

    flat = app.exception_handlers.get(StarletteHTTPException) is not http_exception_handler
    body = ErrorBody if flat else ErrorDetail
    for operations in paths.values():
        for operation in operations.values():
            answers = operation.get("responses", {})
            for code, answer in answers.items():
                if code.isdigit() and int(code) >= 400 and "content" not in answer:
                    answer["content"] = {"application/json": {"schema": {
                        "$ref": f"#/components/schemas/{body.__name__}"}}}
            operation["responses"] = dict(sorted(answers.items()))
    found = body.model_json_schema(ref_template="#/components/schemas/{model}",
                                   mode="serialization")
    known = components.setdefault("schemas", {})
    for name, definition in {**found.pop("$defs", {}), body.__name__: found}.items():
        known.setdefault(name, definition)

    ready = paths.get("/readyz", {}).get("get")
    if ready is not None:
        ready["responses"]["200"]["content"] = {
            "application/json": {"schema": {"type": "object"}}}
        ready["responses"]["503"] = {
            "description": "not ready: broker, topics, store or relay not in order",
            "content": {"application/json": {"schema": {"type": "object"}}}}
    scrape = paths.get("/metrics", {}).get("get")
    if scrape is not None:
        scrape["responses"]["200"]["content"] = {"text/plain": {"schema": {"type": "string"}}}
    return schema


def tune_garbage_collector() -> None:
    """Fewer, cheaper cyclic collections for a service that decodes events in batches.

    CPython starts a young collection when the tracked objects allocated and not yet freed
    since the last one pass a threshold (700 by default). A batch of decoded events is a
    tree of models held until the batch commits, about 25 tracked objects an event: each
    batch set off collections that scanned it, then its survivors again in the older
    generations. Objects alive at start (modules, the app, schemas) are moved out of the
    collector's sight, and the young threshold is 250,000: twice the objects of a batch of
    5,000 events (eligibility's default; the others' is 2,000), so a batch that is freed
    once committed does not start a collection; what does is garbage only the collector
    can free (reference cycles), and memory stays bounded by it. Measured: at 50,000,
    decoding cost 30 us an event held in a batch of 2,000 against 20 us with no
    collection (bench/README.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(250_000, 20, 100)


def serve(app: FastAPI, host: str, port: int, log_level: str = "info") -> None:
    import uvicorn

    tune_garbage_collector()

    config = uvicorn.Config(app, host=host, port=port, log_config=None,
                            log_level=log_level.lower(), timeout_graceful_shutdown=10,
                            access_log=False)
    uvicorn.Server(config).run()
