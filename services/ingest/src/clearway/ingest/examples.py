"""OpenAPI examples (synthetic people only)."""
from __future__ import annotations

from typing import Any

DISPOSITION_EXAMPLE: dict[str, Any] = {
    "event_id": "LA-2024-000001",
    "event_type": "disposition",
    "court": "CA-LA",
    "occurred_at": "2024-03-01T09:30:00-08:00",
    "subject": {
        "subject_id": "CII00000001",
        "first_name": "Alex",
        "last_name": "Example",
        "date_of_birth": "1980-05-17",
        "contact": {"email": "alex@example.org", "phone": "+12135550100", "language": "es"},
    },
    "case": {
        "case_number": "BA123456",
        "counts": [{
            "count": 1, "statute": "HS 11359", "description": "POSSESS MARIJUANA FOR SALE",
            "level": "felony", "offense_date": "2009-04-01", "disposition": "convicted",
            "disposition_date": "2010-02-01",
            "sentence": {"kind": "jail", "end_date": "2010-08-01"},
            "facts": {"grams": 120.5, "plants": None, "involved_minor": False,
                      "environmental_violation": False, "imported": False},
        }],
    },
}

EXAMPLES = {
    "disposition": {"summary": "A felony HS 11359 conviction", "value": DISPOSITION_EXAMPLE},
    "registration": {"summary": "A PC 290 registration", "value": {
        "event_id": "LA-2024-000002", "event_type": "registration", "court": "CA-LA",
        "occurred_at": "2024-03-02T10:00:00Z", "subject": {"subject_id": "CII00000001"},
        "registration": {"statute": "PC 290", "date": "2005-01-10"}}},
    "court_order": {"summary": "A court grants dismissal and sealing", "value": {
        "event_id": "LA-2024-000003", "event_type": "court_order", "court": "CA-LA",
        "occurred_at": "2024-06-02T10:00:00Z", "subject": {"subject_id": "CII00000001"},
        "order": {"case_number": "BA123456", "count": 1, "outcome": "granted",
                  "relief": "dismiss_and_seal", "order_date": "2024-06-01"}}},
}


def _ndjson_example() -> str:
    import orjson

    second = {**DISPOSITION_EXAMPLE, "event_id": "LA-2024-000004"}
    return "\n".join(orjson.dumps(e).decode() for e in (DISPOSITION_EXAMPLE, second)) + "\n"


NDJSON_EXAMPLE = _ndjson_example()

CSV_EXAMPLE = (
    "event_id,event_type,court,occurred_at,subject_id,first_name,last_name,date_of_birth,"
    "email,phone,language,address_line1,address_line2,city,state,postal_code,case_number,"
    "count,statute,description,level,offense_date,disposition,disposition_date,"
    "sentence_kind,sentence_end_date,grams,plants,involved_minor,environmental_violation,"
    "imported\n"
    "LA-2024-000001,disposition,CA-LA,2024-03-01T09:30:00-08:00,CII00000001,Alex,Example,"
    "1980-05-17,alex@example.org,+12135550100,es,,,,,,BA123456,1,HS 11359,"
    "POSSESS MARIJUANA FOR SALE,felony,2009-04-01,convicted,2010-02-01,jail,2010-08-01,"
    "120.5,,false,false,false\n"
    "LA-2024-000001,disposition,CA-LA,2024-03-01T09:30:00-08:00,CII00000001,Alex,Example,"
    "1980-05-17,alex@example.org,+12135550100,es,,,,,,BA123456,2,HS 11357(a),"
    "POSSESS MARIJUANA,misdemeanor,2009-04-01,convicted,2010-02-01,fine,,10,,,,\n"
)
