"""Turn validation failures into field-level messages that never echo the submitted values
(they may be names, birth dates or contacts).

Each message is `{"field": "subject.date_of_birth", "message": ..., "type": ...}`: the
field as a dotted path (list positions as numbers: `case.counts.0.level`), a message in
plain words and pydantic's error type, which is a fixed vocabulary (used as the metric
reason). The work is done by clearway.common.http.field_errors, which every service's
error answers use."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from pydantic import ValidationError

from clearway.common.events import RecordEvent
from clearway.common.http import field_errors as _field_errors

FieldError = dict[str, Any]


def messages_from(
    errors: Sequence[Mapping[str, Any]], prefix: Sequence[str] = ()
) -> list[FieldError]:
    """Field messages from pydantic (or FastAPI) error dicts; `prefix` parts of each `loc`
    are dropped (FastAPI's "body"). The one implementation every service's answers use."""
    return _field_errors(errors, prefix)


def field_errors(exc: ValidationError) -> list[FieldError]:
    return messages_from(exc.errors(include_url=False))


def parse_event(data: Any) -> RecordEvent | list[FieldError]:
    """A RecordEvent, or the list of field errors that prevent it."""
    if not isinstance(data, dict):
        return [{"field": "<item>", "message": "each item must be a JSON object",
                 "type": "object_type"}]
    try:
        return RecordEvent.model_validate(data)
    except ValidationError as exc:
        return field_errors(exc)


def parse_json_line(line: bytes) -> RecordEvent | list[FieldError]:
    """One NDJSON line: a RecordEvent, or the errors that prevent it."""
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError:
        return [{"field": "<line>", "message": "not valid JSON", "type": "json_invalid"}]
    return parse_event(data)
