"""Contract sections 4.3 and 4.4: the `dismiss-all` policy and which policy applies.

"Rules 1 and 6 stand. A count for which rule 3 finds a disqualifier, or a person under 18
at conduct, gets `needs_review` instead. Every other in-scope count gets
`dismiss_and_seal`." CA-LA is dismiss-all in the shipped table; every other court is
statewide.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from clearway.common.events import RecordEvent
from tests.eligibility.unit.builders import (
    AS_OF,
    LA,
    PROP64_DAY,
    PROP64_EVE,
    D,
    aged,
    born,
    conviction,
    count,
    decide_all,
    decide_on,
    disposition,
    outcome_for,
    registration,
)

DISQUALIFIABLE = ("HS 11358", "HS 11359", "HS 11360")


def la(*counts: dict, **kw: object) -> RecordEvent:
    """A disposition in Los Angeles, which the shipped table puts under dismiss-all."""
    return disposition(*counts, court=LA, **kw)  # type: ignore[arg-type]


# Rule 1 and rule 6 stand ------------------------------------------------------------------


def test_conduct_on_prop64_day_stays_not_eligible_under_dismiss_all() -> None:
    outcome = decide_on(la(count("HS 11359", offense_date=PROP64_DAY,
                                 disposition_date=D(2017, 1, 1))))
    assert (outcome.relief, outcome.procedure) == ("not_eligible", None)
    assert outcome.reason_codes == ("AFTER_PROP64",)
    assert outcome.policy == "dismiss-all"


def test_conduct_the_day_before_prop64_is_dismissed_under_dismiss_all() -> None:
    outcome = decide_on(la(count("HS 11359", offense_date=PROP64_EVE,
                                 disposition_date=D(2017, 1, 1))))
    assert outcome.relief == "dismiss_and_seal"


def test_without_an_offense_date_a_disposition_on_prop64_day_goes_to_review() -> None:
    outcome = decide_on(la(count("HS 11357", offense_date=None, disposition_date=PROP64_DAY)))
    assert (outcome.relief, outcome.reason_codes) == ("needs_review", ("CONDUCT_DATE_UNKNOWN",))


@pytest.mark.parametrize("text", ["11359POSS", "PC 182/11359", "HS 11357 C"])
def test_an_unreadable_cannabis_statute_still_needs_review_under_dismiss_all(text: str) -> None:
    outcome = decide_on(la(count(text)))
    assert (outcome.relief, outcome.procedure) == ("needs_review", None)
    assert outcome.statute == text


@pytest.mark.parametrize("outcome_", ["dismissed", "acquitted", "pending"])
def test_a_count_that_was_not_a_conviction_gets_no_decision_under_dismiss_all(
    outcome_: str,
) -> None:
    assert decide_all(la(count("HS 11359", disposition=outcome_))) == []


@pytest.mark.parametrize("statute", ["PC 459", "VC 23152(a)", "POSS MJ"])
def test_an_out_of_scope_count_gets_no_decision_under_dismiss_all(statute: str) -> None:
    assert decide_all(la(count(statute))) == []


# Disqualifiers and juveniles go to review ----------------------------------------------


@pytest.mark.parametrize("statute", DISQUALIFIABLE)
@pytest.mark.parametrize(
    ("make_history", "facts", "code"),
    [
        (lambda: [disposition(conviction("PC 187", D(2005, 1, 1)))], {}, "PRIOR_SUPER_STRIKE"),
        (lambda: [registration(D(2005, 1, 1))], {}, "PC290_REGISTRANT"),
        (lambda: [disposition(conviction("PC 311.11", D(2005, 1, 1)))], {},
         "PC290_REGISTRANT"),
    ],
    ids=["super-strike", "registration", "registrable-conviction"],
)
def test_a_count_with_a_disqualifier_needs_review_naming_the_disqualifier(
    statute: str, make_history: Callable[[], list[RecordEvent]], facts: dict, code: str
) -> None:
    outcome = decide_on(la(count(statute, **facts)), *make_history())
    assert (outcome.relief, outcome.procedure) == ("needs_review", None)
    assert outcome.reason_codes == (code,)


@pytest.mark.parametrize("statute", ["HS 11359", "HS 11360"])
def test_an_involved_minor_sends_sale_and_transport_to_review(statute: str) -> None:
    outcome = decide_on(la(count(statute, involved_minor=True)))
    assert (outcome.relief, outcome.reason_codes) == ("needs_review", ("INVOLVED_MINOR",))


def test_an_involved_minor_is_no_bar_for_cultivation_under_dismiss_all() -> None:
    outcome = decide_on(la(count("HS 11358", involved_minor=True)))
    assert outcome.relief == "dismiss_and_seal"


@pytest.mark.parametrize("statute", DISQUALIFIABLE)
def test_two_same_section_priors_send_the_count_to_review(statute: str) -> None:
    priors = [la(conviction(statute, D(2003, 1, 1))), la(conviction(statute, D(2006, 1, 1)))]
    outcome = decide_on(la(count(statute)), *priors)
    assert (outcome.relief, outcome.reason_codes) == ("needs_review",
                                                      ("TWO_PRIORS_SAME_SECTION",))


def test_an_environmental_violation_sends_cultivation_to_review() -> None:
    outcome = decide_on(la(count("HS 11358", environmental_violation=True)))
    assert (outcome.relief, outcome.reason_codes) == ("needs_review", ("ENVIRONMENTAL_HARM",))


@pytest.mark.parametrize("statute", ["HS 11359", "HS 11360", "HS 11357"])
def test_an_environmental_violation_does_not_hold_back_other_sections(statute: str) -> None:
    assert decide_on(la(count(statute, environmental_violation=True))).relief == (
        "dismiss_and_seal")


def test_every_disqualifier_is_listed_when_all_hold_under_dismiss_all() -> None:
    history = [
        disposition(conviction("PC 187", D(2001, 1, 1))),
        registration(D(2002, 1, 1)),
        la(conviction("HS 11358", D(2003, 1, 1))),
        la(conviction("HS 11358", D(2004, 1, 1))),
    ]
    outcome = decide_on(la(count("HS 11358", involved_minor=True,
                                 environmental_violation=True)), *history)
    assert outcome.relief == "needs_review"
    assert outcome.reason_codes == ("PRIOR_SUPER_STRIKE", "PC290_REGISTRANT",
                                    "TWO_PRIORS_SAME_SECTION", "ENVIRONMENTAL_HARM")


def test_a_super_strike_after_the_count_does_not_hold_it_back_under_dismiss_all() -> None:
    later = disposition(conviction("PC 187", D(2015, 1, 1)))
    assert decide_on(la(count("HS 11359")), later).relief == "dismiss_and_seal"


@pytest.mark.parametrize("statute", ["HS 11357", "HS 11357(c)", "HS 11358", "HS 11359",
                                     "HS 11360"])
@pytest.mark.parametrize("age", [12, 17])
def test_a_person_under_18_at_conduct_needs_review(statute: str, age: int) -> None:
    outcome = decide_on(la(count(statute), person=aged(age)))
    assert (outcome.relief, outcome.procedure) == ("needs_review", None)


@pytest.mark.parametrize(
    ("conduct", "relief"),
    [(D(2008, 6, 15), "dismiss_and_seal"), (D(2008, 6, 14), "needs_review")],
    ids=["turns-18-that-day", "day-before-18"],
)
def test_the_under_18_line_falls_on_the_18th_birthday(conduct: dt.date, relief: str) -> None:
    event = la(count("HS 11359", offense_date=conduct, disposition_date=D(2009, 1, 1)),
               person=born(D(1990, 6, 15)))
    assert decide_on(event).relief == relief


def test_a_prior_possession_conviction_does_not_hold_back_a_possession_count() -> None:
    # Rule 3 disqualifiers are for HS 11358-11360 only.
    murder = disposition(conviction("PC 187", D(2001, 1, 1)))
    assert decide_on(la(count("HS 11357", involved_minor=True)), murder).relief == (
        "dismiss_and_seal")


# Everything else is dismissed and sealed -----------------------------------------------


@pytest.mark.parametrize("statute", ["HS 11357(c)", "HS 11357(d)", "HS 11357(e)",
                                     "11357(C) HS"])
def test_other_11357_subsections_are_dismissed_and_sealed(statute: str) -> None:
    outcome = decide_on(la(count(statute, level="misdemeanor")))
    assert outcome.relief == "dismiss_and_seal"
    assert outcome.policy == "dismiss-all"


@pytest.mark.parametrize("age", [18, 19, 20])
def test_possession_at_18_to_20_is_dismissed_and_sealed(age: int) -> None:
    assert decide_on(la(count("HS 11357"), person=aged(age))).relief == "dismiss_and_seal"


@pytest.mark.parametrize("statute", DISQUALIFIABLE)
@pytest.mark.parametrize("level", ["felony", "misdemeanor", "infraction"])
def test_every_level_of_a_clean_count_is_dismissed_and_sealed(statute: str, level: str) -> None:
    assert decide_on(la(count(statute, level=level))).relief == "dismiss_and_seal"


def test_a_felony_sale_is_dismissed_and_sealed() -> None:
    outcome = decide_on(la(count("HS 11359", level="felony")))
    assert (outcome.relief, outcome.policy) == ("dismiss_and_seal", "dismiss-all")
    assert outcome.reason_codes


def test_cultivating_many_plants_is_dismissed_and_sealed() -> None:
    assert decide_on(la(count("HS 11358", plants=500))).relief == "dismiss_and_seal"


@pytest.mark.parametrize(
    ("end_date", "procedure"),
    [(AS_OF + dt.timedelta(days=1), "petition"), (AS_OF, "application"),
     (AS_OF - dt.timedelta(days=1), "application"), (None, "application")],
)
def test_a_dismissal_under_dismiss_all_has_the_usual_procedure(
    end_date: dt.date | None, procedure: str
) -> None:
    event = la(count("HS 11359", sentence="probation", end_date=end_date))
    assert decide_on(event, as_of=AS_OF).procedure == procedure


# Which policy (4.4) ------------------------------------------------------------------------


def test_los_angeles_gets_dismiss_all_by_default() -> None:
    outcome = decide_on(la(count("HS 11359")))
    assert (outcome.policy, outcome.relief) == ("dismiss-all", "dismiss_and_seal")


@pytest.mark.parametrize("court", ["CA-SF", "CA-SD", "CA-ALA", "NV-CLARK"])
def test_every_other_court_gets_statewide_by_default(court: str) -> None:
    outcome = decide_on(disposition(count("HS 11359"), court=court))
    assert (outcome.policy, outcome.relief) == ("statewide", "reduce_to_misdemeanor")


def test_the_policy_table_decides_which_courts_are_dismiss_all() -> None:
    table = {"CA-SF": "dismiss-all"}
    sf = disposition(count("HS 11359"), court="CA-SF")
    los_angeles = la(count("HS 11359"))
    outcomes = decide_all(sf, los_angeles, policy_table=table)
    assert outcome_for(outcomes, sf).policy == "dismiss-all"
    assert outcome_for(outcomes, los_angeles).policy == "statewide"


def test_the_policy_override_makes_los_angeles_statewide() -> None:
    outcome = decide_on(la(count("HS 11359")), policy="statewide")
    assert (outcome.policy, outcome.relief) == ("statewide", "reduce_to_misdemeanor")


def test_the_policy_override_makes_another_court_dismiss_all() -> None:
    outcome = decide_on(disposition(count("HS 11359")), policy="dismiss-all")
    assert (outcome.policy, outcome.relief) == ("dismiss-all", "dismiss_and_seal")


def test_one_person_with_cases_in_two_courts_gets_each_courts_policy() -> None:
    sf = disposition(count("HS 11359"), court="CA-SF")
    los_angeles = la(count("HS 11359"))
    outcomes = decide_all(sf, los_angeles)
    assert (outcome_for(outcomes, sf).policy, outcome_for(outcomes, sf).relief) == (
        "statewide", "reduce_to_misdemeanor")
    assert (outcome_for(outcomes, los_angeles).policy,
            outcome_for(outcomes, los_angeles).relief) == ("dismiss-all", "dismiss_and_seal")


def test_a_prior_in_another_court_holds_back_a_los_angeles_count() -> None:
    murder = disposition(conviction("PC 187", D(2001, 1, 1)), court="CA-SD")
    assert decide_on(la(count("HS 11359")), murder).relief == "needs_review"


# Where the two policies differ -----------------------------------------------------------

SUPER_STRIKE = [("PC 187", D(2001, 1, 1))]
TWO_SALES = [("HS 11359", D(2003, 1, 1)), ("HS 11359", D(2006, 1, 1))]

POLICY_TABLE_CASES = [
    # id, statute, level, age, facts, priors, statewide, dismiss-all
    ("possession-adult", "HS 11357", "misdemeanor", 30, {}, [],
     "dismiss_and_seal", "dismiss_and_seal"),
    ("possession-19", "HS 11357", "misdemeanor", 19, {}, [],
     "reduce_to_infraction", "dismiss_and_seal"),
    ("possession-16", "HS 11357", "misdemeanor", 16, {}, [],
     "needs_review", "needs_review"),
    ("possession-school", "HS 11357(c)", "misdemeanor", 30, {}, [],
     "needs_review", "dismiss_and_seal"),
    ("possession-school-16", "HS 11357(d)", "misdemeanor", 16, {}, [],
     "needs_review", "needs_review"),
    ("cultivation-4-plants", "HS 11358", "felony", 30, {"plants": 4}, [],
     "dismiss_and_seal", "dismiss_and_seal"),
    ("cultivation-40-plants", "HS 11358", "felony", 30, {"plants": 40}, [],
     "reduce_to_misdemeanor", "dismiss_and_seal"),
    ("cultivation-4-plants-at-20", "HS 11358", "felony", 20, {"plants": 4}, [],
     "reduce_to_infraction", "dismiss_and_seal"),
    ("cultivation-5-plants-after-murder", "HS 11358", "felony", 30, {"plants": 5},
     SUPER_STRIKE, "dismiss_and_seal", "dismiss_and_seal"),
    ("cultivation-environment", "HS 11358", "misdemeanor", 30,
     {"environmental_violation": True}, [], "not_eligible", "needs_review"),
    ("sale-felony", "HS 11359", "felony", 30, {}, [],
     "reduce_to_misdemeanor", "dismiss_and_seal"),
    ("sale-misdemeanor", "HS 11359", "misdemeanor", 30, {}, [],
     "needs_review", "dismiss_and_seal"),
    ("sale-felony-at-19", "HS 11359", "felony", 19, {}, [],
     "reduce_to_misdemeanor", "dismiss_and_seal"),
    ("sale-felony-at-17", "HS 11359", "felony", 17, {}, [],
     "needs_review", "needs_review"),
    ("sale-felony-at-14", "HS 11359", "felony", 14, {}, [],
     "needs_review", "needs_review"),
    ("no-offense-date-2017-disposition", "HS 11359", "felony", 30,
     {"offense_date": None, "disposition_date": D(2017, 3, 1)}, [],
     "needs_review", "needs_review"),
    ("sale-after-super-strike", "HS 11359", "felony", 30, {}, SUPER_STRIKE,
     "not_eligible", "needs_review"),
    ("sale-after-two-sales", "HS 11359", "felony", 30, {}, TWO_SALES,
     "not_eligible", "needs_review"),
    ("transport-infraction", "HS 11360", "infraction", 30, {}, [],
     "dismiss_and_seal", "dismiss_and_seal"),
    ("transport-minor", "HS 11360", "felony", 30, {"involved_minor": True}, [],
     "not_eligible", "needs_review"),
    ("transport-after-prop64", "HS 11360", "felony", 30, {"offense_date": D(2017, 1, 1),
                                                           "disposition_date": D(2017, 3, 1)},
     [], "not_eligible", "not_eligible"),
    ("unreadable", "11359POSS", "felony", 30, {}, [], "needs_review", "needs_review"),
]


@pytest.mark.parametrize(
    ("statute", "level", "age", "facts", "priors", "statewide", "dismiss_all"),
    [pytest.param(*case[1:], id=case[0]) for case in POLICY_TABLE_CASES],
)
def test_the_two_policies_decide_each_case_as_the_contract_says(
    statute: str, level: str, age: int, facts: dict, priors: list, statewide: str,
    dismiss_all: str,
) -> None:
    history = [disposition(conviction(s, d)) for s, d in priors]
    # Same count decided twice: in CA-LA under the shipped table, and in CA-SF.
    la_count = la(count(statute, level=level, **facts), person=aged(age))
    sf_count = disposition(count(statute, level=level, **facts), person=aged(age))
    assert decide_on(la_count, *history).relief == dismiss_all
    assert decide_on(sf_count, *history).relief == statewide
    # And the override gives the same answers regardless of court.
    assert decide_on(sf_count, *history, policy="dismiss-all").relief == dismiss_all
    assert decide_on(la_count, *history, policy="statewide").relief == statewide

