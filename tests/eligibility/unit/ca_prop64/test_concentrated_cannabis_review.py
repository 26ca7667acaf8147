"""Rule 4, `CONCENTRATED_CANNABIS_REVIEW`: the same concentrate below felony: no lesser
offense to redesignate, so a reviewer decides."""
import pytest

from tests.eligibility.unit.builders import count, decide_on, disposition


@pytest.mark.parametrize("level", ["misdemeanor", "infraction"])
@pytest.mark.parametrize("grams", [9.0, None])
def test_a_misdemeanor_for_more_than_8_grams_of_concentrate_goes_to_review(
        level: str, grams: float | None) -> None:
    o = decide_on(disposition(count("HS 11357(a)", level=level, grams=grams)))
    assert (o.relief, o.reason_codes) == ("needs_review", ("CONCENTRATED_CANNABIS_REVIEW",))


def test_dismiss_all_dismisses_it() -> None:
    o = decide_on(disposition(count("HS 11357(a)", level="misdemeanor")), policy="dismiss-all")
    assert o.relief == "dismiss_and_seal"
