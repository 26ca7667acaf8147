"""What every service's HTTP side shares: /healthz, /readyz, /metrics, request metrics,
and running background workers (consumer loops, outbox relays) beside the app."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

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
    title: str,
    description: str,
    runtime: Runtime,
    keys: KeyStore,
    stop_timeout: float = 15.0,
) -> FastAPI:
    """A service's app: its runtime's workers run beside it, its key store guards it
    (`app.state.keys`, read by `auth.require`)."""
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

    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

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

    return app


def serve(app: FastAPI, host: str, port: int, log_level: str = "info") -> None:
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_config=None,
                            log_level=log_level.lower(), timeout_graceful_shutdown=10,
                            access_log=False)
    uvicorn.Server(config).run()
