"""Each court's view of a person is its own (issue #19): a notice about a case goes to the
contact that case's court gave, whatever another court sent later; a store made before
contacts were kept per court still reaches the person through its one row."""
from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest

from clearway.common.db import make_engine
from clearway.notify.dispatch import plan_notice
from clearway.notify.store import NotifyStore, legacy_contacts
from tests.notify.builders import as_decision, as_record, contact, decision, disposition, new_id

EVERY_CHANNEL = frozenset({"email", "sms", "letter"})
HOLDER = "maria.lopez@example.org"
ATTACKER = "someone.else@example.net"


@pytest.fixture
def store(database_url: str) -> Iterator[NotifyStore]:
    engine = make_engine(database_url)
    try:
        yield NotifyStore(engine)
    finally:
        engine.dispose()


def plan(store: NotifyStore) -> int:
    return store.plan_pending(lambda pending, now: plan_notice(pending, now, EVERY_CHANNEL, 0.0))


def emails_claimed(store: NotifyStore) -> list[str | None]:
    due = store.claim("owner-1", {"email"}, 10, 60.0)
    return [d.contact.email if d.contact else None for d in due]


def test_a_notice_goes_to_the_contact_its_cases_court_gave_not_a_later_court(
        store: NotifyStore) -> None:
    subject_id = new_id()
    store.process([as_record(disposition(subject_id, court="CA-LA", contact_details=contact(
        email=HOLDER), occurred_at="2024-01-15T10:00:00-08:00"))], [])
    store.process([as_record(disposition(subject_id, court="CA-SAC", case_number="SAC1",
                                         contact_details=contact(email=ATTACKER),
                                         occurred_at="2024-05-01T10:00:00-08:00"))], [])
    store.process([], [as_decision(decision(subject_id, court="CA-LA"))])
    assert plan(store) == 1
    assert emails_claimed(store) == [HOLDER]


def test_each_courts_notice_uses_its_own_courts_contact(store: NotifyStore) -> None:
    subject_id = new_id()
    for court, case, email in (("CA-LA", "BA1", HOLDER), ("CA-SAC", "SAC1", ATTACKER)):
        store.process([as_record(disposition(subject_id, court=court, case_number=case,
                                             contact_details=contact(email=email)))], [])
        store.process([], [as_decision(decision(subject_id, court=court, case_number=case))])
    assert plan(store) == 2
    assert sorted(emails_claimed(store)) == sorted([HOLDER, ATTACKER])


def test_a_notice_whose_court_sent_no_record_waits_and_does_not_borrow_another_courts(
        store: NotifyStore) -> None:
    subject_id = new_id()
    store.process([as_record(disposition(subject_id, court="CA-SAC", case_number="SAC1",
                                         contact_details=contact(email=ATTACKER)))], [])
    store.process([], [as_decision(decision(subject_id, court="CA-LA"))])
    assert store.plan_pending(lambda p, now: plan_notice(p, now, EVERY_CHANNEL, 3600.0)) == 0
    assert emails_claimed(store) == []


def test_a_store_made_before_contacts_were_kept_per_court_still_reaches_the_person(
        store: NotifyStore) -> None:
    subject_id = new_id()
    with store.engine.begin() as conn:
        conn.execute(legacy_contacts.insert(), {
            "subject_id": subject_id, "first_name": "Maria", "last_name": "Lopez",
            "email": HOLDER, "phone": None, "postal_address": None, "language": "es",
            "names_at": 0.0, "contact_at": 0.0})
    store.process([], [as_decision(decision(subject_id, court="CA-LA"))])
    assert plan(store) == 1
    (due,) = store.claim("owner-1", {"email"}, 10, 60.0)
    assert (due.contact.email, due.contact.language) == (HOLDER, "es")  # type: ignore[union-attr]
    assert orjson.dumps(due.contact.__repr__()).find(HOLDER.encode()) == -1
