"""The filing store on SQLite and PostgreSQL: records and decisions in, motions and their
events out; idempotent under redelivery; superseding decisions, corrections, court orders."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from clearway.common.db import make_engine
from clearway.common.events import Decision, MotionEvent, RecordEvent
from clearway.filing.adapters.documents import FolderDocumentStore
from clearway.filing.store import FilingStore, MotionRow, outbox
from clearway.filing.stream import pdf_renderer
from tests.filing.builders import (
    NOW,
    STUB_SHA,
    RecordingRender,
    count,
    court_order,
    decision,
    disposition,
    pdf_text,
    stub_render,
)


@pytest.fixture
def store(database_url: str) -> FilingStore:
    return FilingStore(make_engine(database_url))


def events(store: FilingStore) -> list[dict[str, Any]]:
    """Every event staged in the outbox, in order, with its CloudEvents id."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(outbox).order_by(outbox.c.id)).all()
    out = []
    for r in rows:
        headers = dict(orjson.loads(r.headers))
        out.append({**orjson.loads(r.value), "ce_id": headers["ce_id"], "key": r.key})
    return out


def run(store: FilingStore, records: list[RecordEvent] | None = None,
        decisions: list[Decision] | None = None, render: Any = stub_render) -> int:
    return store.process(records or [], decisions or [], render, NOW)


def only_motion(store: FilingStore, case_number: str = "BA100") -> MotionRow:
    (motion,) = store.motions_of_case("CA-LA", case_number)
    return motion


def statuses(store: FilingStore, case_number: str = "BA100") -> list[str]:
    return [m.status for m in store.motions_of_case("CA-LA", case_number)]


def test_a_record_then_a_granting_decision_make_a_ready_motion_with_its_pdf(
        store: FilingStore, tmp_path: Path) -> None:
    documents = FolderDocumentStore(tmp_path / "documents")
    run(store, [disposition(counts=[count(1), count(2, "HS 11357(a)", "misdemeanor")])])
    assert store.motions_of("CA-LA") == []
    run(store, decisions=[decision(number=1), decision(number=2, relief="dismiss_and_seal",
                                                       statute="HS 11357(a)")],
        render=pdf_renderer(documents))

    motion = only_motion(store)
    assert motion.status == "ready"
    assert [g.count for g in motion.grants] == [1, 2]
    assert motion.document_sha256 and documents.exists(motion.document_sha256, "pdf")
    assert motion.prepared_on == NOW.date()
    text = pdf_text(documents.open(motion.document_sha256, "pdf").read())
    assert "SUPERIOR COURT OF CALIFORNIA, COUNTY OF LOS ANGELES" in text
    assert "BA100" in text and "DANA TESTPERSON" in text
    assert "Count 1 (HS 11359(b)" in text and "Count 2 (HS 11357(a)" in text
    assert "11361.8(e)" in text and "11361.8(a)" not in text
    assert "[PROPOSED] ORDER" in text
    assert [(e["status"], e["counts"]) for e in events(store)] == [
        ("draft", [1, 2]), ("ready", [1, 2])]


def test_a_decision_before_its_record_makes_a_draft_that_becomes_ready_with_the_record(
        store: FilingStore) -> None:
    run(store, decisions=[decision()])
    draft = only_motion(store)
    assert draft.status == "draft" and draft.document_sha256 is None

    run(store, [disposition()])
    ready = only_motion(store)
    assert (ready.motion_id, ready.status, ready.document_sha256) == (
        draft.motion_id, "ready", STUB_SHA)
    assert [e["status"] for e in events(store)] == ["draft", "ready"]


def test_the_same_decision_twice_makes_one_motion_and_no_extra_event(
        store: FilingStore) -> None:
    record, granted = disposition(), decision()
    run(store, [record], [granted])
    before = events(store)
    assert run(store, [record], [granted]) == 0
    assert run(store, [record, record], [granted, granted]) == 0
    assert len(store.motions_of_case("CA-LA", "BA100")) == 1
    assert events(store) == before


def test_a_batch_redelivered_after_it_was_applied_stages_nothing(store: FilingStore) -> None:
    batch = ([disposition(case_number=f"BA{i}") for i in range(5)],
             [decision(case_number=f"BA{i}") for i in range(5)])
    assert run(store, *batch) == 10
    assert run(store, *batch) == 0
    assert len(events(store)) == 10


def test_a_superseding_not_eligible_withdraws_the_motion(store: FilingStore) -> None:
    first = decision()
    run(store, [disposition()], [first])
    run(store, decisions=[decision(relief="not_eligible", version=2,
                                   supersedes=first.decision_id)])
    assert statuses(store) == ["withdrawn"]
    last = events(store)[-1]
    assert (last["status"], last["document_sha256"]) == ("withdrawn", STUB_SHA)


def test_a_withdrawn_decision_for_a_count_out_of_scope_withdraws_the_motion(
        store: FilingStore) -> None:
    first = decision()
    run(store, [disposition()], [first])
    run(store, decisions=[decision(relief="withdrawn", version=2, supersedes=first.decision_id)])
    assert statuses(store) == ["withdrawn"]


def test_a_superseding_changed_relief_withdraws_the_motion_and_a_new_one_is_ready(
        store: FilingStore) -> None:
    first = decision()
    run(store, [disposition()], [first])
    changed = decision(relief="dismiss_and_seal", version=2, supersedes=first.decision_id)
    run(store, decisions=[changed])

    old, new = store.motions_of_case("CA-LA", "BA100")
    assert (old.status, new.status) == ("withdrawn", "ready")
    assert new.motion_id != old.motion_id
    assert [(g.relief, g.decision_id) for g in new.grants] == [
        ("dismiss_and_seal", changed.decision_id)]
    assert [(e["motion_id"], e["status"]) for e in events(store)[2:]] == [
        (old.motion_id, "withdrawn"), (new.motion_id, "draft"), (new.motion_id, "ready")]


def test_a_new_version_with_the_same_relief_keeps_the_motion(store: FilingStore) -> None:
    first = decision()
    run(store, [disposition()], [first])
    run(store, decisions=[decision(version=2, supersedes=first.decision_id)])
    assert statuses(store) == ["ready"]
    assert len(events(store)) == 2


def test_an_older_decision_version_arriving_late_is_ignored(store: FilingStore) -> None:
    v1 = decision()
    v2 = decision(relief="dismiss_and_seal", version=2, supersedes=v1.decision_id)
    run(store, [disposition()], [v2])
    before = events(store)
    assert run(store, decisions=[v1]) == 0
    assert [g.relief for g in only_motion(store).grants] == ["dismiss_and_seal"]
    assert events(store) == before


def test_versions_in_one_batch_apply_in_version_order(store: FilingStore) -> None:
    v1 = decision()
    v2 = decision(relief="not_eligible", version=2, supersedes=v1.decision_id)
    run(store, [disposition()], [v2, v1])
    assert store.motions_of_case("CA-LA", "BA100") == []


def test_a_corrected_name_replaces_the_ready_motion_with_one_naming_the_person_right(
        store: FilingStore) -> None:
    render = RecordingRender()
    run(store, [disposition(first_name="Dnaa")], [decision()], render=render)
    run(store, [disposition(first_name="Dana", occurred_at="2024-02-01T00:00:00Z")],
        render=render)
    old, new = store.motions_of_case("CA-LA", "BA100")
    assert (old.status, new.status) == ("withdrawn", "ready")
    assert [c.defendant.first_name for c in render.contents] == ["Dnaa", "Dana"]


def test_a_corrected_name_reaches_the_motions_of_the_persons_other_cases(
        store: FilingStore) -> None:
    run(store, [disposition(case_number="BA100", first_name="Dnaa"),
                disposition(case_number="BA200", first_name="Dnaa")],
        [decision(case_number="BA100"), decision(case_number="BA200")])
    run(store, [disposition(case_number="BA100", first_name="Dana",
                            occurred_at="2024-02-01T00:00:00Z")])
    assert statuses(store, "BA100") == ["withdrawn", "ready"]
    assert statuses(store, "BA200") == ["withdrawn", "ready"]


def test_a_correction_that_changes_nothing_the_motion_says_changes_nothing(
        store: FilingStore) -> None:
    run(store, [disposition()], [decision()])
    before = events(store)
    same = disposition(occurred_at="2024-02-01T00:00:00Z")
    run(store, [same])
    assert statuses(store) == ["ready"]
    assert events(store) == before


def test_an_older_correction_arriving_late_is_ignored(store: FilingStore) -> None:
    render = RecordingRender()
    run(store, [disposition(first_name="Dana", occurred_at="2024-02-01T00:00:00Z")],
        [decision()], render=render)
    run(store, [disposition(first_name="Dnaa", occurred_at="2024-01-01T00:00:00Z")],
        render=render)
    assert statuses(store) == ["ready"]
    assert [c.defendant.first_name for c in render.contents] == ["Dana"]


def test_record_times_compare_as_instants_not_as_text(store: FilingStore) -> None:
    render = RecordingRender()
    # 09:00-08:00 is 17:00 UTC: later than 12:00Z although it sorts first as text.
    run(store, [disposition(first_name="Dana", occurred_at="2024-01-01T09:00:00-08:00")],
        [decision()], render=render)
    run(store, [disposition(first_name="Dnaa", occurred_at="2024-01-01T12:00:00Z")],
        render=render)
    assert [c.defendant.first_name for c in render.contents] == ["Dana"]


def test_a_court_order_granting_the_count_marks_the_motion_granted(store: FilingStore) -> None:
    run(store, [disposition()], [decision()])
    run(store, [court_order(outcome="granted", relief="reduce_to_misdemeanor")])
    motion = only_motion(store)
    assert motion.status == "granted" and motion.outcomes == {1: "granted"}
    assert events(store)[-1]["status"] == "granted"


def test_a_court_order_denying_the_count_marks_the_motion_denied(store: FilingStore) -> None:
    run(store, [disposition()], [decision()])
    order = court_order(outcome="denied", relief="reduce_to_misdemeanor")
    run(store, [order])
    assert statuses(store) == ["denied"]
    assert run(store, [order]) == 0  # redelivered


def test_a_motion_denied_on_one_count_and_granted_on_another_is_granted_in_part(
        store: FilingStore) -> None:
    run(store, [disposition(counts=[count(1), count(2)])],
        [decision(number=1), decision(number=2)])
    run(store, [court_order(number=1, outcome="denied")])
    run(store, [court_order(number=2, outcome="granted")])
    motion = only_motion(store)
    assert motion.status == "granted" and motion.outcomes == {1: "denied", 2: "granted"}
    assert [e["status"] for e in events(store)] == ["draft", "ready", "denied", "granted"]


def test_counts_the_court_ruled_on_get_no_new_motion_when_the_case_changes_again(
        store: FilingStore) -> None:
    first = decision()
    run(store, [disposition()], [first])
    run(store, [court_order(outcome="granted")])
    run(store, [disposition(occurred_at="2024-05-01T00:00:00Z", first_name="Dania")],
        [decision(relief="dismiss_and_seal", version=2, supersedes=first.decision_id)])
    assert statuses(store) == ["granted"]


def test_a_court_order_for_a_count_without_a_motion_only_rules_it_out(
        store: FilingStore) -> None:
    run(store, [court_order(outcome="granted")])
    run(store, [disposition()], [decision()])
    assert store.motions_of_case("CA-LA", "BA100") == []


def test_an_order_and_the_motion_it_rules_on_can_arrive_in_one_batch(
        store: FilingStore) -> None:
    run(store, [disposition(), court_order(outcome="denied")], [decision()])
    assert statuses(store) == ["denied"]


def test_a_draft_left_by_a_failed_render_is_rendered_by_the_next_batch(
        store: FilingStore) -> None:
    def broken(content: object) -> str:
        raise OSError("document store away")

    with pytest.raises(OSError):
        run(store, [disposition()], [decision()], render=broken)
    assert statuses(store) == ["draft"]
    run(store)  # nothing new arrives: the sweep renders what was left
    assert statuses(store) == ["ready"]
    assert [e["status"] for e in events(store)] == ["draft", "ready"]


def test_a_fresh_store_renders_drafts_a_crashed_process_left(store: FilingStore) -> None:
    with pytest.raises(OSError):
        run(store, [disposition()], [decision()],
            render=lambda content: (_ for _ in ()).throw(OSError("crash")))
    restarted = FilingStore(store.engine)
    restarted.process([], [], stub_render, NOW)
    assert statuses(restarted) == ["ready"]


def test_a_decision_for_a_count_the_record_lacks_waits_as_a_draft(store: FilingStore) -> None:
    run(store, [disposition(counts=[count(1)])], [decision(number=2)])
    assert statuses(store) == ["draft"]


def test_every_event_is_a_valid_motion_event_without_names_or_birth_dates(
        store: FilingStore) -> None:
    first = decision()
    run(store, [disposition(first_name="Zelphine", last_name="Quorrible",
                            date_of_birth="1977-07-07")], [first])
    run(store, decisions=[decision(relief="dismiss_and_seal", version=2,
                                   supersedes=first.decision_id)])
    run(store, [court_order(outcome="granted")])
    staged = events(store)
    assert len(staged) == 6
    ce_ids = set()
    for e in staged:
        raw = orjson.dumps({k: v for k, v in e.items() if k not in ("ce_id", "key")})
        MotionEvent.model_validate_json(raw)
        assert b"Zelphine" not in raw.title() and b"Quorrible" not in raw.title()
        assert b"1977" not in raw
        assert e["key"] == "S1"
        ce_ids.add(e["ce_id"])
    assert len(ce_ids) == len(staged)


def test_the_motion_event_carries_ids_court_case_status_and_document_hash(
        store: FilingStore) -> None:
    granted = decision()
    run(store, [disposition()], [granted])
    ready = events(store)[-1]
    motion = only_motion(store)
    assert ready["motion_id"] == motion.motion_id
    assert (ready["court"], ready["case_number"], ready["subject_id"]) == ("CA-LA", "BA100", "S1")
    assert (ready["status"], ready["document_sha256"]) == ("ready", STUB_SHA)
    assert ready["decision_ids"] == [granted.decision_id]
    assert ready["procedure"] == "application"
    assert dt.datetime.fromisoformat(ready["occurred_at"]) == NOW
