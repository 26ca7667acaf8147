"""Contract section 4.1/4.2 (ca-prop64 1.1.0): the `statewide` policy, first match wins.

Every expectation here is read from /work/shared/contract/README.md, not from the
engine. Counts are filed in CA-SF, which the shipped policy table leaves statewide.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from random import Random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearway.common.events import RELIEFS, RecordEvent
from clearway.eligibility.domain.statutes import mentions_prop64_section, parse_statute
from clearway.eligibility.domain.versions import changes
from clearway.eligibility.rulepacks.engine import decide
from tests.eligibility.unit.builders import (
    AS_OF,
    GRANTED,
    PROP64_DAY,
    PROP64_EVE,
    D,
    Person,
    aged,
    at,
    born,
    case_of,
    conviction,
    count,
    court_order,
    death,
    decide_all,
    decide_on,
    disposition,
    history_of,
    keys,
    registration,
)

PROP64_SECTIONS = ("HS 11357", "HS 11358", "HS 11359", "HS 11360")
DISQUALIFIABLE = ("HS 11358", "HS 11359", "HS 11360")


# Scope (4.1) ------------------------------------------------------------------------------


@pytest.mark.parametrize("statute", PROP64_SECTIONS)
def test_a_convicted_prop64_count_gets_exactly_one_decision(statute: str) -> None:
    event = disposition(count(statute))
    outcomes = decide_all(event)
    assert keys(outcomes) == {("CA-SF", case_of(event), 1)}
    assert outcomes[0].policy == "statewide"


@pytest.mark.parametrize("outcome", ["dismissed", "acquitted", "pending"])
def test_a_prop64_count_that_was_not_a_conviction_gets_no_decision(outcome: str) -> None:
    assert decide_all(disposition(count("HS 11359", disposition=outcome))) == []


@pytest.mark.parametrize("statute", ["PC 459", "VC 23152", "VC 23152(a)", "HS 11357.5",
                                     "HS 11364", "PC 187"])
def test_a_conviction_outside_hs_11357_to_11360_gets_no_decision(statute: str) -> None:
    assert decide_all(disposition(count(statute))) == []


def test_only_the_cannabis_count_of_a_case_with_a_burglary_count_is_decided() -> None:
    event = disposition(count("HS 11359", n=1), count("PC 459", n=2))
    assert keys(decide_all(event)) == {("CA-SF", case_of(event), 1)}


def test_a_murder_conviction_gets_no_decision_but_still_counts_as_a_prior() -> None:
    murder = disposition(conviction("PC 187", D(2001, 1, 1)))
    target = disposition(count("HS 11359"))
    outcomes = decide_all(murder, target)
    assert keys(outcomes) == {("CA-SF", case_of(target), 1)}
    assert outcomes[0].relief == "not_eligible"
    assert "PRIOR_SUPER_STRIKE" in outcomes[0].reason_codes


def test_death_and_court_order_events_do_not_create_decisions() -> None:
    target = disposition(count("HS 11359", level="misdemeanor"))
    alone = decide_all(target)
    with_more = decide_all(target, death(D(2020, 1, 1)),
                           court_order(case_of(target), relief="dismiss_and_seal"))
    assert with_more == alone


# Rule 1: conduct on or after 2016-11-09 ------------------------------------------------


def test_conduct_on_the_day_before_prop64_is_decided_by_the_later_rules() -> None:
    outcome = decide_on(disposition(count("HS 11359", level="felony",
                                          offense_date=PROP64_EVE,
                                          disposition_date=D(2016, 12, 1))))
    assert outcome.relief == "reduce_to_misdemeanor"
    assert "AFTER_PROP64" not in outcome.reason_codes


def test_conduct_on_the_day_prop64_took_effect_is_not_eligible() -> None:
    outcome = decide_on(disposition(count("HS 11359", level="misdemeanor",
                                          offense_date=PROP64_DAY,
                                          disposition_date=D(2016, 12, 1))))
    assert (outcome.relief, outcome.procedure) == ("not_eligible", None)
    assert outcome.reason_codes == ("AFTER_PROP64",)


def test_conduct_after_prop64_is_not_eligible() -> None:
    outcome = decide_on(disposition(count("HS 11359", offense_date=D(2018, 3, 3),
                                          disposition_date=D(2018, 9, 9))))
    assert outcome.relief == "not_eligible"
    assert outcome.reason_codes == ("AFTER_PROP64",)


def test_the_offense_date_is_the_conduct_date_even_when_the_disposition_is_after_prop64(
) -> None:
    outcome = decide_on(disposition(count("HS 11359", offense_date=PROP64_EVE,
                                          disposition_date=D(2017, 5, 1))))
    assert outcome.relief == "reduce_to_misdemeanor"


def test_without_an_offense_date_a_disposition_on_the_day_before_prop64_is_eligible() -> None:
    outcome = decide_on(disposition(count("HS 11359", offense_date=None,
                                          disposition_date=PROP64_EVE)))
    assert outcome.relief == "reduce_to_misdemeanor"


def test_without_an_offense_date_a_disposition_on_prop64_day_leaves_the_conduct_date_unknown(
) -> None:
    outcome = decide_on(disposition(count("HS 11359", offense_date=None,
                                          disposition_date=PROP64_DAY)))
    assert (outcome.relief, outcome.reason_codes) == ("needs_review", ("CONDUCT_DATE_UNKNOWN",))


@pytest.mark.parametrize("statute", PROP64_SECTIONS)
def test_rule_1_wins_over_every_later_rule_for_every_section(statute: str) -> None:
    outcome = decide_on(disposition(count(statute, offense_date=D(2017, 1, 1),
                                          disposition_date=D(2017, 2, 1))))
    assert (outcome.relief, outcome.reason_codes) == ("not_eligible", ("AFTER_PROP64",))


def test_after_prop64_is_the_only_reason_even_when_a_disqualifier_also_holds() -> None:
    murder = disposition(conviction("PC 187", D(2001, 1, 1)))
    target = disposition(count("HS 11359", involved_minor=True, offense_date=D(2017, 1, 1),
                               disposition_date=D(2017, 2, 1)))
    assert decide_on(target, murder).reason_codes == ("AFTER_PROP64",)


# Rule 4: HS 11357 possession by age -------------------------------------------------------

# HS 11357(a) (concentrated cannabis) is a personal amount only with 8 grams or less: its
# own tests are in ca_prop64/test_concentrated_cannabis_*.py.
POSSESSION_STATUTES = ["HS 11357", "HS 11357(b)", "HS 11357(b)(2)", "11357(B) HS",
                       "H&S 11357 (b)"]


@pytest.mark.parametrize("statute", POSSESSION_STATUTES)
def test_possession_by_an_adult_of_21_or_over_is_dismissed_and_sealed(statute: str) -> None:
    outcome = decide_on(disposition(count(statute, level="misdemeanor"), person=aged(30)))
    assert (outcome.relief, outcome.reason_codes) == ("dismiss_and_seal", ("POSSESSION_ADULT",))


@pytest.mark.parametrize("statute", POSSESSION_STATUTES)
@pytest.mark.parametrize("age", [18, 19, 20])
def test_possession_at_18_to_20_is_reduced_to_an_infraction(statute: str, age: int) -> None:
    outcome = decide_on(disposition(count(statute, level="misdemeanor"), person=aged(age)))
    assert (outcome.relief, outcome.reason_codes) == (
        "reduce_to_infraction", ("POSSESSION_AGE_18_20",))


@pytest.mark.parametrize("statute", POSSESSION_STATUTES)
@pytest.mark.parametrize("age", [12, 17])
def test_possession_under_18_needs_review_as_a_juvenile(statute: str, age: int) -> None:
    outcome = decide_on(disposition(count(statute, level="misdemeanor"), person=aged(age)))
    assert (outcome.relief, outcome.procedure) == ("needs_review", None)
    assert outcome.reason_codes == ("JUVENILE",)


BIRTHDAY = D(1990, 6, 15)


@pytest.mark.parametrize(
    ("conduct", "relief"),
    [
        (D(2011, 6, 15), "dismiss_and_seal"),      # 21st birthday: 21
        (D(2011, 6, 14), "reduce_to_infraction"),  # day before: 20
        (D(2008, 6, 15), "reduce_to_infraction"),  # 18th birthday: 18
        (D(2008, 6, 14), "needs_review"),          # day before: 17
    ],
    ids=["turns-21-that-day", "day-before-21", "turns-18-that-day", "day-before-18"],
)
def test_possession_age_is_whole_years_counted_to_the_exact_birthday(
    conduct: dt.date, relief: str
) -> None:
    event = disposition(count("HS 11357", level="misdemeanor", offense_date=conduct,
                              disposition_date=conduct + dt.timedelta(days=200)),
                        person=born(BIRTHDAY))
    assert decide_on(event).relief == relief


def test_possession_age_is_taken_at_the_offense_date_not_the_disposition_date() -> None:
    event = disposition(count("HS 11357", level="misdemeanor", offense_date=D(2011, 6, 1),
                              disposition_date=D(2012, 6, 1)),
                        person=born(BIRTHDAY))  # 20 at the offense, 21 at the disposition
    assert decide_on(event).relief == "reduce_to_infraction"


def test_without_an_offense_date_possession_age_is_taken_at_the_disposition_date() -> None:
    event = disposition(count("HS 11357", level="misdemeanor", offense_date=None,
                              disposition_date=D(2011, 6, 15)),
                        person=born(BIRTHDAY))
    assert decide_on(event).relief == "dismiss_and_seal"


@pytest.mark.parametrize("statute", ["HS 11357(c)", "HS 11357(d)", "HS 11357(e)",
                                     "11357(C) HS", "HS11357D"])
@pytest.mark.parametrize("age", [30, 19])
def test_any_other_11357_subsection_needs_review(statute: str, age: int) -> None:
    outcome = decide_on(disposition(count(statute, level="misdemeanor"), person=aged(age)))
    assert (outcome.relief, outcome.procedure) == ("needs_review", None)
    assert outcome.reason_codes == ("OTHER_11357",)


def test_a_felony_level_possession_by_an_adult_is_still_dismissed_under_rule_2() -> None:
    outcome = decide_on(disposition(count("HS 11357", level="felony")))
    assert outcome.relief == "dismiss_and_seal"


def test_rule_3_disqualifiers_do_not_apply_to_possession() -> None:
    murder = disposition(conviction("PC 187", D(2001, 1, 1)))
    target = disposition(count("HS 11357", level="misdemeanor", involved_minor=True))
    outcome = decide_on(target, murder, registration(D(2002, 1, 1)))
    assert (outcome.relief, outcome.reason_codes) == ("dismiss_and_seal", ("POSSESSION_ADULT",))


# Rule 6: bars for HS 11358, 11359, 11360 --------------------------------------------------

PRIOR = D(2005, 3, 1)


@pytest.mark.parametrize("statute", DISQUALIFIABLE)
def test_a_prior_super_strike_makes_the_count_not_eligible(statute: str) -> None:
    murder = disposition(conviction("PC 187", PRIOR))
    outcome = decide_on(disposition(count(statute)), murder)
    assert (outcome.relief, outcome.procedure) == ("not_eligible", None)
    assert outcome.reason_codes == ("PRIOR_SUPER_STRIKE",)


@pytest.mark.parametrize("statute", DISQUALIFIABLE)
def test_a_prior_pc_290_registration_makes_the_count_not_eligible(statute: str) -> None:
    outcome = decide_on(disposition(count(statute)), registration(PRIOR))
    assert (outcome.relief, outcome.reason_codes) == ("not_eligible", ("PC290_REGISTRANT",))


@pytest.mark.parametrize("statute", DISQUALIFIABLE)
def test_a_prior_registrable_conviction_makes_the_count_not_eligible(statute: str) -> None:
    prior = disposition(conviction("PC 311.11", PRIOR))
    outcome = decide_on(disposition(count(statute)), prior)
    assert (outcome.relief, outcome.reason_codes) == ("not_eligible", ("PC290_REGISTRANT",))


@pytest.mark.parametrize("statute", DISQUALIFIABLE)
def test_two_prior_convictions_of_the_same_section_make_the_count_not_eligible(
    statute: str,
) -> None:
    priors = [disposition(conviction(statute, D(2003, 1, 1))),
              disposition(conviction(statute, D(2006, 1, 1)))]
    target = disposition(count(statute))
    outcome = decide_on(target, *priors)
    assert (outcome.relief, outcome.reason_codes) == (
        "not_eligible", ("TWO_PRIORS_SAME_SECTION",))


@pytest.mark.parametrize("statute", ["HS 11359", "HS 11360"])
def test_an_involved_minor_makes_the_count_not_eligible(statute: str) -> None:
    outcome = decide_on(disposition(count(statute, involved_minor=True)))
    assert (outcome.relief, outcome.reason_codes) == ("not_eligible", ("INVOLVED_MINOR",))


def test_an_environmental_violation_makes_cultivation_not_eligible() -> None:
    outcome = decide_on(disposition(count("HS 11358", environmental_violation=True)))
    assert (outcome.relief, outcome.reason_codes) == ("not_eligible", ("ENVIRONMENTAL_HARM",))


@pytest.mark.parametrize("statute", ["HS 11359", "HS 11360"])
def test_an_environmental_violation_does_not_bar_sale_or_transport(statute: str) -> None:
    outcome = decide_on(disposition(count(statute, environmental_violation=True)))
    assert (outcome.relief, outcome.reason_codes) == ("reduce_to_misdemeanor",
                                                      ("FELONY_REDUCTION",))


@pytest.mark.parametrize("statute", ["HS 11357", "HS 11357(b)"])
def test_an_environmental_violation_does_not_bar_possession(statute: str) -> None:
    outcome = decide_on(disposition(count(statute, environmental_violation=True)))
    assert outcome.relief == "dismiss_and_seal"


def test_every_disqualifier_that_holds_is_listed_when_all_hold_together() -> None:
    history = [
        disposition(conviction("PC 187", D(2001, 1, 1))),
        registration(D(2002, 1, 1)),
        disposition(conviction("HS 11358", D(2003, 1, 1))),
        disposition(conviction("HS 11358", D(2004, 1, 1))),
    ]
    target = disposition(count("HS 11358", plants=30, involved_minor=True,
                               environmental_violation=True))
    outcome = decide_on(target, *history)
    assert (outcome.relief, outcome.procedure) == ("not_eligible", None)
    # in the contract's order; the minor bar is not one of 11358's
    assert outcome.reason_codes == ("PRIOR_SUPER_STRIKE", "PC290_REGISTRANT",
                                    "TWO_PRIORS_SAME_SECTION", "ENVIRONMENTAL_HARM")


def test_a_prior_rape_conviction_is_both_a_super_strike_and_a_registrable_offense() -> None:
    prior = disposition(conviction("PC 261(a)(2)", PRIOR))
    outcome = decide_on(disposition(count("HS 11359")), prior)
    assert outcome.reason_codes == ("PRIOR_SUPER_STRIKE", "PC290_REGISTRANT")


def test_a_prior_rape_conviction_without_its_subsection_is_only_a_possible_bar() -> None:
    prior = disposition(conviction("PC 261", PRIOR))
    outcome = decide_on(disposition(count("HS 11359")), prior)
    assert (outcome.relief, outcome.reason_codes) == (
        "needs_review", ("POSSIBLE_SUPER_STRIKE", "POSSIBLE_PC290_REGISTRANT"))


@pytest.mark.parametrize(
    ("prior", "codes"),
    [
        ("PC 261(a)(6)", {"PRIOR_SUPER_STRIKE", "PC290_REGISTRANT"}),
        ("PC 288(a)", {"PRIOR_SUPER_STRIKE", "PC290_REGISTRANT"}),
        ("PC 288.5", {"PRIOR_SUPER_STRIKE", "PC290_REGISTRANT"}),
        ("PC 311.11", {"PC290_REGISTRANT"}),
        ("PC 243.4", {"PC290_REGISTRANT"}),
        ("PC 647.6", {"PC290_REGISTRANT"}),
        ("PC 187", {"PRIOR_SUPER_STRIKE"}),
        ("187(A) PC", {"PRIOR_SUPER_STRIKE"}),
        ("PC 664/187(a)", {"PRIOR_SUPER_STRIKE"}),
        ("PC 190.2", {"PRIOR_SUPER_STRIKE"}),
        ("PC 245(d)(3)", {"PRIOR_SUPER_STRIKE"}),
        ("PC 653f(b)", {"PRIOR_SUPER_STRIKE"}),
        ("PC 4500", {"PRIOR_SUPER_STRIKE"}),
    ],
)
def test_each_listed_prior_offense_bars_with_the_reasons_it_is_listed_under(
    prior: str, codes: set[str]
) -> None:
    outcome = decide_on(disposition(count("HS 11360")), disposition(conviction(prior, PRIOR)))
    assert outcome.relief == "not_eligible"
    assert set(outcome.reason_codes) == codes


@pytest.mark.parametrize("prior", ["PC 459", "PC 211", "VC 23152(a)", "PC 664/211",
                                   "PC 245(a)(1)"])
def test_a_prior_that_is_neither_a_super_strike_nor_registrable_does_not_bar(prior: str) -> None:
    outcome = decide_on(disposition(count("HS 11359")), disposition(conviction(prior, PRIOR)))
    assert outcome.relief == "reduce_to_misdemeanor"


@pytest.mark.parametrize(
    ("when", "bars"),
    [(D(2010, 5, 31), True), (D(2010, 6, 1), False), (D(2010, 6, 2), False)],
    ids=["day-before", "same-day", "day-after"],
)
def test_a_super_strike_bars_only_when_its_disposition_is_before_the_count(
    when: dt.date, bars: bool
) -> None:
    target = disposition(count("HS 11359", disposition_date=D(2010, 6, 1)))
    outcome = decide_on(target, disposition(conviction("PC 187", when)))
    assert outcome.relief == ("not_eligible" if bars else "reduce_to_misdemeanor")


def test_a_super_strike_conviction_after_the_count_does_not_bar() -> None:
    target = disposition(count("HS 11359", disposition_date=D(2010, 6, 1)))
    later_murder = disposition(conviction("PC 187", D(2015, 1, 1)))
    assert decide_on(target, later_murder).relief == "reduce_to_misdemeanor"


@pytest.mark.parametrize(
    ("when", "bars"),
    [(D(2010, 5, 31), True), (D(2010, 6, 1), False), (D(2012, 1, 1), False)],
    ids=["day-before", "same-day", "after"],
)
def test_a_pc_290_registration_bars_only_when_it_is_dated_before_the_count(
    when: dt.date, bars: bool
) -> None:
    target = disposition(count("HS 11359", disposition_date=D(2010, 6, 1)))
    outcome = decide_on(target, registration(when))
    assert outcome.relief == ("not_eligible" if bars else "reduce_to_misdemeanor")


@pytest.mark.parametrize(
    ("when", "bars"),
    [(D(2009, 1, 1), True), (D(2010, 6, 1), False), (D(2011, 1, 1), False)],
    ids=["before", "same-day", "after"],
)
def test_a_registrable_conviction_bars_only_when_it_is_before_the_count(
    when: dt.date, bars: bool
) -> None:
    target = disposition(count("HS 11359", disposition_date=D(2010, 6, 1)))
    outcome = decide_on(target, disposition(conviction("PC 311.11", when)))
    assert outcome.relief == ("not_eligible" if bars else "reduce_to_misdemeanor")


def test_before_compares_disposition_dates_not_offense_dates() -> None:
    # The murder was committed before the sale but disposed of after it: not "before".
    target = disposition(count("HS 11359", offense_date=D(2009, 1, 1),
                               disposition_date=D(2010, 6, 1)))
    murder = disposition(count("PC 187", offense_date=D(2008, 1, 1),
                               disposition_date=D(2011, 1, 1)))
    assert decide_on(target, murder).relief == "reduce_to_misdemeanor"


def test_a_super_strike_committed_later_but_disposed_of_earlier_is_before() -> None:
    target = disposition(count("HS 11359", offense_date=D(2009, 1, 1),
                               disposition_date=D(2010, 6, 1)))
    murder = disposition(count("PC 187", offense_date=D(2009, 3, 1),
                               disposition_date=D(2010, 1, 1)))
    assert decide_on(target, murder).reason_codes == ("PRIOR_SUPER_STRIKE",)


@pytest.mark.parametrize("statute", ["PC 290", "290 PC", "PC 290(b)", "P.C. 290"])
def test_a_pc_290_registration_counts_in_any_spelling(statute: str) -> None:
    outcome = decide_on(disposition(count("HS 11359")), registration(PRIOR, statute))
    assert outcome.reason_codes == ("PC290_REGISTRANT",)


def test_a_registration_under_another_statute_does_not_bar() -> None:
    outcome = decide_on(disposition(count("HS 11359")), registration(PRIOR, "HS 11590"))
    assert outcome.relief == "reduce_to_misdemeanor"


@pytest.mark.parametrize("statute", DISQUALIFIABLE)
def test_one_prior_of_the_same_section_does_not_bar(statute: str) -> None:
    prior = disposition(conviction(statute, D(2006, 1, 1)))
    assert decide_on(disposition(count(statute)), prior).relief == "reduce_to_misdemeanor"


def test_two_prior_convictions_in_one_earlier_case_count_as_two_convictions() -> None:
    prior = disposition(conviction("HS 11359", D(2006, 1, 1), n=1),
                        conviction("HS 11359", D(2006, 1, 1), n=2))
    outcome = decide_on(disposition(count("HS 11359")), prior)
    assert outcome.reason_codes == ("TWO_PRIORS_SAME_SECTION",)


def test_two_priors_with_other_subsections_of_the_same_section_bar() -> None:
    priors = [disposition(conviction("HS 11359(a)", D(2003, 1, 1))),
              disposition(conviction("11359(B) HS", D(2006, 1, 1)))]
    outcome = decide_on(disposition(count("HS 11359(b)")), *priors)
    assert outcome.reason_codes == ("TWO_PRIORS_SAME_SECTION",)


@pytest.mark.parametrize("other", ["HS 11357", "HS 11358", "HS 11360"])
def test_two_priors_of_a_different_section_do_not_bar_a_sale_count(other: str) -> None:
    priors = [disposition(conviction(other, D(2003, 1, 1))),
              disposition(conviction(other, D(2006, 1, 1)))]
    assert decide_on(disposition(count("HS 11359")), *priors).relief == "reduce_to_misdemeanor"


def test_one_prior_of_the_same_section_and_one_of_another_do_not_bar() -> None:
    priors = [disposition(conviction("HS 11359", D(2003, 1, 1))),
              disposition(conviction("HS 11360", D(2006, 1, 1)))]
    assert decide_on(disposition(count("HS 11359")), *priors).relief == "reduce_to_misdemeanor"


def test_a_same_section_conviction_after_the_count_is_not_a_prior() -> None:
    others = [disposition(conviction("HS 11359", D(2003, 1, 1))),
              disposition(conviction("HS 11359", D(2012, 1, 1)))]
    target = disposition(count("HS 11359", disposition_date=D(2010, 6, 1)))
    assert decide_on(target, *others).relief == "reduce_to_misdemeanor"


@pytest.mark.parametrize("outcome", ["dismissed", "acquitted", "pending"])
def test_a_same_section_prior_that_was_not_a_conviction_does_not_count(outcome: str) -> None:
    priors = [disposition(conviction("HS 11359", D(2003, 1, 1))),
              disposition(conviction("HS 11359", D(2006, 1, 1), disposition=outcome))]
    assert decide_on(disposition(count("HS 11359")), *priors).relief == "reduce_to_misdemeanor"


@pytest.mark.parametrize("outcome", ["dismissed", "acquitted", "pending"])
@pytest.mark.parametrize("prior", ["PC 187", "PC 311.11"])
def test_a_listed_prior_offense_that_was_not_a_conviction_does_not_bar(
    outcome: str, prior: str
) -> None:
    charge = disposition(conviction(prior, PRIOR, disposition=outcome))
    assert decide_on(disposition(count("HS 11359")), charge).relief == "reduce_to_misdemeanor"


def test_six_plants_or_fewer_is_dismissed_whatever_the_bars() -> None:
    murder = disposition(conviction("PC 187", D(2001, 1, 1)))
    outcome = decide_on(disposition(count("HS 11358", plants=3, environmental_violation=True)),
                        murder)
    assert (outcome.relief, outcome.reason_codes) == ("dismiss_and_seal",
                                                      ("CULTIVATION_SIX_PLANTS",))


@pytest.mark.parametrize("level", ["misdemeanor", "infraction"])
def test_a_disqualifier_makes_even_a_misdemeanor_not_eligible(level: str) -> None:
    outcome = decide_on(disposition(count("HS 11360(a)", level=level, involved_minor=True)))
    assert outcome.relief == "not_eligible"


@pytest.mark.parametrize("flag", [False, None])
def test_involved_minor_false_or_missing_does_not_bar(flag: bool | None) -> None:
    outcome = decide_on(disposition(count("HS 11360", involved_minor=flag)))
    assert outcome.relief == "reduce_to_misdemeanor"


# Rule 5: cultivation of six plants or fewer ------------------------------------------


@pytest.mark.parametrize("plants", [0, 1, 6])
def test_cultivating_six_or_fewer_plants_at_21_or_over_is_dismissed(plants: int) -> None:
    outcome = decide_on(disposition(count("HS 11358", level="felony", plants=plants)))
    assert (outcome.relief, outcome.reason_codes) == (
        "dismiss_and_seal", ("CULTIVATION_SIX_PLANTS",))


@pytest.mark.parametrize("plants", [7, 100])
def test_cultivating_seven_or_more_plants_falls_to_rule_5(plants: int) -> None:
    outcome = decide_on(disposition(count("HS 11358", level="felony", plants=plants)))
    assert (outcome.relief, outcome.reason_codes) == ("reduce_to_misdemeanor",
                                                      ("FELONY_REDUCTION",))


def test_cultivation_with_an_unknown_plant_count_falls_to_rule_5() -> None:
    outcome = decide_on(disposition(count("HS 11358", level="felony", plants=None)))
    assert outcome.relief == "reduce_to_misdemeanor"


def test_cultivating_six_plants_at_20_is_an_infraction() -> None:
    outcome = decide_on(disposition(count("HS 11358", level="felony", plants=6),
                                    person=aged(20)))
    assert (outcome.relief, outcome.reason_codes) == ("reduce_to_infraction",
                                                      ("CULTIVATION_AGE_18_20",))


def test_cultivating_six_plants_on_the_21st_birthday_is_dismissed() -> None:
    event = disposition(count("HS 11358", level="felony", plants=6,
                              offense_date=D(2011, 6, 15)), person=born(BIRTHDAY))
    assert decide_on(event).relief == "dismiss_and_seal"


def test_cultivating_six_plants_the_day_before_the_21st_birthday_is_an_infraction() -> None:
    event = disposition(count("HS 11358", level="felony", plants=6,
                              offense_date=D(2011, 6, 14)), person=born(BIRTHDAY))
    assert decide_on(event).relief == "reduce_to_infraction"


@pytest.mark.parametrize("statute", ["HS 11359", "HS 11360"])
def test_the_plant_rule_is_for_cultivation_only(statute: str) -> None:
    outcome = decide_on(disposition(count(statute, level="felony", plants=2)))
    assert outcome.relief == "reduce_to_misdemeanor"


# Rule 7: by level ---------------------------------------------------------------------------


@pytest.mark.parametrize("statute", ["HS 11358", "HS 11359", "HS 11360(a)"])
@pytest.mark.parametrize(
    ("level", "relief"),
    [("felony", "reduce_to_misdemeanor"), ("misdemeanor", "needs_review"),
     ("infraction", "needs_review")],
)
def test_rule_7_decides_by_level(statute: str, level: str, relief: str) -> None:
    outcome = decide_on(disposition(count(statute, level=level, plants=50)))
    assert outcome.relief == relief


@pytest.mark.parametrize("statute", PROP64_SECTIONS)
def test_a_felony_by_a_17_year_old_goes_to_review_as_a_juvenile(statute: str) -> None:
    # Under the Act each section is an infraction for a minor (rule 3): a reviewer chooses.
    outcome = decide_on(disposition(count(statute, level="felony"), person=aged(17)))
    assert (outcome.relief, outcome.reason_codes) == ("needs_review", ("JUVENILE",))


# Rule 2: unparseable statutes ---------------------------------------------------------------

UNPARSEABLE_CANNABIS = ["11359POSS", "PC 182/11359", "HS 11357 C", "11359/11360",
                        "HS 11359(B", "XX 11359", "HS 11359B2X"]
UNPARSEABLE_OTHER = ["POSS MJ", "UNKNOWN", "PC 999XY", "XX 459"]


@pytest.mark.parametrize("text", UNPARSEABLE_CANNABIS)
def test_an_unreadable_statute_that_mentions_a_cannabis_section_needs_review(text: str) -> None:
    assert parse_statute(text) is None and mentions_prop64_section(text)  # precondition
    outcome = decide_on(disposition(count(text, level="felony")))
    assert (outcome.relief, outcome.procedure) == ("needs_review", None)
    assert outcome.statute == text  # kept verbatim


@pytest.mark.parametrize("text", UNPARSEABLE_OTHER)
def test_an_unreadable_statute_that_mentions_no_cannabis_section_gets_no_decision(
    text: str,
) -> None:
    assert parse_statute(text) is None and not mentions_prop64_section(text)
    assert decide_all(disposition(count(text))) == []


def test_an_unreadable_cannabis_statute_that_was_dismissed_gets_no_decision() -> None:
    assert decide_all(disposition(count("11359POSS", disposition="dismissed"))) == []


def test_an_unreadable_cannabis_statute_with_post_prop64_conduct_is_not_eligible() -> None:
    outcome = decide_on(disposition(count("11359POSS", offense_date=D(2017, 1, 1),
                                          disposition_date=D(2017, 6, 1))))
    assert outcome.relief == "not_eligible"


# Procedure --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end_date", "procedure"),
    [
        (AS_OF + dt.timedelta(days=1), "petition"),
        (AS_OF, "application"),
        (AS_OF - dt.timedelta(days=1), "application"),
        (None, "application"),
    ],
    ids=["ends-after-as-of", "ends-on-as-of", "ended-before-as-of", "end-unknown"],
)
@pytest.mark.parametrize(
    ("statute", "level", "person", "relief"),
    [
        ("HS 11357", "misdemeanor", aged(30), "dismiss_and_seal"),
        ("HS 11357", "misdemeanor", aged(19), "reduce_to_infraction"),
        ("HS 11359", "felony", aged(30), "reduce_to_misdemeanor"),
        ("HS 11360", "misdemeanor", aged(30), "dismiss_and_seal"),
    ],
)
def test_a_granted_relief_is_a_petition_only_while_the_sentence_runs_past_as_of(
    end_date: dt.date | None, procedure: str, statute: str, level: str, person: Person,
    relief: str,
) -> None:
    event = disposition(count(statute, level=level, sentence="probation", end_date=end_date),
                        person=person)
    outcome = decide_on(event, as_of=AS_OF)
    assert (outcome.relief, outcome.procedure) == (relief, procedure)


def test_a_count_without_any_sentence_is_an_application() -> None:
    assert decide_on(disposition(count("HS 11359"))).procedure == "application"


def test_the_same_sentence_is_a_petition_or_an_application_depending_on_as_of() -> None:
    event = disposition(count("HS 11359", end_date=D(2020, 1, 1)))
    assert decide_on(event, as_of=D(2019, 12, 31)).procedure == "petition"
    assert decide_on(event, as_of=D(2020, 1, 1)).procedure == "application"


@pytest.mark.parametrize(
    "event",
    [
        lambda: disposition(count("HS 11359", involved_minor=True, end_date=D(2030, 1, 1))),
        lambda: disposition(count("HS 11357(c)", end_date=D(2030, 1, 1))),
        lambda: disposition(count("11359POSS", end_date=D(2030, 1, 1))),
        lambda: disposition(count("HS 11357", end_date=D(2030, 1, 1)), person=aged(15)),
        lambda: disposition(count("HS 11359", offense_date=D(2017, 1, 1),
                                  disposition_date=D(2017, 2, 1), end_date=D(2030, 1, 1))),
    ],
    ids=["not-eligible", "other-11357", "unparseable", "juvenile", "after-prop64"],
)
def test_a_relief_that_is_not_granted_has_no_procedure(event: Callable[[], RecordEvent]) -> None:
    outcome = decide_on(event())
    assert outcome.relief in ("not_eligible", "needs_review")
    assert outcome.procedure is None


# Statute spellings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("HS 11359(b)", "HS 11359(b)"),
        ("11359(B) HS", "HS 11359(b)"),
        ("H&S 11359 (b)", "HS 11359(b)"),
        ("HS11359B", "HS 11359(b)"),
        ("11358 HS-CULTIVATE CANNABIS", "HS 11358"),
        ("HS 11360(a)", "HS 11360(a)"),
        ("11357(A) HS", "HS 11357(a)"),
    ],
)
def test_the_decision_names_the_canonical_statute_for_every_contract_spelling(
    spelling: str, canonical: str
) -> None:
    outcome = decide_on(disposition(count(spelling)))
    assert outcome.statute == canonical


@pytest.mark.parametrize("spelling", ["HS 11359(b)", "11359(B) HS", "H&S 11359 (b)",
                                      "HS11359B"])
def test_every_spelling_of_the_same_statute_gets_the_same_relief(spelling: str) -> None:
    outcome = decide_on(disposition(count(spelling, level="felony")))
    assert (outcome.relief, outcome.reason_codes) == ("reduce_to_misdemeanor",
                                                      ("FELONY_REDUCTION",))


# Property: decide is total and order-independent ---------------------------------------

STATUTE_POOL = [
    "HS 11357", "HS 11357(a)", "HS 11357(b)(2)", "HS 11357(c)", "11357(D) HS",
    "HS 11358", "11358 HS-CULTIVATE CANNABIS", "HS 11359", "HS 11359(b)", "11359(B) HS",
    "H&S 11359 (b)", "HS11359B", "HS 11360", "HS 11360(a)(1)",
    "PC 187", "187(A) PC", "PC 664/187(a)", "PC 261", "PC 288(a)", "PC 311.11", "PC 459",
    "VC 23152(a)", "HS 11357.5", "11359POSS", "PC 182/11359", "HS 11357 C", "POSS MJ",
]
dates = st.dates(min_value=D(1985, 1, 1), max_value=D(2022, 12, 31))
statutes = st.one_of(st.sampled_from(STATUTE_POOL),
                     st.text(min_size=1, max_size=30).filter(lambda s: s.strip() != ""))
facts = st.fixed_dictionaries(
    {},
    optional={
        "plants": st.one_of(st.none(), st.integers(0, 20)),
        "grams": st.one_of(st.none(), st.floats(0, 10_000, allow_nan=False)),
        "involved_minor": st.one_of(st.none(), st.booleans()),
        "environmental_violation": st.one_of(st.none(), st.booleans()),
    },
)
counts_json = st.fixed_dictionaries(
    {
        "statute": statutes,
        "level": st.sampled_from(["felony", "misdemeanor", "infraction"]),
        "disposition": st.sampled_from(["convicted", "convicted", "dismissed", "acquitted",
                                        "pending"]),
        "disposition_date": dates.map(dt.date.isoformat),
    },
    optional={
        "offense_date": dates.map(dt.date.isoformat),
        "sentence": st.fixed_dictionaries(
            {"kind": st.sampled_from(["prison", "jail", "probation", "fine", "none"])},
            optional={"end_date": dates.map(dt.date.isoformat)},
        ),
        "facts": facts,
    },
)
SUBJECT = {"subject_id": "CII-PROP", "first_name": "SAM", "last_name": "LEE",
           "date_of_birth": "1990-06-15"}


@st.composite
def record_events(draw: st.DrawFn) -> list[RecordEvent]:
    n_events = draw(st.integers(1, 7))
    events = []
    for i in range(n_events):
        kind = draw(st.sampled_from(["disposition"] * 4 + ["registration", "death",
                                                           "court_order"]))
        body = {
            "event_id": f"e{i}",
            "event_type": kind,
            "court": draw(st.sampled_from(["CA-LA", "CA-SF", "CA-SD"])),
            # few timestamps, so corrections and ties between event ids occur
            "occurred_at": at(draw(st.integers(0, 3))).isoformat(),
            "subject": SUBJECT,
        }
        if kind == "disposition":
            bodies = draw(st.lists(counts_json, min_size=1, max_size=3))
            body["case"] = {
                "case_number": draw(st.sampled_from(["BA1", "BA2", "BA3"])),
                "counts": [{"count": k, **c} for k, c in enumerate(bodies, start=1)],
            }
        elif kind == "registration":
            body["registration"] = {"statute": draw(st.sampled_from(["PC 290", "HS 11590"])),
                                    "date": draw(dates).isoformat()}
        elif kind == "death":
            body["death"] = {"date": draw(dates).isoformat()}
        else:
            body["order"] = {"case_number": "BA1", "count": 1,
                             "outcome": draw(st.sampled_from(["granted", "denied"])),
                             "relief": "dismiss_and_seal",
                             "order_date": draw(dates).isoformat()}
        events.append(body)
    return [RecordEvent.model_validate(e) for e in events]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=record_events(), order=st.randoms(use_true_random=False),
       as_of=st.dates(min_value=D(2017, 1, 1), max_value=D(2030, 1, 1)),
       policy=st.sampled_from([None, "statewide", "dismiss-all"]))
def test_decide_never_raises_and_does_not_depend_on_the_order_of_events(
    events: list[RecordEvent], order: Random, as_of: dt.date, policy: str | None
) -> None:
    shuffled = list(events)
    order.shuffle(shuffled)
    first = decide(history_of(events, "CII-PROP"), as_of, policy=policy)
    second = decide(history_of(shuffled, "CII-PROP"), as_of, policy=policy)
    assert sorted(first, key=lambda o: o.key) == sorted(second, key=lambda o: o.key)

    assert len(keys(first)) == len(first)  # at most one decision per count
    for outcome in first:
        assert outcome.relief in RELIEFS
        assert outcome.reason_codes
        assert (outcome.procedure is not None) == (outcome.relief in GRANTED)
        assert outcome.policy in ("statewide", "dismiss-all")
    # every outcome can be published as a valid contract Decision
    published = changes("CII-PROP", first, {}, as_of, dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    assert len(published) == len(first)


def test_events_sharing_an_event_id_in_two_courts_decide_the_same_in_either_order() -> None:
    # event_id is only "unique per court" (section 2): these are two different events.
    # The two court records disagree on the date of birth (17 or 22 at the conduct).
    same_time = at(50_000)
    la_case = disposition(count("HS 11357", level="misdemeanor", offense_date=D(2012, 1, 1)),
                          court="CA-LA", event_id="evt-1", occurred_at=same_time,
                          person=born(D(1990, 1, 1)))
    sf_case = disposition(count("HS 11357", level="misdemeanor", offense_date=D(2012, 1, 1)),
                          court="CA-SF", event_id="evt-1", occurred_at=same_time,
                          person=born(D(1995, 1, 1)))
    assert decide_all(la_case, sf_case) == decide_all(sf_case, la_case)


def test_the_same_event_delivered_twice_decides_the_same_as_once() -> None:
    event = disposition(count("HS 11359"))
    assert decide_all(event, event) == decide_all(event)


def test_outcomes_list_every_in_scope_count_of_every_case() -> None:
    events = [disposition(count("HS 11357", n=1), count("HS 11358", n=2), count("PC 459", n=3)),
              disposition(count("HS 11359", n=1), count("HS 11360", n=4))]
    expected = {(e.court, case_of(e), n)
                for e, ns in zip(events, [(1, 2), (1, 4)], strict=True) for n in ns}
    assert keys(decide_all(*events)) == expected

