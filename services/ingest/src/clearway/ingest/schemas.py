"""The shapes ingest answers with, as documented in its OpenAPI. Error answers are
problems (clearway.common.http.ProblemDetails) that name fields and never carry a
submitted value; bulk reports list each bad item's field errors in the same
{field, message, type, row?} shape."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from clearway.common.http import FieldError

ERRORS = {
    400: "the body cannot be decoded (not JSON, not UTF-8)",
    404: "no such event for the key's courts",
    409: "this event_id was accepted before with other content (or is ambiguous)",
    413: "the body (or an NDJSON line) is over the size limit, or too many items",
    415: "unsupported content type",
    422: "invalid input; `errors` names each bad field",
    503: "the store is unavailable: retry (events already accepted answer as duplicates)",
}


class Accepted(BaseModel):
    """The answer to an accepted event; a repeat of the same event gets the same answer."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "event_id": "LA-2024-000001", "court": "CA-LA", "status": "accepted",
        "accepted_at": "2024-03-01T17:30:02.120000+00:00"}]})

    event_id: str
    court: str
    status: Literal["accepted"]
    accepted_at: str = Field(description="when the event was first accepted (RFC 3339)")


class BulkError(BaseModel):
    index: int | None = Field(default=None, description="JSON array: 0-based position")
    line: int | None = Field(default=None, description="NDJSON: 1-based line number")
    row: int | None = Field(default=None, description="CSV: first row of the event "
                            "(the header is row 1)")
    rows: list[int] | None = Field(default=None, description="CSV: every row of the event")
    event_id: str | None = Field(default=None, description="when the item had a usable one")
    errors: list[FieldError]


class BulkReport(BaseModel):
    """A bulk answer: the good items are accepted, each bad one is listed by its number."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "accepted": 998, "duplicates": 1, "rejected": 1, "errors_truncated": False,
        "errors": [{"index": 41, "event_id": "LA-2024-000042", "errors": [
            {"field": "subject.date_of_birth", "type": "date_from_datetime_parsing",
             "message": "Input should be a valid date or datetime, month value is outside "
                        "expected range of 1-12"}]}]}]})

    accepted: int = Field(description="events newly accepted")
    duplicates: int = Field(description="events accepted before (same id, same content)")
    rejected: int = Field(description="items rejected; each is listed in `errors`")
    errors: list[BulkError]
    errors_truncated: bool = Field(description="true when more were rejected than listed")


class DojRows(BaseModel):
    """What became of each row of a DOJ research file."""

    read: int = Field(description="data rows (the header and blank lines are not rows)")
    imported: int = Field(description="rows in an accepted (or already accepted) event")
    rejected: int = Field(description="rows refused; each is in `errors` by its `row`")
    no_event: dict[str, int] = Field(description="rows that carry no event, by reason: "
                                     "`non_court_step`, `no_final_disposition`, "
                                     "`not_pc290_registration`, `superseded`")


class DojReport(BulkReport):
    """The bulk answer for a DOJ research file: events accepted, every refused row listed
    by its number (the file's first line is row 1), and what became of every row."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "accepted": 3, "duplicates": 0, "rejected": 1, "errors_truncated": False,
        "errors": [{"row": 7, "errors": [
            {"field": "STP_ORI_CNTY_NAME", "type": "county",
             "message": "STP_ORI_CNTY_NAME is not one of California's 58 counties"}]}],
        "rows": {"read": 12, "imported": 6, "rejected": 1,
                 "no_event": {"non_court_step": 5}},
        "possible_cannabis_rows": [4]}]})

    rows: DojRows
    possible_cannabis_rows: list[int] = Field(
        description="rows of counts whose statute is another section while COMMENT_TEXT "
        "cites HS 11357-11360 (their description starts `POSSIBLE CANNABIS COUNT: `)")


class Standing(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "event_id": "LA-2024-000001", "court": "CA-LA", "event_type": "disposition",
        "status": "published", "accepted_at": "2024-03-01T17:30:02.120000+00:00",
        "topic": "court.records.v1", "partition": 7, "offset": 1041}]})

    event_id: str
    court: str
    event_type: str
    status: Literal["accepted", "published"] = Field(
        description="accepted: durable in the store, on its way to the topic; published: on it")
    accepted_at: str
    topic: str
    partition: int | None
    offset: int | None
