"""Rule 4, `POSSESSION_ADULT`: HS 11357(b) or none, or 11357(a) with 8 grams or less, at 21
or over: dismissed and sealed. Boundary: the 21st birthday; 8 grams of concentrate."""
import pytest

from tests.eligibility.unit.builders import (
    D,
    aged,
    born,
    conviction,
    count,
    decide_on,
    disposition,
    registration,
)

BIRTHDAY = D(1990, 6, 15)


@pytest.mark.parametrize("statute", ["HS 11357", "HS 11357(b)", "11357(B) HS"])
def test_possession_at_21_or_over_is_dismissed_and_sealed(statute: str) -> None:
    o = decide_on(disposition(count(statute, level="misdemeanor"), person=aged(30)))
    assert (o.relief, o.procedure, o.reason_codes) == (
        "dismiss_and_seal", "application", ("POSSESSION_ADULT",))


@pytest.mark.parametrize("grams", [0.5, 8.0])
def test_concentrated_cannabis_of_8_grams_or_less_is_a_personal_amount(grams: float) -> None:
    o = decide_on(disposition(count("HS 11357(a)", level="felony", grams=grams)))
    assert (o.relief, o.reason_codes) == ("dismiss_and_seal", ("POSSESSION_ADULT",))


def test_on_the_21st_birthday_possession_is_dismissed() -> None:
    event = disposition(count("HS 11357", offense_date=D(2011, 6, 15)), person=born(BIRTHDAY))
    assert decide_on(event).relief == "dismiss_and_seal"


def test_possession_is_dismissed_whatever_the_priors() -> None:
    murder = disposition(conviction("PC 187", D(2001, 1, 1)))
    o = decide_on(disposition(count("HS 11357")), murder, registration(D(2002, 1, 1)))
    assert o.relief == "dismiss_and_seal"


def test_a_sentence_still_running_makes_it_a_petition() -> None:
    o = decide_on(disposition(count("HS 11357", end_date=D(2030, 1, 1))))
    assert o.procedure == "petition"
