"""Which counts a court ordered dismissed and sealed: the rule every service's reads apply
to keys without `sealed:read`."""
from __future__ import annotations

from typing import Any

from clearway.common.events import RecordEvent, sealed_counts


def order(event_id: str, case: str, count: int, outcome: str = "granted",
          relief: str = "dismiss_and_seal", court: str = "CA-LA") -> RecordEvent:
    return RecordEvent.model_validate({
        "event_id": event_id, "event_type": "court_order", "court": court,
        "occurred_at": "2024-02-01T09:00:00-08:00", "subject": {"subject_id": "CII1"},
        "order": {"case_number": case, "count": count, "outcome": outcome, "relief": relief,
                  "order_date": "2024-02-01"}})


def disposition(case: str) -> RecordEvent:
    counts: list[dict[str, Any]] = [{
        "count": 1, "statute": "HS 11357(a)", "level": "misdemeanor",
        "offense_date": "2010-01-01", "disposition": "convicted",
        "disposition_date": "2010-02-01"}]
    return RecordEvent.model_validate({
        "event_id": "D1", "event_type": "disposition", "court": "CA-LA",
        "occurred_at": "2010-02-01T09:00:00-08:00",
        "subject": {"subject_id": "CII1", "first_name": "A", "last_name": "B",
                    "date_of_birth": "1970-01-01"},
        "case": {"case_number": case, "counts": counts}})


def test_only_a_granted_dismiss_and_seal_order_seals_a_count() -> None:
    events = [disposition("BA1"), order("O1", "BA1", 1), order("O2", "BA2", 1, "denied"),
              order("O3", "BA3", 2, relief="reduce_to_misdemeanor"),
              order("O4", "BA4", 3, court="CA-SF")]
    assert sealed_counts(events) == {("CA-LA", "BA1", 1), ("CA-SF", "BA4", 3)}


def test_a_disposition_and_an_order_name_their_case_and_other_events_none() -> None:
    assert disposition("BA7").case_number == "BA7"
    assert order("O1", "BA8", 1).case_number == "BA8"
    death = RecordEvent.model_validate({
        "event_id": "X1", "event_type": "death", "court": "CA-LA",
        "occurred_at": "2024-02-01T09:00:00-08:00", "subject": {"subject_id": "CII1"},
        "death": {"date": "2024-01-01"}})
    assert death.case_number is None
