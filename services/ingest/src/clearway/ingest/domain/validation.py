"""Turn validation failures into field-level messages that never echo the submitted values
(they may be names, birth dates or contacts).

Each message is `{"field": "subject.date_of_birth", "message": ..., "type": ...}`: the
field as a dotted path (list positions as numbers: `case.counts.0.level`), a message in
plain words and pydantic's error type, which is a fixed vocabulary (used as the metric
reason)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
from pydantic import ValidationError

from clearway.common.events import RecordEvent

FieldError = dict[str, Any]

# Errors the model raises on the whole event name the fields in their text:
# "`case` is required for event_type disposition",
# "subject.first_name, subject.date_of_birth required for a disposition".
_BACKTICKED = re.compile(r"`([a-z_]+)`")
_SUBJECT_FIELD = re.compile(r"\bsubject\.[a-z_]+\b")

# Messages whose detail may quote the value (an e-mail's domain or characters): the type
# says enough.
_GENERIC = {
    "email": "must be a valid e-mail address",
}


def _dotted(loc: Iterable[Any]) -> str:
    return ".".join(str(p) for p in loc)


def _fields_named_in(message: str) -> list[tuple[str, str]]:
    """(field, message) pairs for an error the model raised on the whole event."""
    named = [(name, message) for name in _BACKTICKED.findall(message)]
    named += [(name, "required for a disposition") for name in _SUBJECT_FIELD.findall(message)]
    return named


def _message(err: Mapping[str, Any], field: str) -> str:
    message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    leaf = field.rsplit(".", 1)[-1]
    if leaf in _GENERIC and err.get("type") == "value_error":
        return _GENERIC[leaf]
    value = err.get("input")
    # Never repeat what was sent: a message that quotes the input (or a piece of it) is
    # replaced by one that does not.
    if isinstance(value, str) and value.strip():
        pieces = [p for p in (value, *re.split(r"[\s@.,;:/<>()'\"]+", value)) if len(p) >= 4]
        if any(p in message for p in pieces):
            return f"invalid value ({err.get('type', 'invalid')})"
    return message


def messages_from(
    errors: Sequence[Mapping[str, Any]], prefix: Sequence[str] = ()
) -> list[FieldError]:
    """Field messages from pydantic (or FastAPI) error dicts; `prefix` parts of each `loc`
    are dropped (FastAPI's "body")."""
    out: list[FieldError] = []
    for err in errors:
        loc = [p for i, p in enumerate(err.get("loc", ()))
               if not (i < len(prefix) and p == prefix[i])]
        field = _dotted(loc)
        kind = str(err.get("type", "invalid"))
        if not field and kind == "value_error":
            named = _fields_named_in(_message(err, ""))
            if named:
                out.extend({"field": name, "message": text, "type": kind} for name, text in named)
                continue
        out.append({"field": field or "<body>", "message": _message(err, field), "type": kind})
    return out


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
