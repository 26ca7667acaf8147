"""Court record events and decisions as the topics carry them (contract sections 2 and 3)."""
from __future__ import annotations

import uuid
from typing import Any

from clearway.common.events import Decision, RecordEvent

REASON = {"code": "HS11361_8", "text": "Proposition 64 relief", "citation": "HS 11361.8"}


def new_id(prefix: str = "CII") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10].upper()}"


def contact(email: str | None = None, phone: str | None = None,
            postal: dict[str, Any] | None = None, language: str | None = None) -> dict[str, Any]:
    return {k: v for k, v in {"email": email, "phone": phone, "postal_address": postal,
                              "language": language}.items() if v is not None}


def postal_address(line1: str = "1200 Alvarado St", city: str = "Los Angeles") -> dict[str, Any]:
    return {"line1": line1, "line2": "Apt 4", "city": city, "state": "CA",
            "postal_code": "90006"}


def disposition(subject_id: str, *, court: str = "CA-LA", case_number: str = "BA123456",
                occurred_at: str = "2024-01-15T10:00:00-08:00", first_name: str = "Maria",
                last_name: str = "Lopez", contact_details: dict[str, Any] | None = None,
                event_id: str | None = None) -> dict[str, Any]:
    subject: dict[str, Any] = {"subject_id": subject_id, "first_name": first_name,
                               "last_name": last_name, "date_of_birth": "1975-06-02"}
    if contact_details is not None:
        subject["contact"] = contact_details
    return {
        "event_id": event_id or f"ev-{uuid.uuid4().hex[:12]}",
        "event_type": "disposition",
        "court": court,
        "occurred_at": occurred_at,
        "subject": subject,
        "case": {"case_number": case_number, "counts": [{
            "count": 1, "statute": "HS 11357(a)", "description": "POSSESS MARIJUANA",
            "level": "misdemeanor", "offense_date": "2009-04-01", "disposition": "convicted",
            "disposition_date": "2010-02-01"}]},
    }


def death(subject_id: str, *, court: str = "CA-LA",
          occurred_at: str = "2024-02-01T09:00:00-08:00") -> dict[str, Any]:
    return {"event_id": f"ev-{uuid.uuid4().hex[:12]}", "event_type": "death", "court": court,
            "occurred_at": occurred_at, "subject": {"subject_id": subject_id},
            "death": {"date": "2024-01-20"}}


def court_order(subject_id: str, *, outcome: str = "granted", court: str = "CA-LA",
                case_number: str = "BA123456", count: int = 1,
                relief: str = "dismiss_and_seal", order_date: str = "2024-06-03",
                event_id: str | None = None) -> dict[str, Any]:
    return {"event_id": event_id or f"ev-{uuid.uuid4().hex[:12]}", "event_type": "court_order",
            "court": court, "occurred_at": f"{order_date}T15:00:00-07:00",
            "subject": {"subject_id": subject_id},
            "order": {"case_number": case_number, "count": count, "outcome": outcome,
                      "relief": relief, "order_date": order_date}}


def decision(subject_id: str, *, relief: str = "dismiss_and_seal", court: str = "CA-LA",
             case_number: str = "BA123456", count: int = 1, version: int = 1,
             decision_id: str | None = None, supersedes: str | None = None) -> dict[str, Any]:
    granted = relief in ("dismiss_and_seal", "reduce_to_misdemeanor", "reduce_to_infraction")
    return {
        "decision_id": decision_id or f"dec-{uuid.uuid4().hex[:12]}",
        "subject_id": subject_id, "court": court, "case_number": case_number, "count": count,
        "statute": "HS 11357(a)", "relief": relief,
        "procedure": "application" if granted else None, "reasons": [REASON],
        "policy": "statewide", "rule_pack": "ca-prop64", "rule_pack_version": "2024.1",
        "version": version, "supersedes": supersedes, "as_of": "2024-03-01",
        "decided_at": "2024-03-01T12:00:00+00:00",
    }


def as_record(data: dict[str, Any]) -> RecordEvent:
    return RecordEvent.model_validate(data)


def as_decision(data: dict[str, Any]) -> Decision:
    return Decision.model_validate(data)
