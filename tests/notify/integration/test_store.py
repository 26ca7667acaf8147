"""The notify store against SQLite and PostgreSQL: contacts, notices, deliveries, dedupe."""
from __future__ import annotations

import time
from collections.abc import Iterator

import orjson
import pytest

from clearway.common.db import make_engine
from clearway.common.topics import DELIVERIES
from clearway.notify.dispatch import plan_notice
from clearway.notify.store import NotifyStore, StaleDelivery, outbox
from tests.notify.builders import (
    as_decision,
    as_record,
    contact,
    court_order,
    death,
    decision,
    disposition,
    new_id,
    postal_address,
)

EVERY_CHANNEL = frozenset({"email", "sms", "letter"})
OWNER = "a" * 32
EMAIL = "maria.lopez@example.org"
PHONE = "+14155550123"


@pytest.fixture
def store(database_url: str) -> Iterator[NotifyStore]:
    engine = make_engine(database_url)
    try:
        yield NotifyStore(engine)
    finally:
        engine.dispose()


def decide(contact_wait: float = 60.0):  # type: ignore[no-untyped-def]
    return lambda pending, now: plan_notice(pending, now, EVERY_CHANNEL, contact_wait)


def feed(store: NotifyStore, *records: dict, decisions: tuple[dict, ...] = ()) -> int:
    return store.process([as_record(r) for r in records], [as_decision(d) for d in decisions])


def known_person(store: NotifyStore, **details: object) -> str:
    subject_id = new_id()
    given = details or {"email": EMAIL, "language": "es"}
    feed(store, disposition(subject_id, contact_details=contact(**given)))  # type: ignore[arg-type]
    return subject_id


def outbox_events(store: NotifyStore) -> list[dict]:
    with store.engine.connect() as conn:
        rows = conn.execute(outbox.select().where(outbox.c.topic == DELIVERIES)
                            .order_by(outbox.c.id)).all()
    return [orjson.loads(r.value) for r in rows]


def test_contact_details_from_a_court_record_are_kept(store: NotifyStore) -> None:
    subject_id = known_person(store, email=EMAIL, phone=PHONE, postal=postal_address(),
                              language="es-MX")
    feed(store, decisions=(decision(subject_id),))
    (pending,) = _pending(store)
    c = pending.contact
    assert c is not None and c.email == EMAIL and c.phone == PHONE
    assert c.postal_address is not None and c.postal_address["city"] == "Los Angeles"
    assert (c.first_name, c.last_name, c.language) == ("Maria", "Lopez", "es-MX")
    assert EMAIL not in repr(c)


def _pending(store: NotifyStore) -> list:  # type: ignore[type-arg]
    seen = []

    def capture(pending, now):  # type: ignore[no-untyped-def]
        seen.append(pending)
        return plan_notice(pending, now, EVERY_CHANNEL, 60.0)

    store.plan_pending(capture)
    return seen


def test_a_newer_record_updates_the_contact_and_an_older_one_arriving_late_does_not(
        store: NotifyStore) -> None:
    subject_id = new_id()
    # 10:00 at UTC-8 is 18:00Z; 17:30Z written with +00:00 is earlier, though it sorts later
    # as text. Order is by instant, not by spelling.
    feed(store, disposition(subject_id, occurred_at="2024-01-15T10:00:00-08:00",
                            contact_details=contact(email="new@example.org")))
    feed(store, disposition(subject_id, occurred_at="2024-01-15T17:30:00+00:00",
                            first_name="Old", contact_details=contact(email="old@example.org")))
    feed(store, decisions=(decision(subject_id),))
    (pending,) = _pending(store)
    assert pending.contact.email == "new@example.org"
    assert pending.contact.first_name == "Maria"


def test_a_later_record_replaces_the_contact_and_one_without_contact_keeps_it(
        store: NotifyStore) -> None:
    subject_id = new_id()
    feed(store, disposition(subject_id, occurred_at="2024-01-15T10:00:00-08:00",
                            contact_details=contact(email=EMAIL, phone=PHONE)))
    feed(store, disposition(subject_id, occurred_at="2024-02-15T10:00:00-08:00",
                            contact_details=contact(phone="+14155550199", language="es")))
    feed(store, court_order(subject_id, outcome="denied"))  # no contact: changes nothing
    feed(store, decisions=(decision(subject_id),))
    found = {p.kind: p for p in _pending(store)}
    c = found["relief_granted"].contact
    assert (c.email, c.phone, c.language) == (None, "+14155550199", "es")


def test_a_granted_decision_creates_one_notice_and_its_redelivery_none(store: NotifyStore) -> None:
    subject_id = known_person(store)
    granted = decision(subject_id)
    assert feed(store, decisions=(granted,)) == 1
    assert feed(store, decisions=(granted,)) == 0
    assert feed(store, decisions=(granted, granted)) == 0
    assert [n["notice_kind"] for n in store.notices_of(subject_id)] == ["relief_granted"]


def test_the_same_record_event_redelivered_is_applied_once(store: NotifyStore) -> None:
    subject_id = new_id()
    first = disposition(subject_id, contact_details=contact(email=EMAIL))
    again = {**first, "occurred_at": "2030-01-01T00:00:00+00:00",
             "subject": {**first["subject"], "contact": contact(email="other@example.org")}}
    feed(store, first)
    feed(store, again)  # same court + event_id: the same event, whatever it carries now
    feed(store, decisions=(decision(subject_id),))
    (pending,) = _pending(store)
    assert pending.contact.email == EMAIL


def test_every_count_of_a_case_shares_one_notice_naming_each_relief(store: NotifyStore) -> None:
    subject_id = known_person(store)
    created = feed(store, decisions=(
        decision(subject_id, count=1, relief="dismiss_and_seal"),
        decision(subject_id, count=2, relief="reduce_to_misdemeanor"),
        decision(subject_id, count=3, relief="needs_review")))
    assert created == 1
    (notice,) = store.notices_of(subject_id)
    assert notice["reliefs"] == ["dismiss_and_seal", "reduce_to_misdemeanor"]
    assert feed(store, decisions=(decision(subject_id, case_number="BA999999"),)) == 1


@pytest.mark.parametrize("relief", ["needs_review", "not_eligible", "withdrawn"])
def test_a_decision_that_grants_nothing_creates_no_notice(store: NotifyStore, relief: str) -> None:
    subject_id = known_person(store)
    assert feed(store, decisions=(decision(subject_id, relief=relief),)) == 0
    assert store.notices_of(subject_id) == []


def test_an_older_decision_version_arriving_late_changes_nothing(store: NotifyStore) -> None:
    subject_id = known_person(store)
    v1 = decision(subject_id, relief="dismiss_and_seal")
    v2 = decision(subject_id, relief="not_eligible", version=2, supersedes=v1["decision_id"])
    feed(store, decisions=(v2,))
    assert feed(store, decisions=(v1,)) == 0
    assert store.notices_of(subject_id) == []


def test_a_later_version_that_takes_the_relief_away_withdraws_the_unplanned_notice(
        store: NotifyStore) -> None:
    subject_id = known_person(store)
    v1 = decision(subject_id)
    feed(store, decisions=(v1,))
    feed(store, decisions=(decision(subject_id, relief="withdrawn", version=2,
                                    supersedes=v1["decision_id"]),))
    assert [n["state"] for n in store.notices_of(subject_id)] == ["withdrawn"]
    assert store.plan_pending(decide()) == 0
    feed(store, decisions=(decision(subject_id, relief="reduce_to_infraction", version=3),))
    (notice,) = store.notices_of(subject_id)
    assert (notice["state"], notice["reliefs"]) == ("pending", ["reduce_to_infraction"])


def test_a_court_order_creates_one_notice_per_ruling_even_when_resent_as_a_new_event(
        store: NotifyStore) -> None:
    subject_id = known_person(store)
    assert feed(store, court_order(subject_id, count=1)) == 1
    assert feed(store, court_order(subject_id, count=1)) == 0  # another event id, same ruling
    assert feed(store, court_order(subject_id, count=2, relief="reduce_to_misdemeanor")) == 0
    assert feed(store, court_order(subject_id, count=3, outcome="denied")) == 1
    kinds = {n["notice_kind"]: n["reliefs"] for n in store.notices_of(subject_id)}
    assert kinds == {"order_granted": ["dismiss_and_seal", "reduce_to_misdemeanor"],
                     "order_denied": ["dismiss_and_seal"]}


def test_planning_creates_one_delivery_per_channel_and_planning_again_adds_none(
        store: NotifyStore) -> None:
    subject_id = known_person(store, email=EMAIL, phone=PHONE, postal=postal_address())
    feed(store, decisions=(decision(subject_id),))
    assert store.plan_pending(decide()) == 1
    assert store.plan_pending(decide()) == 0
    (notice,) = store.notices_of(subject_id)
    assert not store.replan(str(notice["notice_id"]))  # only unreachable ones are planned again
    rows = store.deliveries_of(subject_id)
    assert sorted(r["channel"] for r in rows) == ["email", "sms"]  # a letter only as last resort
    assert {r["status"] for r in rows} == {"pending"}
    assert {r["language"] for r in rows} == {"en"}


def test_a_new_notice_waits_the_plan_delay(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        store = NotifyStore(engine, plan_delay_seconds=30)
        subject_id = known_person(store)
        feed(store, decisions=(decision(subject_id),))
        assert store.plan_pending(decide()) == 0
        assert store.plan_pending(decide(), now=time.time() + 31) == 1
    finally:
        engine.dispose()


def test_a_claimed_delivery_is_sending_and_no_one_claims_it_again(store: NotifyStore) -> None:
    subject_id = known_person(store, email=EMAIL, phone=PHONE, language="es")
    feed(store, decisions=(decision(subject_id),))
    store.plan_pending(decide())
    claimed = store.claim(OWNER, EVERY_CHANNEL, 10, 60)
    assert sorted(d.channel for d in claimed) == ["email", "sms"]
    assert store.claim("b" * 32, EVERY_CHANNEL, 10, 60) == []
    assert {r["status"] for r in store.deliveries_of(subject_id)} == {"sending"}
    email = next(d for d in claimed if d.channel == "email")
    assert email.contact is not None and email.contact.email == EMAIL
    assert EMAIL not in repr(email)
    assert email.language == "es" and email.attempt == 1


def test_only_offered_channels_are_claimed(store: NotifyStore) -> None:
    subject_id = known_person(store, email=EMAIL, phone=PHONE)
    feed(store, decisions=(decision(subject_id),))
    store.plan_pending(decide())
    assert [d.channel for d in store.claim(OWNER, ["sms"], 10, 60)] == ["sms"]


def test_finishing_records_the_outcome_with_its_event_and_no_contact_data(
        store: NotifyStore) -> None:
    subject_id = known_person(store, email=EMAIL, phone=PHONE, language="es")
    feed(store, decisions=(decision(subject_id),))
    store.plan_pending(decide())
    for due in store.claim(OWNER, EVERY_CHANNEL, 10, 60):
        assert store.finish(due, OWNER, "sent", "es", f"id-{due.channel}", None)
        assert not store.finish(due, OWNER, "sent", "es", "again", None)  # no longer sending
    rows = store.deliveries_of(subject_id)
    assert {(r["channel"], r["status"], r["attempts"]) for r in rows} == {
        ("email", "sent", 1), ("sms", "sent", 1)}
    events = outbox_events(store)
    assert sorted((e["channel"], e["status"], e["attempt"]) for e in events) == [
        ("email", "sent", 1), ("sms", "sent", 1)]
    assert {e["subject_id"] for e in events} == {subject_id}
    raw = repr(events)
    assert EMAIL not in raw and PHONE not in raw and "Maria" not in raw


def test_a_retrying_delivery_waits_for_its_next_attempt(store: NotifyStore) -> None:
    subject_id = known_person(store)
    feed(store, decisions=(decision(subject_id),))
    store.plan_pending(decide())
    (due,) = store.claim(OWNER, EVERY_CHANNEL, 10, 60)
    store.finish(due, OWNER, "retrying", "es", None, "SMTP server answered 451",
                 time.time() + 30)
    assert store.claim(OWNER, EVERY_CHANNEL, 10, 60) == []
    (again,) = store.claim(OWNER, EVERY_CHANNEL, 10, 60, now=time.time() + 31)
    assert (again.attempt, again.round_attempt) == (2, 2)
    (in_flight,) = store.deliveries_with("sending", None)[0]
    assert in_flight["attempts"] == 1


def test_an_opted_out_channel_is_recorded_as_opted_out_and_the_others_are_planned(
        store: NotifyStore) -> None:
    subject_id = known_person(store, email=EMAIL, postal=postal_address())
    store.set_opt_out(subject_id, "email", True)
    store.set_opt_out(subject_id, "email", True)  # idempotent
    feed(store, decisions=(decision(subject_id),))
    store.plan_pending(decide())
    rows = {r["channel"]: r["status"] for r in store.deliveries_of(subject_id)}
    assert rows == {"email": "opted_out", "letter": "pending"}
    assert [(e["channel"], e["status"]) for e in outbox_events(store)] == [("email", "opted_out")]
    assert store.opted_out(subject_id) == {"email"}


def test_opting_out_after_planning_stops_the_delivery_when_it_is_due(store: NotifyStore) -> None:
    subject_id = known_person(store, email=EMAIL, phone=PHONE)
    feed(store, decisions=(decision(subject_id),))
    store.plan_pending(decide())
    store.set_opt_out(subject_id, "sms", True)
    assert [d.channel for d in store.claim(OWNER, EVERY_CHANNEL, 10, 60)] == ["email"]
    assert {r["channel"]: r["status"] for r in store.deliveries_of(subject_id)}["sms"] == \
        "opted_out"
    store.set_opt_out(subject_id, "sms", False)
    assert store.opted_out(subject_id) == frozenset()


def test_a_person_with_no_usable_contact_is_unreachable_until_contact_data_arrives(
        store: NotifyStore) -> None:
    subject_id = new_id()
    feed(store, disposition(subject_id, contact_details=contact(language="es")))
    feed(store, decisions=(decision(subject_id),))
    assert store.plan_pending(decide()) == 1
    (listed,) = [n for n in store.notices_with("unreachable", None)[0]
                 if n["subject_id"] == subject_id]
    assert store.deliveries_of(subject_id) == []
    (event,) = outbox_events(store)
    assert (event["status"], event["channel"]) == ("unreachable", None)
    assert store.notices_with("unreachable", frozenset({"CA-SF"}))[0] == []

    feed(store, disposition(subject_id, occurred_at="2024-05-01T10:00:00-07:00",
                            contact_details=contact(email=EMAIL)))
    assert store.plan_pending(decide()) == 1
    assert [r["channel"] for r in store.deliveries_of(subject_id)] == ["email"]
    assert store.notice(str(listed["notice_id"]))["state"] == "planned"  # type: ignore[index]


def test_a_notice_for_a_person_without_any_record_waits_then_is_unreachable(
        store: NotifyStore) -> None:
    subject_id = new_id()
    feed(store, decisions=(decision(subject_id),))
    assert store.plan_pending(decide(contact_wait=60)) == 0
    assert store.plan_pending(decide(contact_wait=60), now=time.time() + 61) == 1
    assert [n["state"] for n in store.notices_of(subject_id)] == ["unreachable"]


def test_a_record_arriving_while_a_notice_waits_lets_it_be_planned_at_once(
        store: NotifyStore) -> None:
    subject_id = new_id()
    feed(store, decisions=(decision(subject_id),))
    assert store.plan_pending(decide(contact_wait=600)) == 0
    feed(store, disposition(subject_id, contact_details=contact(email=EMAIL)))
    assert store.plan_pending(decide(contact_wait=600)) == 1


def test_a_death_suppresses_the_notices_and_deliveries_not_yet_sent(store: NotifyStore) -> None:
    subject_id = known_person(store, email=EMAIL, phone=PHONE)
    feed(store, decisions=(decision(subject_id),))
    store.plan_pending(decide())
    feed(store, court_order(subject_id))
    feed(store, death(subject_id))
    assert {n["state"] for n in store.notices_of(subject_id)} == {"planned", "suppressed"}
    assert {r["status"] for r in store.deliveries_of(subject_id)} == {"suppressed"}
    assert store.claim(OWNER, EVERY_CHANNEL, 10, 60) == []
    assert feed(store, decisions=(decision(subject_id, case_number="BA777777"),)) == 1
    store.plan_pending(decide())
    assert {n["state"] for n in store.notices_of(subject_id)} == {"planned", "suppressed"}
    assert outbox_events(store) == []


def test_a_death_recorded_after_claiming_lets_nothing_else_be_claimed(store: NotifyStore) -> None:
    subject_id = known_person(store, email=EMAIL, phone=PHONE)
    feed(store, decisions=(decision(subject_id),))
    store.plan_pending(decide())
    (first, second) = store.claim(OWNER, EVERY_CHANNEL, 10, 60)
    store.finish(second, OWNER, "retrying", "en", None, "timeout", time.time())
    feed(store, death(subject_id))
    assert store.claim(OWNER, EVERY_CHANNEL, 10, 60) == []
    assert store.resend(second.delivery_id) == "status:suppressed"


def test_a_stale_sending_delivery_is_settled_by_the_resolver(store: NotifyStore) -> None:
    subject_id = known_person(store, email=EMAIL, phone=PHONE)
    feed(store, decisions=(decision(subject_id),))
    store.plan_pending(decide())
    claimed = {d.channel: d for d in store.claim(OWNER, EVERY_CHANNEL, 10, lease_seconds=5)}
    assert store.mark_handover(claimed["email"].delivery_id, OWNER)
    assert not store.mark_handover(claimed["email"].delivery_id, "b" * 32)
    assert store.recover_stale(lambda s: ("failed", "x", None)) == 0  # lease still running

    seen: list[StaleDelivery] = []

    def resolve(stale: StaleDelivery) -> tuple[str, str, float | None]:
        seen.append(stale)
        return ("failed", "outcome_unknown", None) if stale.stage == "handover" else \
            ("retrying", "interrupted", None)

    assert store.recover_stale(resolve, now=time.time() + 6) == 2
    assert {(s.channel, s.stage) for s in seen} == {("email", "handover"), ("sms", "started")}
    rows = {r["channel"]: (r["status"], r["last_error"]) for r in store.deliveries_of(subject_id)}
    assert rows == {"email": ("failed", "outcome_unknown"), "sms": ("retrying", "interrupted")}
    assert not store.finish(claimed["sms"], OWNER, "sent", "en", "late", None)


def test_resend_starts_a_new_round_and_attempt_numbers_keep_rising(store: NotifyStore) -> None:
    subject_id = known_person(store)
    feed(store, decisions=(decision(subject_id),))
    store.plan_pending(decide())
    (due,) = store.claim(OWNER, EVERY_CHANNEL, 10, 60)
    store.finish(due, OWNER, "failed", "es", None, "outcome_unknown")
    assert store.resend(due.delivery_id) == "ok"
    assert store.resend(due.delivery_id) == "status:pending"
    (again,) = store.claim(OWNER, EVERY_CHANNEL, 10, 60)
    assert (again.attempt, again.round_attempt) == (2, 1)
    store.finish(again, OWNER, "sent", "es", "id", None)
    assert [e["attempt"] for e in outbox_events(store)] == [1, 2]
    assert store.resend("no-such-delivery") == "not_found"
    store.set_opt_out(subject_id, "email", True)
    assert store.resend(due.delivery_id) == "opted_out"


def test_a_sent_letter_is_not_resent_since_it_is_in_a_print_batch(store: NotifyStore) -> None:
    subject_id = known_person(store, postal=postal_address())
    feed(store, decisions=(decision(subject_id),))
    store.plan_pending(decide())
    (due,) = store.claim(OWNER, EVERY_CHANNEL, 10, 60)
    assert due.channel == "letter"
    store.finish(due, OWNER, "sent", "en", "2024-03-01/x.pdf", None)
    assert store.resend(due.delivery_id) == "letter_already_queued"


def test_the_courts_of_a_person_come_from_their_records(store: NotifyStore) -> None:
    subject_id = known_person(store)
    feed(store, court_order(subject_id, court="CA-SF"))
    assert store.courts_of(subject_id) == {"CA-LA", "CA-SF"}
    assert store.courts_of(new_id()) == frozenset()


def test_a_sealing_court_order_hides_every_notice_and_delivery_of_the_case_from_reads_without_sealed_read(  # noqa: E501
        store: NotifyStore) -> None:
    subject_id = known_person(store, email=EMAIL)
    feed(store, decisions=(decision(subject_id, case_number="BA100001"),
                           decision(subject_id, case_number="BA100002")))
    store.plan_pending(decide())
    feed(store, court_order(subject_id, case_number="BA100001", outcome="denied"))
    assert {n["case_number"] for n in store.notices_of(subject_id, hide_sealed=True)} == {
        "BA100001", "BA100002"}  # a denied order seals nothing

    feed(store, court_order(subject_id, case_number="BA100001", count=1))
    assert {n["case_number"] for n in store.notices_of(subject_id)} == {"BA100001", "BA100002"}
    assert {n["case_number"] for n in store.notices_of(subject_id, hide_sealed=True)} == {
        "BA100002"}
    assert {d["case_number"] for d in store.deliveries_of(subject_id, hide_sealed=True)} == {
        "BA100002"}
    listed, _ = store.deliveries_with("pending", None, 1000, hide_sealed=True)
    assert {d["case_number"] for d in listed if d["subject_id"] == subject_id} == {"BA100002"}
    listed, _ = store.deliveries_with("pending", None, 1000)
    assert {d["case_number"] for d in listed if d["subject_id"] == subject_id} == {
        "BA100001", "BA100002"}


def test_the_work_lists_come_a_page_at_a_time_with_each_row_once(store: NotifyStore) -> None:
    mine = set()
    for _ in range(7):
        subject_id = new_id()
        feed(store, disposition(subject_id, contact_details=contact(language="es")),
             decisions=(decision(subject_id),))
        mine.add(subject_id)
    store.plan_pending(decide())
    seen: list[str] = []
    after = None
    for _ in range(100):
        page, after = store.notices_with("unreachable", None, 3, after)
        assert len(page) <= 3
        seen += [str(n["notice_id"]) for n in page if n["subject_id"] in mine]
        if after is None:
            break
    assert len(seen) == len(set(seen)) == 7
