"""Rule 4, `POSSESSION_AGE_18_20`: the same possession at 18 to 20 is an infraction."""
import pytest

from tests.eligibility.unit.builders import D, aged, born, count, decide_on, disposition

BIRTHDAY = D(1990, 6, 15)


@pytest.mark.parametrize("age", [18, 19, 20])
@pytest.mark.parametrize("statute", ["HS 11357", "HS 11357(b)"])
def test_possession_at_18_to_20_is_reduced_to_an_infraction(age: int, statute: str) -> None:
    o = decide_on(disposition(count(statute, level="misdemeanor"), person=aged(age)))
    assert (o.relief, o.reason_codes) == ("reduce_to_infraction", ("POSSESSION_AGE_18_20",))


def test_the_day_before_the_21st_birthday_is_an_infraction() -> None:
    event = disposition(count("HS 11357", offense_date=D(2011, 6, 14)), person=born(BIRTHDAY))
    assert decide_on(event).relief == "reduce_to_infraction"


def test_on_the_18th_birthday_possession_is_an_infraction() -> None:
    event = disposition(count("HS 11357", offense_date=D(2008, 6, 15)), person=born(BIRTHDAY))
    assert decide_on(event).relief == "reduce_to_infraction"


def test_concentrate_of_8_grams_or_less_at_19_is_an_infraction() -> None:
    o = decide_on(disposition(count("HS 11357(a)", grams=4.0), person=aged(19)))
    assert o.relief == "reduce_to_infraction"


def test_the_citation_is_todays_hs_11357_a_2() -> None:
    o = decide_on(disposition(count("HS 11357"), person=aged(19)))
    assert o.reasons[0].citation.startswith("HS 11357(a)(2)")
