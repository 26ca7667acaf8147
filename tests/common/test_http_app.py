"""The shared app factory (`clearway.common.http.create_app`): /healthz names the service,
and the OpenAPI document lists what the routes really answer (docs/reliability.md
section 7, item 7), the same way for every service."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException as StarletteHTTPException

from clearway.common.auth import Principal, require
from clearway.common.http import Workers, create_app, error_responses

Reader = Annotated[Principal, Depends(require("motions:read"))]


async def _ready() -> dict[str, object]:
    return {"ready": True}


async def _scrape() -> None:
    pass


def app_of(service: str = "filing", flat_errors: bool = False) -> FastAPI:
    """An app of the factory with a guarded route naming a thing, a guarded list that may
    answer 409, and an open route."""
    runtime = SimpleNamespace(workers=Workers(), ready=_ready, refresh_metrics=_scrape)
    app = create_app(service=service, title=f"Clearway {service}", description="a test",
                     runtime=runtime, keys=SimpleNamespace())  # type: ignore[arg-type]
    if flat_errors:
        @app.exception_handler(StarletteHTTPException)
        async def _flat(request: Request, exc: StarletteHTTPException) -> JSONResponse:
            return JSONResponse(exc.detail, status_code=exc.status_code)

    @app.get("/v1/things/{thing_id}")
    async def thing(thing_id: str, principal: Reader) -> dict[str, str]:
        return {"thing_id": thing_id}

    @app.post("/v1/things", responses=error_responses(409, described={409: "taken"}))
    async def things(principal: Reader) -> dict[str, str]:
        return {}

    @app.get("/v1/open")
    async def open_route() -> dict[str, str]:
        return {}

    return app


def answers(app: FastAPI, method: str, path: str) -> dict[str, Any]:
    return dict(app.openapi()["paths"][path][method]["responses"])


def test_healthz_answers_which_service_it_is() -> None:
    health = TestClient(app_of("notify")).get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "service": "notify"}


def test_a_guarded_route_documents_401_403_and_with_a_path_parameter_404() -> None:
    app = app_of()
    assert {"401", "403", "404"} <= set(answers(app, "get", "/v1/things/{thing_id}"))
    listed = answers(app, "post", "/v1/things")
    assert {"401", "403"} <= set(listed) and "404" not in listed


def test_a_guarded_route_documents_the_api_key_it_needs() -> None:
    spec = app_of("filing").openapi()
    assert spec["paths"]["/v1/things"]["post"]["security"] == [{"apiKey": []}]
    scheme = spec["components"]["securitySchemes"]["apiKey"]
    assert scheme["scheme"] == "bearer" and "clearway-filing keys create" in scheme["description"]


def test_an_open_route_documents_no_key_and_no_key_errors() -> None:
    app = app_of()
    assert not {"401", "403"} & set(answers(app, "get", "/v1/open"))
    assert "security" not in app.openapi()["paths"]["/v1/open"]["get"]


def test_a_code_a_route_declares_is_documented_with_its_words() -> None:
    assert answers(app_of(), "post", "/v1/things")["409"]["description"] == "taken"


def test_error_answers_are_documented_under_detail_while_fastapi_answers_http_errors() -> None:
    app = app_of()
    for code in ("401", "403", "409"):
        schema = answers(app, "post", "/v1/things")[code]["content"]["application/json"]
        assert schema["schema"] == {"$ref": "#/components/schemas/ErrorDetail"}
    assert {"ErrorDetail", "ErrorBody", "FieldError"} <= set(
        app.openapi()["components"]["schemas"])


def test_error_answers_are_documented_flat_when_the_service_answers_http_errors_itself() -> None:
    app = app_of(flat_errors=True)
    schema = answers(app, "post", "/v1/things")["409"]["content"]["application/json"]
    assert schema["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert "ErrorDetail" not in app.openapi()["components"]["schemas"]


def test_an_error_answer_is_what_the_document_says() -> None:
    answer = TestClient(app_of()).get("/v1/things/x")
    assert answer.status_code == 401
    assert set(answer.json()) == {"detail"} and answer.json()["detail"]["error"] == (
        "unauthenticated")


def test_metrics_are_documented_as_prometheus_text_and_readyz_may_answer_503() -> None:
    app = app_of()
    assert set(answers(app, "get", "/metrics")["200"]["content"]) == {"text/plain"}
    assert {"200", "503"} <= set(answers(app, "get", "/readyz"))


def test_the_document_is_built_once() -> None:
    app = app_of()
    assert app.openapi() is app.openapi()
