"""Rule 4, `OTHER_11357`: HS 11357(c), (d), (e) before the Act (more than 28.5 grams, school
grounds) go to review, whatever the age from 18 on."""
import pytest

from tests.eligibility.unit.builders import aged, count, decide_on, disposition


@pytest.mark.parametrize("statute", ["HS 11357(c)", "HS 11357(d)", "HS 11357(e)", "HS11357D"])
@pytest.mark.parametrize("age", [19, 30])
def test_other_subsections_go_to_review(statute: str, age: int) -> None:
    o = decide_on(disposition(count(statute, level="misdemeanor"), person=aged(age)))
    assert (o.relief, o.reason_codes) == ("needs_review", ("OTHER_11357",))


def test_the_text_reads_11357_c_as_more_than_28_5_grams_not_school_grounds() -> None:
    text = decide_on(disposition(count("HS 11357(c)"))).reasons[0].text
    assert "11357(c) was possession of more than 28.5 grams" in text
    assert "numbering before Proposition 64" in text
