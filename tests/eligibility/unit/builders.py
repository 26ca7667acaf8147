"""Small builders of contract record events (contract section 2) for the rule tests.

Every builder writes the event as the contract's JSON and validates it with
`RecordEvent`, so the tests feed the engine exactly what ingest would accept.
Defaults describe an adult (born 1980-01-01) convicted well before Prop 64 in a
court that is not Los Angeles, so a test only spells out what it is about.
"""
from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from clearway.common.events import RecordEvent
from clearway.eligibility.domain.history import History
from clearway.eligibility.rulepacks.engine import Outcome, decide

D = dt.date
PROP64_EVE = D(2016, 11, 8)
PROP64_DAY = D(2016, 11, 9)
AS_OF = D(2024, 1, 1)
STATEWIDE_COURT = "CA-SF"
LA = "CA-LA"
DEFAULT_DOB = D(1980, 1, 1)
DEFAULT_OFFENSE = D(2010, 4, 1)
DEFAULT_DISPOSITION = D(2010, 6, 1)

GRANTED = ("dismiss_and_seal", "reduce_to_misdemeanor", "reduce_to_infraction")

_serial = itertools.count(1)
_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _next() -> int:
    return next(_serial)


def at(minutes: int) -> dt.datetime:
    """An `occurred_at` timestamp: `minutes` after a fixed epoch."""
    return _EPOCH + dt.timedelta(minutes=minutes)


@dataclass(frozen=True)
class Person:
    subject_id: str = "CII000001"
    first_name: str = "ALEX"
    last_name: str = "RIVERA"
    date_of_birth: dt.date = DEFAULT_DOB

    def subject(self) -> dict[str, Any]:
        return {
            "subject_id": self.subject_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "date_of_birth": self.date_of_birth.isoformat(),
        }


PERSON = Person()


def born(date_of_birth: dt.date) -> Person:
    return Person(date_of_birth=date_of_birth)


def aged(years: int, on: dt.date = DEFAULT_OFFENSE) -> Person:
    """A person who turned `years` exactly a month before `on` (so is `years` old on it)."""
    birthday = on - dt.timedelta(days=31)
    return born(birthday.replace(year=birthday.year - years))


def count(
    statute: str = "HS 11359",
    *,
    n: int = 1,
    level: str = "felony",
    offense_date: dt.date | None = DEFAULT_OFFENSE,
    disposition: str = "convicted",
    disposition_date: dt.date = DEFAULT_DISPOSITION,
    sentence: str | None = None,
    end_date: dt.date | None = None,
    plants: int | None = None,
    grams: float | None = None,
    involved_minor: bool | None = None,
    environmental_violation: bool | None = None,
) -> dict[str, Any]:
    """One count as the contract's JSON. `end_date` alone implies a jail sentence."""
    body: dict[str, Any] = {
        "count": n,
        "statute": statute,
        "level": level,
        "disposition": disposition,
        "disposition_date": disposition_date.isoformat(),
    }
    if offense_date is not None:
        body["offense_date"] = offense_date.isoformat()
    if sentence is not None or end_date is not None:
        body["sentence"] = {"kind": sentence or "jail"}
        if end_date is not None:
            body["sentence"]["end_date"] = end_date.isoformat()
    facts = {
        key: value
        for key, value in (
            ("grams", grams),
            ("plants", plants),
            ("involved_minor", involved_minor),
            ("environmental_violation", environmental_violation),
        )
        if value is not None
    }
    if facts:
        body["facts"] = facts
    return body


def conviction(statute: str, disposition_date: dt.date, **kw: Any) -> dict[str, Any]:
    """A convicted count whose offense and disposition are both on `disposition_date`."""
    kw.setdefault("offense_date", disposition_date)
    return count(statute, disposition_date=disposition_date, **kw)


def _envelope(event_type: str, person: Person, court: str, occurred_at: dt.datetime | None,
              event_id: str | None) -> dict[str, Any]:
    serial = _next()
    return {
        "event_id": event_id or f"ev-{serial}",
        "event_type": event_type,
        "court": court,
        "occurred_at": (occurred_at or at(serial)).isoformat(),
        "subject": person.subject(),
    }


def disposition(
    *counts: dict[str, Any],
    person: Person = PERSON,
    court: str = STATEWIDE_COURT,
    case_number: str | None = None,
    occurred_at: dt.datetime | None = None,
    event_id: str | None = None,
) -> RecordEvent:
    body = _envelope("disposition", person, court, occurred_at, event_id)
    body["case"] = {
        "case_number": case_number or f"BA{_next():06d}",
        "counts": list(counts) or [count()],
    }
    return RecordEvent.model_validate(body)


def registration(
    date: dt.date,
    statute: str = "PC 290",
    *,
    person: Person = PERSON,
    court: str = STATEWIDE_COURT,
    occurred_at: dt.datetime | None = None,
) -> RecordEvent:
    body = _envelope("registration", person, court, occurred_at, None)
    body["registration"] = {"statute": statute, "date": date.isoformat()}
    return RecordEvent.model_validate(body)


def death(date: dt.date, *, person: Person = PERSON, court: str = STATEWIDE_COURT) -> RecordEvent:
    body = _envelope("death", person, court, None, None)
    body["death"] = {"date": date.isoformat()}
    return RecordEvent.model_validate(body)


def court_order(
    case_number: str,
    n: int = 1,
    *,
    outcome: str = "granted",
    relief: str = "dismiss_and_seal",
    order_date: dt.date = D(2019, 1, 1),
    person: Person = PERSON,
    court: str = STATEWIDE_COURT,
) -> RecordEvent:
    body = _envelope("court_order", person, court, None, None)
    body["order"] = {
        "case_number": case_number,
        "count": n,
        "outcome": outcome,
        "relief": relief,
        "order_date": order_date.isoformat(),
    }
    return RecordEvent.model_validate(body)


def corrected(event: RecordEvent, *counts: dict[str, Any], later_by: int = 60) -> RecordEvent:
    """A later `disposition` for the same court and case number (a correction)."""
    assert event.case is not None
    return disposition(
        *counts,
        person=Person(
            subject_id=event.subject.subject_id,
            date_of_birth=event.subject.date_of_birth or DEFAULT_DOB,
        ),
        court=event.court,
        case_number=event.case.case_number,
        occurred_at=event.occurred_at + dt.timedelta(minutes=later_by),
    )


def case_of(event: RecordEvent) -> str:
    """The case number of a `disposition` event."""
    assert event.case is not None
    return event.case.case_number


def history_of(events: Iterable[RecordEvent], subject_id: str = PERSON.subject_id) -> History:
    return History.from_events(subject_id, list(events))


def decide_all(
    *events: RecordEvent,
    as_of: dt.date = AS_OF,
    policy_table: Mapping[str, str] | None = None,
    policy: str | None = None,
) -> list[Outcome]:
    history = history_of(events)
    if policy_table is None:
        return decide(history, as_of, policy=policy)
    return decide(history, as_of, policy_table, policy)


def outcome_for(outcomes: Iterable[Outcome], event: RecordEvent, n: int = 1) -> Outcome:
    assert event.case is not None
    found = [o for o in outcomes
             if (o.court, o.case_number, o.count) == (event.court, event.case.case_number, n)]
    assert len(found) == 1, f"expected one decision for {event.case.case_number} count {n}"
    return found[0]


def decide_on(
    target: RecordEvent,
    *others: RecordEvent,
    n: int = 1,
    as_of: dt.date = AS_OF,
    policy_table: Mapping[str, str] | None = None,
    policy: str | None = None,
) -> Outcome:
    """The outcome for count `n` of `target`, decided with `others` in the history."""
    outcomes = decide_all(target, *others, as_of=as_of, policy_table=policy_table,
                          policy=policy)
    return outcome_for(outcomes, target, n)


def keys(outcomes: Iterable[Outcome]) -> set[tuple[str, str, int]]:
    return {(o.court, o.case_number, o.count) for o in outcomes}
