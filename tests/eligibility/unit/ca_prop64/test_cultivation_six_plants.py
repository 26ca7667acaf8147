"""Rule 5, `CULTIVATION_SIX_PLANTS`: HS 11358 with six plants or fewer at 21 or over is
lawful (HS 11362.1(a)(3)) whatever the priors: dismissed and sealed. Boundaries: 6 and 7
plants, the 21st birthday."""
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


@pytest.mark.parametrize("plants", [0, 6])
def test_six_plants_or_fewer_at_21_or_over_are_dismissed(plants: int) -> None:
    o = decide_on(disposition(count("HS 11358", plants=plants), person=aged(21)))
    assert (o.relief, o.reason_codes) == ("dismiss_and_seal", ("CULTIVATION_SIX_PLANTS",))


def test_seven_plants_are_not_lawful() -> None:
    o = decide_on(disposition(count("HS 11358", level="felony", plants=7)))
    assert (o.relief, o.reason_codes) == ("reduce_to_misdemeanor", ("FELONY_REDUCTION",))


def test_five_plants_at_30_after_a_murder_conviction_are_dismissed() -> None:
    murder = disposition(conviction("PC 187", D(2001, 1, 1)))
    event = disposition(count("HS 11358", plants=5), person=aged(30))
    for policy in ("statewide", "dismiss-all"):
        assert decide_on(event, murder, policy=policy).relief == "dismiss_and_seal"


def test_six_plants_are_dismissed_after_a_registration_and_two_priors() -> None:
    priors = [disposition(conviction("HS 11358", D(2003, 1, 1), plants=50)),
              disposition(conviction("HS 11358", D(2004, 1, 1), plants=50))]
    o = decide_on(disposition(count("HS 11358", plants=6, environmental_violation=True)),
                  *priors, registration(D(2002, 1, 1)))
    assert o.relief == "dismiss_and_seal"


def test_on_the_21st_birthday_six_plants_are_dismissed() -> None:
    event = disposition(count("HS 11358", plants=6, offense_date=D(2011, 6, 15)),
                        person=born(D(1990, 6, 15)))
    assert decide_on(event).relief == "dismiss_and_seal"
