"""County policies (contract 4.5): each option switched on alone changes exactly the counts
it should, and the all-statutory document decides as `statewide` does."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from clearway.eligibility.rulepacks.ca_prop64.county import CountyPolicyDocument
from clearway.eligibility.rulepacks.engine import decide
from tests.eligibility.unit.builders import AS_OF, history_of
from tests.eligibility.unit.ca_prop64.county_cases import COHORT, changed, under

REDUCED = {"felony-sale", "possession-at-19", "forty-plants", "transport-with-related",
           "born-1950", "sale-at-19", "recent", "deceased", "with-burglary"}


def test_the_all_statutory_document_decides_as_statewide_does() -> None:
    county = under({})
    for key, events in COHORT.items():
        for o in decide(history_of(events, f"P-{key}"), AS_OF, policy="statewide"):
            c = county[o.key]
            assert (c.relief, c.reason_codes, c.procedure) == (
                o.relief, o.reason_codes, o.procedure)


def test_a_reduction_is_reduced_in_the_plain_document() -> None:
    plain = under({})
    assert {k[1][:-1] for k, o in plain.items() if o.relief.startswith("reduce")} == REDUCED


def test_baseline_dismiss_dismisses_every_unbarred_adult_count_of_its_section() -> None:
    assert changed({"baseline": {"HS 11359": "dismiss"}}) == {
        k: ("dismiss_and_seal", ("POLICY_DISMISS",))
        for k in ("felony-sale", "misdemeanor-sale", "born-1950", "sale-at-19", "recent",
                  "deceased", "with-burglary")}


def test_baseline_reduce_changes_nothing_the_statute_already_reduces() -> None:
    assert changed({"baseline": {"HS 11359": "reduce"}}) == {}


def test_baseline_reduce_with_misdemeanors_dismiss_dismisses_the_misdemeanor() -> None:
    assert changed({"baseline": {"HS 11359": "reduce"}, "misdemeanors": "dismiss"}) == {
        "misdemeanor-sale": ("dismiss_and_seal", ("POLICY_DISMISS",))}


def test_misdemeanors_dismiss_alone_dismisses_a_rule_7_misdemeanor() -> None:
    assert changed({"misdemeanors": "dismiss"}) == {
        "misdemeanor-sale": ("dismiss_and_seal", ("POLICY_DISMISS",))}


def test_bars_needs_review_sends_a_definite_bar_to_review() -> None:
    assert changed({"bars": "needs_review"}) == {
        "after-murder": ("needs_review", ("PRIOR_SUPER_STRIKE",))}


@pytest.mark.parametrize(("option", "relief", "code"), [
    ("reduce_to_infraction", "reduce_to_infraction", "POLICY_REDUCE"),
    ("dismiss", "dismiss_and_seal", "POLICY_DISMISS")])
def test_juveniles_option_decides_a_minor(option: str, relief: str, code: str) -> None:
    assert changed({"juveniles": option}) == {"juvenile-sale": (relief, (code,))}


@pytest.mark.parametrize(("option", "value", "code", "people"), [
    ("under_21_at_conviction", True, "RELIEF_UNDER_21", {"possession-at-19", "sale-at-19"}),
    ("age_at_least", 57, "RELIEF_AGE", {"born-1950"}),
    ("years_since_conviction", 10, "RELIEF_YEARS_SINCE_CONVICTION", REDUCED - {"recent"}),
    ("years_crime_free", 7, "RELIEF_CRIME_FREE", REDUCED - {"recent"}),
    ("only_prop64_convictions", True, "RELIEF_ONLY_PROP64",
     REDUCED - {"transport-with-related", "with-burglary"}),
    ("deceased", True, "RELIEF_DECEASED", {"deceased"}),
])
def test_each_additional_relief_turns_exactly_its_reductions_into_dismissals(
        option: str, value: object, code: str, people: set[str]) -> None:
    assert changed({"additional_relief": {option: value}}) == {
        k: ("dismiss_and_seal", (code,)) for k in people}


def test_every_additional_relief_that_holds_is_named() -> None:
    both = changed({"additional_relief": {"deceased": True, "years_since_conviction": 10}})
    assert both["deceased"] == ("dismiss_and_seal", ("RELIEF_YEARS_SINCE_CONVICTION",
                                                     "RELIEF_DECEASED"))


def test_related_charges_dismiss_the_listed_counts_of_a_granted_case_without_sealing() -> None:
    outcomes = under({"related_charges": True})
    related = {k: o for k, o in outcomes.items() if k[1].startswith("transport")}
    assert {(k[2], o.relief, o.reason_codes) for k, o in related.items()} == {
        (1, "reduce_to_misdemeanor", ("FELONY_REDUCTION",)),
        (2, "dismiss", ("RELATED_CHARGE",))}  # PC 148 listed; PC 459 is not
    (pc148,) = [o for k, o in related.items() if k[2] == 2]
    assert pc148.procedure == "application" and pc148.reasons[0].citation == "PC 1385"


def test_related_charges_stay_undecided_in_a_case_without_a_grant() -> None:
    outcomes = under({"related_charges": True, "bars": "not_eligible"})
    assert not any(o.reason_codes == ("RELATED_CHARGE",) for o in outcomes.values()
                   if not o.key[1].startswith("transport"))


def test_a_grant_beyond_the_statute_cites_pc_1385_and_says_the_court_decides() -> None:
    o = under({"baseline": {"HS 11359": "dismiss"}})[("CA-SF", "felony-sale0", 1)]
    assert o.reasons[0].citation.startswith("PC 1385")
    assert "for the court to decide" in o.reasons[0].text


def test_a_grant_the_statute_gives_keeps_the_statutes_reason() -> None:
    o = under({"baseline": {"HS 11357": "dismiss"}})[("CA-SF", "possession0", 1)]
    assert o.reason_codes == ("POSSESSION_ADULT",)


@pytest.mark.parametrize("bad", [
    {"name": "x", "version": 1, "baseline": {"HS 11361": "dismiss"}},
    {"name": "x", "version": 1, "bars": "maybe"},
    {"name": "x", "version": 0},
    {"name": "X Y", "version": 1},
    {"name": "x", "version": 1, "surprise": True},
])
def test_a_malformed_document_is_refused(bad: dict) -> None:
    with pytest.raises(ValidationError):
        CountyPolicyDocument.model_validate(bad)
