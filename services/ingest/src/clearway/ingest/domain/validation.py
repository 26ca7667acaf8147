"""Turn validation failures into field-level messages that never echo the submitted values
(they may be names, birth dates or contacts)."""
from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError

from clearway.common.events import RecordEvent


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    out = []
    for err in exc.errors(include_input=False, include_url=False):
        loc = [str(p) for p in err["loc"]]
        out.append({
            "field": ".".join(loc) or "<body>",
            "message": str(err["msg"]).removeprefix("Value error, "),
            "type": str(err["type"]),
        })
    return out


def parse_event(data: Any) -> RecordEvent | list[dict[str, str]]:
    """A RecordEvent, or the list of field errors that prevent it."""
    if not isinstance(data, dict):
        return [{"field": "<item>", "message": "each item must be a JSON object",
                 "type": "object_type"}]
    try:
        return RecordEvent.model_validate(data)
    except ValidationError as exc:
        return field_errors(exc)


def parse_json_line(line: bytes) -> RecordEvent | list[dict[str, str]]:
    """One NDJSON line: a RecordEvent, or the errors that prevent it."""
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError:
        return [{"field": "<line>", "message": "not valid JSON", "type": "json_invalid"}]
    return parse_event(data)
