"""The ingest store on SQLite and PostgreSQL: accepted events and their outbox rows are
committed together; an event id per court is one event."""
from __future__ import annotations

import threading

import orjson
import pytest
from sqlalchemy import func, select

from clearway.common.db import make_engine
from clearway.common.envelope import read_envelope
from clearway.common.events import RecordEvent
from clearway.common.outbox import outbox_depth
from clearway.common.topics import RECORDS
from clearway.ingest.store import IngestStore, outbox, records
from tests.ingest.builders import changed, disposition, person, registration


@pytest.fixture
def store(database_url: str):
    engine = make_engine(database_url)
    yield IngestStore(engine)
    engine.dispose()


def events(*raw) -> list[RecordEvent]:
    return [RecordEvent.model_validate(r) for r in raw]


def outbox_rows(store: IngestStore) -> list:
    with store.engine.connect() as conn:
        return list(conn.execute(select(outbox).order_by(outbox.c.id)))


def test_an_accepted_event_is_stored_with_its_outbox_row(store):
    (outcome,) = store.accept(events(disposition()))
    assert outcome.status == "accepted"
    assert outcome.answer() == {"event_id": "LA-T-000001", "court": "CA-LA",
                                "status": "accepted", "accepted_at": outcome.accepted_at}
    (row,) = outbox_rows(store)
    assert row.topic == RECORDS and row.key == "CII90000001" and row.published_at is None
    assert RecordEvent.model_validate(orjson.loads(row.value)) == events(disposition())[0]
    headers = [(k, v.encode()) for k, v in orjson.loads(row.headers)]
    envelope = read_envelope(headers)
    assert envelope is not None and envelope.ce_id == "CA-LA/LA-T-000001"
    assert envelope.ce_type == "org.clearway.court.record.v1"
    assert outbox_depth(store.engine, outbox)[0] == 1


def test_the_same_event_again_is_a_duplicate_with_the_original_answer_and_no_new_row(store):
    (first,) = store.accept(events(disposition()))
    (again,) = store.accept(events(disposition()))
    assert again.status == "duplicate"
    assert again.answer() == first.answer()
    assert len(outbox_rows(store)) == 1
    assert store.count() == 1


def test_the_same_event_id_with_other_content_is_a_conflict_and_changes_nothing(store):
    store.accept(events(disposition()))
    (conflict,) = store.accept(events(changed(disposition(), first_name="Other")))
    assert conflict.status == "conflict"
    (row,) = outbox_rows(store)
    assert orjson.loads(row.value)["subject"]["first_name"] == "Zephyrine"


def test_the_same_event_id_from_another_court_is_another_event(store):
    outcomes = store.accept(events(disposition("X-1", court="CA-LA"),
                                   disposition("X-1", court="CA-SF")))
    assert [o.status for o in outcomes] == ["accepted", "accepted"]
    assert store.count() == 2


def test_repeats_inside_one_batch_are_answered_like_repeats_across_batches(store):
    outcomes = store.accept(events(disposition(), disposition(),
                                   changed(disposition(), first_name="Other"), registration()))
    assert [o.status for o in outcomes] == ["accepted", "duplicate", "conflict", "accepted"]
    assert len(outbox_rows(store)) == 2


def at(event: dict, occurred_at: str) -> dict:
    return {**event, "occurred_at": occurred_at}


def test_the_same_instant_at_another_utc_offset_is_the_same_event(store):
    (first,) = store.accept(events(at(disposition(), "2024-03-01T09:30:00-08:00")))
    (again,) = store.accept(events(at(disposition(), "2024-03-01T17:30:00Z")))
    (third,) = store.accept(events(at(disposition(), "2024-03-01T18:30:00+01:00")))
    assert (first.status, again.status, third.status) == ("accepted", "duplicate", "duplicate")
    (row,) = outbox_rows(store)
    assert orjson.loads(row.value)["occurred_at"] == "2024-03-01T17:30:00Z"


def test_another_instant_under_the_same_event_id_is_still_a_conflict(store):
    store.accept(events(at(disposition(), "2024-03-01T09:30:00-08:00")))
    (other,) = store.accept(events(at(disposition(), "2024-03-01T09:30:00Z")))
    assert other.status == "conflict"
    outcomes = store.accept(events(at(registration(), "2024-03-02T02:00:00-08:00"),
                                   at(registration(), "2024-03-02T10:00:00Z"),
                                   at(registration(), "2024-03-02T10:00:01Z")))
    assert [o.status for o in outcomes] == ["accepted", "duplicate", "conflict"]


def test_an_event_stored_with_its_offset_before_utc_was_kept_compares_by_instant(
        store, monkeypatch):
    import clearway.ingest.store as module

    keep_offset = monkeypatch.context()
    with keep_offset as old:  # how events were stored before occurred_at was kept in UTC
        old.setattr(module, "in_utc", lambda event: event)
        store.accept(events(at(disposition(), "2024-03-01T09:30:00-08:00")))
    (row,) = outbox_rows(store)
    assert orjson.loads(row.value)["occurred_at"] == "2024-03-01T09:30:00-08:00"
    same = [at(disposition(), "2024-03-01T09:30:00-08:00"),
            at(disposition(), "2024-03-01T17:30:00Z")]
    assert [o.status for o in store.accept(events(*same[:1]))] == ["duplicate"]
    assert [o.status for o in store.accept(events(*same[1:]))] == ["duplicate"]
    (other,) = store.accept(events(changed(same[1], first_name="Other")))
    assert other.status == "conflict"
    assert len(outbox_rows(store)) == 1


def test_a_large_batch_keeps_outbox_rows_in_order_and_linked_to_their_events(store):
    batch = events(*(person(i) for i in range(1200)))
    assert {o.status for o in store.accept(batch)} == {"accepted"}
    rows = outbox_rows(store)
    assert [orjson.loads(r.value)["event_id"] for r in rows] == [e.event_id for e in batch]
    with store.engine.connect() as conn:
        joined = records.join(outbox, outbox.c.id == records.c.outbox_id)
        linked = conn.execute(
            select(func.count()).select_from(joined).where(records.c.subject_id == outbox.c.key)
        ).scalar_one()
    assert linked == 1200
    # a second pass over the same 1200 (more than one IN chunk) finds them all
    assert {o.status for o in store.accept(batch)} == {"duplicate"}


def test_standing_shows_accepted_then_published_with_partition_and_offset(store):
    store.accept(events(disposition()))
    (standing,) = store.standing("LA-T-000001", None)
    assert (standing.published, standing.partition, standing.offset) == (False, None, None)
    assert standing.event_type == "disposition" and standing.subject_id == "CII90000001"
    (row,) = outbox_rows(store)
    with store.engine.begin() as conn:
        conn.execute(outbox.update().where(outbox.c.id == row.id)
                     .values(published_at=1.0, partition=3, offset=41))
    (standing,) = store.standing("LA-T-000001", None)
    assert (standing.published, standing.partition, standing.offset) == (True, 3, 41)


def test_standing_is_limited_to_the_courts_asked_for(store):
    store.accept(events(disposition("X-1", court="CA-LA"), disposition("X-1", court="CA-SF")))
    assert len(store.standing("X-1", None)) == 2
    assert [s.court for s in store.standing("X-1", frozenset({"CA-SF"}))] == ["CA-SF"]
    assert store.standing("X-1", frozenset({"CA-SD"})) == []
    assert store.standing("nope", None) == []


def test_concurrent_writers_of_the_same_events_accept_each_once(store):
    batch = events(*(person(i) for i in range(60)))
    results: list[list[str]] = []

    def write() -> None:
        results.append([o.status for o in store.accept(batch)])

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(statuses.count("accepted") for statuses in results) == 60
    assert all(s in ("accepted", "duplicate") for statuses in results for s in statuses)
    assert len(outbox_rows(store)) == 60


def test_concurrent_writers_of_overlapping_batches_in_opposite_orders_do_not_fail(store):
    people = events(*(person(i) for i in range(80)))
    batches = [people[:60], list(reversed(people[20:])), people[10:70][::-1], people]
    errors: list[BaseException] = []

    def write(batch) -> None:
        try:
            store.accept(batch)
        except BaseException as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count() == 80 and len(outbox_rows(store)) == 80
