"""Rule 6, `TWO_PRIORS_SAME_SECTION`: two or more convictions of the same section before the
count that the statute counts: at 18 or over; for 11358 only more than six plants (or an
unknown number); for 11360 none for a small amount."""
import pytest

from tests.eligibility.unit.builders import (
    D,
    Person,
    conviction,
    count,
    decide_on,
    disposition,
)

ADULT = Person(date_of_birth=D(1970, 1, 1))
TEEN = D(1986, 6, 1)  # 16 for ADULT


def priors(statute: str, *days: object, **kw: object) -> list:
    return [disposition(conviction(statute, day, **kw), person=ADULT) for day in days]


@pytest.mark.parametrize(("section", "cites"), [("HS 11358", "HS 11358(d)(2)"),
                                                ("HS 11359", "HS 11359(c)(2)"),
                                                ("HS 11360(a)", "HS 11360(a)(3)(B)")])
def test_two_adult_priors_of_the_section_bar(section: str, cites: str) -> None:
    o = decide_on(disposition(count(section, plants=20), person=ADULT),
                  *priors(section, D(2003, 1, 1), D(2006, 1, 1), plants=20))
    assert (o.relief, o.reason_codes) == ("not_eligible", ("TWO_PRIORS_SAME_SECTION",))
    assert o.reasons[0].citation == cites


def test_one_prior_does_not_bar() -> None:
    o = decide_on(disposition(count("HS 11359"), person=ADULT),
                  *priors("HS 11359", D(2003, 1, 1)))
    assert o.relief == "reduce_to_misdemeanor"


def test_a_prior_at_17_does_not_count() -> None:
    o = decide_on(disposition(count("HS 11359"), person=ADULT),
                  *priors("HS 11359", TEEN, D(2006, 1, 1)))
    assert o.relief == "reduce_to_misdemeanor"


def test_cultivation_priors_of_six_plants_or_fewer_do_not_count() -> None:
    small = priors("HS 11358", D(2003, 1, 1), D(2004, 1, 1), plants=6)
    o = decide_on(disposition(count("HS 11358", plants=40), person=ADULT), *small)
    assert o.relief == "reduce_to_misdemeanor"


def test_cultivation_priors_of_an_unknown_number_of_plants_count() -> None:
    unknown = priors("HS 11358", D(2003, 1, 1), D(2004, 1, 1))
    o = decide_on(disposition(count("HS 11358", plants=40), person=ADULT), *unknown)
    assert o.reason_codes == ("TWO_PRIORS_SAME_SECTION",)


def test_small_amount_transport_priors_do_not_count_for_11360() -> None:
    small = priors("HS 11360(b)", D(2003, 1, 1), D(2004, 1, 1))
    o = decide_on(disposition(count("HS 11360(a)"), person=ADULT), *small)
    assert o.relief == "reduce_to_misdemeanor"


def test_priors_after_the_count_do_not_count() -> None:
    later = priors("HS 11359", D(2012, 1, 1), D(2013, 1, 1))
    target = disposition(count("HS 11359", disposition_date=D(2010, 6, 1)), person=ADULT)
    assert decide_on(target, *later).relief == "reduce_to_misdemeanor"
