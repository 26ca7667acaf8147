"""What every service's HTTP side shares: /healthz, /readyz, /metrics, request metrics,
running background workers (consumer loops, outbox relays) beside the app, one error format
(RFC 9457 `application/problem+json`: `Problem`, `problem(...)`, the handlers `create_app`
installs) and an OpenAPI document that lists the errors each route answers."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from clearway.common import metrics, tracing
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
    on_problem: Callable[[Request, Problem], None] | None = None,
) -> FastAPI:
    """A service's app: its runtime's workers run beside it, its key store guards it
    (`app.state.keys`, read by `auth.require`). `service` (ingest, eligibility, ...) is
    what /healthz answers as, so a caller can tell which service holds a port; every
    error is answered as a problem (`install_problem_handlers`; `on_problem` sees each);
    the OpenAPI document is completed as `document` describes."""
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
    install_problem_handlers(app, on_problem)

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
        if tracing.tracer is not None:  # the server span shows the template, not the path
            tracing.name_route(getattr(route, "path", ""), request.scope)
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
    tracing.instrument_app(app)  # a server span per request when tracing is on
    return app


# --- errors: RFC 9457 problem details ---------------------------------------------------

PROBLEM_JSON = "application/problem+json"
# A problem's `type` is this base and its `code`: a stable identifier, not a page to fetch
# (`.invalid` never resolves, RFC 2606).
PROBLEM_TYPES = "https://clearway.invalid/problems/"

CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 406: "not_acceptable", 409: "conflict",
         413: "too_large", 415: "unsupported_media_type", 422: "invalid",
         429: "too_many_requests", 500: "internal_error", 503: "unavailable"}
TITLES = {
    "bad_request": "Bad request",
    "invalid_json": "The body is not valid JSON",
    "invalid_encoding": "The body is not in the expected encoding",
    "unauthenticated": "No valid API key",
    "forbidden": "Not allowed for this key",
    "not_found": "Not found",
    "method_not_allowed": "Method not allowed",
    "conflict": "Conflict",
    "too_large": "Request too large",
    "too_many": "Too many items",
    "unsupported_media_type": "Unsupported content type",
    "invalid": "Invalid request",
    "internal_error": "Internal error",
    "unavailable": "Service unavailable",
}
# What FastAPI and Starlette say themselves (a path no route has, a method a path does
# not answer), in words for the caller.
_OWN_DETAILS = {404: "no such resource", 405: "this path does not answer this method"}


class Problem(HTTPException):
    """An error answer (RFC 9457): routes raise it (`problem(...)`), the app's handlers
    answer it as `application/problem+json`. `code` is the stable machine name (`type` is
    PROBLEM_TYPES + code); `detail` words this occurrence and never quotes a submitted
    value; `errors` names each bad field; further keyword arguments are extension members
    (identifiers such as an event_id, never personal data)."""

    def __init__(self, status: int, code: str | None = None, detail: str | None = None, *,
                 title: str | None = None, errors: list[dict[str, Any]] | None = None,
                 headers: Mapping[str, str] | None = None, **extensions: Any) -> None:
        code = code or CODES.get(status, "error")
        title = title or TITLES.get(code) or _phrase(status)
        super().__init__(status_code=status, detail=detail or title,
                         headers=dict(headers) if headers else None)
        self.code = code
        self.title = title
        self.errors = errors
        self.extensions = extensions

    @classmethod
    def of(cls, exc: StarletteHTTPException) -> Problem:
        """The problem an HTTPException raised elsewhere (FastAPI, Starlette, a dependency
        written before this class) stands for."""
        if isinstance(exc, Problem):
            return exc
        detail = exc.detail
        if isinstance(detail, dict):  # the older {"error", "message", ...} bodies
            rest = {k: v for k, v in detail.items() if k not in ("error", "message", "errors")}
            return cls(exc.status_code, str(detail.get("error") or "") or None,
                       str(detail.get("message") or "") or None, errors=detail.get("errors"),
                       headers=exc.headers, **rest)
        text = str(detail) if detail else ""
        if not text or text == _phrase(exc.status_code):
            text = _OWN_DETAILS.get(exc.status_code, text)
        return cls(exc.status_code, None, text or None, headers=exc.headers)

    def body(self, instance: str) -> dict[str, Any]:
        body: dict[str, Any] = {"type": PROBLEM_TYPES + self.code, "title": self.title,
                                "status": self.status_code, "detail": self.detail,
                                "instance": instance, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        for name, value in self.extensions.items():
            body.setdefault(name, value)
        return body


def problem(status: int, code: str | None = None, detail: str | None = None,
            **members: Any) -> Problem:
    """The error to raise from a route: `raise problem(404, "not_found", "no such motion")`;
    keyword arguments as Problem takes them (errors, headers, extension members)."""
    return Problem(status, code, detail, **members)


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


def problem_response(exc: Problem, scope: Mapping[str, Any]) -> ProblemResponse:
    """The answer to a problem for a request (its path, without the query, is the
    `instance`); for ASGI middleware that answers before the app (a body too large)."""
    return ProblemResponse(exc.body(str(scope.get("path", ""))), status_code=exc.status_code,
                           headers=exc.headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# Errors the models raise on a whole object name the fields in their text:
# "`case` is required for event_type disposition",
# "subject.first_name, subject.date_of_birth required for a disposition".
_BACKTICKED = re.compile(r"`([a-z_]+)`")
_SUBJECT_FIELD = re.compile(r"\bsubject\.[a-z_]+\b")
# Messages whose detail may quote the value (an e-mail's domain or characters): the type
# says enough.
_GENERIC = {"email": "must be a valid e-mail address"}
_LOCATIONS = ("body", "query", "path", "header", "cookie")


def _dotted(loc: Iterable[Any]) -> str:
    return ".".join(str(p) for p in loc)


def _message(err: Mapping[str, Any], field: str) -> str:
    message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    leaf = field.rsplit(".", 1)[-1]
    if leaf in _GENERIC and err.get("type") == "value_error":
        return _GENERIC[leaf]
    value = err.get("input")
    # Never repeat what was sent: a message that quotes the input (or a piece of it) is
    # replaced by one that does not.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.strip():
        pieces = [p for p in (value, *re.split(r"[\s@.,;:/<>()'\"]+", value)) if len(p) >= 4]
        if any(p in message for p in pieces):
            return f"invalid value ({err.get('type', 'invalid')})"
    return message


def field_errors(errors: Sequence[Mapping[str, Any]], prefix: Sequence[str] = ()
                 ) -> list[dict[str, Any]]:
    """{field, message, type} of each pydantic (or FastAPI) error, never with the submitted
    value: `field` is the dotted path (list positions as numbers: `case.counts.0.level`),
    `message` plain words, `type` pydantic's fixed vocabulary. `prefix` parts of each `loc`
    are dropped (FastAPI's "body"); a model-level error naming fields in its text gives
    one entry per field it names."""
    out: list[dict[str, Any]] = []
    for err in errors:
        loc = [p for i, p in enumerate(err.get("loc", ()))
               if not (i < len(prefix) and p == prefix[i])]
        field = _dotted(loc)
        kind = str(err.get("type", "invalid"))
        if kind == "value_error":
            message = _message(err, field)
            named = [(name, message) for name in _BACKTICKED.findall(message)]
            named += [(name, "required for a disposition")
                      for name in _SUBJECT_FIELD.findall(message)]
            if named:
                out.extend({"field": _dotted([*loc, name]), "message": text, "type": kind}
                           for name, text in named)
                continue
        out.append({"field": field or "<body>", "message": _message(err, field), "type": kind})
    return out


def _request_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A request's errors: body fields by their path in the body, parameters by where they
    are (`query.limit`, `path.court`)."""
    out = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        prefix = ("body",) if loc[:1] == ("body",) else ()
        out += field_errors([err], prefix)
    return out


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _json_media(media: str) -> bool:
    return media == "application/json" or (media.startswith("application/")
                                           and media.endswith("+json"))


async def _key_first(request: Request) -> Problem | None:
    """The API key is judged before the request: without a valid key a bad body is a 401,
    not a 422 (FastAPI parses the body before it runs the route's dependencies)."""
    route = request.scope.get("route")
    for dependant in getattr(getattr(route, "dependant", None), "dependencies", ()):
        if getattr(dependant.call, "scopes", None):
            try:
                await asyncio.to_thread(dependant.call, request)
            except StarletteHTTPException as denied:
                return Problem.of(denied)
    return None


def install_problem_handlers(app: FastAPI,
                             on_problem: Callable[[Request, Problem], None] | None = None
                             ) -> None:
    """Every error the app answers, as `application/problem+json`: HTTP errors raised by
    routes, dependencies, FastAPI and Starlette (no such path, method), request validation
    (422; 400 for a body that is no JSON; 415 for a JSON route sent another content type),
    and anything unexpected (500, logged by type only). `on_problem` sees each one (a
    service's rejection metrics)."""

    def answer(request: Request, exc: Problem) -> Response:
        if on_problem is not None:
            with contextlib.suppress(Exception):
                on_problem(request, exc)
        return problem_response(exc, request.scope)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code in (204, 304):
            return Response(status_code=exc.status_code, headers=exc.headers)
        return answer(request, Problem.of(exc))

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        denied = await _key_first(request)
        if denied is not None:
            return answer(request, denied)
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return answer(request, Problem(400, "invalid_json", "the body is not valid JSON"))
        route = request.scope.get("route")
        sent = request.headers.get("content-length", "0") != "0" or (
            "transfer-encoding" in request.headers)
        if (getattr(route, "body_field", None) is not None and sent
                and not _json_media(_media_type(request))):
            # FastAPI reads a body of another type as bytes, which the model refuses.
            return answer(request, Problem(415, "unsupported_media_type",
                                           "send the body as application/json"))
        return answer(request, Problem(422, "invalid", "the request is not valid; `errors` "
                                       "names each bad field", errors=_request_errors(errors)))

    async def crash(request: Request, exc: Exception) -> Response:
        route = request.scope.get("route")
        log.error("request failed", extra={"error": type(exc).__name__,
                                           "path": getattr(route, "path", "unmatched")})
        return answer(request, Problem(500, "internal_error",
                                       "the service failed to answer; retry later"))

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(Exception, crash)


# --- the OpenAPI document ---------------------------------------------------------------


class FieldError(BaseModel):
    field: str = Field(description="dotted path of the bad field, e.g. subject.date_of_birth "
                       "(list positions as numbers: case.counts.0.level); a query or path "
                       "parameter as `query.<name>`, `path.<name>`; `<body>`, `<item>`, "
                       "`<line>` or `<row>` for the whole thing")
    message: str = Field(description="what is wrong, in words; never the submitted value")
    type: str = Field(description="machine-readable error kind, e.g. missing, date_type, "
                      "int_type, forbidden, conflict, too_large")
    row: int | None = Field(default=None, description="CSV only: the row this error is about")


class ProblemDetails(BaseModel):
    """Every error answer (RFC 9457, `application/problem+json`). It names fields and never
    carries a submitted value."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "type": PROBLEM_TYPES + "invalid", "title": "Invalid request", "status": 422,
        "detail": "the request is not valid; `errors` names each bad field",
        "instance": "/v1/records", "code": "invalid",
        "errors": [{"field": "subject.date_of_birth", "type": "date_type",
                    "message": "Input should be a date as YYYY-MM-DD"}]}]})

    type: str = Field(description=f"`{PROBLEM_TYPES}<code>`: a stable identifier of the "
                      "kind of problem (not a page to fetch)")
    title: str = Field(description="a short summary of the kind of problem")
    status: int = Field(description="the HTTP status code")
    detail: str = Field(description="what went wrong this time, in words")
    instance: str = Field(description="the request's path (without the query)")
    code: str = Field(description="the stable machine name: unauthenticated, forbidden, "
                      "invalid, invalid_json, unsupported_media_type, too_large, too_many, "
                      "conflict, not_found, method_not_allowed, internal_error, unavailable, "
                      "and a route's own (the route's description lists them)")
    errors: list[FieldError] | None = Field(default=None, description="one entry per bad "
                                            "field (422, and a CSV's header or syntax)")


SECURITY_SCHEME = "apiKey"
ERROR_DESCRIPTIONS = {
    400: "the body cannot be parsed",
    401: "no API key, or an unknown or revoked one",
    403: "the key lacks the scope, or may not act for this court",
    404: "no such resource for the key's courts",
    409: "the resource is not in a state that allows this",
    413: "the body is over the size limit",
    415: "unsupported content type",
    422: "invalid input; `errors` names each bad field",
    500: "the service failed to answer",
    503: "the service is unavailable: retry",
}


def error_responses(
    *codes: int, described: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=` entries for the error codes it answers besides those every
    guarded route gets (401, 403, 404 with a path parameter: `document`), each with the
    problem body; `described` words a code for this route."""
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
    a route with a JSON body may answer 400, 415 and 422; every error answer is
    `application/problem+json` (ProblemDetails, FastAPI's own 422 array replaced);
    /readyz may answer 503, /metrics is Prometheus text."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _completed(generate(), app, service)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


_FASTAPI_VALIDATION = "#/components/schemas/HTTPValidationError"
_BODY_ERRORS = {400: "the body is not valid JSON",
                415: "the body is not sent as application/json",
                422: ERROR_DESCRIPTIONS[422]}


def _completed(schema: dict[str, Any], app: FastAPI, service: str) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = {
        "type": "http", "scheme": "bearer",
        "description": f"an API key (`cw_<id>_<secret>`) from `clearway-{service} keys create`",
    }
    paths = schema.get("paths", {})
    for route in app.routes:
        if not (isinstance(route, APIRoute) and route.include_in_schema):
            continue
        for method in route.methods or ():
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            answers = operation.setdefault("responses", {})
            if route.body_field is not None:
                for code, text in _BODY_ERRORS.items():
                    answers.setdefault(str(code), {"description": text})
            if not guarded(route):
                continue
            operation.setdefault("security", [{SECURITY_SCHEME: []}])
            for code in (401, 403, 404) if route.dependant.path_params else (401, 403):
                answers.setdefault(str(code), {"description": ERROR_DESCRIPTIONS[code]})

    body = {PROBLEM_JSON: {"schema": {"$ref": f"#/components/schemas/{ProblemDetails.__name__}"}}}
    for operations in paths.values():
        for operation in operations.values():
            answers = operation.get("responses", {})
            for code, answer in answers.items():
                if not (code.isdigit() and int(code) >= 400):
                    continue
                if "content" not in answer or _FASTAPI_VALIDATION in str(answer["content"]):
                    answer["content"] = body
            operation["responses"] = dict(sorted(answers.items()))
    found = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}",
                                             mode="serialization")
    known = components.setdefault("schemas", {})
    for name, definition in {**found.pop("$defs", {}), ProblemDetails.__name__: found}.items():
        known.setdefault(name, definition)
    if _FASTAPI_VALIDATION not in str(paths):  # FastAPI's 422 array is answered nowhere
        known.pop("HTTPValidationError", None)
        known.pop("ValidationError", None)

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
