"""The shared app factory (`clearway.common.http.create_app`): /healthz names the service,
every error is an RFC 9457 problem (`application/problem+json`) that never repeats a
submitted value, and the OpenAPI document lists what the routes really answer
(docs/reliability.md section 7, item 7), the same way for every service."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from clearway.common.auth import Principal, require
from clearway.common.events import IsoDate
from clearway.common.http import (
    PROBLEM_JSON,
    PROBLEM_TYPES,
    Problem,
    Workers,
    create_app,
    error_responses,
    problem,
)

Reader = Annotated[Principal, Depends(require("motions:read"))]
KEY = "cw_k1_secret"


class Keys:
    """A key store of one key with every scope."""

    def authenticate(self, token: str) -> Principal | None:
        if token != KEY:
            return None
        return Principal("k1", "test", frozenset({"admin"}), frozenset({"*"}))


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    date_of_birth: IsoDate


async def _ready() -> dict[str, object]:
    return {"ready": True}


async def _scrape() -> None:
    pass


def app_of(service: str = "filing", seen: list[Problem] | None = None) -> FastAPI:
    """An app of the factory with a guarded route naming a thing, a guarded list that may
    answer 409, a guarded route taking a JSON body, routes raising errors the old way and
    failing, and an open route."""
    runtime = SimpleNamespace(workers=Workers(), ready=_ready, refresh_metrics=_scrape)

    def on_problem(request: Request, exc: Problem) -> None:
        if seen is not None:
            seen.append(exc)

    app = create_app(service=service, title=f"Clearway {service}", description="a test",
                     runtime=runtime, keys=Keys(),  # type: ignore[arg-type]
                     on_problem=on_problem)

    @app.get("/v1/things/{thing_id}")
    async def thing(thing_id: str, principal: Reader) -> dict[str, str]:
        if thing_id == "missing":
            raise problem(404, "not_found", "no such thing")
        if thing_id == "old":
            raise HTTPException(409, detail={"error": "taken", "message": "it is taken",
                                             "reason": "held"})
        if thing_id == "broken":
            raise RuntimeError("Zephyrine 1961-07-23")
        return {"thing_id": thing_id}

    @app.post("/v1/people")
    async def people(person: Person, principal: Reader,
                     limit: Annotated[int, Query(ge=1)] = 1) -> dict[str, str]:
        return {"name": person.name}

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


def test_every_error_answer_is_documented_as_a_problem() -> None:
    app = app_of()
    problem_body = {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
    for method, path, codes in (("post", "/v1/things", ("401", "403", "409")),
                                ("get", "/v1/things/{thing_id}", ("401", "403", "404")),
                                ("post", "/v1/people", ("400", "401", "403", "415", "422"))):
        listed = answers(app, method, path)
        for code in codes:
            assert listed[code]["content"] == {PROBLEM_JSON: problem_body}, (path, code)
    schemas = app.openapi()["components"]["schemas"]
    assert {"ProblemDetails", "FieldError"} <= set(schemas)
    assert set(schemas["ProblemDetails"]["required"]) == {
        "type", "title", "status", "detail", "instance", "code"}
    # FastAPI's own 422 array (which repeats the input) is documented nowhere
    assert not {"HTTPValidationError", "ValidationError"} & set(schemas)


def client_of(app: FastAPI, key: str | None = KEY) -> TestClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return TestClient(app, headers=headers, raise_server_exceptions=False)


def problem_of(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM_JSON
    body = answer.json()
    assert body["type"] == PROBLEM_TYPES + code and body["code"] == code
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["instance"] == answer.request.url.path
    return dict(body)


def test_an_error_answer_is_what_the_document_says() -> None:
    answer = client_of(app_of(), key=None).get("/v1/things/x?court=CA-LA")
    body = problem_of(answer, 401, "unauthenticated")
    assert body["instance"] == "/v1/things/x"  # without the query
    assert body["type"] == "https://clearway.invalid/problems/unauthenticated"
    assert answer.headers["www-authenticate"] == "Bearer"
    assert set(body) == {"type", "title", "status", "detail", "instance", "code"}


def test_a_raised_problem_carries_its_code_and_detail_and_is_seen_by_the_service() -> None:
    seen: list[Problem] = []
    body = problem_of(client_of(app_of(seen=seen)).get("/v1/things/missing"), 404,
                      "not_found")
    assert body["detail"] == "no such thing"
    assert [(p.status_code, p.code) for p in seen] == [(404, "not_found")]


def test_an_http_exception_raised_the_old_way_is_answered_as_a_problem() -> None:
    body = problem_of(client_of(app_of()).get("/v1/things/old"), 409, "taken")
    assert body["detail"] == "it is taken" and body["reason"] == "held"


def test_an_unknown_path_and_an_unanswered_method_are_problems() -> None:
    client = client_of(app_of())
    problem_of(client.get("/v1/no-such-route"), 404, "not_found")
    refused = client.delete("/v1/things/x")
    problem_of(refused, 405, "method_not_allowed")
    assert refused.headers["allow"] == "GET"


def test_a_failure_is_a_500_problem_that_says_nothing_of_the_request() -> None:
    answer = client_of(app_of()).get("/v1/things/broken")
    body = problem_of(answer, 500, "internal_error")
    assert "Zephyrine" not in answer.text and "1961" not in answer.text
    assert "RuntimeError" not in body["detail"]


def test_a_bad_body_is_422_naming_each_field_and_never_repeating_a_value() -> None:
    answer = client_of(app_of()).post("/v1/people?limit=0", json={
        "name": "Zephyrine", "date_of_birth": 19610723, "nickname": "Quill"})
    body = problem_of(answer, 422, "invalid")
    assert sorted((e["field"], e["type"]) for e in body["errors"]) == [
        ("date_of_birth", "date_type"), ("nickname", "extra_forbidden"),
        ("query.limit", "greater_than_equal")]
    assert all(set(e) == {"field", "message", "type"} for e in body["errors"])
    for value in ("Zephyrine", "19610723", "Quill", '"input"'):
        assert value not in answer.text


def test_a_missing_body_and_a_missing_key_in_it_are_named() -> None:
    client = client_of(app_of())
    missing = problem_of(client.post("/v1/people", json={"name": "Zephyrine"}), 422, "invalid")
    assert missing["errors"] == [{"field": "date_of_birth", "type": "missing",
                                  "message": "Field required"}]
    nobody = problem_of(client.post("/v1/people"), 422, "invalid")
    assert [e["field"] for e in nobody["errors"]] == ["<body>"]


def test_a_body_that_is_not_json_is_400_and_one_sent_as_another_type_is_415() -> None:
    client = client_of(app_of())
    broken = client.post("/v1/people", content=b'{"name": "Zephyrine',
                         headers={"Content-Type": "application/json"})
    assert "Zephyrine" not in problem_of(broken, 400, "invalid_json")["detail"]
    for media in ("text/plain", "application/x-www-form-urlencoded", ""):
        problem_of(client.post("/v1/people", content=b'{"name": "A", "date_of_birth": '
                               b'"1961-07-23"}', headers={"Content-Type": media}),
                   415, "unsupported_media_type")
    ok = client.post("/v1/people", content=b'{"name": "A", "date_of_birth": "1961-07-23"}',
                     headers={"Content-Type": "application/json; charset=utf-8"})
    assert ok.status_code == 200


@pytest.mark.parametrize("key", [None, "cw_nosuch_secret"])
def test_without_a_valid_key_a_bad_body_is_401_not_422(key: str | None) -> None:
    client = client_of(app_of(), key=key)
    problem_of(client.post("/v1/people", json={"name": 5}), 401, "unauthenticated")
    problem_of(client.post("/v1/people", content=b"{", headers={
        "Content-Type": "application/json"}), 401, "unauthenticated")


def test_metrics_are_documented_as_prometheus_text_and_readyz_may_answer_503() -> None:
    app = app_of()
    assert set(answers(app, "get", "/metrics")["200"]["content"]) == {"text/plain"}
    assert {"200", "503"} <= set(answers(app, "get", "/readyz"))


def test_the_document_is_built_once() -> None:
    app = app_of()
    assert app.openapi() is app.openapi()
