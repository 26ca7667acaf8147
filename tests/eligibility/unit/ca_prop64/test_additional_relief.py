"""The additional-relief options (4.5): each turns a reduction into a dismissal."""
import datetime as dt

from clearway.eligibility.rulepacks.ca_prop64.rules.additional_relief import years_before
from tests.eligibility.unit.ca_prop64.county_cases import under


def test_years_before_the_29th_of_february_falls_on_the_28th() -> None:
    assert years_before(dt.date(2024, 2, 29), 1) == dt.date(2023, 2, 28)


def test_a_dismissal_by_additional_relief_is_never_given_to_a_count_not_reduced() -> None:
    outcomes = under({"additional_relief": {"deceased": True, "age_at_least": 18}})
    assert outcomes[("CA-SF", "misdemeanor-sale0", 1)].relief == "needs_review"
    assert outcomes[("CA-SF", "after-murder1", 1)].relief == "not_eligible"
