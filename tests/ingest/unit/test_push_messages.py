"""`clearway push` words a refusal from ingest's problem answer (RFC 9457): its `detail`
and each field `errors` names."""
from __future__ import annotations

import httpx

from clearway.ingest.push import _message_of


def test_a_refusal_is_worded_from_the_problems_detail_and_its_fields() -> None:
    answer = httpx.Response(422, headers={"Content-Type": "application/problem+json"}, json={
        "type": "https://clearway.invalid/problems/invalid_header", "title": "Invalid request",
        "status": 422, "detail": "the header row is not as documented",
        "instance": "/v1/records:csv", "code": "invalid_header",
        "errors": [{"field": "court", "type": "missing_column",
                    "message": "required column missing"}]})
    assert _message_of(answer) == ("the header row is not as documented: "
                                   "court (required column missing)")


def test_an_answer_without_a_body_has_no_details() -> None:
    assert _message_of(httpx.Response(502, content=b"bad gateway")) == "no details"
