"""`dismiss-all` (4.3), `DISMISS_ALL_POLICY`: every count not sent to review by the date and
statute rules, a bar (definite or possible) or a minor is dismissed and sealed."""
import pytest

from tests.eligibility.unit.builders import LA, D, aged, conviction, count, decide_on, disposition


@pytest.mark.parametrize("statute", ["HS 11357", "HS 11357(c)", "HS 11358", "HS 11359",
                                     "HS 11360(a)"])
def test_every_unbarred_adult_count_is_dismissed_and_sealed(statute: str) -> None:
    o = decide_on(disposition(count(statute, level="felony"), person=aged(19), court=LA))
    assert (o.relief, o.reason_codes, o.policy) == ("dismiss_and_seal", ("DISMISS_ALL_POLICY",),
                                                    "dismiss-all")


def test_a_possible_bar_goes_to_review_too() -> None:
    prior = disposition(conviction("PC 220", D(2001, 1, 1)))
    o = decide_on(disposition(count("HS 11359"), court=LA), prior)
    assert (o.relief, o.reason_codes) == ("needs_review", ("POSSIBLE_SUPER_STRIKE",
                                                           "POSSIBLE_PC290_REGISTRANT"))


def test_a_minor_with_a_bar_lists_both() -> None:
    minor = aged(17)
    prior = disposition(conviction("PC 187", D(2003, 1, 1)), person=minor)
    o = decide_on(disposition(count("HS 11359"), person=minor, court=LA), prior)
    assert o.reason_codes == ("PRIOR_SUPER_STRIKE", "JUVENILE")
