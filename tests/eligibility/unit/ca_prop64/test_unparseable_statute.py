"""Rule 2, `UNPARSEABLE_STATUTE`: a statute that cannot be read but mentions 11357-11360."""
import pytest

from tests.eligibility.unit.builders import aged, count, decide_all, decide_on, disposition


@pytest.mark.parametrize("policy", ["statewide", "dismiss-all"])
@pytest.mark.parametrize("text", ["11359POSS", "PC 182/11359", "HS 11357 C"])
def test_an_unreadable_cannabis_statute_goes_to_review_verbatim(policy: str, text: str) -> None:
    o = decide_on(disposition(count(text)), policy=policy)
    assert (o.relief, o.reason_codes, o.statute) == ("needs_review", ("UNPARSEABLE_STATUTE",),
                                                     text)


def test_it_comes_before_the_juvenile_rule() -> None:
    o = decide_on(disposition(count("11359POSS"), person=aged(15)))
    assert o.reason_codes == ("UNPARSEABLE_STATUTE",)


def test_an_unreadable_statute_without_a_cannabis_section_is_not_decided() -> None:
    assert decide_all(disposition(count("POSS MJ"))) == []
