"""Rule 4, `CONCENTRATED_CANNABIS_REDUCTION`: HS 11357(a) (concentrated cannabis before the
Act) of more than 8 grams, or an unknown amount, as a felony: reduced to a misdemeanor."""
import pytest

from tests.eligibility.unit.builders import aged, count, decide_on, disposition


@pytest.mark.parametrize("grams", [8.01, 30.0, None])
@pytest.mark.parametrize("age", [19, 40])
def test_a_felony_for_more_than_8_grams_of_concentrate_is_reduced(
        grams: float | None, age: int) -> None:
    o = decide_on(disposition(count("HS 11357(a)", level="felony", grams=grams),
                              person=aged(age)))
    assert (o.relief, o.reason_codes) == ("reduce_to_misdemeanor",
                                          ("CONCENTRATED_CANNABIS_REDUCTION",))


def test_the_text_says_it_reads_the_numbering_before_the_act() -> None:
    o = decide_on(disposition(count("HS 11357(a)", level="felony")))
    assert "Before Proposition 64" in o.reasons[0].text
