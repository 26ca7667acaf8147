"""Issue #9 (b): schemathesis over every service's OpenAPI, in-process (ASGI, no broker:
the apps run without their lifespan), with the bootstrap admin key: generated requests,
valid and not, never get a 5xx, and every answer is one the document describes (status,
content type, headers, body schema). The stores are seeded, so reads find data."""
from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.security.apps import ADMIN_KEY, make_services

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
BOUNDED = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck),
                   database=None)
AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}

# NDJSON bodies (ingest's :batch) are documented as text: send what is generated as text.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")

_SERVICES = make_services()


def _without_lifespan(app: FastAPI) -> Any:
    async def asgi(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "lifespan":  # no broker here: the API alone is under test
            return
        await app(scope, receive, send)

    return asgi


def _schema(name: str) -> Any:
    # /readyz rightly answers 503 here (no broker): its 503 is documented, but the
    # server-error check flags every 5xx.
    return schemathesis.openapi.from_asgi(
        "/openapi.json", _without_lifespan(_SERVICES[name].app)).exclude(path="/readyz")


ingest, eligibility, filing, notify = (_schema(n) for n in ("ingest", "eligibility",
                                                             "filing", "notify"))

def validate(case: Any) -> None:
    case.call_and_validate(headers=AUTH, checks=CHECKS)


@ingest.parametrize()
@BOUNDED
def test_ingest_answers_generated_requests_without_5xx_and_as_documented(case: Any) -> None:
    validate(case)


@eligibility.parametrize()
@BOUNDED
def test_eligibility_answers_generated_requests_without_5xx_and_as_documented(case: Any) -> None:
    validate(case)


@filing.parametrize()
@BOUNDED
def test_filing_answers_generated_requests_without_5xx_and_as_documented(case: Any) -> None:
    validate(case)


@notify.parametrize()
@BOUNDED
def test_notify_answers_generated_requests_without_5xx_and_as_documented(case: Any) -> None:
    validate(case)
