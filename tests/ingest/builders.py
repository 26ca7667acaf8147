"""Record events for ingest tests: synthetic people with names and birth dates distinctive
enough that a test can search logs and answers for them."""
from __future__ import annotations

import copy
import csv
import io
from typing import Any

from clearway.common.datagen import CSV_COLUMNS, csv_rows

# The bootstrap key of test services: every scope, every court. Test-only, not a secret.
ADMIN_KEY = "cw_admintest_Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1zZWNyZXQ"


def disposition(
    event_id: str = "LA-T-000001",
    *,
    court: str = "CA-LA",
    subject_id: str = "CII90000001",
    first_name: str = "Zephyrine",
    last_name: str = "Quillfeather",
    date_of_birth: str = "1961-07-23",
    email: str | None = "zq@example.org",
    counts: int = 1,
    case_number: str = "BA900001",
) -> dict[str, Any]:
    subject: dict[str, Any] = {
        "subject_id": subject_id,
        "first_name": first_name,
        "last_name": last_name,
        "date_of_birth": date_of_birth,
    }
    if email:
        subject["contact"] = {"email": email, "phone": "+12135550142", "language": "es"}
    return {
        "event_id": event_id,
        "event_type": "disposition",
        "court": court,
        "occurred_at": "2024-03-01T09:30:00-08:00",
        "subject": subject,
        "case": {
            "case_number": case_number,
            "counts": [
                {
                    "count": n,
                    "statute": "HS 11359(b)" if n == 1 else "HS 11357(a)",
                    "description": "POSSESS MARIJUANA FOR SALE",
                    "level": "felony" if n == 1 else "misdemeanor",
                    "offense_date": "2009-04-01",
                    "disposition": "convicted",
                    "disposition_date": "2010-02-01",
                    "sentence": {"kind": "jail", "end_date": "2010-08-01"},
                    "facts": {"grams": 120.5, "involved_minor": False},
                }
                for n in range(1, counts + 1)
            ],
        },
    }


def person(i: int, court: str = "CA-LA", prefix: str = "T") -> dict[str, Any]:
    """The i-th of many distinct people, each with a name and birth date of their own."""
    return disposition(
        f"{court[3:]}-{prefix}-{i:06d}",
        court=court,
        subject_id=f"CII{prefix}{i:07d}",
        first_name=f"Xanthippe{_letters(i)}",
        last_name=f"Oddlebrook{_letters(i + 7)}",
        date_of_birth=f"19{50 + i % 20}-{1 + i % 12:02d}-{1 + i % 27:02d}",
        email=None,
        case_number=f"BA{i:06d}",
    )


def _letters(i: int) -> str:
    out = ""
    for _ in range(3):
        i, r = divmod(i, 26)
        out += chr(ord("a") + r)
    return out


def registration(event_id: str = "LA-T-R00001", court: str = "CA-LA") -> dict[str, Any]:
    return {
        "event_id": event_id,
        "event_type": "registration",
        "court": court,
        "occurred_at": "2024-03-02T10:00:00Z",
        "subject": {"subject_id": "CII90000001"},
        "registration": {"statute": "PC 290", "date": "2005-01-10"},
    }


def changed(event: dict[str, Any], **subject: Any) -> dict[str, Any]:
    other = copy.deepcopy(event)
    other["subject"].update(subject)
    return other


def to_csv(events: list[dict[str, Any]], columns: tuple[str, ...] = CSV_COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n",
                            extrasaction="ignore")
    writer.writeheader()
    for event in events:
        writer.writerows(csv_rows(event))
    return out.getvalue()
