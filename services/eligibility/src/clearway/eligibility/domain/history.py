"""A person's history as the rules see it, built from their record events.

Order of arrival does not matter: a later `disposition` for the same court and case
replaces the earlier one by `occurred_at` (then event id), so the same events in any order
give the same history.

Each court keeps its own view of the person: the date of birth is kept per court (the
latest that court sent), never overwritten by another court's. A reading of the history
(`read_as`) takes one of those dates for the whole person; the rules decide on a reading,
and where the courts' dates would decide differently, the engine sends the count to a
reviewer (`IDENTITY_CONFLICT`)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from clearway.common.events import Count, RecordEvent
from clearway.eligibility.domain.statutes import Statute, parse_statute


@dataclass(frozen=True)
class CountRecord:
    court: str
    case_number: str
    count: int
    statute_text: str
    statute: Statute | None
    description: str | None
    level: str
    offense_date: dt.date | None
    disposition: str
    disposition_date: dt.date
    sentence_end: dt.date | None
    plants: int | None
    grams: float | None
    involved_minor: bool
    environmental_violation: bool
    imported: bool

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.court, self.case_number, self.count)

    @property
    def convicted(self) -> bool:
        return self.disposition == "convicted"

    @classmethod
    def of(cls, court: str, case_number: str, count: Count) -> CountRecord:
        facts = count.facts
        return cls(
            court=court,
            case_number=case_number,
            count=count.count,
            statute_text=count.statute,
            statute=parse_statute(count.statute),
            description=count.description,
            level=count.level,
            offense_date=count.offense_date,
            disposition=count.disposition,
            disposition_date=count.disposition_date,
            sentence_end=count.sentence.end_date if count.sentence else None,
            plants=facts.plants if facts else None,
            grams=facts.grams if facts else None,
            involved_minor=bool(facts and facts.involved_minor),
            environmental_violation=bool(facts and facts.environmental_violation),
            imported=bool(facts and facts.imported),
        )


@dataclass(frozen=True)
class RegistrationRecord:
    statute: Statute | None
    date: dt.date


@dataclass(frozen=True)
class History:
    subject_id: str
    date_of_birth: dt.date | None  # the date this reading takes (the latest sent, by default)
    counts: tuple[CountRecord, ...]
    registrations: tuple[RegistrationRecord, ...] = ()
    death_date: dt.date | None = None
    dates_of_birth: tuple[tuple[str, dt.date], ...] = ()  # (court, its latest), by court

    def date_of_birth_in(self, court: str) -> dt.date | None:
        """The date of birth `court` gave (the reading's own when it gave none)."""
        for given_by, born in self.dates_of_birth:
            if given_by == court:
                return born
        return self.date_of_birth

    def distinct_dates_of_birth(self) -> list[dt.date]:
        return sorted({born for _, born in self.dates_of_birth})

    def read_as(self, date_of_birth: dt.date | None) -> History:
        """This history with one date of birth for the whole person."""
        if date_of_birth == self.date_of_birth:
            return self
        return replace(self, date_of_birth=date_of_birth)

    @classmethod
    def from_events(cls, subject_id: str, events: Iterable[RecordEvent]) -> History:
        ordered = sorted(events, key=lambda e: (e.occurred_at, e.court, e.event_id))
        cases: dict[tuple[str, str], RecordEvent] = {}
        registrations: set[RegistrationRecord] = set()
        date_of_birth = None
        by_court: dict[str, dt.date] = {}
        death_date = None
        for event in ordered:
            if event.subject.date_of_birth is not None:
                date_of_birth = event.subject.date_of_birth
                by_court[event.court] = date_of_birth
            if event.case is not None:
                cases[(event.court, event.case.case_number)] = event
            elif event.registration is not None:
                registrations.add(RegistrationRecord(parse_statute(event.registration.statute),
                                                     event.registration.date))
            elif event.death is not None:
                death_date = event.death.date
        counts = tuple(sorted(
            (CountRecord.of(e.court, e.case.case_number, c)
             for e in cases.values() if e.case is not None for c in e.case.counts),
            key=lambda c: c.key,
        ))
        return cls(subject_id, date_of_birth, counts,
                   tuple(sorted(registrations, key=lambda r: (r.date, str(r.statute)))),
                   death_date, tuple(sorted(by_court.items())))


def identity_conflict_view(history: History, may_see: Callable[[str], bool]
                           ) -> dict[str, object]:
    """Each court's date of birth for a reviewer: the values of the courts `may_see`, only
    the court codes of the others (one court's record is not another court's to read)."""
    return {"dates_of_birth": [
        {"court": court, "date_of_birth": born.isoformat()} if may_see(court)
        else {"court": court, "date_of_birth": None, "withheld": True}
        for court, born in history.dates_of_birth]}


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Whole years from birth to `day`."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years
