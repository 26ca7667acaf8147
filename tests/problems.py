"""What every error answer of every service is: an RFC 9457 problem
(`application/problem+json`) with a stable `code`, that never repeats a submitted value."""
from __future__ import annotations

from typing import Any

PROBLEM_TYPES = "https://clearway.invalid/problems/"


def problem(answer: Any, status: int, code: str, *, never: tuple[str, ...] = ()
            ) -> dict[str, Any]:
    """The answer is a problem of this status and code, its `instance` the request's path,
    and none of the `never` values appear anywhere in it; its body."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["status"] == status and body["code"] == code
    assert body["type"] == PROBLEM_TYPES + code
    assert body["instance"] == answer.request.url.path
    assert body["title"] and body["detail"]
    for value in never:
        assert value not in answer.text, value
    assert '"input"' not in answer.text
    return dict(body)
