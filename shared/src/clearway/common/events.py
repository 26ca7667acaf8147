"""Pydantic models of every event in the interface contract (../shared/contract/README.md).

Models are closed: an unknown field is a validation error, so a producer's typo never
passes silently. Field names and values are the contract's, spelled exactly.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Annotated, Any, Literal

import langcodes
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

EVENT_TYPES = ("disposition", "registration", "death", "court_order")
LEVELS = ("felony", "misdemeanor", "infraction")
DISPOSITIONS = ("convicted", "dismissed", "acquitted", "pending")
SENTENCE_KINDS = ("prison", "jail", "probation", "fine", "none")
GRANTED_RELIEFS = ("dismiss_and_seal", "reduce_to_misdemeanor", "reduce_to_infraction")
# A county policy's related charges (contract 4.5): dismissed without sealing.
RELATED_RELIEFS = ("dismiss",)
RELIEFS = (*GRANTED_RELIEFS, "not_eligible", "needs_review")
DECISION_RELIEFS = (*GRANTED_RELIEFS, *RELATED_RELIEFS, "not_eligible", "needs_review",
                    "withdrawn")
PROCEDURES = ("application", "petition")

EventType = Literal["disposition", "registration", "death", "court_order"]
Level = Literal["felony", "misdemeanor", "infraction"]
CountDisposition = Literal["convicted", "dismissed", "acquitted", "pending"]
SentenceKind = Literal["prison", "jail", "probation", "fine", "none"]
GrantedRelief = Literal["dismiss_and_seal", "reduce_to_misdemeanor", "reduce_to_infraction"]
DecisionRelief = Literal[
    "dismiss_and_seal",
    "reduce_to_misdemeanor",
    "reduce_to_infraction",
    "dismiss",
    "not_eligible",
    "needs_review",
    "withdrawn",
]
Procedure = Literal["application", "petition"]
# Any policy's name (contract 3): `statewide`, `dismiss-all`, a county policy, or `review`.
PolicyName = Annotated[str, StringConstraints(min_length=1, max_length=80,
                                              pattern=r"^[a-z0-9][a-z0-9._-]*$")]

COURT_CODE = r"^[A-Z]{2}-[A-Z0-9]{1,12}$"
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# The syntax of an address (RFC 5322 dot-atom local part, a DNS domain with a dot). Checked
# by pydantic's compiled regex: email-validator cost 60% of decoding an event.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EmailAddress = Annotated[str, StringConstraints(
    max_length=254,
    pattern=rf"^[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]+)*"
            rf"@{_LABEL}(?:\.{_LABEL})+$",
)]


# Dates, timestamps and numbers are taken only in their own JSON form (pydantic's lax mode
# would take `0` or "0" as 1970-01-01, "1" as the count 1, `true` as 1 gram).
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_RFC3339 = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")


def _iso_date(value: Any) -> Any:
    """A date as `YYYY-MM-DD` (a JSON string) or a date object; never a number."""
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    raise PydanticCustomError("date_type", "Input should be a date as YYYY-MM-DD")


def _rfc3339(value: Any) -> Any:
    """A timestamp as RFC 3339 text (`2024-03-01T09:30:00-08:00`) or a datetime; never a
    number of seconds."""
    if isinstance(value, dt.datetime) or (isinstance(value, str) and _RFC3339.match(value)):
        return value
    raise PydanticCustomError("datetime_type", "Input should be an RFC 3339 timestamp such "
                              "as 2024-03-01T09:30:00-08:00")


def _number(value: Any) -> Any:
    """A JSON number (integer or decimal); never a string or a boolean."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise PydanticCustomError("float_type", "Input should be a number")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]
# Whole numbers: a JSON integer only (not "1", not 1.0, not true).
WholeNumber = Annotated[int, Strict()]
Number = Annotated[float, BeforeValidator(_number)]
Grams = Annotated[float, Field(ge=0), BeforeValidator(_number)]


@lru_cache(maxsize=1024)
def _valid_language(tag: str) -> bool:
    return bool(langcodes.tag_is_valid(tag))


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PostalAddress(Closed):
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    state: str = Field(min_length=2, max_length=50)
    postal_code: str = Field(min_length=3, max_length=12, pattern=r"^[A-Za-z0-9 -]+$")


class Contact(Closed):
    email: EmailAddress | None = Field(default=None, description="e.g. ana@example.org")
    phone: str | None = Field(default=None, description="E.164, e.g. +14155550123")
    postal_address: PostalAddress | None = None
    language: str | None = Field(default=None, description="BCP 47 tag, e.g. en, es, zh-Hant")

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        if value is not None and not E164.match(value):
            raise ValueError("must be an E.164 phone number such as +14155550123")
        return value

    @field_validator("language")
    @classmethod
    def _bcp47(cls, value: str | None) -> str | None:
        if value is not None and not _valid_language(value):
            raise ValueError("must be a valid BCP 47 language tag such as en or es")
        return value


class Subject(Closed):
    subject_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    date_of_birth: IsoDate | None = None
    contact: Contact | None = None


class Sentence(Closed):
    kind: SentenceKind
    end_date: IsoDate | None = None


class Facts(Closed):
    grams: Grams | None = None
    plants: WholeNumber | None = Field(default=None, ge=0)
    involved_minor: bool | None = None
    environmental_violation: bool | None = None
    imported: bool | None = None


class Count(Closed):
    count: WholeNumber = Field(ge=1, le=999)
    statute: str = Field(min_length=1, max_length=80)
    description: str | None = Field(default=None, max_length=200)
    level: Level
    offense_date: IsoDate | None = None
    disposition: CountDisposition
    disposition_date: IsoDate
    sentence: Sentence | None = None
    facts: Facts | None = None


class Case(Closed):
    case_number: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._/-]+$")
    counts: list[Count] = Field(min_length=1, max_length=200)

    @field_validator("counts")
    @classmethod
    def _unique_count_numbers(cls, counts: list[Count]) -> list[Count]:
        if len(counts) > 1 and len({c.count for c in counts}) != len(counts):
            raise ValueError("count numbers must be unique within a case")
        return counts


class Registration(Closed):
    statute: str = Field(min_length=1, max_length=80)
    date: IsoDate


class Death(Closed):
    date: IsoDate


class CourtOrder(Closed):
    case_number: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._/-]+$")
    count: WholeNumber = Field(ge=1, le=999)
    outcome: Literal["granted", "denied"]
    relief: GrantedRelief
    order_date: IsoDate


_PAYLOAD_OF = {
    "disposition": "case",
    "registration": "registration",
    "death": "death",
    "court_order": "order",
}


class RecordEvent(Closed):
    """A court record event (contract section 2): what ingest accepts and publishes."""

    event_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    event_type: EventType
    court: str = Field(pattern=COURT_CODE, description="court code such as CA-LA")
    occurred_at: Timestamp
    subject: Subject
    case: Case | None = None
    registration: Registration | None = None
    death: Death | None = None
    order: CourtOrder | None = None

    @model_validator(mode="after")
    def _payload_matches_type(self) -> RecordEvent:
        wanted = _PAYLOAD_OF[self.event_type]
        for name in _PAYLOAD_OF.values():
            present = getattr(self, name) is not None
            if name == wanted and not present:
                raise ValueError(f"`{name}` is required for event_type {self.event_type}")
            if name != wanted and present:
                raise ValueError(f"`{name}` is not allowed for event_type {self.event_type}")
        if self.event_type == "disposition":
            missing = [
                f
                for f in ("first_name", "last_name", "date_of_birth")
                if getattr(self.subject, f) is None
            ]
            if missing:
                raise ValueError(
                    "subject." + ", subject.".join(missing) + " required for a disposition"
                )
        return self

    @property
    def subject_id(self) -> str:
        return self.subject.subject_id

    @property
    def case_number(self) -> str | None:
        """The case a disposition or court order is about (None for the others)."""
        if self.case is not None:
            return self.case.case_number
        return self.order.case_number if self.order is not None else None


def sealed_counts(events: Iterable[RecordEvent]) -> set[tuple[str, str, int]]:
    """(court, case_number, count) of each count a court ordered dismissed and sealed:
    served only to keys with the `sealed:read` scope."""
    return {
        (e.court, e.order.case_number, e.order.count)
        for e in events
        if e.order is not None and e.order.outcome == "granted"
        and e.order.relief == "dismiss_and_seal"
    }


class Reason(Closed):
    code: str
    text: str
    citation: str


class Decision(Closed):
    """One version of the decision on one in-scope count (contract section 3)."""

    decision_id: str
    subject_id: str
    court: str
    case_number: str
    count: WholeNumber
    statute: str
    relief: DecisionRelief
    procedure: Procedure | None
    reasons: list[Reason] = Field(min_length=1)
    policy: PolicyName
    rule_pack: str
    rule_pack_version: str
    version: WholeNumber = Field(ge=1)
    supersedes: str | None
    as_of: IsoDate
    decided_at: Timestamp

    @model_validator(mode="after")
    def _procedure_goes_with_relief(self) -> Decision:
        granted = self.relief in GRANTED_RELIEFS or self.relief in RELATED_RELIEFS
        if granted != (self.procedure is not None):
            raise ValueError("procedure is required for a granted relief and null otherwise")
        return self

    @property
    def grants_relief(self) -> bool:
        return self.relief in GRANTED_RELIEFS


MotionStatus = Literal[
    "draft", "ready", "included_in_bulk", "filed", "granted", "denied", "withdrawn"
]


class MotionEvent(Closed):
    """A motion's transition on `filing.motions.v1`, keyed by subject_id. No names."""

    kind: Literal["motion"] = "motion"
    motion_id: str
    subject_id: str
    court: str
    case_number: str
    status: MotionStatus
    counts: list[int]
    decision_ids: list[str]
    procedure: Procedure | None
    document_sha256: str | None
    bulk_motion_id: str | None = None
    occurred_at: AwareDatetime


class BulkMotionEvent(Closed):
    """A bulk motion's creation or filing on `filing.motions.v1`, keyed by court."""

    kind: Literal["bulk_motion"] = "bulk_motion"
    bulk_motion_id: str
    court: str
    status: Literal["ready", "filed"]
    motion_count: int
    document_sha256: str
    csv_sha256: str
    occurred_at: AwareDatetime


Channel = Literal["email", "sms", "letter"]
DeliveryStatus = Literal["sent", "retrying", "failed", "unreachable", "opted_out"]


class DeliveryEvent(Closed):
    """One delivery attempt's outcome on `notify.deliveries.v1`. No contact data, no text."""

    delivery_id: str
    notice_id: str
    subject_id: str
    court: str
    case_number: str
    notice_kind: str
    channel: Channel | None
    status: DeliveryStatus
    attempt: int
    language: str
    error: str | None = None
    occurred_at: AwareDatetime
