"""The eligibility store on SQLite and PostgreSQL: history, idempotency, versions, outbox."""
from __future__ import annotations

import datetime as dt

import orjson
from sqlalchemy import func, select

from clearway.common.db import make_engine
from clearway.common.events import RecordEvent
from clearway.common.outbox import Lease
from clearway.eligibility.store import EligibilityStore, outbox

NOW = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)


def disposition(event_id: str, statute: str, disposition_date: str, level: str = "felony",
                case_number: str = "BA100", occurred_at: str = "2024-01-01T00:00:00Z",
                disposition: str = "convicted") -> RecordEvent:
    return RecordEvent.model_validate({
        "event_id": event_id, "event_type": "disposition", "court": "CA-SF",
        "occurred_at": occurred_at,
        "subject": {"subject_id": "S1", "first_name": "Lena", "last_name": "Park",
                    "date_of_birth": "1970-03-03"},
        "case": {"case_number": case_number, "counts": [{
            "count": 1, "statute": statute, "level": level, "disposition": disposition,
            "disposition_date": disposition_date}]},
    })


def outbox_rows(store: EligibilityStore) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(outbox)).scalar_one()


def test_a_felony_11360_is_reduced_then_superseded_by_an_earlier_murder_conviction(
        database_url: str) -> None:
    store = EligibilityStore(make_engine(database_url), {})
    (first,) = store.process([disposition("e1", "HS 11360(a)", "2010-05-01")], NOW)
    assert (first.relief, first.version, first.supersedes) == ("reduce_to_misdemeanor", 1, None)

    murder = disposition("e2", "PC 187(a)", "1995-01-01", case_number="BA050")
    (second,) = store.process([murder], NOW)
    assert second.relief == "not_eligible"
    assert second.version == 2 and second.supersedes == first.decision_id
    assert [r.code for r in second.reasons] == ["PRIOR_SUPER_STRIKE"]
    assert store.current_decisions("S1") == [second]


def test_redelivered_events_publish_nothing_new(database_url: str) -> None:
    store = EligibilityStore(make_engine(database_url), {})
    events = [disposition("e1", "HS 11359", "2010-05-01")]
    assert len(store.process(events, NOW)) == 1
    assert store.process(events, NOW) == []
    assert store.process(events + events, NOW) == []
    assert outbox_rows(store) == 1


def test_a_correction_taking_the_count_out_of_scope_publishes_a_withdrawn_version(
        database_url: str) -> None:
    store = EligibilityStore(make_engine(database_url), {})
    store.process([disposition("e1", "HS 11359", "2010-05-01")], NOW)
    correction = disposition("e2", "HS 11359", "2010-05-01", disposition="dismissed",
                             occurred_at="2024-02-01T00:00:00Z")
    (withdrawn,) = store.process([correction], NOW)
    assert withdrawn.relief == "withdrawn" and withdrawn.procedure is None
    assert withdrawn.version == 2
    assert store.current_decisions("S1") == []


def test_recompute_with_nothing_changed_publishes_nothing(database_url: str) -> None:
    store = EligibilityStore(make_engine(database_url), {})
    store.process([disposition("e1", "HS 11357(a)", "2012-05-01")], NOW)
    assert store.recompute(store.all_subjects(), NOW) == []


def test_a_new_policy_table_recomputes_into_new_versions(database_url: str) -> None:
    engine = make_engine(database_url)
    EligibilityStore(engine, {}).process([disposition("e1", "HS 11359", "2010-05-01")], NOW)
    changed = EligibilityStore(engine, {"CA-SF": "dismiss-all"}).recompute(["S1"], NOW)
    assert [(old, d.relief, d.policy, d.version) for old, d in changed] == [
        ("reduce_to_misdemeanor", "dismiss_and_seal", "dismiss-all", 2)]


def outbox_headers(store: EligibilityStore) -> list[dict[str, str]]:
    with store.engine.connect() as conn:
        return [dict(orjson.loads(h)) for h in conn.execute(
            select(outbox.c.headers).order_by(outbox.c.id)).scalars()]


def test_a_decision_continues_the_trace_of_the_record_behind_it_in_a_span_of_its_own(
        database_url: str) -> None:
    store = EligibilityStore(make_engine(database_url), {})
    parent = "00-" + "4bf92f3577b34da6a3ce929d0e0e4736" + "-00f067aa0ba902b7-01"
    store.process([disposition("e1", "HS 11359", "2010-05-01")], NOW, {"S1": parent})
    (headers,) = outbox_headers(store)
    version, trace_id, span_id, flags = headers["traceparent"].split("-")
    assert (version, trace_id, flags) == ("00", "4bf92f3577b34da6a3ce929d0e0e4736", "01")
    assert len(span_id) == 16 and span_id != "00f067aa0ba902b7"
    assert dt.datetime.fromisoformat(headers["ce_time"]) == NOW


def test_a_decision_whose_record_carried_no_trace_starts_a_trace(database_url: str) -> None:
    store = EligibilityStore(make_engine(database_url), {})
    store.process([disposition("e1", "HS 11359", "2010-05-01")], NOW, {"S1": None})
    store.process([disposition("e2", "HS 11359", "2011-05-01", case_number="BA200")], NOW)
    first, second = (h["traceparent"].split("-") for h in outbox_headers(store))
    assert len(first[1]) == 32 and len(second[1]) == 32 and first[1] != second[1]


def test_decisions_written_under_a_relays_lease_are_handed_back_as_their_outbox_rows(
        database_url: str) -> None:
    store = EligibilityStore(make_engine(database_url), {})
    store.process([disposition("e0", "HS 11357(a)", "2009-01-01", case_number="BA001")], NOW)
    before = outbox_rows(store)
    lease = Lease("relay-1", 1e12)
    events = [disposition("e1", "HS 11359", "2010-05-01", case_number="BA100"),
              disposition("e2", "HS 11360(a)", "2011-05-01", case_number="BA200")]
    decided, handed = store.process_leased(events, NOW, lease=lambda: lease)
    with store.engine.connect() as conn:
        stored = conn.execute(select(outbox.c.id, outbox.c.value, outbox.c.headers,
                                     outbox.c.lease_owner, outbox.c.lease_until)
                              .order_by(outbox.c.id)).all()
    new = stored[before:]
    assert len(decided) == len(handed) == len(new) >= 2
    assert [(h.id, h.value, h.headers) for h in handed] == [
        (r.id, r.value, r.headers) for r in new]
    assert [dict(orjson.loads(h.headers))["ce_id"] for h in handed] == [
        d.decision_id for d in decided]
    assert {(r.lease_owner, r.lease_until) for r in new} == {("relay-1", 1e12)}
    assert {r.lease_owner for r in stored[:before]} == {None}
    assert {h.lease_owner for h in handed} == {None}  # no earlier relay: not an orphan
