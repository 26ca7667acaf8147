"""Contract section 3: decisions, their versions, and what a recomputation publishes.

Each test plays the eligibility service by hand: decide from the person's history,
publish `versions.changes` against what is current, and make the published decisions
current with `versions.current_of`.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clearway.common.events import Decision, RecordEvent
from clearway.eligibility.domain.versions import Current, changes, current_of, decision_id
from clearway.eligibility.rulepacks.engine import decide
from tests.eligibility.unit.builders import (
    AS_OF,
    GRANTED,
    LA,
    PERSON,
    D,
    aged,
    at,
    conviction,
    corrected,
    count,
    disposition,
    history_of,
    registration,
)

SUBJECT = PERSON.subject_id
DECIDED_AT = dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)
Key = tuple[str, str, int]


class Service:
    """Current decisions of one person, updated the way section 3 describes."""

    def __init__(self, as_of: dt.date = AS_OF) -> None:
        self.as_of = as_of
        self.events: list[RecordEvent] = []
        self.current: dict[Key, Current] = {}
        self.published: list[Decision] = []

    def receive(self, *events: RecordEvent) -> list[Decision]:
        self.events.extend(events)
        return self.recompute()

    def recompute(self, as_of: dt.date | None = None) -> list[Decision]:
        as_of = as_of or self.as_of
        outcomes = decide(history_of(self.events), as_of)
        out = changes(SUBJECT, outcomes, dict(self.current), as_of, DECIDED_AT)
        for decision in out:
            self.current[(decision.court, decision.case_number, decision.count)] = (
                current_of(decision))
        self.published.extend(out)
        return out

    def live(self) -> dict[Key, tuple[str, tuple[str, ...]]]:
        """What current-decision reads list: every count not withdrawn."""
        return {k: (c.relief, c.reason_codes) for k, c in self.current.items()
                if c.relief != "withdrawn"}


def key_of(event: RecordEvent, n: int = 1) -> Key:
    assert event.case is not None
    return (event.court, event.case.case_number, n)


def only(decisions: Iterable[Decision]) -> Decision:
    decisions = list(decisions)
    assert len(decisions) == 1, decisions
    return decisions[0]


# Version 1 -------------------------------------------------------------------------------


def test_the_first_decision_on_a_count_is_version_1_superseding_nothing() -> None:
    event = disposition(count("11359(B) HS", level="felony"))
    first = only(Service().receive(event))
    assert (first.version, first.supersedes) == (1, None)
    assert (first.subject_id, first.court, first.case_number, first.count) == (
        SUBJECT, *key_of(event))
    assert first.statute == "HS 11359(b)"
    assert (first.relief, first.procedure) == ("reduce_to_misdemeanor", "application")
    assert first.policy == "statewide"
    assert first.rule_pack == "ca-prop64"
    assert first.rule_pack_version
    assert (first.as_of, first.decided_at) == (AS_OF, DECIDED_AT)
    assert first.decision_id


def test_each_in_scope_count_gets_its_own_version_1() -> None:
    event = disposition(count("HS 11357", n=1), count("HS 11359", n=2), count("PC 459", n=3))
    published = Service().receive(event)
    assert {(d.count, d.version, d.supersedes) for d in published} == {(1, 1, None),
                                                                        (2, 1, None)}
    assert len({d.decision_id for d in published}) == 2


def test_a_person_with_no_in_scope_count_gets_no_decision() -> None:
    assert Service().receive(disposition(count("PC 459"))) == []


# A new event changes a decision ----------------------------------------------------------


def test_an_earlier_murder_conviction_arriving_later_makes_version_2_not_eligible() -> None:
    service = Service()
    first = only(service.receive(disposition(count("HS 11359", level="felony"))))
    assert first.relief == "reduce_to_misdemeanor"

    second = only(service.receive(disposition(conviction("PC 187", D(2001, 1, 1)))))
    assert second.version == 2
    assert second.supersedes == first.decision_id
    assert second.decision_id != first.decision_id
    assert (second.relief, second.procedure) == ("not_eligible", None)
    assert [r.code for r in second.reasons] == ["PRIOR_SUPER_STRIKE"]
    assert (second.court, second.case_number, second.count) == (
        first.court, first.case_number, first.count)


def test_a_later_registration_dated_before_the_count_makes_version_2() -> None:
    service = Service()
    first = only(service.receive(disposition(count("HS 11360"))))
    second = only(service.receive(registration(D(2005, 1, 1))))
    assert (second.version, second.supersedes, second.relief) == (
        2, first.decision_id, "not_eligible")


def test_only_the_count_that_changed_gets_a_new_version() -> None:
    service = Service()
    service.receive(disposition(count("HS 11357", n=1), count("HS 11359", n=2)))
    changed = only(service.receive(disposition(conviction("PC 187", D(2001, 1, 1)))))
    assert (changed.count, changed.version, changed.relief) == (2, 2, "not_eligible")


def test_each_change_is_the_next_version_superseding_the_one_before() -> None:
    service = Service()
    v1 = only(service.receive(disposition(count("HS 11359"))))
    v2 = only(service.receive(disposition(conviction("PC 187", D(2001, 1, 1)))))
    v3 = only(service.receive(registration(D(2002, 1, 1))))
    assert [v.version for v in (v1, v2, v3)] == [1, 2, 3]
    assert (v2.supersedes, v3.supersedes) == (v1.decision_id, v2.decision_id)
    assert {r.code for r in v3.reasons} == {"PRIOR_SUPER_STRIKE", "PC290_REGISTRANT"}


def test_a_sentence_that_ends_changes_the_procedure_in_a_new_version() -> None:
    service = Service(as_of=D(2019, 1, 1))
    v1 = only(service.receive(disposition(count("HS 11359", end_date=D(2020, 1, 1)))))
    assert v1.procedure == "petition"
    v2 = only(service.recompute(as_of=D(2020, 6, 1)))
    assert (v2.version, v2.procedure, v2.supersedes) == (2, "application", v1.decision_id)


# Nothing changed, nothing published ------------------------------------------------------


def test_recomputing_the_same_history_publishes_nothing() -> None:
    service = Service()
    service.receive(disposition(count("HS 11359")), disposition(count("HS 11357")))
    assert service.recompute() == []
    assert service.recompute() == []


def test_a_redelivered_event_publishes_nothing() -> None:
    event = disposition(count("HS 11359"))
    service = Service()
    service.receive(event)
    assert service.receive(event) == []


def test_an_event_that_changes_no_outcome_publishes_nothing() -> None:
    service = Service()
    service.receive(disposition(count("HS 11359")))
    assert service.receive(disposition(conviction("PC 459", D(2001, 1, 1)))) == []
    assert service.receive(registration(D(2015, 1, 1))) == []  # after the count


# Corrections -------------------------------------------------------------------------------


def test_a_correction_to_dismissed_publishes_a_withdrawn_last_version() -> None:
    original = disposition(count("HS 11359", level="felony"))
    service = Service()
    v1 = only(service.receive(original))
    withdrawn = only(service.receive(corrected(original, count("HS 11359",
                                                                disposition="dismissed"))))
    assert (withdrawn.relief, withdrawn.procedure) == ("withdrawn", None)
    assert (withdrawn.version, withdrawn.supersedes) == (2, v1.decision_id)
    assert (withdrawn.court, withdrawn.case_number, withdrawn.count) == key_of(original)
    assert withdrawn.reasons and all(r.text and r.citation for r in withdrawn.reasons)
    assert service.live() == {}


def test_a_withdrawn_count_is_not_withdrawn_again() -> None:
    original = disposition(count("HS 11359"))
    service = Service()
    service.receive(original)
    service.receive(corrected(original, count("HS 11359", disposition="acquitted")))
    assert service.recompute() == []


def test_a_correction_to_a_statute_outside_11357_to_11360_withdraws_the_decision() -> None:
    original = disposition(count("HS 11359"))
    service = Service()
    service.receive(original)
    withdrawn = only(service.receive(corrected(original, count("PC 459"))))
    assert (withdrawn.relief, withdrawn.procedure, withdrawn.version) == ("withdrawn", None, 2)


def test_a_correction_that_drops_a_count_withdraws_only_that_count() -> None:
    original = disposition(count("HS 11359", n=1), count("HS 11357", n=2))
    service = Service()
    service.receive(original)
    withdrawn = only(service.receive(corrected(original, count("HS 11357", n=2))))
    assert (withdrawn.count, withdrawn.relief) == (1, "withdrawn")
    assert set(service.live()) == {key_of(original, 2)}


def test_a_correction_of_the_level_publishes_version_2_with_the_new_relief() -> None:
    original = disposition(count("HS 11359", level="felony"))
    service = Service()
    v1 = only(service.receive(original))
    v2 = only(service.receive(corrected(original, count("HS 11359", level="misdemeanor"))))
    # an adult's misdemeanor sale is still a misdemeanor under the Act: review (rule 7)
    assert (v2.relief, v2.version, v2.supersedes) == ("needs_review", 2, v1.decision_id)


def test_a_disposition_of_another_case_number_is_not_a_correction() -> None:
    original = disposition(count("HS 11359"))
    service = Service()
    service.receive(original)
    service.receive(disposition(count("HS 11359", disposition="dismissed")))
    assert set(service.live()) == {key_of(original)}


def test_the_same_case_number_in_another_court_is_not_a_correction() -> None:
    original = disposition(count("HS 11359"), case_number="BA777")
    service = Service()
    service.receive(original)
    other = disposition(count("HS 11359", disposition="dismissed"), case_number="BA777",
                        court=LA, occurred_at=original.occurred_at + dt.timedelta(hours=1))
    assert service.receive(other) == []
    assert set(service.live()) == {key_of(original)}


@pytest.mark.parametrize(
    "corrected_count",
    [
        count("HS 11359", disposition="dismissed"),
        count("HS 11359", level="misdemeanor"),
        count("PC 459"),
        count("HS 11359", involved_minor=True),
    ],
    ids=["dismissed", "misdemeanor", "burglary", "minor"],
)
def test_a_correction_gives_the_same_final_outcomes_in_either_order(
    corrected_count: dict,
) -> None:
    original = disposition(count("HS 11359", level="felony"), occurred_at=at(10_000))
    correction = corrected(original, corrected_count)
    in_order = decide(history_of([original, correction]), AS_OF)
    reversed_ = decide(history_of([correction, original]), AS_OF)
    assert in_order == reversed_
    assert in_order == decide(history_of([correction]), AS_OF)

    forward, backward = Service(), Service()
    forward.receive(original)
    forward.receive(correction)
    backward.receive(correction)
    backward.receive(original)
    assert forward.live() == backward.live()


def test_later_means_the_later_instant_whatever_the_utc_offset_of_occurred_at() -> None:
    # 05:00 in Los Angeles (-08:00) is 13:00 UTC: one hour after the original at 12:00 UTC,
    # although its wall-clock reading is earlier.
    original = disposition(count("HS 11359", level="felony"), case_number="BA4242",
                           occurred_at=dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC))
    pacific = dt.timezone(dt.timedelta(hours=-8))
    correction = disposition(count("HS 11359", level="misdemeanor"), case_number="BA4242",
                             occurred_at=dt.datetime(2024, 3, 1, 5, tzinfo=pacific))
    for events in ([original, correction], [correction, original]):
        (outcome,) = decide(history_of(events), AS_OF)
        assert outcome.reason_codes == ("STILL_A_MISDEMEANOR",)


def test_a_late_arriving_original_does_not_undo_its_correction() -> None:
    original = disposition(count("HS 11359", level="felony"), occurred_at=at(20_000))
    correction = corrected(original, count("HS 11359", level="misdemeanor"))
    service = Service()
    first = only(service.receive(correction))
    assert first.reasons[0].code == "STILL_A_MISDEMEANOR"
    assert service.receive(original) == []


# Every decision is well formed ----------------------------------------------------------


def _varied_history() -> list[RecordEvent]:
    """A person whose counts reach every relief, under both policies."""
    young = aged(19)
    return [
        disposition(conviction("PC 187", D(2001, 1, 1)), person=young, court="CA-SD"),
        disposition(count("HS 11357"), count("HS 11357(c)", n=2),
                    count("HS 11358", n=3, plants=3), count("HS 11357(a)", n=4), person=young),
        disposition(count("HS 11359", offense_date=D(2000, 1, 1),
                          disposition_date=D(2000, 6, 1), end_date=D(2030, 1, 1)),
                    count("HS 11360", n=2, level="misdemeanor", offense_date=D(2000, 1, 1),
                          disposition_date=D(2000, 6, 1)),
                    person=young),
        disposition(count("HS 11360"), count("11359POSS", n=2),
                    count("HS 11359", n=3, offense_date=D(2018, 1, 1),
                          disposition_date=D(2018, 2, 1)),
                    person=young),
        disposition(count("HS 11359"), count("HS 11357", n=2), person=young, court=LA),
    ]


def test_the_varied_history_reaches_every_relief() -> None:
    reliefs = {d.relief for d in Service().receive(*_varied_history())}
    assert reliefs == {"dismiss_and_seal", "reduce_to_misdemeanor", "reduce_to_infraction",
                       "not_eligible", "needs_review"}


def test_every_decision_has_a_reason_with_text_and_a_citation() -> None:
    service = Service()
    events = _varied_history()
    service.receive(*events)
    service.receive(corrected(events[1], count("HS 11357", disposition="dismissed")))
    assert "withdrawn" in {d.relief for d in service.published}
    for decision in service.published:
        assert decision.reasons, decision
        for reason in decision.reasons:
            assert reason.code and reason.text.strip() and reason.citation.strip()


def test_not_eligible_and_needs_review_decisions_have_no_procedure() -> None:
    published = Service().receive(*_varied_history())
    for decision in published:
        if decision.relief in ("not_eligible", "needs_review"):
            assert decision.procedure is None, decision
        if decision.relief in GRANTED:
            assert decision.procedure in ("application", "petition"), decision


def test_decision_ids_are_unique_across_counts_and_versions() -> None:
    service = Service()
    events = _varied_history()
    service.receive(*events[1:])
    service.receive(events[0])  # the murder: sale and transport counts change
    ids = [d.decision_id for d in service.published]
    assert len(ids) == len(set(ids))
    assert any(d.version == 2 for d in service.published)


@given(subject=st.text(min_size=1, max_size=64), court=st.text(max_size=20),
       case_number=st.text(max_size=40), number=st.integers(1, 999),
       version=st.integers(1, 10_000))
def test_a_decision_id_is_the_uuid5_of_its_count_and_version(
        subject: str, court: str, case_number: str, number: int, version: int) -> None:
    expected = uuid.uuid5(uuid.UUID("0c1e4a3b-7d62-4c55-9a51-6f1d3b2a9e10"),
                          f"{subject}|{court}|{case_number}|{number}|{version}")
    assert decision_id(subject, (court, case_number, number), version) == str(expected)
