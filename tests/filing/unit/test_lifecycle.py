"""The motion lifecycle as a pure function: what to do with a case's pending motion."""
from __future__ import annotations

import datetime as dt

import pytest

from clearway.filing.domain.lifecycle import (
    FINAL,
    PENDING,
    STATUSES,
    TRANSITIONS,
    Grant,
    InvalidTransition,
    PendingMotion,
    Plan,
    bulk_motion_id,
    check_transition,
    facts_fingerprint,
    motion_id,
    plan,
    status_after_order,
)
from clearway.filing.domain.motion import Defendant, GrantedCount, MotionContent

ONE = Grant(1, "HS 11359(b)", "reduce_to_misdemeanor", "application", "d1")
TWO = Grant(2, "HS 11357(a)", "dismiss_and_seal", "application", "d2")


def pending(*grants: Grant, status: str = "ready", facts: str | None = "f1") -> PendingMotion:
    return PendingMotion("m1", status, grants, facts)


def content(first_name: str = "Dana", description: str = "POSSESS FOR SALE",
            prepared_on: dt.date = dt.date(2026, 1, 1), decision_id: str = "d1") -> MotionContent:
    return MotionContent("CA-LA", "BA100", Defendant("S1", first_name, "Testperson",
                                                     dt.date(1980, 1, 2)),
                         (GrantedCount(1, "HS 11359(b)", description, "felony",
                                       dt.date(2010, 2, 1), "reduce_to_misdemeanor",
                                       "application", decision_id),),
                         prepared_on)


def test_a_case_with_granted_counts_and_no_motion_gets_one_motion_for_all_of_them() -> None:
    assert plan(None, [TWO, ONE]) == Plan(create=(ONE, TWO))


def test_a_case_without_granted_counts_gets_no_motion() -> None:
    assert plan(None, []) == Plan()
    assert not plan(None, []).changes


def test_the_same_grants_again_change_nothing() -> None:
    assert plan(pending(ONE, TWO), [TWO, ONE], facts_sha256="f1") == Plan()


def test_a_new_decision_version_with_the_same_relief_changes_nothing() -> None:
    newer = Grant(1, "HS 11359(b)", "reduce_to_misdemeanor", "application", "d1-v2")
    assert plan(pending(ONE), [newer], facts_sha256="f1") == Plan()


def test_losing_every_granted_count_withdraws_the_motion() -> None:
    assert plan(pending(ONE), []) == Plan(withdraw="m1")


def test_a_changed_relief_withdraws_the_motion_and_replaces_it() -> None:
    changed = Grant(1, "HS 11359(b)", "dismiss_and_seal", "application", "d1-v2")
    assert plan(pending(ONE), [changed]) == Plan(withdraw="m1", create=(changed,))


def test_a_changed_procedure_replaces_the_motion() -> None:
    petition = Grant(1, "HS 11359(b)", "reduce_to_misdemeanor", "petition", "d1-v2")
    assert plan(pending(ONE), [petition]) == Plan(withdraw="m1", create=(petition,))


def test_losing_one_of_two_counts_replaces_the_motion_with_one_for_the_other() -> None:
    assert plan(pending(ONE, TWO), [TWO]) == Plan(withdraw="m1", create=(TWO,))


def test_a_newly_granted_count_of_the_case_replaces_the_motion_with_one_for_both() -> None:
    assert plan(pending(ONE), [ONE, TWO]) == Plan(withdraw="m1", create=(ONE, TWO))


@pytest.mark.parametrize("status", PENDING)
def test_every_pending_status_can_be_withdrawn_by_a_superseding_decision(status: str) -> None:
    assert plan(pending(ONE, status=status), []) == Plan(withdraw="m1")
    check_transition(status, "withdrawn")


def test_a_draft_is_rendered_once_its_court_record_is_known() -> None:
    draft = pending(ONE, status="draft", facts=None)
    assert plan(draft, [ONE], facts_sha256=None) == Plan()
    assert plan(draft, [ONE], facts_sha256="f1") == Plan(render=True)


def test_a_ready_motion_is_not_rendered_again() -> None:
    assert plan(pending(ONE), [ONE], facts_sha256="f1") == Plan()


def test_a_corrected_record_that_changes_what_the_motion_says_replaces_it() -> None:
    assert plan(pending(ONE, facts="f1"), [ONE], facts_sha256="f2") == Plan(
        withdraw="m1", create=(ONE,))


def test_a_record_missing_for_now_does_not_replace_a_rendered_motion() -> None:
    assert plan(pending(ONE, facts="f1"), [ONE], facts_sha256=None) == Plan()


def test_counts_a_court_has_ruled_on_get_no_new_motion() -> None:
    assert plan(None, [ONE, TWO], ruled={1}) == Plan(create=(TWO,))
    assert plan(None, [ONE], ruled={1}) == Plan()


def test_an_order_on_a_pending_motion_sets_its_outcome() -> None:
    for status in PENDING:
        assert status_after_order(status, "granted") == "granted"
        assert status_after_order(status, "denied") == "denied"


def test_a_later_grant_turns_a_denied_motion_granted_in_part_but_never_the_reverse() -> None:
    assert status_after_order("denied", "granted") == "granted"
    assert status_after_order("granted", "denied") is None
    assert status_after_order("withdrawn", "granted") is None


def test_final_statuses_have_no_way_back_to_pending() -> None:
    assert set(STATUSES) == set(TRANSITIONS)
    for status in FINAL:
        assert not TRANSITIONS[status] & set(PENDING)


def test_an_impossible_transition_is_refused() -> None:
    with pytest.raises(InvalidTransition):
        check_transition("withdrawn", "ready")
    with pytest.raises(InvalidTransition):
        check_transition("filed", "included_in_bulk")
    with pytest.raises(InvalidTransition):
        check_transition("granted", "withdrawn")


def test_the_fingerprint_ignores_the_date_prepared_and_the_decision_ids() -> None:
    assert facts_fingerprint(content()) == facts_fingerprint(
        content(prepared_on=dt.date(2027, 5, 5), decision_id="other"))


def test_the_fingerprint_changes_with_the_name_or_the_offense() -> None:
    base = facts_fingerprint(content())
    assert facts_fingerprint(content(first_name="Dania")) != base
    assert facts_fingerprint(content(description="SALE")) != base


def test_motion_ids_are_deterministic_and_differ_per_sequence() -> None:
    assert motion_id("S1", "CA-LA", "BA100", 0) == motion_id("S1", "CA-LA", "BA100", 0)
    assert motion_id("S1", "CA-LA", "BA100", 0) != motion_id("S1", "CA-LA", "BA100", 1)
    assert bulk_motion_id("CA-LA", 0) != bulk_motion_id("CA-SF", 0)
