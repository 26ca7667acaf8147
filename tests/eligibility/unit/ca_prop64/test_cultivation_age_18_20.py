"""Rule 5, `CULTIVATION_AGE_18_20`: six plants or fewer at 18 to 20 is an infraction
(HS 11358(b))."""
import pytest

from tests.eligibility.unit.builders import D, aged, born, count, decide_on, disposition


@pytest.mark.parametrize("age", [18, 20])
def test_four_plants_at_18_to_20_are_an_infraction(age: int) -> None:
    o = decide_on(disposition(count("HS 11358", level="felony", plants=4), person=aged(age)))
    assert (o.relief, o.reason_codes) == ("reduce_to_infraction", ("CULTIVATION_AGE_18_20",))
    assert o.reasons[0].citation.startswith("HS 11358(b)")


def test_the_day_before_the_21st_birthday_is_an_infraction() -> None:
    event = disposition(count("HS 11358", plants=6, offense_date=D(2011, 6, 14)),
                        person=born(D(1990, 6, 15)))
    assert decide_on(event).relief == "reduce_to_infraction"


def test_seven_plants_at_20_are_reduced_to_a_misdemeanor() -> None:
    o = decide_on(disposition(count("HS 11358", level="felony", plants=7), person=aged(20)))
    assert o.relief == "reduce_to_misdemeanor"
