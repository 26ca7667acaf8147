"""Every service's OpenAPI document describes the errors its routes answer: a guarded
route may answer 401 and 403, a route naming a resource 404, a route raising another
code (400, 409, ...) lists it, each with a problem body (`application/problem+json`);
/readyz may answer 503 and /metrics is Prometheus text. Integrators generate clients from
these documents; an undocumented answer is a surprise there (schemathesis flags each one it
meets: test_openapi_fuzzing.py)."""
from __future__ import annotations

import inspect
import re

import pytest
from fastapi.routing import APIRoute

from tests.security.apps import OPERATIONS, services

SERVICES = ["ingest", "eligibility", "filing", "notify"]
RAISED = re.compile(r"(?:HTTPException|_error|problem|Problem)\(\s*(\d{3})\b")


def raised_codes(name: str) -> dict[tuple[str, str], set[str]]:
    """The status codes each route's own body raises, by (method, path)."""
    return {(method.lower(), route.path): set(RAISED.findall(inspect.getsource(route.endpoint)))
            for route in services()[name].app.routes if isinstance(route, APIRoute)
            for method in route.methods}


def documents(name: str) -> list[str]:
    spec = services()[name].app.openapi()
    raised = raised_codes(name)
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            answers = operation.get("responses", {})
            if path == "/metrics":
                if "text/plain" not in answers["200"].get("content", {}):
                    missing.append("GET /metrics is not documented as text/plain")
                continue
            if path == "/readyz" and "503" not in answers:
                missing.append("GET /readyz does not document 503")
            if path in OPERATIONS:
                continue
            wanted = ({"401", "403"} | ({"404"} if "{" in path else set())
                      | raised.get((method, path), set()))
            if not wanted <= set(answers):
                missing.append(f"{method.upper()} {path}: {sorted(wanted - set(answers))}")
            if operation.get("security") != [{"apiKey": []}]:
                missing.append(f"{method.upper()} {path}: no API key requirement")
            bodiless = [code for code, answer in answers.items() if code >= "400"
                        and "application/problem+json" not in answer.get("content", {})]
            if bodiless:
                missing.append(f"{method.upper()} {path}: {bodiless} without a problem body")
    return missing


@pytest.mark.parametrize("name", SERVICES)
def test_every_route_documents_the_errors_it_can_answer(name: str) -> None:
    assert documents(name) == []


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_documents_its_api_key_scheme(name: str) -> None:
    schemes = services()[name].app.openapi()["components"]["securitySchemes"]
    assert schemes["apiKey"]["type"] == "http" and schemes["apiKey"]["scheme"] == "bearer"
    assert f"clearway-{name} keys create" in schemes["apiKey"]["description"]
