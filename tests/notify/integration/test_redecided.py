"""A decision re-decided under a new rule pack version (ca-prop64 1.0.0 -> 1.1.0): what notify
tells a person whose grant went to review.

The rule (services/notify/README.md): notify tells a person of a grant once per case. A grant
not yet planned follows the new version (withdrawn while under review, pending again if a
later version grants). Once the person has been told, a later version sends nothing: no second
notice, and no message saying something the record does not (the earlier notice said the
prosecutor would ask the court; the court's order is what the person hears of next)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from clearway.common.db import make_engine
from clearway.notify.dispatch import plan_notice
from clearway.notify.store import NotifyStore
from tests.notify.builders import as_decision, as_record, contact, decision, disposition, new_id

EVERY_CHANNEL = frozenset({"email", "sms", "letter"})


@pytest.fixture
def store(database_url: str) -> Iterator[NotifyStore]:
    engine = make_engine(database_url)
    try:
        yield NotifyStore(engine)
    finally:
        engine.dispose()


def plan(store: NotifyStore) -> int:
    return store.plan_pending(lambda pending, now: plan_notice(pending, now, EVERY_CHANNEL, 0.0))


def person(store: NotifyStore) -> str:
    subject_id = new_id()
    store.process([as_record(disposition(subject_id, contact_details=contact(
        email="ana.reyes@example.org", language="es")))], [])
    return subject_id


def test_a_person_told_of_a_grant_that_goes_to_review_is_not_told_again(
        store: NotifyStore) -> None:
    subject_id = person(store)
    v1 = decision(subject_id, relief="reduce_to_misdemeanor")
    store.process([], [as_decision(v1)])
    assert plan(store) == 1
    told = store.deliveries_of(subject_id)
    v2 = decision(subject_id, relief="needs_review", version=2, supersedes=v1["decision_id"])
    assert store.process([], [as_decision(v2)]) == 0
    assert plan(store) == 0
    (notice,) = store.notices_of(subject_id)
    assert notice["state"] == "planned"
    assert store.deliveries_of(subject_id) == told
    # a review that grants again later does not tell the person a second time either
    v3 = decision(subject_id, relief="dismiss_and_seal", version=3,
                  supersedes=v2["decision_id"])
    assert store.process([], [as_decision(v3)]) == 0
    assert plan(store) == 0 and len(store.notices_of(subject_id)) == 1


def test_a_grant_that_goes_to_review_before_it_is_told_is_withdrawn_and_never_sent(
        store: NotifyStore) -> None:
    subject_id = person(store)
    v1 = decision(subject_id, relief="reduce_to_misdemeanor")
    store.process([], [as_decision(v1)])
    v2 = decision(subject_id, relief="needs_review", version=2, supersedes=v1["decision_id"])
    store.process([], [as_decision(v2)])
    assert [n["state"] for n in store.notices_of(subject_id)] == ["withdrawn"]
    assert plan(store) == 0
    assert store.deliveries_of(subject_id) == []
